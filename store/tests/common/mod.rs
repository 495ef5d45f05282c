//! What the store's tests share: each test on a fresh store (see `weir_store::testing`), bounded
//! in time, and fixtures.

#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use weir_core::dag::{Dag, parse_str};
use weir_core::state::TaskState;
use weir_store::testing::{Backend, test_store};
use weir_store::{
    ClaimRequest, ClaimedTask, DataInterval, NewRun, NewTaskInstance, RunRecord, RunType, Store,
    TaskInstanceRecord, TaskStateChange,
};

/// Every test is bounded in time.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs a test against a fresh, migrated SQLite store.
pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    on(Backend::Sqlite, test).await;
}

/// Runs a test against a fresh, migrated PostgreSQL store in a database of its own (skipped,
/// loudly, only with WEIR_TEST_SKIP_POSTGRES=1).
pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    on(Backend::Postgres, test).await;
}

async fn on<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(fresh) = test_store(backend).await else {
        return;
    };
    bounded(test(fresh.store.clone())).await;
}

pub async fn bounded<Fut: Future<Output = ()>>(test: Fut) {
    tokio::time::timeout(TEST_TIMEOUT, test)
        .await
        .expect("the test finished in time");
}

// ---- fixtures ---------------------------------------------------------------------------------

/// A small valid DAG; `description` changes its content (and so its hash).
pub fn dag(dag_id: &str, description: &str) -> (Dag, String) {
    let source = format!(
        "dag_id: {dag_id}\n\
         description: {description}\n\
         tasks:\n  \
           extract:\n    type: shell\n    run: echo extract\n    retries: 2\n  \
           load:\n    type: shell\n    needs: [extract]\n    run: echo load\n    priority: 5\n"
    );
    let file = format!("dags/{dag_id}.yaml");
    let dag = parse_str(&file, &source).unwrap_or_else(|d| panic!("fixture DAG parses: {d:?}"));
    (dag, source)
}

/// Hour `hour` after 2026-01-01T00:00Z.
pub fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::TimeDelta::hours(hour as i64)
}

/// A new scheduled run of `dag_id` at hour `hour`.
pub fn new_run(dag_id: &str, version_id: i64, hour: u32) -> NewRun {
    NewRun {
        dag_id: dag_id.to_string(),
        run_id: format!("scheduled__{}", at(hour).to_rfc3339()),
        run_type: RunType::Scheduled,
        logical_date: at(hour),
        data_interval: DataInterval {
            start: at(hour),
            end: at(hour + 1),
        },
        conf: serde_json::json!({"lookback": 7, "names": ["a", "b"]}),
        triggered_by: Some("scheduler".into()),
        dag_version_id: version_id,
        backfill_id: None,
    }
}

pub fn task(
    task_id: &str,
    max_tries: i32,
    priority: i32,
    pool: &str,
    queue: &str,
) -> NewTaskInstance {
    NewTaskInstance {
        task_id: task_id.into(),
        max_tries,
        priority,
        pool: pool.into(),
        queue: queue.into(),
    }
}

/// Syncs a DAG and creates one run (hour `hour`) with the given task instances.
pub async fn run_with(
    store: &Arc<dyn Store>,
    dag_id: &str,
    hour: u32,
    tasks: &[NewTaskInstance],
) -> (RunRecord, Vec<TaskInstanceRecord>) {
    let (d, source) = dag(dag_id, "fixture");
    let version = store.sync_dag(&d, &source, None, false).await.unwrap();
    let run = store
        .create_run(&new_run(dag_id, version.version_id, hour), tasks)
        .await
        .unwrap()
        .into_run();
    let tis = store.task_instances(run.id).await.unwrap();
    (run, tis)
}

/// `n` task instances `t000`.. in the default pool and queue.
pub fn many_tasks(n: usize, max_tries: i32) -> Vec<NewTaskInstance> {
    (0..n)
        .map(|i| task(&format!("t{i:03}"), max_tries, 1, "default_pool", "default"))
        .collect()
}

/// Moves task instances from none to queued.
pub async fn queue(store: &Arc<dyn Store>, tis: &[&TaskInstanceRecord]) {
    let changes: Vec<_> = tis
        .iter()
        .map(|ti| TaskStateChange::new(ti.id, TaskState::None, TaskState::Queued))
        .collect();
    let n = store.update_task_states(&changes).await.unwrap();
    assert_eq!(n as usize, tis.len(), "every task instance was queued");
}

pub fn request(worker: &str, queues: &[&str], max: usize) -> ClaimRequest {
    ClaimRequest {
        worker_id: worker.into(),
        queues: queues.iter().map(|q| q.to_string()).collect(),
        max,
        lease: Duration::from_secs(60),
    }
}

pub fn task_ids(claimed: &[ClaimedTask]) -> Vec<&str> {
    claimed.iter().map(|c| c.task_id.as_str()).collect()
}

pub async fn state_of(store: &Arc<dyn Store>, ti_id: i64) -> TaskState {
    store.get_task_instance(ti_id).await.unwrap().unwrap().state
}
