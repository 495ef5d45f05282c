//! Which runs a schedule asks for and the data interval each covers, as Airflow 2's
//! `CronDataIntervalTimetable` and `OnceTimetable` have it: the run for [start, end) is created
//! at its end, and its logical date is its start.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{CronSchedule, Schedule};

/// The stretch of time a run processes: [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DataInterval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A run a timetable asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RunInfo {
    pub logical_date: DateTime<Utc>,
    pub data_interval: DataInterval,
    /// When the run may be created: the end of its data interval.
    pub run_after: DateTime<Utc>,
}

impl RunInfo {
    pub fn for_interval(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        RunInfo {
            logical_date: start,
            data_interval: DataInterval { start, end },
            run_after: end,
        }
    }

    /// A run whose interval is the single instant `at`, as `@once` and triggered runs have.
    pub fn at(at: DateTime<Utc>) -> Self {
        Self::for_interval(at, at)
    }
}

/// A DAG's scheduling settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timetable {
    pub schedule: Schedule,
    pub timezone: Tz,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub catchup: bool,
}

impl Timetable {
    /// What the scheduler creates next. `last` is the data interval of the latest scheduled
    /// (not triggered) run, None if there is none yet. The run is returned whether or not its
    /// `run_after` has passed: the caller compares it with `now`.
    pub fn next_run(&self, last: Option<&DataInterval>, now: DateTime<Utc>) -> Option<RunInfo> {
        match &self.schedule {
            Schedule::Manual => None,
            Schedule::Once => match last {
                Some(_) => None,
                None => self
                    .start_date
                    .filter(|s| self.within_end(*s))
                    .map(RunInfo::at),
            },
            Schedule::Cron(cron) => {
                let start = self.next_start(cron, last, now)?;
                if !self.within_end(start) {
                    return None;
                }
                Some(RunInfo::for_interval(start, self.next(cron, start)?))
            }
        }
    }

    /// The next `n` runs whose `run_after` is after `now`, within start_date and end_date.
    pub fn upcoming(&self, now: DateTime<Utc>, n: usize) -> Vec<RunInfo> {
        match &self.schedule {
            Schedule::Manual => Vec::new(),
            Schedule::Once => self.once_if(|s| s > now, n),
            Schedule::Cron(cron) => {
                // The interval under way, whose run comes at its end, after now.
                let current = self.prev(cron, now).or_else(|| self.next(cron, now));
                self.walk(cron, self.not_before_start(cron, current), n, |_| true)
            }
        }
    }

    /// Every run whose interval starts at or after `from` and whose `run_after` is at or before
    /// `until`, oldest first, at most `limit`: for backfills and for counting what catchup would
    /// create.
    pub fn runs_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Vec<RunInfo> {
        match &self.schedule {
            Schedule::Manual => Vec::new(),
            Schedule::Once => self.once_if(|s| s >= from && s <= until, limit),
            Schedule::Cron(cron) => {
                let from = self.start_date.map_or(from, |s| s.max(from));
                let first = self.align_next(cron, from);
                self.walk(cron, first, limit, |run| run.run_after <= until)
            }
        }
    }

    /// The data interval of a triggered run with this logical date: for cron, the interval
    /// holding it, [latest fire at or before it, the fire after that); an instant otherwise.
    pub fn manual_data_interval(&self, logical_date: DateTime<Utc>) -> DataInterval {
        let instant = DataInterval {
            start: logical_date,
            end: logical_date,
        };
        let Schedule::Cron(cron) = &self.schedule else {
            return instant;
        };
        self.prev(cron, logical_date)
            .and_then(|start| {
                Some(DataInterval {
                    start,
                    end: self.next(cron, start)?,
                })
            })
            .unwrap_or(instant)
    }

    /// Where the next scheduled interval starts (Airflow's `next_dagrun_info`).
    fn next_start(
        &self,
        cron: &CronSchedule,
        last: Option<&DataInterval>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        // Without a start_date there is nothing to catch up from, so the first run is the
        // latest complete interval, as without catchup.
        let catching_up = self.catchup && (self.start_date.is_some() || last.is_some());
        let earliest = match (catching_up, self.start_date) {
            (false, _) => Some(self.skip_to_latest(cron, now)?),
            (true, Some(_)) => Some(self.first_start(cron)?),
            (true, None) => None,
        };
        let Some(last) = last else {
            return earliest;
        };
        // The schedule may have changed since the last run: realign its end.
        let after_last = self.prev(cron, last.end).unwrap_or(last.end);
        Some(earliest.map_or(after_last, |e| e.max(after_last)))
    }

    /// The start of the latest complete interval, not before start_date (Airflow's
    /// `_skip_to_latest`).
    fn skip_to_latest(&self, cron: &CronSchedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let latest_end = self.prev(cron, now);
        let latest = latest_end
            .and_then(|end| self.prev(cron, end - TimeDelta::nanoseconds(1)))
            .or(latest_end)
            .or_else(|| self.next(cron, now));
        self.not_before_start(cron, latest)
    }

    /// `t` moved up to the first fire at or after start_date. None when start_date is past the
    /// last fire: then nothing ever runs.
    fn not_before_start(
        &self,
        cron: &CronSchedule,
        t: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        if self.start_date.is_none() {
            return t;
        }
        let first = self.first_start(cron)?;
        Some(t.map_or(first, |t| t.max(first)))
    }

    /// The first fire at or after start_date.
    fn first_start(&self, cron: &CronSchedule) -> Option<DateTime<Utc>> {
        self.align_next(cron, self.start_date?)
    }

    /// `t` if it is a fire, else the next fire.
    fn align_next(&self, cron: &CronSchedule, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.prev(cron, t) {
            Some(p) if p == t => Some(t),
            _ => self.next(cron, t),
        }
    }

    /// Consecutive intervals from `start` while they start within end_date and `keep` them.
    fn walk(
        &self,
        cron: &CronSchedule,
        start: Option<DateTime<Utc>>,
        limit: usize,
        keep: impl Fn(&RunInfo) -> bool,
    ) -> Vec<RunInfo> {
        let mut runs = Vec::new();
        let mut start = start;
        while let Some(s) = start.filter(|s| runs.len() < limit && self.within_end(*s)) {
            let Some(end) = self.next(cron, s) else {
                break;
            };
            let run = RunInfo::for_interval(s, end);
            if !keep(&run) {
                break;
            }
            runs.push(run);
            start = Some(end);
        }
        runs
    }

    fn once_if(&self, keep: impl Fn(DateTime<Utc>) -> bool, limit: usize) -> Vec<RunInfo> {
        self.start_date
            .filter(|s| limit > 0 && keep(*s) && self.within_end(*s))
            .map(RunInfo::at)
            .into_iter()
            .collect()
    }

    fn within_end(&self, start: DateTime<Utc>) -> bool {
        self.end_date.is_none_or(|end| start <= end)
    }

    fn next(&self, cron: &CronSchedule, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        cron.next_fire_after(t, self.timezone)
    }

    fn prev(&self, cron: &CronSchedule, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        cron.prev_fire_at_or_before(t, self.timezone)
    }
}
