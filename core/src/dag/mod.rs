//! DAGs: the model, the language's keys, the parser and validator, and loading a folder.

mod folder;
pub mod keys;
mod model;
mod parse;
pub mod task_types;

pub use folder::{
    FolderLoad, ImportError, ParsedFile, duplicate_dag_id, is_dag_file, list_dag_files, load_files,
    load_folder, parse_files,
};
pub use model::{
    Backoff, DEFAULT_MAX_ACTIVE_RUNS, DEFAULT_MAX_ACTIVE_TASKS, DEFAULT_POOL, DEFAULT_PRIORITY,
    DEFAULT_QUEUE, Dag, RetryPolicy, Task, TriggerRule,
};
pub use parse::{content_hash, parse_str};
pub use task_types::TaskKind;
