//! The engine end to end, in process, on both backends: the scheduler and a worker share a
//! store, real shell processes run, and runs reach their final state.

mod data;
mod harness;

use std::time::Duration;

use weir_core::state::{RunState, TaskState};
use weir_store::testing::Backend;

use harness::{DEADLINE, Engine};

const PIPELINE: &str = r#"
params:
  who: {type: string, default: world}
tasks:
  produce:
    type: shell
    run: |
      echo "hello {{ params.who }} on {{ ds }} try $WEIR_TRY_NUMBER"
      echo '{"rows": 42}' > "$WEIR_OUTPUT"
  consume:
    type: shell
    needs: [produce]
    run: echo "got {{ outputs.produce.rows }} rows from $WEIR_DAG_ID"
"#;

const FAILURES: &str = r#"
tasks:
  flaky:
    type: shell
    retries: 1
    retry_delay: 0s
    run: '[ "$WEIR_TRY_NUMBER" -ge 2 ] || { echo "try $WEIR_TRY_NUMBER fails" >&2; exit 3; }'
  broken:
    type: shell
    run: exit 4
  slow:
    type: shell
    timeout: 1s
    run: sleep 30
  after_broken:
    type: noop
    needs: [broken]
  alert:
    type: shell
    needs: [broken]
    trigger_rule: one_failed
    run: echo alert
  cleanup:
    type: noop
    needs: [flaky, broken, slow]
    trigger_rule: all_done
"#;

async fn pipeline_runs_and_passes_outputs(backend: Backend) {
    let Some(engine) = Engine::start(backend, &[("pipeline.yaml", PIPELINE)]).await else {
        return;
    };
    let run = engine
        .trigger("pipeline", serde_json::json!({"who": "weir"}))
        .await;
    let done = engine.finished(&run).await;
    assert_eq!(
        done.state,
        RunState::Success,
        "{:?}",
        engine.states(&run).await
    );
    let log = engine.log_of(&run, "produce", 1).await;
    assert!(
        log.contains("hello weir on ") && log.contains("try 1"),
        "{log}"
    );
    let log = engine.log_of(&run, "consume", 1).await;
    assert!(log.contains("got 42 rows from pipeline"), "{log}");
    engine.stop().await;
}

async fn failures_retries_timeouts_and_trigger_rules(backend: Backend) {
    let Some(engine) = Engine::start(backend, &[("failures.yaml", FAILURES)]).await else {
        return;
    };
    let run = engine.trigger("failures", serde_json::json!({})).await;
    let done = engine.finished(&run).await;
    let states = engine.states(&run).await;
    let state = |id: &str| states.iter().find(|(t, _)| t == id).unwrap().1;
    assert_eq!(state("flaky"), TaskState::Success, "{states:?}");
    assert_eq!(state("broken"), TaskState::Failed);
    assert_eq!(state("slow"), TaskState::Failed);
    assert_eq!(state("after_broken"), TaskState::UpstreamFailed);
    assert_eq!(state("alert"), TaskState::Success);
    assert_eq!(state("cleanup"), TaskState::Success);
    // A leaf (after_broken) is upstream_failed, so the run failed.
    assert_eq!(done.state, RunState::Failed);
    assert!(
        engine
            .log_of(&run, "flaky", 1)
            .await
            .contains("try 1 fails")
    );
    let slow = engine.log_of(&run, "slow", 1).await;
    assert!(slow.contains("timed out after 1s"), "{slow}");
    let flaky = engine
        .store
        .task_instances(run.id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.task_id == "flaky")
        .unwrap();
    let attempts = engine.store.list_attempts(flaky.id).await.unwrap();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(
        attempts[0]
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("exited with code 3"),
        "{attempts:?}"
    );
    engine.stop().await;
}

const DAILY: &str = r#"
schedule: "@daily"
timezone: Europe/Berlin
start_date: 2030-01-01
tasks:
  day:
    type: shell
    run: echo "day {{ ds }}"
"#;

async fn backfills_run_a_range_once_and_complete(backend: Backend) {
    use chrono::TimeZone;
    let Some(engine) = Engine::start(backend, &[("daily.yaml", DAILY)]).await else {
        return;
    };
    let berlin = chrono_tz::Europe::Berlin;
    let day = |d: u32| {
        berlin
            .with_ymd_and_hms(2026, 3, d, 0, 0, 0)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let backfill = engine
        .store
        .create_backfill(&weir_store::NewBackfill {
            dag_id: "daily".into(),
            from_date: day(1),
            to_date: day(5),
            max_active_runs: 2,
            rerun_failed: false,
            created_by: "test".into(),
        })
        .await
        .unwrap();
    let done = engine.backfill_finished(backfill.id).await;
    assert_eq!(done.state, weir_store::BackfillState::Completed);
    assert_eq!((done.runs_total, done.runs_success), (5, 5), "{done:?}");
    let runs = engine
        .store
        .runs_between("daily", day(1), day(5))
        .await
        .unwrap();
    assert_eq!(runs.len(), 5);
    assert!(
        runs.iter()
            .all(|r| r.run_type == weir_store::RunType::Backfill && r.state == RunState::Success)
    );
    // ds is the local date of each logical date, across the DST change on 2026-03-29 too.
    let first = engine.log_of(&runs[0], "day", 1).await;
    assert!(first.contains("day 2026-03-01"), "{first}");

    // Running the same range again adopts the runs and creates none.
    let again = engine
        .store
        .create_backfill(&weir_store::NewBackfill {
            dag_id: "daily".into(),
            from_date: day(1),
            to_date: day(5),
            max_active_runs: 2,
            rerun_failed: true,
            created_by: "test".into(),
        })
        .await
        .unwrap();
    let done = engine.backfill_finished(again.id).await;
    assert_eq!((done.runs_total, done.runs_success), (5, 5), "{done:?}");
    assert_eq!(
        engine
            .store
            .runs_between("daily", day(1), day(5))
            .await
            .unwrap()
            .len(),
        5
    );
    engine.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backfills_run_a_range_once_and_complete() {
    backfills_run_a_range_once_and_complete(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backfills_run_a_range_once_and_complete() {
    backfills_run_a_range_once_and_complete(Backend::Postgres).await;
}

const LONG: &str = r#"
tasks:
  long:
    type: shell
    run: sleep 60
"#;

async fn a_worker_that_stops_hands_its_task_back(backend: Backend) {
    let Some(engine) = Engine::start(backend, &[("long.yaml", LONG)]).await else {
        return;
    };
    let run = engine.trigger("long", serde_json::json!({})).await;
    let mut wakeups = engine.store.subscribe();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let ti = loop {
        let ti = engine.store.task_instances(run.id).await.unwrap().remove(0);
        if ti.state == TaskState::Running && ti.started_at.is_some() {
            break ti;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never started: {ti:?}"
        );
        wakeups.wait(Duration::from_millis(100)).await;
    };
    // The worker drains for its 1 s grace, then stops the process and hands the task back.
    let store = engine.store.clone();
    let _keep = engine.stop().await;
    let after = store.get_task_instance(ti.id).await.unwrap().unwrap();
    assert_eq!(after.state, TaskState::Queued, "{after:?}");
    assert_eq!(
        after.max_tries, 2,
        "the interrupted attempt does not use up the try"
    );
    let attempts = store.list_attempts(ti.id).await.unwrap();
    assert!(
        attempts[0]
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("handed back"),
        "{attempts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_worker_that_stops_hands_its_task_back() {
    a_worker_that_stops_hands_its_task_back(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_worker_that_stops_hands_its_task_back() {
    a_worker_that_stops_hands_its_task_back(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_pipeline_runs_and_passes_outputs() {
    pipeline_runs_and_passes_outputs(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pipeline_runs_and_passes_outputs() {
    pipeline_runs_and_passes_outputs(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_failures_retries_timeouts_and_trigger_rules() {
    failures_retries_timeouts_and_trigger_rules(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_failures_retries_timeouts_and_trigger_rules() {
    failures_retries_timeouts_and_trigger_rules(Backend::Postgres).await;
}
