//! Worked examples of schedules, timezones and data intervals.

// A module, so that `cargo test -p weir-core timetable` selects these tests by name.
mod timetable {
    use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::Berlin;
    use chrono_tz::Tz;
    use weir_core::timetable::{DataInterval, RunInfo, Schedule, Timetable};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test instant")
            .to_utc()
    }

    /// A wall time in `tz` that exists once.
    fn local(tz: Tz, text: &str) -> DateTime<Utc> {
        let wall = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test wall time");
        tz.from_local_datetime(&wall)
            .single()
            .expect("unambiguous wall time")
            .to_utc()
    }

    fn timetable(schedule: &str, tz: Tz) -> Timetable {
        Timetable {
            schedule: Schedule::parse(schedule).expect("valid schedule"),
            timezone: tz,
            start_date: None,
            end_date: None,
            catchup: false,
        }
    }

    /// The next `n` fires after the wall time `from`, shown on `tz`'s wall clock.
    fn fires(schedule: &str, tz: Tz, from: &str, n: usize) -> Vec<String> {
        let Schedule::Cron(cron) = Schedule::parse(schedule).expect("valid schedule") else {
            panic!("{schedule} is not cron");
        };
        let mut t = local(tz, from);
        (0..n)
            .map(|_| {
                t = cron.next_fire_after(t, tz).expect("a fire");
                t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
            })
            .collect()
    }

    fn interval(start: &str, end: &str) -> DataInterval {
        DataInterval {
            start: utc(start),
            end: utc(end),
        }
    }

    #[test]
    fn daily_at_two_across_spring_forward_shifts_to_three() {
        assert_eq!(
            fires("0 2 * * *", Berlin, "2026-03-27 00:00", 5),
            [
                "2026-03-27 02:00 CET",
                "2026-03-28 02:00 CET",
                "2026-03-29 03:00 CEST",
                "2026-03-30 02:00 CEST",
                "2026-03-31 02:00 CEST"
            ]
        );
        assert_eq!(
            fires("30 2 * * *", Berlin, "2026-03-28 12:00", 3),
            [
                "2026-03-29 03:30 CEST",
                "2026-03-30 02:30 CEST",
                "2026-03-31 02:30 CEST"
            ]
        );
        // 02:30 on the jump day is 01:30 UTC, as the offset before the jump gives it.
        let t = local(Berlin, "2026-03-28 12:00");
        let cron = Schedule::parse("30 2 * * *").unwrap();
        assert_eq!(
            cron.as_cron().unwrap().next_fire_after(t, Berlin),
            Some(utc("2026-03-29T01:30:00Z"))
        );
    }

    #[test]
    fn daily_at_two_across_fall_back_fires_once() {
        assert_eq!(
            fires("0 2 * * *", Berlin, "2026-10-23 12:00", 3),
            [
                "2026-10-24 02:00 CEST",
                "2026-10-25 02:00 CEST",
                "2026-10-26 02:00 CET"
            ]
        );
        assert_eq!(
            fires("30 2 * * *", Berlin, "2026-10-24 12:00", 2),
            ["2026-10-25 02:30 CEST", "2026-10-26 02:30 CET"]
        );
    }

    #[test]
    fn hourly_across_daylight_saving() {
        // The repeated 02:00 hour fires once, on its first pass.
        assert_eq!(
            fires("0 * * * *", Berlin, "2026-10-25 00:30", 4),
            [
                "2026-10-25 01:00 CEST",
                "2026-10-25 02:00 CEST",
                "2026-10-25 03:00 CET",
                "2026-10-25 04:00 CET"
            ]
        );
        // The skipped 02:00 shifts onto 03:00, which fires anyway: one fire.
        assert_eq!(
            fires("0 * * * *", Berlin, "2026-03-29 00:30", 3),
            [
                "2026-03-29 01:00 CET",
                "2026-03-29 03:00 CEST",
                "2026-03-29 04:00 CEST"
            ]
        );
        let hourly = timetable("@hourly", Berlin);
        let fall_day = hourly.runs_between(
            local(Berlin, "2026-10-25 00:00"),
            local(Berlin, "2026-10-26 00:00"),
            100,
        );
        assert_eq!(fall_day.len(), 24, "25 real hours, 24 distinct wall hours");
        let spring_day = hourly.runs_between(
            local(Berlin, "2026-03-29 00:00"),
            local(Berlin, "2026-03-30 00:00"),
            100,
        );
        assert_eq!(spring_day.len(), 23);
        for runs in [fall_day, spring_day] {
            for pair in runs.windows(2) {
                assert_eq!(pair[0].data_interval.end, pair[1].data_interval.start);
            }
        }
    }

    #[test]
    fn new_york_daily_keeps_wall_time() {
        assert_eq!(
            fires("15 2 * * *", New_York, "2026-03-07 12:00", 3),
            [
                "2026-03-08 03:15 EDT",
                "2026-03-09 02:15 EDT",
                "2026-03-10 02:15 EDT"
            ]
        );
        assert_eq!(
            fires("15 1 * * *", New_York, "2026-10-31 12:00", 2),
            ["2026-11-01 01:15 EDT", "2026-11-02 01:15 EST"]
        );
    }

    #[test]
    fn a_skipped_day_collides_with_the_next() {
        // Samoa skipped 2011-12-30: its noon shifts a day onto the 31st's, which fires anyway.
        let apia = chrono_tz::Pacific::Apia;
        assert_eq!(
            fires("0 12 * * *", apia, "2011-12-28 18:00", 3),
            [
                "2011-12-29 12:00 -10",
                "2011-12-31 12:00 +14",
                "2012-01-01 12:00 +14"
            ]
        );
    }

    #[test]
    fn day_of_week_follows_standard_cron() {
        // 2026-01-01 is a Thursday.
        assert_eq!(
            fires("0 0 * * 1", Tz::UTC, "2026-01-01 00:00", 2),
            ["2026-01-05 00:00 UTC", "2026-01-12 00:00 UTC"]
        );
        for sunday in ["0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "@weekly"] {
            assert_eq!(
                fires(sunday, Tz::UTC, "2026-01-01 00:00", 1),
                ["2026-01-04 00:00 UTC"],
                "{sunday}"
            );
        }
        assert_eq!(
            fires("0 9 * * MON-FRI", Tz::UTC, "2026-01-02 10:00", 2),
            ["2026-01-05 09:00 UTC", "2026-01-06 09:00 UTC"]
        );
    }

    #[test]
    fn both_day_fields_fire_on_either() {
        // The 1st (a Wednesday in July) and every Monday.
        assert_eq!(
            fires("0 0 1 * 1", Tz::UTC, "2026-06-25 00:00", 4),
            [
                "2026-06-29 00:00 UTC",
                "2026-07-01 00:00 UTC",
                "2026-07-06 00:00 UTC",
                "2026-07-13 00:00 UTC"
            ]
        );
    }

    #[test]
    fn presets() {
        let from = "2026-01-01 00:30";
        assert_eq!(fires("@hourly", Tz::UTC, from, 1), ["2026-01-01 01:00 UTC"]);
        assert_eq!(fires("@daily", Tz::UTC, from, 1), ["2026-01-02 00:00 UTC"]);
        assert_eq!(
            fires("@midnight", Tz::UTC, from, 1),
            ["2026-01-02 00:00 UTC"]
        );
        assert_eq!(
            fires("@monthly", Tz::UTC, from, 1),
            ["2026-02-01 00:00 UTC"]
        );
        assert_eq!(fires("@yearly", Tz::UTC, from, 1), ["2027-01-01 00:00 UTC"]);
        assert_eq!(
            fires("@annually", Tz::UTC, from, 1),
            ["2027-01-01 00:00 UTC"]
        );
    }

    #[test]
    fn catchup_walks_every_interval_from_start_date() {
        let mut daily = timetable("@daily", Tz::UTC);
        daily.catchup = true;
        daily.start_date = Some(utc("2026-01-01T00:00:00Z"));
        let now = utc("2026-01-10T12:00:00Z");
        let first = daily.next_run(None, now).unwrap();
        assert_eq!(
            first,
            RunInfo::for_interval(utc("2026-01-01T00:00:00Z"), utc("2026-01-02T00:00:00Z"))
        );
        assert_eq!(first.logical_date, first.data_interval.start);
        assert_eq!(first.run_after, first.data_interval.end);
        let second = daily.next_run(Some(&first.data_interval), now).unwrap();
        assert_eq!(
            second.data_interval,
            interval("2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z")
        );
        // A start_date between fires starts at the next fire.
        daily.start_date = Some(utc("2026-01-01T06:00:00Z"));
        assert_eq!(
            daily.next_run(None, now).unwrap().logical_date,
            utc("2026-01-02T00:00:00Z")
        );
        // What catchup would create up to now.
        assert_eq!(
            daily
                .runs_between(utc("2000-01-01T00:00:00Z"), now, 1000)
                .len(),
            8
        );
    }

    #[test]
    fn without_catchup_the_first_run_is_the_latest_complete_interval() {
        let mut daily = timetable("@daily", Tz::UTC);
        daily.start_date = Some(utc("2026-01-01T00:00:00Z"));
        let now = utc("2026-01-10T12:00:00Z");
        let latest = interval("2026-01-09T00:00:00Z", "2026-01-10T00:00:00Z");
        assert_eq!(daily.next_run(None, now).unwrap().data_interval, latest);
        // Exactly on a fire: the interval that just ended.
        assert_eq!(
            daily
                .next_run(None, utc("2026-01-10T00:00:00Z"))
                .unwrap()
                .data_interval,
            latest
        );
        // After downtime, runs skip ahead rather than catch up.
        let old = interval("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
        assert_eq!(
            daily.next_run(Some(&old), now).unwrap().data_interval,
            latest
        );
        // Up to date: the next interval, due at its end.
        let next = daily.next_run(Some(&latest), now).unwrap();
        assert_eq!(
            next.data_interval,
            interval("2026-01-10T00:00:00Z", "2026-01-11T00:00:00Z")
        );
        assert!(next.run_after > now);
        // A start_date in the future: its first fire.
        daily.start_date = Some(utc("2026-02-01T06:00:00Z"));
        assert_eq!(
            daily.next_run(None, now).unwrap().logical_date,
            utc("2026-02-02T00:00:00Z")
        );
        // No start_date, even with catchup: the latest complete interval.
        daily.start_date = None;
        daily.catchup = true;
        assert_eq!(daily.next_run(None, now).unwrap().data_interval, latest);
    }

    #[test]
    fn end_date_stops_runs() {
        let mut daily = timetable("@daily", Tz::UTC);
        daily.catchup = true;
        daily.start_date = Some(utc("2026-01-01T00:00:00Z"));
        daily.end_date = Some(utc("2026-01-03T00:00:00Z"));
        let now = utc("2026-02-01T00:00:00Z");
        let runs = daily.runs_between(utc("2026-01-01T00:00:00Z"), now, 100);
        let starts: Vec<_> = runs.iter().map(|r| r.logical_date).collect();
        assert_eq!(
            starts,
            [
                "2026-01-01T00:00:00Z",
                "2026-01-02T00:00:00Z",
                "2026-01-03T00:00:00Z"
            ]
            .map(utc)
        );
        let last = runs[2].data_interval;
        assert_eq!(daily.next_run(Some(&last), now), None);
        assert_eq!(daily.upcoming(now, 5), []);
        daily.catchup = false;
        assert_eq!(daily.next_run(None, now), None);
    }

    #[test]
    fn once_runs_at_start_date() {
        let mut once = timetable("@once", Tz::UTC);
        let now = utc("2026-01-01T00:00:00Z");
        assert_eq!(once.next_run(None, now), None, "no start_date, no run");
        let start = utc("2026-03-01T06:00:00Z");
        once.start_date = Some(start);
        let run = once.next_run(None, now).unwrap();
        assert_eq!(
            run,
            RunInfo {
                logical_date: start,
                data_interval: DataInterval { start, end: start },
                run_after: start
            }
        );
        assert_eq!(once.next_run(Some(&run.data_interval), now), None);
        assert_eq!(once.upcoming(now, 3), [run]);
        assert_eq!(once.upcoming(start, 3), []);
        assert_eq!(once.runs_between(now, start, 10), [run]);
        assert_eq!(once.runs_between(now, start, 0), []);
        once.end_date = Some(utc("2026-02-01T00:00:00Z"));
        assert_eq!(once.next_run(None, now), None);
    }

    #[test]
    fn manual_schedule_never_runs_on_its_own() {
        let manual = Timetable {
            schedule: Schedule::Manual,
            ..timetable("@daily", Tz::UTC)
        };
        let now = utc("2026-01-01T00:00:00Z");
        assert_eq!(manual.next_run(None, now), None);
        assert_eq!(manual.upcoming(now, 3), []);
        assert_eq!(manual.runs_between(now, utc("2027-01-01T00:00:00Z"), 3), []);
        assert_eq!(
            manual.manual_data_interval(now),
            DataInterval {
                start: now,
                end: now
            }
        );
    }

    #[test]
    fn manual_runs_cover_the_interval_holding_their_logical_date() {
        let daily = timetable("@daily", Berlin);
        let at = local(Berlin, "2026-01-10 12:00");
        let expected = DataInterval {
            start: local(Berlin, "2026-01-10 00:00"),
            end: local(Berlin, "2026-01-11 00:00"),
        };
        assert_eq!(daily.manual_data_interval(at), expected);
        assert_eq!(daily.manual_data_interval(expected.start), expected);
        let once = timetable("@once", Berlin);
        assert_eq!(
            once.manual_data_interval(at),
            DataInterval { start: at, end: at }
        );
    }

    #[test]
    fn upcoming_runs() {
        let mut daily = timetable("0 6 * * *", Tz::UTC);
        let now = utc("2026-01-10T12:00:00Z");
        let runs = daily.upcoming(now, 3);
        let run_afters: Vec<_> = runs.iter().map(|r| r.run_after).collect();
        assert_eq!(
            run_afters,
            [
                "2026-01-11T06:00:00Z",
                "2026-01-12T06:00:00Z",
                "2026-01-13T06:00:00Z"
            ]
            .map(utc)
        );
        assert_eq!(runs[0].logical_date, utc("2026-01-10T06:00:00Z"));
        daily.start_date = Some(utc("2026-01-20T00:00:00Z"));
        assert_eq!(
            daily.upcoming(now, 1)[0].logical_date,
            utc("2026-01-20T06:00:00Z")
        );
        daily.end_date = Some(utc("2026-01-21T06:00:00Z"));
        assert_eq!(daily.upcoming(now, 10).len(), 2);
        assert_eq!(daily.upcoming(now, 0), []);
    }

    #[test]
    fn runs_between_respects_bounds() {
        let daily = timetable("0 2 * * *", Berlin);
        let runs = daily.runs_between(
            local(Berlin, "2026-03-27 02:00"),
            local(Berlin, "2026-03-31 02:00"),
            100,
        );
        let starts: Vec<_> = runs
            .iter()
            .map(|r| {
                r.logical_date
                    .with_timezone(&Berlin)
                    .format("%d %H:%M")
                    .to_string()
            })
            .collect();
        assert_eq!(starts, ["27 02:00", "28 02:00", "29 03:00", "30 02:00"]);
        assert_eq!(
            runs.last().unwrap().run_after,
            local(Berlin, "2026-03-31 02:00")
        );
        assert_eq!(
            daily
                .runs_between(
                    local(Berlin, "2026-03-27 02:00"),
                    local(Berlin, "2026-03-31 02:00"),
                    2
                )
                .len(),
            2
        );
    }

    #[test]
    fn timetable_round_trips_through_json() {
        let mut daily = timetable("30 2 * * MON", Berlin);
        daily.start_date = Some(utc("2026-01-01T00:00:00Z"));
        daily.catchup = true;
        let json = serde_json::to_value(&daily).unwrap();
        assert_eq!(json["schedule"], "30 2 * * MON");
        assert_eq!(json["timezone"], "Europe/Berlin");
        let back: Timetable = serde_json::from_value(json).unwrap();
        assert_eq!(back, daily);
    }
}
