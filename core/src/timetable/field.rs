//! One of the five cron fields: its text to the set of values it selects.
//!
//! Fields are parsed here rather than by the cron crate because standard cron differs from the
//! crate (Sunday is 0 and 7, not 1) and because users deserve messages that name the field.

use super::ScheduleError;
use crate::diag::did_you_mean;

/// What one field accepts.
pub(super) struct FieldKind {
    pub name: &'static str,
    pub min: u32,
    pub max: u32,
    /// Where `*` and an open `a/n` stop: day-of-week accepts 7 for Sunday, but `*/2` must not
    /// pick Sunday twice over.
    open_max: u32,
    /// Three-letter names; the name at index i stands for `min_named + i`.
    names: &'static [&'static str],
    min_named: u32,
    /// A word on the valid values, for hints.
    values: &'static str,
}

pub(super) const MINUTE: FieldKind = FieldKind {
    name: "minute",
    min: 0,
    max: 59,
    open_max: 59,
    names: &[],
    min_named: 0,
    values: "0-59",
};

pub(super) const HOUR: FieldKind = FieldKind {
    name: "hour",
    min: 0,
    max: 23,
    open_max: 23,
    names: &[],
    min_named: 0,
    values: "0-23",
};

pub(super) const DAY_OF_MONTH: FieldKind = FieldKind {
    name: "day-of-month",
    min: 1,
    max: 31,
    open_max: 31,
    names: &[],
    min_named: 0,
    values: "1-31",
};

pub(super) const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

pub(super) const MONTH: FieldKind = FieldKind {
    name: "month",
    min: 1,
    max: 12,
    open_max: 12,
    names: &MONTH_NAMES,
    min_named: 1,
    values: "1-12 or JAN-DEC",
};

pub(super) const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

pub(super) const DAY_OF_WEEK: FieldKind = FieldKind {
    name: "day-of-week",
    min: 0,
    max: 7,
    open_max: 6,
    names: &DAY_NAMES,
    min_named: 0,
    values: "0-7 (0 and 7 are Sunday) or SUN-SAT",
};

/// The values a field selects, bit v standing for value v (day-of-week folded to 0-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Field {
    pub bits: u64,
    /// Whether the text holds a `*` (or is `?`): croniter, whose day rules Weir follows, looks
    /// at the text and not only at the values.
    pub has_star: bool,
    /// Written as a bare `*` (or `?` in the day fields).
    pub is_star: bool,
}

impl FieldKind {
    /// Every value of the field, as bits.
    pub fn all(&self) -> u64 {
        range_bits(self.min, self.open_max, 1)
    }

    pub fn parse(&self, text: &str) -> Result<Field, ScheduleError> {
        let is_day = self.name == DAY_OF_MONTH.name || self.name == DAY_OF_WEEK.name;
        if text == "*" || (is_day && text == "?") {
            return Ok(Field {
                bits: self.all(),
                has_star: true,
                is_star: true,
            });
        }
        let mut bits = 0;
        for item in text.split(',') {
            bits |= self.item(text, item)?;
        }
        if self.name == DAY_OF_WEEK.name && bits & (1 << 7) != 0 {
            bits = (bits & !(1 << 7)) | 1;
        }
        Ok(Field {
            bits,
            has_star: text.contains('*'),
            is_star: false,
        })
    }

    /// One list item: `*`, `a`, `a-b`, each optionally with `/step`.
    fn item(&self, text: &str, item: &str) -> Result<u64, ScheduleError> {
        if item.is_empty() {
            return Err(ScheduleError::new(format!(
                "{} `{text}` has an empty list item",
                self.name
            ))
            .hint("separate values with single commas, e.g. `1,15`"));
        }
        let (base, step) = match item.split_once('/') {
            Some((base, step)) => (base, Some(self.step(item, step)?)),
            None => (item, None),
        };
        let (low, high) = if base == "*" {
            (self.min, self.open_max)
        } else if let Some((a, b)) = base.split_once('-') {
            let low = self.value(item, a)?;
            let mut high = self.value(item, b)?;
            // `MON-SUN` and `5-0` mean up to Sunday at the end of the week.
            if self.name == DAY_OF_WEEK.name && high == 0 && low > 0 {
                high = 7;
            }
            if low > high {
                return Err(ScheduleError::new(format!(
                    "{} range `{base}` goes backwards",
                    self.name
                ))
                .hint(format!(
                    "write the smaller value first; a range cannot wrap around, so split it: `{a}-{},{}-{b}`",
                    self.open_max, self.min
                )));
            }
            (low, high)
        } else {
            let low = self.value(item, base)?;
            // `a/n` runs from a to the end of the field, as in croniter.
            let high = if step.is_some() {
                self.open_max.max(low)
            } else {
                low
            };
            (low, high)
        };
        Ok(range_bits(low, high, step.unwrap_or(1)))
    }

    fn step(&self, item: &str, text: &str) -> Result<u32, ScheduleError> {
        let hint = "a step is a whole number of 1 or more, e.g. `*/15`";
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ScheduleError::new(format!(
                "{} step in `{item}` is not a number",
                self.name
            ))
            .hint(hint));
        }
        match text.parse::<u32>() {
            Ok(0) => Err(ScheduleError::new(format!(
                "{} step 0 in `{item}` never advances",
                self.name
            ))
            .hint(hint)),
            Ok(step) => Ok(step),
            // Too long for u32: as good as a step past the end of the field.
            Err(_) => Ok(self.max + 1),
        }
    }

    /// A number or a name, checked against the field's range.
    fn value(&self, item: &str, text: &str) -> Result<u32, ScheduleError> {
        if text.is_empty() {
            return Err(
                ScheduleError::new(format!("{} `{item}` is missing a value", self.name))
                    .hint(format!("{} takes {}", self.name, self.values)),
            );
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return match text.parse::<u32>() {
                Ok(v) if (self.min..=self.max).contains(&v) => Ok(v),
                _ => Err(self.out_of_range(text)),
            };
        }
        let upper = text.to_ascii_uppercase();
        if let Some(i) = self.names.iter().position(|n| *n == upper) {
            return Ok(self.min_named + i as u32);
        }
        Err(self.not_a_value(item, text, &upper))
    }

    fn out_of_range(&self, text: &str) -> ScheduleError {
        let err = ScheduleError::new(format!(
            "{} {text} out of range {}-{}",
            self.name, self.min, self.max
        ));
        match (self.name, text) {
            ("hour", "24") => err.hint("midnight is hour 0"),
            ("day-of-month", "0") => err.hint("days of the month count from 1"),
            ("month", "0") => err.hint("months count from 1 (January)"),
            _ => err.hint(format!("{} takes {}", self.name, self.values)),
        }
    }

    fn not_a_value(&self, item: &str, text: &str, upper: &str) -> ScheduleError {
        let message = if self.names.is_empty() {
            format!("{} `{text}` is not a number", self.name)
        } else if self.name == MONTH.name {
            format!("month `{text}` is neither a number nor a month name")
        } else {
            format!("day-of-week `{text}` is neither a number nor a day name")
        };
        let err = ScheduleError::new(message);
        if let Some(name) = upper
            .get(..3)
            .filter(|p| upper.len() > 3 && self.names.contains(p))
        {
            return err.hint(format!("write the three-letter name `{name}`"));
        }
        if is_quartz(item) {
            return err.hint(
                "Weir cron is standard 5-field cron, without the Quartz extensions `L`, `W`, `#` and `?`",
            );
        }
        match did_you_mean(upper, self.names.iter().copied()) {
            Some(name) => err.hint(format!("did you mean `{name}`?")),
            None => err.hint(format!("{} takes {}", self.name, self.values)),
        }
    }
}

/// `L`, `LW`, `15W`, `5L`, `5#3`, `?`: Quartz syntax that people bring from other schedulers.
fn is_quartz(item: &str) -> bool {
    let upper = item.to_ascii_uppercase();
    let digits_then = |suffix: char| {
        upper
            .strip_suffix(suffix)
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    item.contains(['#', '?'])
        || upper == "L"
        || upper == "LW"
        || digits_then('L')
        || digits_then('W')
}

/// Bits low, low+step, ... up to high.
fn range_bits(low: u32, high: u32, step: u32) -> u64 {
    (low..=high)
        .step_by(step as usize)
        .fold(0, |bits, v| bits | 1 << v)
}

/// Iterates the values whose bits are set, lowest first.
pub(super) fn values(bits: u64) -> impl Iterator<Item = u32> {
    (0..64).filter(move |v| bits & (1 << v) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(kind: &FieldKind, text: &str) -> Vec<u32> {
        values(kind.parse(text).expect("valid field").bits).collect()
    }

    fn error(kind: &FieldKind, text: &str) -> (String, Option<String>) {
        let e = kind.parse(text).expect_err("invalid field");
        (e.message, e.hint)
    }

    #[test]
    fn lists_ranges_and_steps() {
        assert_eq!(bits(&MINUTE, "*/15"), [0, 15, 30, 45]);
        assert_eq!(bits(&MINUTE, "5-20/5,59"), [5, 10, 15, 20, 59]);
        assert_eq!(bits(&MINUTE, "50/5"), [50, 55]);
        assert_eq!(bits(&HOUR, "*/90"), [0]);
        assert_eq!(bits(&DAY_OF_MONTH, "*/10"), [1, 11, 21, 31]);
        assert_eq!(bits(&MONTH, "jan-Mar,DEC"), [1, 2, 3, 12]);
    }

    #[test]
    fn sunday_is_zero_and_seven() {
        assert_eq!(bits(&DAY_OF_WEEK, "7"), [0]);
        assert_eq!(bits(&DAY_OF_WEEK, "0,7"), [0]);
        assert_eq!(bits(&DAY_OF_WEEK, "5-7"), [0, 5, 6]);
        assert_eq!(bits(&DAY_OF_WEEK, "MON-SUN"), [0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(bits(&DAY_OF_WEEK, "*/2"), [0, 2, 4, 6]);
        assert_eq!(bits(&DAY_OF_WEEK, "1/2"), [1, 3, 5]);
        assert_eq!(bits(&DAY_OF_WEEK, "mon,wed-fri"), [1, 3, 4, 5]);
    }

    #[test]
    fn star_flags() {
        let star = DAY_OF_MONTH.parse("*").unwrap();
        assert!(star.is_star && star.has_star);
        assert!(DAY_OF_MONTH.parse("?").unwrap().is_star);
        let step = DAY_OF_MONTH.parse("*/2").unwrap();
        assert!(!step.is_star && step.has_star);
        assert!(MINUTE.parse("?").is_err());
    }

    #[test]
    fn out_of_range() {
        assert_eq!(
            error(&MINUTE, "61"),
            (
                "minute 61 out of range 0-59".into(),
                Some("minute takes 0-59".into())
            )
        );
        assert_eq!(
            error(&HOUR, "24"),
            (
                "hour 24 out of range 0-23".into(),
                Some("midnight is hour 0".into())
            )
        );
        assert_eq!(
            error(&DAY_OF_MONTH, "0").0,
            "day-of-month 0 out of range 1-31"
        );
        assert_eq!(error(&MONTH, "13").0, "month 13 out of range 1-12");
        assert_eq!(error(&DAY_OF_WEEK, "8").0, "day-of-week 8 out of range 0-7");
        assert_eq!(
            error(&MINUTE, "99999999999").0,
            "minute 99999999999 out of range 0-59"
        );
        assert_eq!(error(&MINUTE, "1-60").0, "minute 60 out of range 0-59");
    }

    #[test]
    fn bad_values() {
        assert_eq!(
            error(&MINUTE, "x"),
            (
                "minute `x` is not a number".into(),
                Some("minute takes 0-59".into())
            )
        );
        assert_eq!(
            error(&DAY_OF_WEEK, "MONDAY"),
            (
                "day-of-week `MONDAY` is neither a number nor a day name".into(),
                Some("write the three-letter name `MON`".into())
            )
        );
        assert_eq!(error(&MONTH, "Jam").1, Some("did you mean `JAN`?".into()));
        assert_eq!(
            error(&MINUTE, "1,,2").0,
            "minute `1,,2` has an empty list item"
        );
        assert_eq!(error(&MINUTE, "-5").0, "minute `-5` is missing a value");
        assert!(error(&DAY_OF_MONTH, "L").1.unwrap().contains("Quartz"));
        assert!(error(&DAY_OF_WEEK, "5#3").1.unwrap().contains("Quartz"));
        assert!(error(&DAY_OF_MONTH, "15W").1.unwrap().contains("Quartz"));
        assert_eq!(
            error(&MONTH, "JULY").1,
            Some("write the three-letter name `JUL`".into())
        );
    }

    #[test]
    fn bad_steps_and_ranges() {
        assert_eq!(
            error(&MINUTE, "*/0").0,
            "minute step 0 in `*/0` never advances"
        );
        assert_eq!(
            error(&MINUTE, "*/x").0,
            "minute step in `*/x` is not a number"
        );
        assert_eq!(
            error(&HOUR, "22-2"),
            (
                "hour range `22-2` goes backwards".into(),
                Some("write the smaller value first; a range cannot wrap around, so split it: `22-23,0-2`".into())
            )
        );
        assert_eq!(
            error(&DAY_OF_WEEK, "FRI-MON").0,
            "day-of-week range `FRI-MON` goes backwards"
        );
    }
}
