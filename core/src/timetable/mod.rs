//! When a DAG runs: schedule strings (5-field cron, presets, `@once`), their evaluation on the
//! wall clock of the DAG's timezone, and the data interval each run covers, following Airflow 2's
//! `CronDataIntervalTimetable`.

mod cron_expr;
mod date;
mod dst;
mod error;
mod field;
mod interval;
mod schedule;

pub use cron_expr::CronSchedule;
pub use date::parse_date_in_tz;
pub use error::ScheduleError;
pub use interval::{DataInterval, RunInfo, Timetable};
pub use schedule::Schedule;
