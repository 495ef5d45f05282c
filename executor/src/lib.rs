//! Weir's executor: the worker side of the house.
//!
//! [`process`] runs one shell task as a real process group and streams its output; [`worker`]
//! claims task instances from the store with a lease, heartbeats, runs each attempt and reports,
//! every write guarded by the lease's fencing token.

pub mod data;
pub mod local;
pub mod process;
pub mod rendered;
mod shell_task;
pub mod worker;

pub use process::{Exit, LogLimits, LogLine, ProcessOutcome, ShellCommand, Stream, run_shell};
pub use worker::context::{ContextInputs, build_context};
pub use worker::{AttemptEnd, Worker, WorkerOptions};
