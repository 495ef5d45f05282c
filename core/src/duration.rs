//! Durations as users write them: `30s`, `5m`, `1h30m`, `2d`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole number of seconds, written with units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(u64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DurationError {
    pub message: String,
    pub hint: &'static str,
}

const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];
const HINT: &str =
    "write a number with units d, h, m, s in that order, e.g. `30s`, `5m`, `1h30m`, `2d`";

impl Duration {
    pub const fn from_secs(secs: u64) -> Self {
        Duration(secs)
    }

    pub const fn as_secs(self) -> u64 {
        self.0
    }

    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.0)
    }

    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let fail = |message: String| DurationError {
            message,
            hint: HINT,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(fail("empty duration".into()));
        }
        let mut total: u64 = 0;
        let mut digits = String::new();
        let mut next_unit = 0;
        for c in trimmed.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let Some(pos) = UNITS.iter().position(|(u, _)| *u == c) else {
                return Err(fail(format!(
                    "invalid duration `{text}`: unknown unit `{c}`"
                )));
            };
            if digits.is_empty() {
                return Err(fail(format!(
                    "invalid duration `{text}`: `{c}` has no number before it"
                )));
            }
            if pos < next_unit {
                return Err(fail(format!(
                    "invalid duration `{text}`: units must go from largest to smallest, each once"
                )));
            }
            next_unit = pos + 1;
            let n: u64 = digits
                .parse()
                .map_err(|_| fail(format!("invalid duration `{text}`: number too large")))?;
            total = n
                .checked_mul(UNITS[pos].1)
                .and_then(|s| total.checked_add(s))
                .ok_or_else(|| fail(format!("invalid duration `{text}`: too long")))?;
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(fail(format!(
                "invalid duration `{text}`: `{digits}` has no unit"
            )));
        }
        Ok(Duration(total))
    }
}

impl FromStr for Duration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Duration::parse(s)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, secs) in UNITS {
            if rest >= secs {
                write!(f, "{}{unit}", rest / secs)?;
                rest %= secs;
            }
        }
        Ok(())
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_unit_sequences() {
        assert_eq!(Duration::parse("30s").unwrap().as_secs(), 30);
        assert_eq!(Duration::parse("5m").unwrap().as_secs(), 300);
        assert_eq!(Duration::parse("1h30m").unwrap().as_secs(), 5_400);
        assert_eq!(Duration::parse("2d").unwrap().as_secs(), 172_800);
        assert_eq!(Duration::parse("1d2h3m4s").unwrap().as_secs(), 93_784);
    }

    #[test]
    fn refuses_what_is_ambiguous() {
        for bad in [
            "",
            "30",
            "5x",
            "m",
            "1m1h",
            "1h1h",
            "1.5h",
            "-1s",
            "99999999999999999999d",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn displays_canonically_and_round_trips() {
        for secs in [0, 1, 59, 60, 3_600, 5_400, 86_400, 93_784] {
            let d = Duration::from_secs(secs);
            assert_eq!(Duration::parse(&d.to_string()).unwrap(), d);
        }
        assert_eq!(Duration::from_secs(5_400).to_string(), "1h30m");
    }
}
