//! The store's clock: every timestamp it writes comes from here, in microseconds (what both
//! PostgreSQL and the SQLite text form keep), so that a value written reads back equal.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// Now, truncated to microseconds.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

/// A timestamp truncated to microseconds.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// `t + d`, with `d` capped at a century (a lease longer than that is a mistake, not an overflow).
pub fn add(t: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    let century = TimeDelta::days(36_525);
    let d = TimeDelta::from_std(d).unwrap_or(century).min(century);
    truncate(t + d)
}
