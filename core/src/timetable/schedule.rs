//! What a DAG's `schedule:` says: nothing (manual runs only), `@once`, or a cron schedule.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{CronSchedule, ScheduleError};
use crate::diag::did_you_mean;

/// When a DAG runs on its own. Serializes as the text it was written as, `null` for Manual.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Schedule {
    /// No automatic runs: only triggered ones.
    #[default]
    Manual,
    /// One run, at start_date.
    Once,
    Cron(CronSchedule),
}

const ONCE: &str = "@once";

/// Presets and the cron they stand for, as in Airflow.
const PRESETS: [(&str, &str); 7] = [
    ("@hourly", "0 * * * *"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@weekly", "0 0 * * 0"),
    ("@monthly", "0 0 1 * *"),
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
];

impl Schedule {
    /// Parses a preset (`@daily`, `@once`, ...) or a 5-field cron expression.
    pub fn parse(expr: &str) -> Result<Schedule, ScheduleError> {
        let text = expr.trim();
        if text.is_empty() {
            return Err(ScheduleError::new("empty schedule").hint(
                "write a cron expression such as `0 2 * * *`, a preset such as `@daily`, \
                 or leave `schedule` out for manual runs only",
            ));
        }
        if !text.starts_with('@') {
            return CronSchedule::compile(text, text).map(Schedule::Cron);
        }
        if text.eq_ignore_ascii_case(ONCE) {
            return Ok(Schedule::Once);
        }
        match PRESETS
            .iter()
            .find(|(name, _)| text.eq_ignore_ascii_case(name))
        {
            Some((_, cron)) => CronSchedule::compile(text, cron).map(Schedule::Cron),
            None => Err(unknown_preset(text)),
        }
    }

    /// The text as written (`@daily`, `0 2 * * *`); None for Manual.
    pub fn source(&self) -> Option<&str> {
        match self {
            Schedule::Manual => None,
            Schedule::Once => Some(ONCE),
            Schedule::Cron(cron) => Some(cron.source()),
        }
    }

    pub fn as_cron(&self) -> Option<&CronSchedule> {
        match self {
            Schedule::Cron(cron) => Some(cron),
            _ => None,
        }
    }
}

fn unknown_preset(text: &str) -> ScheduleError {
    let names = PRESETS.iter().map(|(name, _)| *name).chain([ONCE]);
    let err = ScheduleError::new(format!("unknown preset `{text}`"));
    match did_you_mean(text, names) {
        Some(name) => err.hint(format!("did you mean `{name}`?")),
        None => err.hint("the presets are @once, @hourly, @daily, @midnight, @weekly, @monthly, @yearly and @annually"),
    }
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.source().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(Schedule::Manual),
            Some(text) => Schedule::parse(&text).map_err(|e| serde::de::Error::custom(e.message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(expr: &str) -> (String, Option<String>) {
        let e = Schedule::parse(expr).expect_err("invalid schedule");
        (e.message, e.hint)
    }

    #[test]
    fn presets_and_once() {
        assert_eq!(Schedule::parse("@once"), Ok(Schedule::Once));
        assert_eq!(
            Schedule::parse(" @daily ").unwrap().source(),
            Some("@daily")
        );
        assert_eq!(
            Schedule::parse("@Weekly").unwrap().source(),
            Some("@Weekly")
        );
        assert_eq!(
            Schedule::parse("0 2 * * *").unwrap().source(),
            Some("0 2 * * *")
        );
        assert_eq!(Schedule::Manual.source(), None);
        assert_eq!(Schedule::Once.source(), Some("@once"));
    }

    #[test]
    fn unknown_presets() {
        assert_eq!(
            error("@daly"),
            (
                "unknown preset `@daly`".into(),
                Some("did you mean `@daily`?".into())
            )
        );
        assert_eq!(error("@onse").1, Some("did you mean `@once`?".into()));
        assert!(
            error("@fortnightly")
                .1
                .unwrap()
                .starts_with("the presets are")
        );
    }

    #[test]
    fn empty_and_garbage() {
        assert_eq!(error("").0, "empty schedule");
        assert_eq!(error("   ").0, "empty schedule");
        assert_eq!(
            error("every day at 5").0,
            "expected 5 fields (minute hour day-of-month month day-of-week), found 4"
        );
        assert_eq!(error("a b c d e").0, "minute `a` is not a number");
        assert_eq!(
            error("*/5 * * * * *").1,
            Some("Weir cron has no seconds field; drop the first field".into())
        );
        assert_eq!(
            error("0 0 * * FOO").0,
            "day-of-week `FOO` is neither a number nor a day name"
        );
    }

    #[test]
    fn serializes_as_source() {
        let daily = Schedule::parse("@daily").unwrap();
        assert_eq!(serde_json::to_string(&daily).unwrap(), r#""@daily""#);
        assert_eq!(serde_json::to_string(&Schedule::Manual).unwrap(), "null");
        for schedule in [
            daily,
            Schedule::Manual,
            Schedule::Once,
            Schedule::parse("0 0 1 * 1").unwrap(),
        ] {
            let json = serde_json::to_string(&schedule).unwrap();
            assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), schedule);
        }
        assert!(serde_json::from_str::<Schedule>(r#""61 * * * *""#).is_err());
    }
}
