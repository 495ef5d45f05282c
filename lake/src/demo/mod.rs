//! Demo data: a seeded, deterministic clickstream (`event_id, user_id, item_id, event_type,
//! amount, ts`) written as CSV, the shape `dags/user_features_daily.yaml` ingests. It feeds
//! `weir demo-data` and the lake benchmark, so it is fast: 10 million rows (about 0.5 GB) take
//! seconds in release, with hand-rolled formatting, a large write buffer and splitmix64.
//!
//! The same parameters always give the same bytes. Each day is generated from its own stream
//! of random numbers, so the single file is exactly the day files one after the other. Within a
//! day the timestamps never go backwards. Event ids (`e<n>`) count up across days, so they are
//! unique; users (`u<n>`) are uniform, items (`i<n>`) skewed towards a few popular ones; about
//! 70 % views, 25 % clicks and 5 % purchases; only purchases carry an amount (0.01 to 9999.99).

mod format;
mod rng;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

use self::format::{push_cents, push_time_of_day, push_u64};
use self::rng::{SplitMix64, stream_seed};

/// The CSV header, with a newline.
pub const HEADER: &str = "event_id,user_id,item_id,event_type,amount,ts\n";

/// The event types, all of which occur.
pub const EVENT_TYPES: [&str; 3] = ["view", "click", "purchase"];

/// Purchases carry 0.01 to 9999.99, in cents: inside `between: {min: 0, max: 10000}`.
const MAX_CENTS: u64 = 999_999;
const SECONDS_PER_DAY: u64 = 86_400;
/// Flushes to the file in large writes.
const BUFFER_BYTES: usize = 4 << 20;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clickstream {
    /// Events over all days, spread evenly across them.
    pub rows: u64,
    /// Distinct users `u0 .. u<users-1>`.
    pub users: u64,
    /// Distinct items `i0 .. i<items-1>`.
    pub items: u64,
    /// Days of events, starting at `first_day` (UTC).
    pub days: u32,
    pub first_day: NaiveDate,
    pub seed: u64,
}

impl Default for Clickstream {
    /// The benchmark's set: 10 million events of 100,000 users over 30 days from 2026-03-01.
    fn default() -> Self {
        Clickstream {
            rows: 10_000_000,
            users: 100_000,
            items: 20_000,
            days: 30,
            first_day: NaiveDate::from_ymd_opt(2026, 3, 1).expect("a valid date"),
            seed: 42,
        }
    }
}

/// A file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    /// Rows, not counting the header.
    pub rows: u64,
    pub bytes: u64,
}

impl Clickstream {
    /// All days into one CSV file with a header.
    pub fn write_csv(&self, path: &Path) -> io::Result<Written> {
        self.check()?;
        let mut out = Counting::create(path)?;
        out.write_all(HEADER.as_bytes())?;
        let mut rows = 0;
        for day in 0..self.days {
            rows += self.write_day(day, &mut out)?;
        }
        out.finish(path, rows)
    }

    /// One CSV file per day, `<folder>/<YYYY-MM-DD>.csv`, each with a header (the folder is
    /// created if missing). Returns the paths in day order.
    pub fn write_day_files(&self, folder: &Path) -> io::Result<Vec<PathBuf>> {
        self.check()?;
        std::fs::create_dir_all(folder)?;
        let mut paths = Vec::with_capacity(self.days as usize);
        for day in 0..self.days {
            let path = folder.join(file_name(self.date(day)));
            let mut out = Counting::create(&path)?;
            out.write_all(HEADER.as_bytes())?;
            let rows = self.write_day(day, &mut out)?;
            out.finish(&path, rows)?;
            paths.push(path);
        }
        Ok(paths)
    }

    /// Day `day` (0-based) alone, `<folder>/<YYYY-MM-DD>.csv` with a header: the same bytes
    /// [`Clickstream::write_day_files`] writes for it, so that one day at a time (as a daily
    /// DAG asks for it) adds up to the whole set, with event ids unique across days.
    pub fn write_day_file(&self, day: u32, folder: &Path) -> io::Result<Written> {
        self.check()?;
        std::fs::create_dir_all(folder)?;
        let path = folder.join(file_name(self.date(day)));
        let mut out = Counting::create(&path)?;
        out.write_all(HEADER.as_bytes())?;
        let rows = self.write_day(day, &mut out)?;
        out.finish(&path, rows)
    }

    /// The date of day `day` (0-based).
    pub fn date(&self, day: u32) -> NaiveDate {
        self.first_day + Days::new(u64::from(day))
    }

    /// The day after the last one: the end (exclusive) of the events.
    pub fn end_date(&self) -> NaiveDate {
        self.date(self.days)
    }

    /// The rows of day `day`: `rows` spread as evenly as integers allow.
    pub fn day_rows(&self, day: u32) -> u64 {
        self.first_event(day + 1) - self.first_event(day)
    }

    /// The entity key of user `n`, as the data (and so the online store) spells it.
    pub fn user_id(n: u64) -> String {
        format!("u{n}")
    }

    /// The global index of the first event of day `day`, the number in its `event_id`.
    fn first_event(&self, day: u32) -> u64 {
        (u128::from(self.rows) * u128::from(day) / u128::from(self.days.max(1))) as u64
    }

    fn check(&self) -> io::Result<()> {
        if self.users == 0 || self.items == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a clickstream needs at least one user and one item",
            ));
        }
        if self.rows > 0 && self.days == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a clickstream with rows needs at least one day",
            ));
        }
        Ok(())
    }

    /// Writes day `day`'s rows (no header) and returns how many.
    fn write_day(&self, day: u32, out: &mut impl Write) -> io::Result<u64> {
        let first = self.first_event(day);
        let n = self.day_rows(day);
        let mut rng = SplitMix64::new(stream_seed(self.seed, u64::from(day)));
        let date_prefix = format!("{}T", self.date(day).format("%Y-%m-%d"));
        let mut line = Vec::with_capacity(128);
        for k in 0..n {
            line.clear();
            line.push(b'e');
            push_u64(&mut line, first + k);
            line.extend_from_slice(b",u");
            push_u64(&mut line, rng.below(self.users));
            line.extend_from_slice(b",i");
            push_u64(&mut line, rng.skewed_below(self.items));
            let kind = rng.below(100);
            let (event_type, cents) = match kind {
                0..70 => ("view", 0),
                70..95 => ("click", 0),
                _ => ("purchase", 1 + rng.below(MAX_CENTS)),
            };
            line.push(b',');
            line.extend_from_slice(event_type.as_bytes());
            line.push(b',');
            push_cents(&mut line, cents);
            line.push(b',');
            line.extend_from_slice(date_prefix.as_bytes());
            // Event k of n falls in [k, k + 1) * 86400 / n seconds: in order and in the day.
            let second = (k * SECONDS_PER_DAY + rng.below(SECONDS_PER_DAY)) / n;
            push_time_of_day(&mut line, second);
            line.extend_from_slice(b"Z\n");
            out.write_all(&line)?;
        }
        Ok(n)
    }
}

/// The file name of a day's events: `2026-03-01.csv`.
pub fn file_name(date: NaiveDate) -> String {
    format!("{}.csv", date.format("%Y-%m-%d"))
}

/// A buffered file that counts the bytes written through it.
struct Counting {
    file: BufWriter<File>,
    bytes: u64,
}

impl Counting {
    fn create(path: &Path) -> io::Result<Self> {
        Ok(Counting {
            file: BufWriter::with_capacity(BUFFER_BYTES, File::create(path)?),
            bytes: 0,
        })
    }

    fn finish(mut self, path: &Path, rows: u64) -> io::Result<Written> {
        self.file.flush()?;
        Ok(Written {
            path: path.to_path_buf(),
            rows,
            bytes: self.bytes,
        })
    }
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)?;
        self.bytes += buf.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
