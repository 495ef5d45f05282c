//! PostgreSQL only: the plans of the claim and of the DAG list's run strips, and LISTEN/NOTIFY
//! wake-ups across connections.

mod common;

use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use weir_store::postgres::LISTENER_APPLICATION_NAME;
use weir_store::testing::{TestDatabase, admin_url};
use weir_store::{PgStore, Store, StoreEvent, Wakeups};

use common::*;

const WAIT: Duration = Duration::from_secs(30);

/// A fresh database with a migrated store on it, or None when PostgreSQL is skipped.
async fn setup() -> Option<(TestDatabase, Arc<PgStore>)> {
    let admin = admin_url()?;
    let db = TestDatabase::create(&admin).await;
    let store = Arc::new(PgStore::connect(&db.url).await.expect("the store connects"));
    store.migrate().await.expect("migrations apply");
    store.migrate().await.expect("migrating again is a no-op");
    Some((db, store))
}

/// Waits for `wanted`, ignoring other events.
async fn expect_exactly(wakeups: &mut Wakeups, wanted: StoreEvent) {
    let found = tokio::time::timeout(WAIT, async {
        while let Some(event) = wakeups.recv().await {
            if event == wanted {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "a {wanted:?} wake-up arrives");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_reads_the_partial_index() {
    let Some((db, store)) = setup().await else {
        return;
    };
    bounded(async {
        let dyn_store: Arc<dyn Store> = store.clone();
        // Many finished task instances and a few queued ones: the shape of a real table.
        let (_, tis) = run_with(&dyn_store, "big", 0, &many_tasks(3000, 1)).await;
        queue(&dyn_store, &tis.iter().take(30).collect::<Vec<_>>()).await;
        sqlx::query("UPDATE task_instances SET state = 'success' WHERE state = 'none'")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("ANALYZE task_instances")
            .execute(store.pool())
            .await
            .unwrap();

        let claim = include_str!("../src/postgres/queries/claim.sql");
        let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN {claim}"))
            .bind(vec!["default".to_string()])
            .bind(10_i64)
            .bind("w1")
            .bind(chrono::Utc::now())
            .bind(chrono::Utc::now())
            .fetch_all(store.pool())
            .await
            .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains("task_instances_claim_order"),
            "the claim must read task_instances_claim_order:\n{plan}"
        );
        // EXPLAIN does not execute: nothing was claimed.
        assert_eq!(
            dyn_store
                .claim(&request("w", &["default"], 100))
                .await
                .unwrap()
                .len(),
            30
        );
    })
    .await;
    drop(store);
    drop(db);
}

/// The plan of the recent-runs strip on the skew that once made it walk the whole table per DAG:
/// one DAG holds every run and the others have none, so `n_distinct(dag_id)` is 1. Checked as
/// a custom plan and as the generic plan a prepared statement switches to after five runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recent_runs_strip_reads_the_dag_and_date_index() {
    let Some((db, store)) = setup().await else {
        return;
    };
    bounded(async {
        let dyn_store: Arc<dyn Store> = store.clone();
        let (run, _) = run_with(&dyn_store, "big", 0, &many_tasks(1, 1)).await;
        let mut ids = vec!["big".to_string()];
        for i in 0..20 {
            let (d, source) = dag(&format!("quiet_{i:02}"), "no runs");
            dyn_store.sync_dag(&d, &source, None, false).await.unwrap();
            ids.push(format!("quiet_{i:02}"));
        }
        sqlx::query(
            "INSERT INTO dag_runs (dag_id, run_id, run_type, logical_date, data_interval_start, \
             data_interval_end, state, dag_version_id, created_at) \
             SELECT 'big', 'r' || i, 'scheduled', timestamptz '2026-01-01' - i * interval '1 day', \
             now(), now(), 'success', $1, now() FROM generate_series(1, 5000) AS i",
        )
        .bind(run.dag_version_id)
        .execute(store.pool())
        .await
        .unwrap();
        sqlx::query("ANALYZE dag_runs")
            .execute(store.pool())
            .await
            .unwrap();

        let recent = include_str!("../src/postgres/queries/pages/recent_runs.sql");
        let mut conn = store.pool().acquire().await.unwrap();
        sqlx::raw_sql(&format!("PREPARE recent (text[], bigint) AS {recent}"))
            .execute(&mut *conn)
            .await
            .unwrap();
        let ids = format!("{{{}}}", ids.join(","));
        for mode in ["force_custom_plan", "force_generic_plan"] {
            sqlx::raw_sql(&format!("SET plan_cache_mode = {mode}"))
                .execute(&mut *conn)
                .await
                .unwrap();
            let plan: Vec<String> =
                sqlx::query_scalar(&format!("EXPLAIN EXECUTE recent('{ids}', 10)"))
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
            let plan = plan.join("\n");
            assert!(
                plan.contains("dag_runs_dag_id_logical_date_key")
                    && !plan.contains("dag_runs_logical_date "),
                "{mode}: the strip must read the (dag_id, logical_date) index:\n{plan}"
            );
        }
        drop(conn);
        let strips = dyn_store.recent_runs(&["big".into()], 10).await.unwrap();
        assert_eq!(strips.len(), 10);
        assert_eq!(strips[0].run_id, run.run_id, "the newest run comes first");
    })
    .await;
    drop(store);
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_from_another_connection_wakes_the_listener() {
    let Some((db, store)) = setup().await else {
        return;
    };
    bounded(async {
        let mut wakeups = store.subscribe();
        // Another process: its own store (its own pool and listener)...
        let other: Arc<dyn Store> = Arc::new(PgStore::connect(&db.url).await.unwrap());
        let (_, tis) = run_with(&other, "wake", 0, &many_tasks(1, 1)).await;
        expect_exactly(&mut wakeups, StoreEvent::DagRuns).await;
        expect_exactly(&mut wakeups, StoreEvent::TaskInstances).await;

        // ...or plain SQL on a connection that knows nothing of Weir.
        let mut wakeups = store.subscribe();
        let mut raw = PgConnection::connect(&db.url).await.unwrap();
        sqlx::query("UPDATE task_instances SET state = 'queued', queued_at = now() WHERE id = $1")
            .bind(tis[0].id)
            .execute(&mut raw)
            .await
            .unwrap();
        expect_exactly(&mut wakeups, StoreEvent::TasksQueued).await;
        raw.close().await.unwrap();
    })
    .await;
    drop(store);
    drop(db);
}

async fn listener_pid(conn: &mut PgConnection, database: &str) -> Option<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2",
    )
    .bind(LISTENER_APPLICATION_NAME)
    .bind(database)
    .fetch_optional(conn)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_reconnects_after_its_connection_is_killed() {
    let Some((db, store)) = setup().await else {
        return;
    };
    bounded(async {
        let mut admin = PgConnection::connect(&db.url).await.unwrap();
        let pid = listener_pid(&mut admin, &db.name)
            .await
            .expect("the LISTEN connection is open");
        let mut wakeups = store.subscribe();
        let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        assert!(killed);

        // Back: subscribers are told to look again once it listens anew...
        expect_exactly(&mut wakeups, StoreEvent::Resync).await;
        let new_pid = listener_pid(&mut admin, &db.name)
            .await
            .expect("a new LISTEN connection");
        assert_ne!(new_pid, pid);

        // ...and wake-ups flow again.
        let dyn_store: Arc<dyn Store> = store.clone();
        let mut wakeups = store.subscribe();
        run_with(&dyn_store, "again", 0, &many_tasks(1, 1)).await;
        expect_exactly(&mut wakeups, StoreEvent::DagRuns).await;
        admin.close().await.unwrap();
    })
    .await;
    drop(store);
    drop(db);
}

/// A statement that changes no state wakes nobody: otherwise every scheduler tick (whose reaper
/// is such a statement) would wake every scheduler again, and idle schedulers would spin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_that_change_no_state_wake_nobody() {
    let Some((db, store)) = setup().await else {
        return;
    };
    bounded(async {
        let mut wakeups = store.subscribe();
        let (_, tis) = run_with(
            &(store.clone() as Arc<dyn Store>),
            "quiet",
            0,
            &many_tasks(1, 1),
        )
        .await;
        // The run's own inserts notify once for the run and once for its task instances, and
        // the LISTEN connection may deliver them after create_run returns: wait for both, so
        // that what follows sees only what the statements below send.
        let mut setup_events = std::collections::HashSet::new();
        while setup_events.len() < 2 {
            let event = tokio::time::timeout(WAIT, wakeups.recv()).await.unwrap();
            match event {
                Some(e @ (StoreEvent::DagRuns | StoreEvent::TaskInstances)) => {
                    setup_events.insert(e);
                }
                other => panic!("unexpected wake-up while creating the run: {other:?}"),
            }
        }
        let mut raw = PgConnection::connect(&db.url).await.unwrap();
        // A marker write that does wake, sent after the quiet statements: if any of them had
        // notified, its event would arrive first.
        store.reap_expired_leases(chrono::Utc::now()).await.unwrap();
        sqlx::query("UPDATE task_instances SET priority = priority WHERE id = $1")
            .bind(tis[0].id)
            .execute(&mut raw)
            .await
            .unwrap();
        sqlx::query("UPDATE task_instances SET state = 'queued' WHERE id = $1")
            .bind(tis[0].id)
            .execute(&mut raw)
            .await
            .unwrap();
        let first = tokio::time::timeout(WAIT, wakeups.recv()).await.unwrap();
        assert_eq!(first, Some(StoreEvent::TasksQueued));
        assert_eq!(wakeups.try_recv(), None, "one state change, one wake-up");
        raw.close().await.unwrap();
    })
    .await;
    drop(store);
    drop(db);
}

/// The triggers that compare a statement's old and new rows run with nested loops off:
/// PL/pgSQL keeps the plan of a function's first call, and a nested loop kept from a one-row
/// statement made a 10,000-row statement quadratic (see migration 0013). One statement that
/// queues some task instances and finishes others sends both kinds, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_triggers_join_without_nested_loops_and_send_each_kind_once() {
    let Some((db, store)) = setup().await else {
        return;
    };
    bounded(async {
        let settings: Vec<(String, Option<Vec<String>>)> = sqlx::query_as(
            "SELECT proname::text, proconfig FROM pg_proc
             WHERE proname IN ('weir_notify_task_states_changed', 'weir_notify_state_changed')
             ORDER BY proname",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(settings.len(), 2, "{settings:?}");
        for (name, config) in &settings {
            assert_eq!(
                config.as_deref(),
                Some(&["enable_nestloop=off".to_string()][..]),
                "{name}"
            );
        }

        let dyn_store: Arc<dyn Store> = store.clone();
        let mut wakeups = store.subscribe();
        let (_, tis) = run_with(&dyn_store, "mixed", 0, &many_tasks(4, 1)).await;
        // Everything the run's creation sent has arrived once its last one has.
        expect_exactly(&mut wakeups, StoreEvent::TaskInstances).await;
        wakeups.drain();
        sqlx::query(
            "UPDATE task_instances
             SET state = CASE WHEN id = ANY ($1) THEN 'queued' ELSE 'success' END
             WHERE run_pk = $2",
        )
        .bind(vec![tis[0].id, tis[1].id])
        .bind(tis[0].run_pk)
        .execute(store.pool())
        .await
        .unwrap();
        let mut seen = Vec::new();
        while seen.len() < 2 {
            let event = tokio::time::timeout(WAIT, wakeups.recv()).await.unwrap();
            seen.push(event.expect("the store is open"));
        }
        seen.sort_by_key(|e| format!("{e:?}"));
        assert_eq!(
            seen,
            [StoreEvent::TaskInstances, StoreEvent::TasksQueued],
            "one statement, one wake-up of each kind it caused"
        );
        assert_eq!(wakeups.try_recv(), None);
    })
    .await;
    drop(store);
    drop(db);
}
