//! One data task in a child process of its own (`weir-bench lake-task`, hidden), so that its
//! peak memory (`VmHWM`) is the task's and not the benchmark's: the task is timed alone, in
//! process, as a worker calls weir_lake; the child prints one JSON line with the figures.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use weir_core::dag::{Dag, TaskKind};
use weir_lake::ingest::IngestRequest;
use weir_lake::materialize::{MaterializeOutcome, MaterializeRequest};
use weir_lake::validate::ValidateRequest;
use weir_lake::{Batch, Lake, LakeRoot};
use weir_store::{FeatureViewInfo, OnlineFeatures};

use super::dag;
use crate::proc_status::resident;

/// Online rows per upsert, as the executor writes them (one transaction per chunk).
const ONLINE_CHUNK: usize = 5_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    Ingest,
    Validate,
    Materialize,
}

impl Which {
    /// The name on the command line and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Which::Ingest => "ingest",
            Which::Validate => "validate",
            Which::Materialize => "materialize",
        }
    }

    pub fn task_id(self) -> &'static str {
        match self {
            Which::Ingest => dag::INGEST,
            Which::Validate => dag::VALIDATE,
            Which::Materialize => dag::MATERIALIZE,
        }
    }
}

#[derive(Args)]
pub struct TaskArgs {
    #[arg(long, value_enum)]
    task: Which,
    /// The benchmark's DAG file.
    #[arg(long)]
    dag: PathBuf,
    /// The lake's root folder.
    #[arg(long)]
    lake: PathBuf,
    /// The logical date: materialize's as-of time (midnight UTC).
    #[arg(long)]
    date: NaiveDate,
    /// materialize only: the (SQLite) state store to write the online rows into, as the
    /// executor does after the task.
    #[arg(long)]
    state: Option<String>,
    /// materialize only: how many entity keys with online rows to report, picked at random,
    /// for the lookups.
    #[arg(long, default_value_t = 0)]
    sample: usize,
}

/// What the child reports.
#[derive(Serialize, Deserialize)]
pub struct TaskReport {
    /// The task's own wall time, from the call into weir_lake to its outcome.
    pub wall_ms: f64,
    /// Rows ingested, validated (the dataset's) or materialized (entities).
    pub rows: u64,
    /// The child's VmHWM right after the task, in KiB.
    pub peak_rss_kib: u64,
    /// The online store write after a materialize.
    pub online: Option<OnlineWrite>,
}

#[derive(Serialize, Deserialize)]
pub struct OnlineWrite {
    /// `upsert_online_features` in chunks, then `upsert_feature_view`.
    pub wall_ms: f64,
    pub rows: u64,
    /// VmHWM after the write too, in KiB.
    pub peak_rss_kib: u64,
    /// Entity keys that have online rows, picked at random (with repetition).
    pub sample_keys: Vec<String>,
}

/// The options of one child run.
pub struct Spawn<'a> {
    pub task: Which,
    pub dag: &'a Path,
    pub lake: &'a Path,
    pub date: NaiveDate,
    pub state: Option<&'a str>,
    pub sample: usize,
}

/// Runs `weir-bench lake-task` and returns its report.
pub fn measure(spawn: &Spawn<'_>) -> anyhow::Result<TaskReport> {
    let exe = std::env::current_exe().context("locating weir-bench")?;
    let mut command = Command::new(exe);
    command
        .arg("lake-task")
        .arg("--task")
        .arg(spawn.task.name())
        .arg("--dag")
        .arg(spawn.dag)
        .arg("--lake")
        .arg(spawn.lake)
        .arg("--date")
        .arg(spawn.date.to_string())
        .arg("--sample")
        .arg(spawn.sample.to_string());
    if let Some(state) = spawn.state {
        command.arg("--state").arg(state);
    }
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("spawning weir-bench lake-task")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "weir-bench lake-task --task {:?} failed ({}): {}",
            spawn.task,
            output.status,
            stderr.trim()
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("lake-task printed {stdout:?}"))
}

/// The child: one task, timed, then its peak memory.
pub fn child(args: TaskArgs) -> anyhow::Result<()> {
    let source = std::fs::read_to_string(&args.dag)
        .with_context(|| format!("reading {}", args.dag.display()))?;
    let parsed = weir_core::dag::parse_str(&args.dag.display().to_string(), &source)
        .map_err(|d| anyhow::anyhow!("the benchmark's DAG does not parse: {d:?}"))?;
    let lake = Lake::new(LakeRoot::local(&args.lake)?);
    let logical_date: DateTime<Utc> = args
        .date
        .and_hms_opt(0, 0, 0)
        .context("midnight")?
        .and_utc();
    let batch = Batch {
        dag_id: dag::DAG_ID.into(),
        run_id: format!("bench__{}", args.date),
        task_id: args.task.task_id().into(),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(async {
        let kind = &task(&parsed, args.task.task_id())?.kind;
        let base_dir = args.dag.parent().unwrap_or(Path::new("."));
        let start = Instant::now();
        let (rows, materialized) = match kind {
            TaskKind::Ingest(task) => {
                let request = IngestRequest {
                    task,
                    batch: &batch,
                    base_dir,
                    connection_url: None,
                };
                let done = lake.ingest(&request).await?;
                ensure!(done.rejected == 0, "{} rows were rejected", done.rejected);
                (done.rows, None)
            }
            TaskKind::Validate(task) => {
                let request = ValidateRequest {
                    task,
                    batch: &batch,
                    logical_date,
                };
                let done = lake.validate(&request).await?;
                ensure!(
                    done.success() && done.passed as usize == dag::EXPECTATIONS,
                    "the generated data failed expectations: {}",
                    done.failure_summary()
                );
                (done.rows, None)
            }
            TaskKind::Materialize(task) => {
                let request = MaterializeRequest {
                    task,
                    as_of: logical_date,
                    batch: &batch,
                };
                let done = lake.materialize(&request).await?;
                (done.rows, Some((done, task.source.clone())))
            }
            other => bail!("{} is not a data task", other.type_name()),
        };
        let wall_ms = start.elapsed().as_secs_f64() * 1e3;
        let (_, peak_rss_kib) = resident()?;
        let online = match (materialized, &args.state) {
            (Some((done, source)), Some(url)) => {
                Some(write_online(url, &done, &source, &batch, args.sample).await?)
            }
            _ => None,
        };
        anyhow::Ok(TaskReport {
            wall_ms,
            rows,
            peak_rss_kib,
            online,
        })
    })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn task<'a>(dag: &'a Dag, id: &str) -> anyhow::Result<&'a weir_core::dag::Task> {
    dag.task(id)
        .with_context(|| format!("the benchmark's DAG has no task {id}"))
}

/// What the executor does after a materialize: the online rows, then the feature view, into
/// the state store. Connecting and migrating are not timed: a worker holds its store open.
async fn write_online(
    url: &str,
    done: &MaterializeOutcome,
    source: &str,
    batch: &Batch,
    sample: usize,
) -> anyhow::Result<OnlineWrite> {
    let store = weir_store::connect(url).await?;
    store.migrate().await?;
    let view = FeatureViewInfo {
        view: done.view.clone(),
        entity: done.entity.clone(),
        features: done.features.clone(),
        source: Some(source.to_string()),
        as_of: done.as_of,
        rows: done.rows as i64,
        version: done.version,
        dag_id: Some(batch.dag_id.clone()),
        task_id: Some(batch.task_id.clone()),
    };
    let start = Instant::now();
    let rows: Vec<OnlineFeatures> = done
        .online
        .iter()
        .map(|row| OnlineFeatures {
            entity_key: row.entity_key.clone(),
            features: Value::Object(row.features.clone()),
            as_of: row.as_of,
        })
        .collect();
    for chunk in rows.chunks(ONLINE_CHUNK) {
        store.upsert_online_features(&view.view, chunk).await?;
    }
    store.upsert_feature_view(&view).await?;
    let wall_ms = start.elapsed().as_secs_f64() * 1e3;
    let (_, peak_rss_kib) = resident()?;
    Ok(OnlineWrite {
        wall_ms,
        rows: rows.len() as u64,
        peak_rss_kib,
        sample_keys: pick(&rows, sample),
    })
}

/// `n` entity keys picked at random (a fixed seed: the same keys on every run).
fn pick(rows: &[OnlineFeatures], n: usize) -> Vec<String> {
    if rows.is_empty() {
        return Vec::new();
    }
    let mut state: u64 = 0x5EED;
    (0..n)
        .map(|_| {
            // A 64-bit LCG (Knuth's MMIX constants); its high bits are random enough here.
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let i = ((u128::from(state >> 32) * rows.len() as u128) >> 32) as usize;
            rows[i].entity_key.clone()
        })
        .collect()
}
