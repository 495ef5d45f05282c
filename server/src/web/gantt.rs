//! A run's Gantt chart: per task instance, the scheduler delay (ready to queued), the pickup
//! delay (queued to started) and each attempt, as percentages of the run's time span.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use weir_core::dag::Dag;
use weir_store::{AttemptRecord, TaskInstanceRecord};

use super::format;

#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// sched-delay, pickup-delay or attempt.
    pub kind: &'static str,
    /// The attempt's state (for its color), or "".
    pub state: &'static str,
    pub left: f64,
    pub width: f64,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct GanttRow {
    pub task_id: String,
    pub state: &'static str,
    pub segments: Vec<Segment>,
    pub total: String,
}

#[derive(Debug, Clone)]
pub struct Gantt {
    pub rows: Vec<GanttRow>,
    /// Five labels along the time axis, from the start.
    pub ticks: Vec<String>,
}

/// When a task instance became ready: when it was marked scheduled, else when its last
/// upstream finished, else when it was created (a root).
pub fn ready_at(
    ti: &TaskInstanceRecord,
    dag: Option<&Dag>,
    finished: &HashMap<&str, Option<DateTime<Utc>>>,
) -> DateTime<Utc> {
    if let Some(t) = ti.scheduled_at {
        return t;
    }
    let upstream_done = dag.and_then(|d| d.task(&ti.task_id)).and_then(|t| {
        t.needs
            .iter()
            .filter_map(|n| finished.get(n.as_str()).copied().flatten())
            .max()
    });
    upstream_done.map_or(ti.created_at, |t| t.max(ti.created_at))
}

/// When each task of the run finished, by task id: what [`ready_at`] needs.
pub fn finish_times(tis: &[TaskInstanceRecord]) -> HashMap<&str, Option<DateTime<Utc>>> {
    tis.iter()
        .map(|t| (t.task_id.as_str(), t.finished_at))
        .collect()
}

/// `attempts` holds the attempts of the task instances that had more than one; the others'
/// single attempt is read from the task instance itself.
pub fn build(
    tis: &[TaskInstanceRecord],
    attempts: &HashMap<i64, Vec<AttemptRecord>>,
    dag: Option<&Dag>,
    now: DateTime<Utc>,
) -> Gantt {
    let finished = finish_times(tis);
    let start = tis.iter().map(|t| t.created_at).min().unwrap_or(now);
    let end = tis
        .iter()
        .flat_map(|t| [t.finished_at, t.started_at, t.queued_at])
        .flatten()
        .max()
        .unwrap_or(start);
    let running = tis
        .iter()
        .any(|t| t.finished_at.is_none() && t.started_at.is_some());
    let end = if running { now.max(end) } else { end };
    let span = format::between(Some(start), Some(end))
        .unwrap_or(0.0)
        .max(0.001);
    let pct = |t: DateTime<Utc>| -> f64 {
        (format::between(Some(start), Some(t)).unwrap_or(0.0) / span * 100.0).clamp(0.0, 100.0)
    };
    let seg = |kind, state, from: DateTime<Utc>, to: DateTime<Utc>, what: &str| {
        let left = pct(from);
        Segment {
            kind,
            state,
            left,
            width: (pct(to) - left).max(0.0),
            title: format!(
                "{what}: {} ({} → {})",
                format::opt_secs(format::between(Some(from), Some(to))),
                format::time(from),
                format::time(to)
            ),
        }
    };
    let mut rows = Vec::with_capacity(tis.len());
    for ti in tis {
        let mut segments = Vec::new();
        let ready = ready_at(ti, dag, &finished);
        if let Some(q) = ti.queued_at {
            if q > ready {
                segments.push(seg("sched-delay", "", ready, q, "scheduler delay"));
            }
            if let Some(s) = ti.started_at
                && s > q
            {
                segments.push(seg("pickup-delay", "", q, s, "pickup delay"));
            }
        }
        match attempts.get(&ti.id) {
            Some(list) if !list.is_empty() => {
                for a in list {
                    segments.push(seg(
                        "attempt",
                        a.state.as_str(),
                        a.started_at,
                        a.finished_at.unwrap_or(now),
                        &format!("try {} {}", a.try_number, a.state.as_str()),
                    ));
                }
            }
            _ => {
                if let Some(s) = ti.started_at {
                    segments.push(seg(
                        "attempt",
                        ti.state.as_str(),
                        s,
                        ti.finished_at.unwrap_or(now),
                        &format!("try {} {}", ti.try_number, ti.state.as_str()),
                    ));
                }
            }
        }
        rows.push(GanttRow {
            task_id: ti.task_id.clone(),
            state: ti.state.as_str(),
            segments,
            total: format::opt_secs(format::between(ti.started_at, ti.finished_at)),
        });
    }
    let ticks = (0..5)
        .map(|i| format!("+{}", format::secs(span * i as f64 / 4.0)))
        .collect();
    Gantt { rows, ticks }
}
