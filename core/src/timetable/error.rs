//! Why a schedule string was rejected, worded for the person who wrote it.

/// A schedule that cannot be parsed: `message` says what is wrong, `hint` how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScheduleError {
    pub message: String,
    pub hint: Option<String>,
}

impl ScheduleError {
    pub(super) fn new(message: impl Into<String>) -> Self {
        ScheduleError {
            message: message.into(),
            hint: None,
        }
    }

    pub(super) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
