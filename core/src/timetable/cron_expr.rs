//! A 5-field cron expression compiled for the cron crate, and its fire times on a wall clock.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::dst::{self, WallClock};
use super::field::{
    self, DAY_NAMES, DAY_OF_MONTH, DAY_OF_WEEK, FieldKind, HOUR, MINUTE, MONTH, MONTH_NAMES,
};
use super::{Schedule, ScheduleError};

/// A cron schedule: the text as written and what the cron crate evaluates.
#[derive(Clone, PartialEq)]
pub struct CronSchedule {
    source: String,
    /// Shared: DAG models are cloned often and the crate's schedules are large.
    compiled: Arc<Compiled>,
}

#[derive(PartialEq)]
struct Compiled {
    /// Fires on days that day-of-month and day-of-week both pick (either may be `*`).
    days: cron::Schedule,
    /// When both day fields are restricted cron fires on a day that either picks (Vixie cron,
    /// croniter), which no single crate schedule expresses: `days` then holds the day-of-month
    /// half and this the day-of-week half, and fires are the union of the two.
    weekdays: Option<cron::Schedule>,
}

const FIELD_NAMES: &str = "minute hour day-of-month month day-of-week";

impl CronSchedule {
    /// Compiles `expr`, five fields, keeping `source` as the text the user wrote (a preset's
    /// name or the expression itself).
    pub(super) fn compile(source: &str, expr: &str) -> Result<Self, ScheduleError> {
        let parts: Vec<&str> = expr.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = parts[..] else {
            return Err(field_count_error(expr, parts.len()));
        };
        let minute = MINUTE.parse(minute)?;
        let hour = HOUR.parse(hour)?;
        let dom = DAY_OF_MONTH.parse(dom)?;
        let month = MONTH.parse(month)?;
        let dow = DAY_OF_WEEK.parse(dow)?;

        // croniter's reading, which Airflow users expect: a day field is unrestricted when it is
        // `*`, or when it covers every value and the other day field is written with a `*`.
        let dom_star = dom.is_star || (dom.bits == DAY_OF_MONTH.all() && dow.has_star);
        let dow_star = dow.is_star || (dow.bits == DAY_OF_WEEK.all() && dom.has_star);
        let times = format!(
            "0 {} {}",
            numbers(&MINUTE, minute.bits),
            numbers(&HOUR, hour.bits)
        );
        let months = month_names(month.bits);
        let build = |dom_bits: u64, dow_bits: u64| {
            crate_schedule(&format!(
                "{times} {} {months} {}",
                numbers(&DAY_OF_MONTH, dom_bits),
                day_names(dow_bits)
            ))
        };
        let ever = fires_ever(dom.bits, month.bits);
        let compiled = if !dom_star && !dow_star {
            let weekdays = build(DAY_OF_MONTH.all(), dow.bits)?;
            // A day-of-month half that never happens (the 31st of February) would make the crate
            // search every year to 2100 on each call.
            match ever {
                true => Compiled {
                    days: build(dom.bits, DAY_OF_WEEK.all())?,
                    weekdays: Some(weekdays),
                },
                false => Compiled {
                    days: weekdays,
                    weekdays: None,
                },
            }
        } else if ever {
            Compiled {
                days: build(dom.bits, dow.bits)?,
                weekdays: None,
            }
        } else {
            return Err(never_error(dom.bits));
        };
        Ok(CronSchedule {
            source: source.to_string(),
            compiled: Arc::new(compiled),
        })
    }

    /// The text as written: `@daily` or `0 2 * * *`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The first fire strictly after `t`, evaluating the cron on `tz`'s wall clock. None past
    /// 2100, where the cron crate stops.
    pub fn next_fire_after(&self, t: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        dst::next_after(self, tz, t)
    }

    /// The last fire at or before `t`. None before 1970, where the cron crate starts.
    pub fn prev_fire_at_or_before(&self, t: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        dst::prev_at_or_before(self, tz, t)
    }
}

impl WallClock for CronSchedule {
    fn next_after(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        // Also keeps the crate's `t + 1s` from overflowing.
        if t >= last_year_end()? {
            return None;
        }
        let t = t.max(first_year_start()?);
        let first = next_of(&self.compiled.days, t);
        match &self.compiled.weekdays {
            Some(weekdays) => earliest(first, next_of(weekdays, t)),
            None => first,
        }
    }

    fn prev_at_or_before(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        // Before 1970 the crate would wrap negative years round to its last ones.
        if t < first_year_start()? {
            return None;
        }
        let t = t.min(last_year_end()?);
        let first = prev_of(&self.compiled.days, t);
        match &self.compiled.weekdays {
            Some(weekdays) => first.max(prev_of(weekdays, t)),
            None => first,
        }
    }
}

/// Just before the cron crate's first year: earlier starts would overflow its year arithmetic.
fn first_year_start() -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(1969, 12, 31)?.and_hms_opt(23, 59, 59)
}

/// The cron crate's last second: searching back from a later year, the crate would start from
/// that year's month and day in 2100 rather than from its end.
fn last_year_end() -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(2100, 12, 31)?.and_hms_opt(23, 59, 59)
}

fn next_of(schedule: &cron::Schedule, t: NaiveDateTime) -> Option<NaiveDateTime> {
    schedule.after(&t.and_utc()).next().map(|d| d.naive_utc())
}

/// The crate only answers "strictly before": ask for before the next whole second, which is at
/// or before `t` for fire times, all on whole seconds.
fn prev_of(schedule: &cron::Schedule, t: NaiveDateTime) -> Option<NaiveDateTime> {
    let bound = t.and_utc().timestamp().checked_add(1)?;
    let bound = DateTime::from_timestamp(bound, 0)?;
    schedule.after(&bound).next_back().map(|d| d.naive_utc())
}

fn earliest<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn crate_schedule(expr: &str) -> Result<cron::Schedule, ScheduleError> {
    cron::Schedule::from_str(expr)
        .map_err(|e| ScheduleError::new(format!("internal error compiling `{expr}`: {e}")))
}

/// A field for the crate, which shares our numbering for all but the days of the week.
fn numbers(kind: &FieldKind, bits: u64) -> String {
    if bits == kind.all() {
        return "*".into();
    }
    join(field::values(bits).map(|v| v.to_string()))
}

fn month_names(bits: u64) -> String {
    if bits == MONTH.all() {
        return "*".into();
    }
    join(field::values(bits).map(|m| MONTH_NAMES[m as usize - 1].to_string()))
}

/// Days of the week by name: the crate numbers Sunday 1, standard cron 0.
fn day_names(bits: u64) -> String {
    if bits == DAY_OF_WEEK.all() {
        return "*".into();
    }
    join(field::values(bits).map(|d| DAY_NAMES[d as usize].to_string()))
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(",")
}

const MAX_DAYS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Whether some picked day of the month exists in some picked month.
fn fires_ever(dom_bits: u64, month_bits: u64) -> bool {
    let first_day = field::values(dom_bits).next().unwrap_or(32);
    field::values(month_bits).any(|m| MAX_DAYS[m as usize - 1] >= first_day)
}

fn never_error(dom_bits: u64) -> ScheduleError {
    let first_day = field::values(dom_bits).next().unwrap_or(32);
    ScheduleError::new(format!(
        "the schedule never fires: no selected month has a day {first_day}"
    ))
    .hint("February has 29 days at most; April, June, September and November have 30")
}

fn field_count_error(expr: &str, found: usize) -> ScheduleError {
    let err = ScheduleError::new(format!("expected 5 fields ({FIELD_NAMES}), found {found}"));
    match found {
        6 => err.hint("Weir cron has no seconds field; drop the first field"),
        7 => err.hint("Weir cron has no seconds or year field; drop the first and the last field"),
        1 if expr.bytes().all(|b| b.is_ascii_alphabetic()) => err.hint(
            "a schedule is a cron expression such as `0 2 * * *` or a preset such as `@daily`",
        ),
        _ => err.hint("e.g. `30 2 * * *` runs at 02:30 every day"),
    }
}

impl fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CronSchedule").field(&self.source).finish()
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for CronSchedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for CronSchedule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match Schedule::parse(&text) {
            Ok(Schedule::Cron(cron)) => Ok(cron),
            Ok(_) => Err(serde::de::Error::custom(format!(
                "`{text}` is not a cron schedule"
            ))),
            Err(e) => Err(serde::de::Error::custom(e.message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(expr: &str) -> Result<CronSchedule, ScheduleError> {
        CronSchedule::compile(expr, expr)
    }

    fn naive(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test date")
    }

    fn next(expr: &str, after: &str) -> NaiveDateTime {
        compile(expr)
            .unwrap()
            .next_after(naive(after))
            .expect("a fire")
    }

    #[test]
    fn field_count() {
        let e = compile("0 0 2 * * *").unwrap_err();
        assert_eq!(
            e.message,
            "expected 5 fields (minute hour day-of-month month day-of-week), found 6"
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("Weir cron has no seconds field; drop the first field")
        );
        assert!(
            compile("0 0 2 * * * 2030")
                .unwrap_err()
                .hint
                .unwrap()
                .contains("year")
        );
        assert_eq!(
            compile("* * *").unwrap_err().message,
            "expected 5 fields (minute hour day-of-month month day-of-week), found 3"
        );
        assert!(
            compile("daily")
                .unwrap_err()
                .hint
                .unwrap()
                .contains("@daily")
        );
    }

    #[test]
    fn field_errors_pass_through() {
        assert_eq!(
            compile("61 * * * *").unwrap_err().message,
            "minute 61 out of range 0-59"
        );
        assert_eq!(
            compile("* * * * 8").unwrap_err().message,
            "day-of-week 8 out of range 0-7"
        );
    }

    #[test]
    fn impossible_dates_are_rejected() {
        let e = compile("0 0 30 2 *").unwrap_err();
        assert_eq!(
            e.message,
            "the schedule never fires: no selected month has a day 30"
        );
        assert!(compile("0 0 31 4,6 *").is_err());
        assert!(compile("0 0 29 2 *").is_ok());
        // Either day field may fire: the impossible half is dropped, the other still fires.
        assert_eq!(
            next("0 0 31 2 MON", "2026-01-01 00:00"),
            naive("2026-02-02 00:00")
        );
    }

    #[test]
    fn weekday_numbers_follow_standard_cron() {
        // 2026-01-01 is a Thursday.
        assert_eq!(
            next("0 0 * * 1", "2026-01-01 00:00"),
            naive("2026-01-05 00:00")
        );
        assert_eq!(
            next("0 0 * * 0", "2026-01-01 00:00"),
            naive("2026-01-04 00:00")
        );
        assert_eq!(
            next("0 0 * * 7", "2026-01-01 00:00"),
            naive("2026-01-04 00:00")
        );
        assert_eq!(
            next("0 0 * * sat", "2026-01-01 00:00"),
            naive("2026-01-03 00:00")
        );
        assert_eq!(
            next("0 0 * * 5-7", "2026-01-03 12:00"),
            naive("2026-01-04 00:00")
        );
    }

    #[test]
    fn either_day_field_fires_when_both_are_restricted() {
        let s = compile("0 0 1 * 1").unwrap();
        let mut t = naive("2026-05-31 12:00");
        let mut fires = Vec::new();
        for _ in 0..4 {
            t = s.next_after(t).unwrap();
            fires.push(t);
        }
        // 2026-06-01 is a Monday: fires once for both reasons.
        let expected = [
            "2026-06-01 00:00",
            "2026-06-08 00:00",
            "2026-06-15 00:00",
            "2026-06-22 00:00",
        ];
        assert_eq!(fires, expected.map(naive));
        assert_eq!(
            next("0 0 1 * 1", "2026-06-29 00:00"),
            naive("2026-07-01 00:00")
        );
        assert_eq!(
            s.prev_at_or_before(naive("2026-07-05 00:00")),
            Some(naive("2026-07-01 00:00"))
        );
        // croniter: a star in one day field and all values in the other is no restriction.
        assert_eq!(
            next("0 0 */1 * 0-6", "2026-01-01 00:00"),
            naive("2026-01-02 00:00")
        );
        assert_eq!(
            next("0 0 */2 * 1", "2026-01-01 00:00"),
            naive("2026-01-03 00:00")
        );
        // Every day of the month written out is still a restriction, so any day fires (Vixie cron).
        assert_eq!(
            next("0 0 1-31 * 1", "2026-01-01 00:00"),
            naive("2026-01-02 00:00")
        );
        // One day field restricted: the other is no alternative.
        assert_eq!(
            next("0 0 * * 1", "2026-01-01 00:00"),
            naive("2026-01-05 00:00")
        );
        assert_eq!(
            next("0 0 13 * *", "2026-01-01 00:00"),
            naive("2026-01-13 00:00")
        );
    }

    #[test]
    fn prev_is_at_or_before() {
        let s = compile("30 2 * * *").unwrap();
        let at = naive("2026-01-02 02:30");
        assert_eq!(s.prev_at_or_before(at), Some(at));
        let just_before = at - chrono::Duration::nanoseconds(1);
        assert_eq!(
            s.prev_at_or_before(just_before),
            Some(naive("2026-01-01 02:30"))
        );
        assert_eq!(s.next_after(just_before), Some(at));
        assert_eq!(s.next_after(at), Some(naive("2026-01-03 02:30")));
    }

    #[test]
    fn years_outside_the_crate_range() {
        let s = compile("0 0 * * *").unwrap();
        assert_eq!(s.next_after(naive("2100-12-31 00:00")), None);
        assert_eq!(
            s.next_after(naive("1900-01-01 00:00")),
            Some(naive("1970-01-01 00:00"))
        );
        assert_eq!(s.prev_at_or_before(naive("1969-12-31 23:00")), None);
        assert_eq!(
            s.prev_at_or_before(naive("2500-01-01 00:00")),
            Some(naive("2100-12-31 00:00"))
        );
        assert_eq!(
            s.next_after(NaiveDateTime::MIN),
            Some(naive("1970-01-01 00:00"))
        );
        assert_eq!(
            s.prev_at_or_before(NaiveDateTime::MAX),
            Some(naive("2100-12-31 00:00"))
        );
        assert_eq!(s.next_after(NaiveDateTime::MAX), None);
        assert_eq!(s.prev_at_or_before(NaiveDateTime::MIN), None);
    }
}
