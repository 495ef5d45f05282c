//! Weir's lake: datasets at rest as Delta tables on a local folder or an object store, and the
//! data tasks that read and write them, on Apache DataFusion:
//!
//! - [`Lake::ingest`]: CSV, JSON lines and Parquet files into a dataset, typed, tagged with
//!   lineage columns, idempotent per task instance and atomic (one Delta commit);
//! - [`Lake::validate`]: an expectation suite in one aggregate query;
//! - [`Lake::materialize`]: a feature view over a window ending at the as-of time, into the
//!   offline store `features.<view>`, and [`Lake::historical_features`], the point-in-time join.
//!
//! Nothing here touches the state store: the executor records what these functions return.

mod batch;
mod dataset;
pub mod demo;
mod error;
mod functions;
pub mod ingest;
pub mod materialize;
mod query;
mod root;
mod session;
pub mod validate;
mod values;
mod write;

pub use batch::Batch;
pub use dataset::{ColumnInfo, DatasetName, Lake, VersionInfo, table_version};
pub use error::{LakeError, Result, RowError};
pub use root::LakeRoot;

/// Re-exported so that callers (the executor, the CLI, the bench) share this crate's Arrow.
pub use deltalake::arrow;
