//! From wall-clock fire times to instants: cron speaks the local wall clock, runs happen at
//! instants.
//!
//! A wall time is one instant, except around daylight-saving changes:
//! - when clocks fall back, a stretch of wall time passes twice; a fire time in it fires once, on
//!   the first pass;
//! - when clocks spring forward, a stretch of wall time never passes; a fire time in it fires at
//!   that wall time shifted forward by the jump (02:30 becomes 03:30), the instant the offset
//!   before the jump gives it.
//!
//! Shifted fires land among the regular fires right after the jump, even on them (`*/15` across a
//! one-hour jump moves 02:15 onto 03:15, which fires anyway), so the fires are the *set* of mapped
//! instants: a collision is one fire, and searches look for the least mapped instant after `t`
//! (the greatest at or before it), not for the mapping of the next wall time. Elsewhere mapping
//! keeps the wall clock's order, so a search walks the wall-clock fires from `t`'s wall time and
//! stops at the first that maps past `t`; the stretches near a change are settled by looking at
//! the change, if any, in the day and a half before `t`.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};

/// Fire times on a wall clock, with no timezone yet.
pub(super) trait WallClock {
    /// The first fire time strictly after `t`. Fire times fall on whole seconds.
    fn next_after(&self, t: NaiveDateTime) -> Option<NaiveDateTime>;
    /// The last fire time at or before `t`.
    fn prev_at_or_before(&self, t: NaiveDateTime) -> Option<NaiveDateTime>;
}

/// Longer than any jump or repeat in the tz database (Samoa skipped a whole day in 2011).
const LOOKBACK: TimeDelta = TimeDelta::hours(36);
const NS: TimeDelta = TimeDelta::nanoseconds(1);
/// 1969-01-01 and 2102-01-01: beyond these, with the offsets of any zone, the cron crate (1970 to
/// 2100) has no fires, and clamping keeps all arithmetic far from chrono's limits.
const FIRST_SECOND: i64 = -31_536_000;
const LAST_SECOND: i64 = 4_165_516_800;

/// The first fire of `clock` on `tz`'s wall clock strictly after `t`.
pub(super) fn next_after(
    clock: &impl WallClock,
    tz: Tz,
    t: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if t.timestamp() >= LAST_SECOND {
        return None;
    }
    let t = t.max(DateTime::from_timestamp(FIRST_SECOND, 0)?);
    let mut from = t.with_timezone(&tz).naive_local();
    let mut best = None;
    if let Some(change) = recent_change(tz, t) {
        if let Some(gap) = change.gap_shifted_onto(t) {
            // t is among the instants skipped walls were shifted onto: the rest of those are due.
            best = clock
                .next_after(t.naive_utc() + gap.before)
                .filter(|wall| *wall < gap.end)
                .map(|wall| gap.shift(wall));
        } else if let Some(end) = change.repeat_end(t) {
            // t is in the second pass through repeated walls, whose fires came in the first pass.
            from = from.max(end - NS);
        }
    }
    while let Some(wall) = clock.next_after(from) {
        match classify(tz, wall) {
            Some(Wall::At(u)) if u > t => return Some(best.map_or(u, |b| b.min(u))),
            // Later skipped walls shift later than any already found.
            Some(Wall::Skipped(_)) if best.is_some() => break,
            Some(Wall::Skipped(gap)) => {
                let u = gap.shift(wall);
                if u > t {
                    best = Some(u);
                }
                // Only a regular fire right after the jump can still come before this one.
                from = wall.max(gap.end - NS);
            }
            _ => from = wall,
        }
    }
    best
}

/// The last fire of `clock` on `tz`'s wall clock at or before `t`.
pub(super) fn prev_at_or_before(
    clock: &impl WallClock,
    tz: Tz,
    t: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if t.timestamp() < FIRST_SECOND {
        return None;
    }
    let t = t.min(DateTime::from_timestamp(LAST_SECOND, 0)?);
    let mut upto = t.with_timezone(&tz).naive_local();
    // Every wall of a repeat has fired on its first pass. (Skipped walls shifted onto the
    // instants up to t are found from the first fire the loop meets: at or after their jump.)
    if let Some(end) = recent_change(tz, t).and_then(|change| change.repeat_end(t)) {
        upto = upto.max(end - NS);
    }
    while let Some(wall) = clock.prev_at_or_before(upto) {
        match classify(tz, wall) {
            Some(Wall::At(u)) if u <= t => {
                // Walls skipped just before this one may have been shifted past it.
                let shifted = recent_change(tz, u)
                    .and_then(|change| change.gap_shifted_onto(u))
                    .and_then(|gap| last_shifted(clock, &gap, t));
                return Some(shifted.map_or(u, |s| s.max(u)));
            }
            Some(Wall::Skipped(gap)) => {
                // Regular fires before the jump come before any shifted one.
                if let Some(u) = last_shifted(clock, &gap, t) {
                    return Some(u);
                }
                upto = gap.start - NS;
            }
            _ => upto = wall - NS,
        }
    }
    None
}

/// The instant of a wall time, for dates users write: the first pass of a repeated wall time, the
/// shifted instant of a skipped one.
pub(super) fn wall_to_instant(tz: Tz, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
    match classify(tz, wall)? {
        Wall::At(u) => Some(u),
        Wall::Skipped(gap) => Some(gap.shift(wall)),
    }
}

/// The latest fire in `gap` whose shifted instant is at or before `t`.
fn last_shifted(clock: &impl WallClock, gap: &Gap, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let limit = (t.naive_utc() + gap.before).min(gap.end - NS);
    clock
        .prev_at_or_before(limit)
        .filter(|wall| *wall >= gap.start)
        .map(|wall| gap.shift(wall))
}

enum Wall {
    At(DateTime<Utc>),
    Skipped(Gap),
}

/// Wall time skipped when clocks sprang forward.
struct Gap {
    /// The first skipped wall time.
    start: NaiveDateTime,
    /// The first wall time after the jump.
    end: NaiveDateTime,
    /// The UTC offset before the jump.
    before: TimeDelta,
}

impl Gap {
    fn shift(&self, wall: NaiveDateTime) -> DateTime<Utc> {
        (wall - self.before).and_utc()
    }
}

fn classify(tz: Tz, wall: NaiveDateTime) -> Option<Wall> {
    match tz.offset_from_local_datetime(&wall) {
        LocalResult::Single(offset) => Some(Wall::At((wall - seconds(&offset)).and_utc())),
        LocalResult::Ambiguous(a, b) => {
            Some(Wall::At((wall - seconds(&a).max(seconds(&b))).and_utc()))
        }
        LocalResult::None => {
            let info = GapInfo::new(&wall, &tz)?;
            let ((start, before), end) = (info.begin?, info.end?);
            Some(Wall::Skipped(Gap {
                start,
                end: end.naive_local(),
                before: seconds(&before),
            }))
        }
    }
}

fn seconds(offset: &impl Offset) -> TimeDelta {
    TimeDelta::seconds(offset.fix().local_minus_utc().into())
}

/// A change of UTC offset.
struct Change {
    at: DateTime<Utc>,
    before: TimeDelta,
    after: TimeDelta,
}

impl Change {
    /// The skipped walls, when clocks sprang forward and `t` is among the instants they were
    /// shifted onto.
    fn gap_shifted_onto(&self, t: DateTime<Utc>) -> Option<Gap> {
        let jump = self.after - self.before;
        (jump > TimeDelta::zero() && t < self.at + jump).then(|| Gap {
            start: self.at.naive_utc() + self.before,
            end: self.at.naive_utc() + self.after,
            before: self.before,
        })
    }

    /// The wall time that ends the repeat, when clocks fell back and `t` is in its second pass.
    fn repeat_end(&self, t: DateTime<Utc>) -> Option<NaiveDateTime> {
        let repeat = self.before - self.after;
        (repeat > TimeDelta::zero() && t < self.at + repeat)
            .then(|| self.at.naive_utc() + self.before)
    }
}

/// The change of offset in the day and a half up to `t`, if any. Zones change offset months
/// apart, so one change at most is assumed.
fn recent_change(tz: Tz, t: DateTime<Utc>) -> Option<Change> {
    let offset_at = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .map(|u| seconds(&tz.offset_from_utc_datetime(&u.naive_utc())))
    };
    let after = offset_at(t.timestamp())?;
    let mut low = (t - LOOKBACK).timestamp();
    if offset_at(low)? == after {
        return None;
    }
    // Offsets change on whole seconds: bisect for the first second with the current offset.
    let mut high = t.timestamp();
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if offset_at(mid)? == after {
            high = mid;
        } else {
            low = mid;
        }
    }
    Some(Change {
        at: DateTime::from_timestamp(high, 0)?,
        before: offset_at(low)?,
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// Fires daily at these minutes of the day.
    struct Daily(Vec<i64>);

    impl Daily {
        fn every(step: i64) -> Self {
            Daily((0..1440).step_by(step as usize).collect())
        }

        /// The fires of the days around `t`, in order.
        fn around(&self, t: NaiveDateTime) -> impl DoubleEndedIterator<Item = NaiveDateTime> + '_ {
            let day = t.date().and_hms_opt(0, 0, 0).unwrap();
            (-2..=2).flat_map(move |d| {
                self.0
                    .iter()
                    .map(move |m| day + TimeDelta::days(d) + TimeDelta::minutes(*m))
            })
        }
    }

    impl WallClock for Daily {
        fn next_after(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
            self.around(t).find(|w| *w > t)
        }

        fn prev_at_or_before(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
            self.around(t).rev().find(|w| *w <= t)
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test instant")
            .to_utc()
    }

    #[test]
    fn skipped_wall_times_shift_by_the_jump() {
        let berlin = chrono_tz::Europe::Berlin;
        let wall = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            wall_to_instant(berlin, wall),
            Some(utc("2026-03-29T01:30:00Z"))
        );
        let howe = chrono_tz::Australia::Lord_Howe;
        let wall = NaiveDate::from_ymd_opt(2026, 10, 4)
            .unwrap()
            .and_hms_opt(2, 10, 0)
            .unwrap();
        assert_eq!(
            wall_to_instant(howe, wall),
            Some(utc("2026-10-04T02:40:00+11:00"))
        );
    }

    #[test]
    fn repeated_wall_times_take_the_first_pass() {
        let berlin = chrono_tz::Europe::Berlin;
        let wall = NaiveDate::from_ymd_opt(2026, 10, 25)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            wall_to_instant(berlin, wall),
            Some(utc("2026-10-25T02:30:00+02:00"))
        );
    }

    #[test]
    fn shifted_fires_interleave_with_regular_ones() {
        // Lord Howe jumps 02:00 -> 02:30: wall 02:10 fires at 02:40, after the regular 02:30.
        let howe = chrono_tz::Australia::Lord_Howe;
        let clock = Daily((130..200).step_by(20).collect());
        let mut t = utc("2026-10-04T01:00:00+10:30");
        let mut fires = Vec::new();
        for _ in 0..5 {
            t = next_after(&clock, howe, t).unwrap();
            fires.push(t.with_timezone(&howe).format("%d %H:%M").to_string());
            assert_eq!(prev_at_or_before(&clock, howe, t), Some(t));
        }
        assert_eq!(
            fires,
            ["04 02:30", "04 02:40", "04 02:50", "04 03:10", "05 02:10"]
        );
        let t = utc("2026-10-04T02:45:00+11:00");
        assert_eq!(
            prev_at_or_before(&clock, howe, t),
            Some(utc("2026-10-04T02:40:00+11:00"))
        );
        assert_eq!(
            next_after(&clock, howe, t),
            Some(utc("2026-10-04T02:50:00+11:00"))
        );
    }

    #[test]
    fn shifted_fire_after_the_last_regular_one() {
        // Walls 02:25 (skipped, fires 02:55) and 02:30 (regular): after both, the last is 02:55.
        let howe = chrono_tz::Australia::Lord_Howe;
        let clock = Daily(vec![145, 150]);
        let t = utc("2026-10-04T03:30:00+11:00");
        assert_eq!(
            prev_at_or_before(&clock, howe, t),
            Some(utc("2026-10-04T02:55:00+11:00"))
        );
        let t = utc("2026-10-04T02:30:00+11:00");
        assert_eq!(
            next_after(&clock, howe, t),
            Some(utc("2026-10-04T02:55:00+11:00"))
        );
        assert_eq!(prev_at_or_before(&clock, howe, t), Some(t));
    }

    #[test]
    fn collisions_fire_once() {
        // Berlin jumps 02:00 -> 03:00: walls 02:00-02:45 shift onto 03:00-03:45, which fire anyway.
        let berlin = chrono_tz::Europe::Berlin;
        let clock = Daily::every(15);
        let mut t = utc("2026-03-29T01:50:00+01:00");
        let mut fires = Vec::new();
        for _ in 0..3 {
            t = next_after(&clock, berlin, t).unwrap();
            fires.push(t);
        }
        let expected = [
            "2026-03-29T03:00:00+02:00",
            "2026-03-29T03:15:00+02:00",
            "2026-03-29T03:30:00+02:00",
        ];
        assert_eq!(fires, expected.map(utc));
    }

    #[test]
    fn second_pass_of_a_repeat_fires_nothing_again() {
        let berlin = chrono_tz::Europe::Berlin;
        let clock = Daily::every(30);
        // 02:10 CET is the second pass through 02:00-03:00; 02:30 fired on the first pass.
        let t = utc("2026-10-25T02:10:00+01:00");
        assert_eq!(
            next_after(&clock, berlin, t),
            Some(utc("2026-10-25T03:00:00+01:00"))
        );
        assert_eq!(
            prev_at_or_before(&clock, berlin, t),
            Some(utc("2026-10-25T02:30:00+02:00"))
        );
    }

    #[test]
    fn out_of_range_instants() {
        let clock = Daily::every(60);
        assert_eq!(next_after(&clock, Tz::UTC, DateTime::<Utc>::MAX_UTC), None);
        assert_eq!(
            prev_at_or_before(&clock, Tz::UTC, DateTime::<Utc>::MIN_UTC),
            None
        );
        assert!(next_after(&clock, Tz::UTC, DateTime::<Utc>::MIN_UTC).is_some());
    }
}
