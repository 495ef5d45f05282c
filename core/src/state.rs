//! Run and task instance states, the one table of allowed transitions, and trigger rules.
//!
//! ```text
//! none -> scheduled -> queued -> running -> success
//!                                       -> failed
//!                                       -> up_for_retry -> scheduled (after the retry delay)
//!                                       -> queued (handed back by a worker shutting down)
//! none -> skipped | upstream_failed   (by trigger rules)
//! any unfinished -> removed           (the task left the DAG version)
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dag::TriggerRule;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    None,
    Scheduled,
    Queued,
    Running,
    Success,
    Failed,
    UpForRetry,
    Skipped,
    UpstreamFailed,
    Removed,
}

impl TaskState {
    pub const ALL: [TaskState; 10] = [
        TaskState::None,
        TaskState::Scheduled,
        TaskState::Queued,
        TaskState::Running,
        TaskState::Success,
        TaskState::Failed,
        TaskState::UpForRetry,
        TaskState::Skipped,
        TaskState::UpstreamFailed,
        TaskState::Removed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::None => "none",
            TaskState::Scheduled => "scheduled",
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Success => "success",
            TaskState::Failed => "failed",
            TaskState::UpForRetry => "up_for_retry",
            TaskState::Skipped => "skipped",
            TaskState::UpstreamFailed => "upstream_failed",
            TaskState::Removed => "removed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Final states never change again, except by an explicit clear.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TaskState::Success
                | TaskState::Failed
                | TaskState::Skipped
                | TaskState::UpstreamFailed
                | TaskState::Removed
        )
    }

    /// Whether the state machine allows `self -> to` (clearing, back to none, is separate).
    pub fn can_become(self, to: TaskState) -> bool {
        use TaskState::*;
        match (self, to) {
            (None, Scheduled | Queued | Skipped | UpstreamFailed) => true,
            (Scheduled, Queued | Skipped | UpstreamFailed) => true,
            (Queued, Running | Scheduled) => true,
            // Queued again: handed back by a worker that shuts down.
            (Running, Success | Failed | UpForRetry | Queued) => true,
            (UpForRetry, Scheduled | Queued) => true,
            (from, Removed) => !from.is_final(),
            _ => false,
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Queued,
    Running,
    Success,
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Success => "success",
            RunState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            RunState::Queued,
            RunState::Running,
            RunState::Success,
            RunState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, RunState::Success | RunState::Failed)
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many of a task's direct upstreams are in each final state, and how many are not final.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpstreamCounts {
    pub success: usize,
    pub failed: usize,
    pub upstream_failed: usize,
    pub skipped: usize,
    pub removed: usize,
    pub unfinished: usize,
}

impl UpstreamCounts {
    pub fn add(&mut self, state: TaskState) {
        match state {
            TaskState::Success => self.success += 1,
            TaskState::Failed => self.failed += 1,
            TaskState::UpstreamFailed => self.upstream_failed += 1,
            TaskState::Skipped => self.skipped += 1,
            TaskState::Removed => self.removed += 1,
            _ => self.unfinished += 1,
        }
    }

    fn total(&self) -> usize {
        self.success + self.failed + self.upstream_failed + self.skipped + self.unfinished
    }

    fn failures(&self) -> usize {
        self.failed + self.upstream_failed
    }
}

/// What a trigger rule decides for a task whose state is still `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// Not decidable yet: some upstream is unfinished.
    Wait,
    Ready,
    Skip,
    UpstreamFailed,
}

/// Airflow's trigger rule semantics. Removed upstreams do not count: a task that left the DAG
/// neither blocks nor satisfies its downstream.
pub fn evaluate(rule: TriggerRule, up: UpstreamCounts) -> Readiness {
    use Readiness::*;
    let total = up.total();
    if total == 0 {
        return Ready;
    }
    let done = up.unfinished == 0;
    match rule {
        TriggerRule::AllSuccess => {
            if up.failures() > 0 {
                UpstreamFailed
            } else if up.skipped > 0 {
                Skip
            } else if done {
                Ready
            } else {
                Wait
            }
        }
        TriggerRule::AllFailed => {
            if up.success > 0 || up.skipped > 0 {
                Skip
            } else if done {
                Ready
            } else {
                Wait
            }
        }
        TriggerRule::AllDone | TriggerRule::Always => {
            if done || rule == TriggerRule::Always {
                Ready
            } else {
                Wait
            }
        }
        TriggerRule::OneSuccess => {
            if up.success > 0 {
                Ready
            } else if !done {
                Wait
            } else if up.failures() > 0 {
                UpstreamFailed
            } else {
                Skip
            }
        }
        TriggerRule::OneFailed => {
            if up.failures() > 0 {
                Ready
            } else if done {
                Skip
            } else {
                Wait
            }
        }
        TriggerRule::NoneFailed => {
            if up.failures() > 0 {
                UpstreamFailed
            } else if done {
                Ready
            } else {
                Wait
            }
        }
        TriggerRule::NoneFailedMinOneSuccess => {
            if up.failures() > 0 {
                UpstreamFailed
            } else if !done {
                Wait
            } else if up.success > 0 {
                Ready
            } else {
                Skip
            }
        }
        TriggerRule::NoneSkipped => {
            if up.skipped > 0 {
                Skip
            } else if done {
                Ready
            } else {
                Wait
            }
        }
    }
}

/// A run is final when every task instance is; it failed when a leaf failed or was
/// upstream_failed (Airflow's rule), else it succeeded.
pub fn run_outcome<'a>(
    states: impl IntoIterator<Item = (TaskState, bool)> + 'a,
) -> Option<RunState> {
    let mut failed = false;
    for (state, is_leaf) in states {
        if !state.is_final() {
            return None;
        }
        if is_leaf && matches!(state, TaskState::Failed | TaskState::UpstreamFailed) {
            failed = true;
        }
    }
    Some(if failed {
        RunState::Failed
    } else {
        RunState::Success
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Readiness::*;
    use TaskState as S;

    fn counts(states: &[TaskState]) -> UpstreamCounts {
        let mut c = UpstreamCounts::default();
        for s in states {
            c.add(*s);
        }
        c
    }

    #[test]
    fn states_round_trip_and_final_states_are_final() {
        for s in TaskState::ALL {
            assert_eq!(TaskState::parse(s.as_str()), Some(s));
            if s.is_final() {
                assert!(
                    TaskState::ALL.iter().all(|to| !s.can_become(*to)),
                    "{s} must be final"
                );
            }
        }
        assert!(S::Running.can_become(S::UpForRetry));
        assert!(!S::Success.can_become(S::Running));
        assert!(S::Queued.can_become(S::Removed));
    }

    #[test]
    fn trigger_rules_follow_airflow() {
        let cases: &[(TriggerRule, &[TaskState], Readiness)] = &[
            (TriggerRule::AllSuccess, &[S::Success, S::Success], Ready),
            (TriggerRule::AllSuccess, &[S::Success, S::Running], Wait),
            (
                TriggerRule::AllSuccess,
                &[S::Failed, S::Running],
                UpstreamFailed,
            ),
            (TriggerRule::AllSuccess, &[S::Skipped, S::Success], Skip),
            (
                TriggerRule::AllSuccess,
                &[S::UpstreamFailed],
                UpstreamFailed,
            ),
            (
                TriggerRule::AllFailed,
                &[S::Failed, S::UpstreamFailed],
                Ready,
            ),
            (TriggerRule::AllFailed, &[S::Failed, S::Success], Skip),
            (
                TriggerRule::AllDone,
                &[S::Failed, S::Success, S::Skipped],
                Ready,
            ),
            (TriggerRule::AllDone, &[S::Failed, S::Queued], Wait),
            (TriggerRule::OneSuccess, &[S::Success, S::Running], Ready),
            (
                TriggerRule::OneSuccess,
                &[S::Failed, S::Skipped],
                UpstreamFailed,
            ),
            (TriggerRule::OneSuccess, &[S::Skipped, S::Skipped], Skip),
            (TriggerRule::OneFailed, &[S::Failed, S::Running], Ready),
            (TriggerRule::OneFailed, &[S::Success, S::Success], Skip),
            (TriggerRule::NoneFailed, &[S::Success, S::Skipped], Ready),
            (
                TriggerRule::NoneFailed,
                &[S::Success, S::Failed],
                UpstreamFailed,
            ),
            (
                TriggerRule::NoneFailedMinOneSuccess,
                &[S::Skipped, S::Skipped],
                Skip,
            ),
            (
                TriggerRule::NoneFailedMinOneSuccess,
                &[S::Skipped, S::Success],
                Ready,
            ),
            (TriggerRule::NoneSkipped, &[S::Failed, S::Success], Ready),
            (TriggerRule::NoneSkipped, &[S::Skipped, S::Running], Skip),
            (TriggerRule::Always, &[S::Running], Ready),
            (TriggerRule::AllSuccess, &[], Ready),
            (TriggerRule::AllSuccess, &[S::Removed, S::Success], Ready),
        ];
        for (rule, ups, expected) in cases {
            assert_eq!(
                evaluate(*rule, counts(ups)),
                *expected,
                "{rule:?} with {ups:?}"
            );
        }
    }

    #[test]
    fn a_run_fails_by_its_leaves() {
        assert_eq!(run_outcome([(S::Success, false), (S::Running, true)]), None);
        assert_eq!(
            run_outcome([(S::Failed, false), (S::Success, true)]),
            Some(RunState::Success)
        );
        assert_eq!(
            run_outcome([(S::Success, false), (S::UpstreamFailed, true)]),
            Some(RunState::Failed)
        );
        assert_eq!(run_outcome([(S::Skipped, true)]), Some(RunState::Success));
    }
}
