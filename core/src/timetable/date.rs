//! Dates as users write them in DAG files, read on the DAG's wall clock.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::dst;

const LOCAL_FORMATS: [&str; 4] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// Reads `2026-01-01` (midnight on `tz`'s wall clock), `2026-01-01T06:00:00` or `2026-01-01 06:00`
/// (wall time in `tz`), or RFC 3339 with an offset (taken as is). A wall time that happens twice
/// is its first pass; one skipped by a daylight-saving jump is shifted forward by the jump, as
/// fire times are.
pub fn parse_date_in_tz(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.to_utc());
    }
    let wall = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .or_else(|| {
            LOCAL_FORMATS
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        });
    let Some(wall) = wall else {
        return Err(format!(
            "`{text}` is not a date; write `2026-01-01`, `2026-01-01T06:00:00`, `2026-01-01 06:00`, \
             or RFC 3339 with an offset such as `2026-01-01T06:00:00+02:00`"
        ));
    };
    dst::wall_to_instant(tz, wall)
        .ok_or_else(|| format!("`{text}` does not exist in {}", tz.name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test instant")
            .to_utc()
    }

    #[test]
    fn accepted_forms() {
        assert_eq!(
            parse_date_in_tz("2026-01-01", Berlin),
            Ok(utc("2025-12-31T23:00:00Z"))
        );
        assert_eq!(
            parse_date_in_tz("2026-07-01T06:00:00", Berlin),
            Ok(utc("2026-07-01T04:00:00Z"))
        );
        assert_eq!(
            parse_date_in_tz("2026-07-01 06:00", Berlin),
            Ok(utc("2026-07-01T04:00:00Z"))
        );
        assert_eq!(
            parse_date_in_tz("2026-07-01T06:00", Berlin),
            Ok(utc("2026-07-01T04:00:00Z"))
        );
        assert_eq!(
            parse_date_in_tz("2026-07-01 06:00:30.5", Tz::UTC),
            Ok(utc("2026-07-01T06:00:30.5Z"))
        );
        assert_eq!(
            parse_date_in_tz(" 2026-01-01T06:00:00+05:30 ", Berlin),
            Ok(utc("2026-01-01T00:30:00Z"))
        );
        assert_eq!(
            parse_date_in_tz("2026-01-01T06:00:00Z", Berlin),
            Ok(utc("2026-01-01T06:00:00Z"))
        );
    }

    #[test]
    fn wall_times_around_daylight_saving() {
        assert_eq!(
            parse_date_in_tz("2026-03-29 02:30", Berlin),
            Ok(utc("2026-03-29T03:30:00+02:00"))
        );
        assert_eq!(
            parse_date_in_tz("2026-10-25 02:30", Berlin),
            Ok(utc("2026-10-25T02:30:00+02:00"))
        );
    }

    #[test]
    fn rejects_other_forms() {
        for text in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "01/02/2026",
            "2026-01-01T25:00:00",
        ] {
            let message = parse_date_in_tz(text, Berlin).expect_err(text);
            assert!(
                message.contains("is not a date") && message.contains("RFC 3339"),
                "{message}"
            );
        }
    }
}
