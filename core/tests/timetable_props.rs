//! Properties of cron fire times, checked against a brute-force reference that walks the wall
//! clock minute by minute and maps each matching minute to an instant on its own.

// A module, so that `cargo test -p weir-core timetable` selects these tests by name.
mod timetable_props {
    use std::collections::BTreeSet;

    use chrono::{
        DateTime, Datelike, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Timelike, Utc,
    };
    use chrono_tz::Tz;
    use proptest::prelude::*;
    use weir_core::timetable::{CronSchedule, Schedule, Timetable};

    const ZONES: [Tz; 5] = [
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kolkata,
        Tz::UTC,
    ];

    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// One generated field: its text and the values it selects.
    #[derive(Debug, Clone)]
    struct Field {
        text: String,
        values: BTreeSet<u32>,
    }

    impl Field {
        fn star(&self) -> bool {
            self.text == "*"
        }
    }

    /// A value as text: a number, or for months and weekdays sometimes a name.
    fn spell(
        value: u32,
        names: &'static [&'static str],
        first_named: u32,
    ) -> BoxedStrategy<String> {
        let number = Just(value.to_string());
        match names.get(value.wrapping_sub(first_named) as usize) {
            Some(name) => {
                prop_oneof![number, Just(name.to_string()), Just(name.to_lowercase())].boxed()
            }
            None => number.boxed(),
        }
    }

    /// One list item over values min..=max: `a`, `a-b`, `a-b/n`, `*/n`.
    fn item(
        min: u32,
        max: u32,
        names: &'static [&'static str],
        first_named: u32,
    ) -> BoxedStrategy<Field> {
        let single = (min..=max).prop_flat_map(move |v| {
            spell(v, names, first_named).prop_map(move |text| Field {
                text,
                values: BTreeSet::from([v]),
            })
        });
        let range = (min..=max, min..=max, 1..=max.max(2)).prop_flat_map(move |(a, b, step)| {
            let (low, high) = (a.min(b), a.max(b));
            let step = if step > 4 { 1 } else { step };
            (
                spell(low, names, first_named),
                spell(high, names, first_named),
            )
                .prop_map(move |(l, h)| {
                    let text = if step == 1 {
                        format!("{l}-{h}")
                    } else {
                        format!("{l}-{h}/{step}")
                    };
                    Field {
                        text,
                        values: (low..=high).step_by(step as usize).collect(),
                    }
                })
        });
        let every = (2..=max.max(2)).prop_map(move |step| Field {
            text: format!("*/{step}"),
            values: (min..=max).step_by(step as usize).collect(),
        });
        prop_oneof![3 => single, 2 => range, 1 => every].boxed()
    }

    /// A whole field: `*`, one item, or a list of items.
    fn field(
        min: u32,
        max: u32,
        names: &'static [&'static str],
        first_named: u32,
    ) -> BoxedStrategy<Field> {
        let all = Just(Field {
            text: "*".into(),
            values: (min..=max).collect(),
        });
        let list =
            prop::collection::vec(item(min, max, names, first_named), 1..=3).prop_map(|items| {
                Field {
                    text: items
                        .iter()
                        .map(|i| i.text.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    values: items
                        .iter()
                        .flat_map(|i| i.values.iter().copied())
                        .collect(),
                }
            });
        prop_oneof![2 => all, 3 => list].boxed()
    }

    /// Hours, often those in which clocks change.
    fn hour() -> impl Strategy<Value = Field> {
        let changing = (0u32..=3, 1u32..=3).prop_map(|(a, len)| {
            let b = (a + len).min(23);
            Field {
                text: format!("{a}-{b}"),
                values: (a..=b).collect(),
            }
        });
        prop_oneof![2 => field(0, 23, &[], 0), 1 => changing]
    }

    /// A cron expression and what it selects, Sunday folded to 0.
    #[derive(Debug, Clone)]
    struct Cron {
        text: String,
        minutes: BTreeSet<u32>,
        hours: BTreeSet<u32>,
        doms: BTreeSet<u32>,
        months: BTreeSet<u32>,
        dows: BTreeSet<u32>,
        /// Both day fields restricted: a day matching either fires.
        either_day: bool,
    }

    impl Cron {
        fn matches(&self, wall: NaiveDateTime) -> bool {
            let dom = self.doms.contains(&wall.day());
            let dow = self.dows.contains(&wall.weekday().num_days_from_sunday());
            let day = if self.either_day {
                dom || dow
            } else {
                dom && dow
            };
            day && self.minutes.contains(&wall.minute())
                && self.hours.contains(&wall.hour())
                && self.months.contains(&wall.month())
        }
    }

    fn cron() -> impl Strategy<Value = Cron> {
        (
            field(0, 59, &[], 0),
            hour(),
            field(1, 31, &[], 0),
            field(1, 12, &MONTHS, 1),
            field(0, 7, &DAYS, 0),
        )
            .prop_map(|(minute, hour, dom, month, dow)| {
                let text = format!(
                    "{} {} {} {} {}",
                    minute.text, hour.text, dom.text, month.text, dow.text
                );
                let dows: BTreeSet<u32> = dow.values.iter().map(|d| d % 7).collect();
                // croniter: a field with every value is `*` unless the other day field has no `*`.
                let dom_star = dom.star() || (dom.values.len() == 31 && dow.text.contains('*'));
                let dow_star = dow.star() || (dows.len() == 7 && dom.text.contains('*'));
                Cron {
                    text,
                    minutes: minute.values,
                    hours: hour.values,
                    doms: dom.values,
                    months: month.values,
                    dows,
                    either_day: !dom_star && !dow_star,
                }
            })
            // Schedules that fire only on days no month has are rejected at parse time.
            .prop_filter("fires some day", |c| {
                c.either_day
                    || c.months.iter().any(|m| {
                        c.doms.iter().any(|d| {
                            *d <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][*m as usize - 1]
                        })
                    })
            })
    }

    fn compile(text: &str) -> CronSchedule {
        match Schedule::parse(text) {
            Ok(Schedule::Cron(cron)) => cron,
            other => panic!("`{text}` did not parse as cron: {other:?}"),
        }
    }

    /// The reference mapping of a wall time: earliest instant if repeated; if skipped, shifted by the
    /// jump, i.e. read with the offset a day before (these zones change offset months apart).
    fn reference_instant(tz: Tz, wall: NaiveDateTime) -> DateTime<Utc> {
        match tz.from_local_datetime(&wall) {
            LocalResult::Single(d) => d.to_utc(),
            LocalResult::Ambiguous(a, b) => a.to_utc().min(b.to_utc()),
            LocalResult::None => {
                let day_before = tz
                    .offset_from_utc_datetime(&(wall - TimeDelta::days(1)))
                    .fix();
                (wall - TimeDelta::seconds(day_before.local_minus_utc().into())).and_utc()
            }
        }
    }

    /// Every fire whose wall time is within two days of `t`'s.
    fn reference_fires(cron: &Cron, tz: Tz, t: DateTime<Utc>) -> BTreeSet<DateTime<Utc>> {
        let wall = t.with_timezone(&tz).naive_local();
        let first = wall.with_second(0).unwrap().with_nanosecond(0).unwrap() - TimeDelta::days(2);
        (0..4 * 1440)
            .map(|m| first + TimeDelta::minutes(m))
            .filter(|w| cron.matches(*w))
            .map(|w| reference_instant(tz, w))
            .collect()
    }

    /// An instant in 2000-2099, half the time within three hours of a change of offset.
    fn instant() -> impl Strategy<Value = (Tz, DateTime<Utc>)> {
        (
            0..ZONES.len(),
            946_684_800i64..4_102_444_800 - 3 * 86_400,
            any::<bool>(),
            -180i64..180,
            0i64..60,
        )
            .prop_map(|(zone, secs, near_change, minutes, seconds)| {
                let tz = ZONES[zone];
                let base = DateTime::from_timestamp(secs, 0).unwrap();
                let t = match near_change.then(|| next_change(tz, base)).flatten() {
                    Some(change) => {
                        change + TimeDelta::minutes(minutes) + TimeDelta::seconds(seconds)
                    }
                    None => base,
                };
                (tz, t)
            })
    }

    fn offset(tz: Tz, t: DateTime<Utc>) -> i32 {
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    }

    /// The first change of offset within a year after `t`.
    fn next_change(tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = offset(tz, t);
        let mut high = (1..=366)
            .map(|d| t + TimeDelta::days(d))
            .find(|u| offset(tz, *u) != start)?;
        let mut low = high - TimeDelta::days(1);
        while high - low > TimeDelta::seconds(1) {
            let mid = low + (high - low) / 2;
            if offset(tz, mid) == start {
                low = mid
            } else {
                high = mid
            }
        }
        Some(high)
    }

    proptest! {
        // Failures print their minimal case; no regression files are written next to the tests.
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn fires_match_the_reference((c, (tz, t)) in (cron(), instant())) {
            let cron = compile(&c.text);
            let reference = reference_fires(&c, tz, t);
            let day = TimeDelta::days(1);
            // Within a day of t the reference sees every fire.
            let expected_next = reference.range(t + TimeDelta::nanoseconds(1)..).next().filter(|f| **f <= t + day);
            let next = cron.next_fire_after(t, tz);
            match expected_next {
                Some(f) => prop_assert_eq!(next, Some(*f)),
                None => prop_assert!(next.is_none_or(|n| n > t + day), "next {:?}", next),
            }
            let expected_prev = reference.range(..=t).next_back().filter(|f| **f >= t - day);
            let prev = cron.prev_fire_at_or_before(t, tz);
            match expected_prev {
                Some(f) => prop_assert_eq!(prev, Some(*f)),
                None => prop_assert!(prev.is_none_or(|p| p < t - day), "prev {:?}", prev),
            }
            // Walking forward from a day before t meets exactly the reference's fires.
            let mut walked = Vec::new();
            let mut at = t - day;
            while let Some(n) = cron.next_fire_after(at, tz).filter(|n| *n <= t + day && walked.len() < 200) {
                walked.push(n);
                at = n;
            }
            let expected: Vec<_> = reference.range(t - day + TimeDelta::nanoseconds(1)..=t + day).take(200).copied().collect();
            prop_assert_eq!(walked, expected);
            // And backward from a day after t, from just before each fire.
            let mut walked = Vec::new();
            let mut at = t + day;
            while let Some(p) = cron.prev_fire_at_or_before(at, tz).filter(|p| *p >= t - day && walked.len() < 200) {
                walked.push(p);
                at = p - TimeDelta::nanoseconds(1);
            }
            let expected: Vec<_> = reference.range(t - day..=t + day).rev().take(200).copied().collect();
            prop_assert_eq!(walked, expected);
        }

        #[test]
        fn next_and_prev_agree((c, (tz, t)) in (cron(), instant())) {
            let cron = compile(&c.text);
            let Some(next) = cron.next_fire_after(t, tz) else {
                // Only a leap day may not come again before the cron crate's end in 2100.
                prop_assert!(t.year() >= 2096 && c.doms.iter().all(|d| *d == 29) && c.months.iter().all(|m| *m == 2));
                return Ok(());
            };
            prop_assert!(next > t);
            prop_assert_eq!(cron.prev_fire_at_or_before(next, tz), Some(next));
            let prev = cron.prev_fire_at_or_before(t, tz).expect("fired since 2000");
            prop_assert!(prev <= t);
            // Nothing fires between prev and next.
            prop_assert_eq!(cron.next_fire_after(prev, tz), Some(next));
            if prev < t {
                prop_assert_eq!(cron.prev_fire_at_or_before(next - TimeDelta::nanoseconds(1), tz), Some(prev));
            }
        }

        #[test]
        fn fires_strictly_increase_and_intervals_are_contiguous((c, (tz, t)) in (cron(), instant())) {
            let timetable = Timetable {
                schedule: Schedule::parse(&c.text).unwrap(),
                timezone: tz,
                start_date: None,
                end_date: None,
                catchup: true,
            };
            let runs = timetable.upcoming(t, 30);
            if runs.is_empty() {
                prop_assert!(t.year() >= 2096, "no runs after {}", t);
                return Ok(());
            }
            prop_assert!(runs[0].run_after > t && runs[0].logical_date <= t);
            for run in &runs {
                prop_assert!(run.data_interval.start < run.data_interval.end);
                prop_assert_eq!(run.logical_date, run.data_interval.start);
                prop_assert_eq!(run.run_after, run.data_interval.end);
            }
            for pair in runs.windows(2) {
                prop_assert_eq!(pair[0].data_interval.end, pair[1].data_interval.start);
            }
            // The scheduler's walk with catchup gives the same intervals.
            let start = runs[0].logical_date;
            let timetable = Timetable { start_date: Some(start), ..timetable };
            let mut last = None;
            for run in &runs {
                let next = timetable.next_run(last.as_ref(), t).unwrap();
                prop_assert_eq!(&next, run);
                last = Some(next.data_interval);
            }
            let end = runs.last().unwrap().run_after;
            prop_assert_eq!(timetable.runs_between(start, end, 100), runs);
        }

        #[test]
        fn presets_equal_their_cron((preset, (tz, t)) in (0..6usize, instant())) {
            let (name, spelled) = [
                ("@hourly", "0 * * * *"),
                ("@daily", "0 0 * * *"),
                ("@midnight", "0 0 * * *"),
                ("@weekly", "0 0 * * 0"),
                ("@monthly", "0 0 1 * *"),
                ("@yearly", "0 0 1 1 *"),
            ][preset];
            let (a, b) = (compile(name), compile(spelled));
            prop_assert_eq!(a.next_fire_after(t, tz), b.next_fire_after(t, tz));
            prop_assert_eq!(a.prev_fire_at_or_before(t, tz), b.prev_fire_at_or_before(t, tz));
        }

        #[test]
        fn daily_fires_once_every_local_day(
            (zone, year, back, minute, hour) in (0..3usize, 2000i32..2099, any::<bool>(), 0u32..60, 0u32..24)
        ) {
            // Around the change of offset in spring (back = false) or autumn of the given year.
            let tz = ZONES[zone];
            let month = if back != (tz == chrono_tz::Australia::Lord_Howe) { 9 } else { 2 };
            let from = Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).unwrap();
            let change = next_change(tz, from).unwrap();
            let cron = compile(&format!("{minute} {hour} * * *"));
            let mut t = change - TimeDelta::days(3);
            let mut days = Vec::new();
            while t < change + TimeDelta::days(3) {
                t = cron.next_fire_after(t, tz).unwrap();
                let local = t.with_timezone(&tz);
                days.push(local.date_naive());
                // The fire is at the wall time asked for, or shifted past a skipped stretch.
                let wanted = local.date_naive().and_hms_opt(hour, minute, 0).unwrap();
                prop_assert!(local.naive_local() == wanted || tz.from_local_datetime(&wanted) == LocalResult::None);
            }
            for pair in days.windows(2) {
                prop_assert_eq!(pair[0].succ_opt().unwrap(), pair[1]);
            }
        }
    }
}
