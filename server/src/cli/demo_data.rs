//! `weir demo-data`: the example feature pipeline's clickstream sample, generated instead of
//! shipped. The example DAG calls it for each run's day, so `weir standalone` runs the whole
//! pipeline with nothing to download.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::Args;
use weir_lake::demo::{Clickstream, file_name};

#[derive(Args, Debug)]
pub struct DemoDataArgs {
    /// The last day to write (YYYY-MM-DD, UTC); default today.
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// How many days, ending at --date, each into its own `<YYYY-MM-DD>.csv`.
    #[arg(long, default_value_t = 1)]
    pub days: u32,
    /// The folder the day files go to.
    #[arg(long, default_value = "data/clicks")]
    pub out: PathBuf,
    /// Events per day.
    #[arg(long, default_value_t = 5_000)]
    pub rows_per_day: u64,
    /// Distinct users.
    #[arg(long, default_value_t = 500)]
    pub users: u64,
    /// Keep a day file that exists already (the same day always has the same events).
    #[arg(long)]
    pub skip_existing: bool,
}

/// Day 0 of the sample: every date counts from here, so event ids stay unique across the
/// days a pipeline ingests one at a time.
const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a valid date");

pub fn run(args: DemoDataArgs) -> anyhow::Result<ExitCode> {
    let last = args.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    if last < EPOCH {
        bail!("--date {last} is before the sample's first day, {EPOCH}");
    }
    if args.days == 0 {
        bail!("--days must be at least 1");
    }
    let last_day = u32::try_from((last - EPOCH).num_days()).context("--date is too far ahead")?;
    let days = last_day + 1;
    let sample = Clickstream {
        rows: args.rows_per_day.saturating_mul(u64::from(days)),
        users: args.users.max(1),
        items: (args.users / 4).max(10),
        days,
        first_day: EPOCH,
        seed: 42,
    };
    let first = last_day.saturating_sub(args.days - 1);
    for day in first..=last_day {
        let path = args.out.join(file_name(sample.date(day)));
        if args.skip_existing && path.exists() {
            eprintln!("kept {}", path.display());
            continue;
        }
        let written = sample
            .write_day_file(day, &args.out)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "wrote {} ({} events, {} bytes)",
            written.path.display(),
            written.rows,
            written.bytes
        );
    }
    Ok(ExitCode::SUCCESS)
}
