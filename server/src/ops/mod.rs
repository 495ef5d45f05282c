//! Operations that the CLI, the API and the dashboard share: each checks its input against the
//! DAG version involved and writes through the store, so the three front doors agree.

mod backfill;
mod clear;

pub use backfill::{BackfillSpec, create_backfill};
pub use clear::{ClearSpec, clear_task_instances};

/// Why an operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("{0}")]
    NotFound(String),
    /// The request does not fit the DAG (an unknown task, a range without intervals).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] weir_store::StoreError),
}

impl From<OpError> for crate::api::problem::ApiError {
    fn from(e: OpError) -> Self {
        use crate::api::problem::ApiError;
        match e {
            OpError::NotFound(m) => ApiError::NotFound(m),
            OpError::Invalid(m) => ApiError::unprocessable(m),
            OpError::Store(s) => s.into(),
        }
    }
}
