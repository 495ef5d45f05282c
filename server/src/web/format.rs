//! How pages write times, durations and states: the same way on every page.

use chrono::{DateTime, Utc};

/// `2026-01-02 03:04:05` in UTC (pages say UTC once, in the footer).
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A time, or a dash.
pub fn opt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(time).unwrap_or_else(|| "–".into())
}

/// A duration in seconds, short: `12 ms`, `3.4 s`, `5 m 02 s`, `2 h 03 m`.
pub fn secs(s: f64) -> String {
    if !s.is_finite() {
        return "–".into();
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let s = s.abs();
    if s < 1.0 {
        format!("{sign}{} ms", (s * 1000.0).round() as i64)
    } else if s < 60.0 {
        format!("{sign}{s:.1} s")
    } else if s < 3600.0 {
        let whole = s as i64;
        format!("{sign}{} m {:02} s", whole / 60, whole % 60)
    } else {
        let whole = s as i64;
        format!("{sign}{} h {:02} m", whole / 3600, (whole % 3600) / 60)
    }
}

pub fn opt_secs(s: Option<f64>) -> String {
    s.map(secs).unwrap_or_else(|| "–".into())
}

/// Seconds between two instants, if both are known.
pub fn between(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<f64> {
    Some((b? - a?).num_microseconds()? as f64 / 1e6)
}

/// `5 s ago`, `in 3 m 00 s`.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = between(Some(t), Some(now)).unwrap_or(0.0);
    if d >= 0.0 {
        format!("{} ago", secs(d))
    } else {
        format!("in {}", secs(-d))
    }
}

/// The letter drawn in a state's cell, so that states read without colors. The legend on
/// the grid lists them.
pub fn state_letter(state: &str) -> &'static str {
    match state {
        "success" => "S",
        "failed" => "F",
        "running" => "R",
        "queued" => "Q",
        "scheduled" => "W",
        "up_for_retry" => "Y",
        "skipped" => "K",
        "upstream_failed" => "U",
        "removed" => "D",
        _ => "·",
    }
}

/// The states in the order the legend shows them, with their letters.
pub const LEGEND: [(&str, &str); 10] = [
    ("success", "S"),
    ("failed", "F"),
    ("running", "R"),
    ("queued", "Q"),
    ("scheduled", "W"),
    ("up_for_retry", "Y"),
    ("upstream_failed", "U"),
    ("skipped", "K"),
    ("removed", "D"),
    ("none", "·"),
];

/// An age that may span days: `3 d 04 h` past a day, else as [`secs`].
pub fn age(s: f64) -> String {
    if s.is_finite() && s >= 86_400.0 {
        let whole = s as i64;
        format!("{} d {:02} h", whole / 86_400, (whole % 86_400) / 3600)
    } else {
        secs(s)
    }
}

/// A count with thousands separators: `1,234,567`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size in bytes, short: `512 B`, `1.5 KiB`, `3.2 MiB`.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n.abs() < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A JSON value as a cell shows it: strings without quotes, `null` as a dash-less `null`,
/// everything else as compact JSON. The page escapes it.
pub fn json_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_short() {
        assert_eq!(secs(0.0123), "12 ms");
        assert_eq!(secs(3.44), "3.4 s");
        assert_eq!(secs(302.0), "5 m 02 s");
        assert_eq!(secs(7380.0), "2 h 03 m");
        assert_eq!(secs(-2.0), "-2.0 s");
        assert_eq!(age(3.0 * 86_400.0 + 4.5 * 3600.0), "3 d 04 h");
        assert_eq!(age(90.0), "1 m 30 s");
    }

    #[test]
    fn counts_and_sizes_read_short() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-12_345), "-12,345");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }

    #[test]
    fn every_state_has_its_own_letter() {
        let mut letters: Vec<&str> = weir_core::state::TaskState::ALL
            .iter()
            .map(|s| state_letter(s.as_str()))
            .collect();
        letters.sort();
        letters.dedup();
        assert_eq!(letters.len(), weir_core::state::TaskState::ALL.len());
        for (state, letter) in LEGEND {
            assert_eq!(state_letter(state), letter);
        }
    }
}
