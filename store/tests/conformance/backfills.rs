use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use weir_core::state::RunState;
use weir_store::{
    BackfillRecord, BackfillState, NewBackfill, Store, StoreError, StoreEvent, Wakeups,
};

use crate::common::*;

const WAIT: Duration = Duration::from_secs(10);

/// Syncs the fixture DAG `dag_id`; returns its version id.
async fn sync(store: &Arc<dyn Store>, dag_id: &str) -> i64 {
    let (d, s) = dag(dag_id, "x");
    store
        .sync_dag(&d, &s, None, false)
        .await
        .unwrap()
        .version_id
}

fn new_backfill(dag_id: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> NewBackfill {
    NewBackfill {
        dag_id: dag_id.into(),
        from_date: from,
        to_date: to,
        max_active_runs: 2,
        rerun_failed: false,
        created_by: "cli:tester".into(),
    }
}

async fn create(store: &Arc<dyn Store>, dag_id: &str) -> BackfillRecord {
    store
        .create_backfill(&new_backfill(dag_id, at(0), at(23)))
        .await
        .unwrap()
}

/// A run of `dag_id` at `hour` belonging to `backfill_id`, moved along `path` of run states.
async fn backfill_run(
    store: &Arc<dyn Store>,
    dag_id: &str,
    version: i64,
    hour: u32,
    backfill_id: Option<i64>,
    path: &[RunState],
) -> i64 {
    let mut new = new_run(dag_id, version, hour);
    new.backfill_id = backfill_id;
    let run = store
        .create_run(&new, &many_tasks(1, 1))
        .await
        .unwrap()
        .into_run();
    assert_eq!(run.backfill_id, backfill_id);
    let mut state = RunState::Queued;
    for &next in path {
        assert!(store.set_run_state(run.id, state, next).await.unwrap());
        state = next;
    }
    run.id
}

fn ids(records: &[BackfillRecord]) -> Vec<i64> {
    records.iter().map(|b| b.id).collect()
}

fn counts(b: &BackfillRecord) -> (i64, i64, i64, i64) {
    (b.runs_total, b.runs_success, b.runs_failed, b.runs_active)
}

/// Waits for a DagRuns wake-up (or a Resync, which means "look at everything").
async fn expect_dag_runs(wakeups: &mut Wakeups) {
    let found = tokio::time::timeout(WAIT, async {
        while let Some(event) = wakeups.recv().await {
            if matches!(event, StoreEvent::DagRuns | StoreEvent::Resync) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "a DagRuns wake-up arrives");
}

pub async fn backfills_are_created_read_listed_and_found_running(store: Arc<dyn Store>) {
    sync(&store, "bf").await;
    sync(&store, "other").await;

    // Syncing DAGs wakes nobody, so this wake-up is the new backfill's.
    let mut wakeups = store.subscribe();
    let from = at(0) + TimeDelta::nanoseconds(1_234_567);
    let new = NewBackfill {
        rerun_failed: true,
        ..new_backfill("bf", from, at(5))
    };
    let b1 = store.create_backfill(&new).await.unwrap();
    expect_dag_runs(&mut wakeups).await;

    assert_eq!(b1.dag_id, "bf");
    assert_eq!(
        b1.from_date,
        at(0) + TimeDelta::microseconds(1_234),
        "kept to the microsecond"
    );
    assert_eq!(b1.to_date, at(5));
    assert_eq!(b1.max_active_runs, 2);
    assert!(b1.rerun_failed);
    assert_eq!(b1.state, BackfillState::Running);
    assert_eq!(b1.created_by, "cli:tester");
    assert_eq!(b1.created_at, b1.updated_at);
    assert_eq!(b1.completed_at, None);
    assert_eq!(counts(&b1), (0, 0, 0, 0));
    assert_eq!(store.get_backfill(b1.id).await.unwrap(), Some(b1.clone()));
    assert_eq!(store.get_backfill(b1.id + 1000).await.unwrap(), None);

    let b2 = create(&store, "other").await;
    let b3 = create(&store, "bf").await;
    assert!(!b3.rerun_failed);
    assert!(b1.id < b2.id && b2.id < b3.id);

    assert_eq!(
        ids(&store.list_backfills(None).await.unwrap()),
        [b3.id, b2.id, b1.id],
        "newest first"
    );
    let of_bf = store.list_backfills(Some("bf")).await.unwrap();
    assert_eq!(ids(&of_bf), [b3.id, b1.id]);
    assert_eq!(of_bf[1], b1);
    assert!(store.list_backfills(Some("nope")).await.unwrap().is_empty());

    assert_eq!(
        ids(&store.running_backfills().await.unwrap()),
        [b1.id, b2.id, b3.id],
        "oldest first"
    );
    assert!(
        store
            .set_backfill_state(b2.id, BackfillState::Running, BackfillState::Completed)
            .await
            .unwrap()
    );
    assert!(
        store
            .set_backfill_state(b1.id, BackfillState::Running, BackfillState::Cancelled)
            .await
            .unwrap()
    );
    assert_eq!(ids(&store.running_backfills().await.unwrap()), [b3.id]);
    assert_eq!(
        ids(&store.list_backfills(None).await.unwrap()),
        [b3.id, b2.id, b1.id],
        "finished backfills stay visible"
    );
}

pub async fn invalid_backfills_are_refused_and_nothing_is_written(store: Arc<dyn Store>) {
    sync(&store, "bf").await;

    let backwards = new_backfill("bf", at(5), at(4));
    let err = store.create_backfill(&backwards).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");

    for max in [0, -3] {
        let new = NewBackfill {
            max_active_runs: max,
            ..new_backfill("bf", at(0), at(4))
        };
        let err = store.create_backfill(&new).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{max}: {err:?}");
    }

    let unknown = new_backfill("no_such_dag", at(0), at(4));
    let err = store.create_backfill(&unknown).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    assert!(store.list_backfills(None).await.unwrap().is_empty());
    assert!(store.running_backfills().await.unwrap().is_empty());

    // One date is a range: from and to may be equal.
    let one = store
        .create_backfill(&new_backfill("bf", at(3), at(3)))
        .await
        .unwrap();
    assert_eq!((one.from_date, one.to_date), (at(3), at(3)));
    assert_eq!(ids(&store.list_backfills(None).await.unwrap()), [one.id]);
}

pub async fn backfill_counts_follow_its_runs(store: Arc<dyn Store>) {
    let version = sync(&store, "bf").await;
    let b = create(&store, "bf").await;
    let other = create(&store, "bf").await;

    let id = Some(b.id);
    use RunState::*;
    backfill_run(&store, "bf", version, 0, id, &[Running, Success]).await;
    backfill_run(&store, "bf", version, 1, id, &[Running, Failed]).await;
    backfill_run(&store, "bf", version, 2, id, &[Running, Failed]).await;
    let running = backfill_run(&store, "bf", version, 3, id, &[Running]).await;
    backfill_run(&store, "bf", version, 4, id, &[]).await;
    // Not its runs: a scheduled one and another backfill's.
    backfill_run(&store, "bf", version, 10, None, &[Running, Success]).await;
    backfill_run(&store, "bf", version, 11, Some(other.id), &[]).await;

    let read = store.get_backfill(b.id).await.unwrap().unwrap();
    assert_eq!(counts(&read), (5, 1, 2, 2));
    let read_other = store.get_backfill(other.id).await.unwrap().unwrap();
    assert_eq!(counts(&read_other), (1, 0, 0, 1));

    // Every read counts the same way.
    let listed = store.list_backfills(Some("bf")).await.unwrap();
    assert_eq!(listed, [read_other.clone(), read.clone()]);
    let running_list = store.running_backfills().await.unwrap();
    assert_eq!(running_list, [read.clone(), read_other]);

    assert!(
        store
            .set_run_state(running, Running, Success)
            .await
            .unwrap()
    );
    let read = store.get_backfill(b.id).await.unwrap().unwrap();
    assert_eq!(counts(&read), (5, 2, 2, 1));
}

pub async fn backfill_states_move_only_from_running(store: Arc<dyn Store>) {
    sync(&store, "bf").await;
    let done = create(&store, "bf").await;
    let cancelled = create(&store, "bf").await;

    let mut wakeups = store.subscribe();
    assert!(
        store
            .set_backfill_state(done.id, BackfillState::Running, BackfillState::Completed)
            .await
            .unwrap()
    );
    expect_dag_runs(&mut wakeups).await;
    let read = store.get_backfill(done.id).await.unwrap().unwrap();
    assert_eq!(read.state, BackfillState::Completed);
    let completed_at = read.completed_at.expect("completed_at is stamped");
    assert!(completed_at >= read.created_at);
    assert_eq!(read.updated_at, completed_at);
    assert!(
        !store
            .set_backfill_state(done.id, BackfillState::Running, BackfillState::Completed)
            .await
            .unwrap(),
        "a second completion changes nothing"
    );
    assert!(
        !store
            .set_backfill_state(done.id, BackfillState::Running, BackfillState::Cancelled)
            .await
            .unwrap(),
        "a completed backfill cannot be cancelled"
    );
    assert_eq!(store.get_backfill(done.id).await.unwrap().unwrap(), read);

    assert!(
        store
            .set_backfill_state(
                cancelled.id,
                BackfillState::Running,
                BackfillState::Cancelled
            )
            .await
            .unwrap()
    );
    let read = store.get_backfill(cancelled.id).await.unwrap().unwrap();
    assert_eq!(read.state, BackfillState::Cancelled);
    assert!(read.completed_at.is_some());

    // Leaving a final state is no transition: refused before touching the database.
    for (from, to) in [
        (BackfillState::Cancelled, BackfillState::Running),
        (BackfillState::Completed, BackfillState::Running),
        (BackfillState::Cancelled, BackfillState::Completed),
        (BackfillState::Running, BackfillState::Running),
    ] {
        let err = store
            .set_backfill_state(cancelled.id, from, to)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid(_)),
            "{from} -> {to}: {err:?}"
        );
    }
    assert_eq!(
        store.get_backfill(cancelled.id).await.unwrap().unwrap(),
        read
    );
    assert!(store.running_backfills().await.unwrap().is_empty());

    assert!(
        !store
            .set_backfill_state(
                cancelled.id + 1000,
                BackfillState::Running,
                BackfillState::Cancelled
            )
            .await
            .unwrap(),
        "an unknown backfill does not move"
    );
}

pub async fn runs_between_includes_both_ends(store: Arc<dyn Store>) {
    let version = sync(&store, "rb").await;
    let other = sync(&store, "other").await;
    for hour in [4, 0, 6, 2, 5, 1, 3] {
        backfill_run(&store, "rb", version, hour, None, &[]).await;
        backfill_run(&store, "other", other, hour, None, &[]).await;
    }
    let dates = |runs: Vec<weir_store::RunRecord>| {
        assert!(runs.iter().all(|r| r.dag_id == "rb"));
        runs.iter().map(|r| r.logical_date).collect::<Vec<_>>()
    };
    assert_eq!(
        dates(store.runs_between("rb", at(2), at(4)).await.unwrap()),
        [at(2), at(3), at(4)],
        "both ends included, oldest first"
    );
    assert_eq!(
        dates(store.runs_between("rb", at(3), at(3)).await.unwrap()),
        [at(3)]
    );
    let just_inside = at(2) - TimeDelta::microseconds(1);
    let just_before_end = at(4) - TimeDelta::microseconds(1);
    assert_eq!(
        dates(
            store
                .runs_between("rb", just_inside, just_before_end)
                .await
                .unwrap()
        ),
        [at(2), at(3)]
    );
    assert!(
        store
            .runs_between("rb", at(4), at(2))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .runs_between("nope", at(0), at(6))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.runs_between("rb", at(0), at(99)).await.unwrap().len(),
        7
    );
}

pub async fn a_run_is_adopted_exactly_once(store: Arc<dyn Store>) {
    let version = sync(&store, "bf").await;
    let other_version = sync(&store, "other").await;
    let first = create(&store, "bf").await;
    let again = create(&store, "bf").await;
    let run = backfill_run(&store, "bf", version, 0, None, &[RunState::Running]).await;

    assert!(store.adopt_run(run, first.id).await.unwrap());
    assert!(!store.adopt_run(run, first.id).await.unwrap(), "once");
    let read = store.get_run_by_pk(run).await.unwrap().unwrap();
    assert_eq!(read.backfill_id, Some(first.id));
    assert_eq!(read.state, RunState::Running, "only the owner changes");
    let b = store.get_backfill(first.id).await.unwrap().unwrap();
    assert_eq!(counts(&b), (1, 0, 0, 1));

    // A backfill run again takes over the runs of the first, once.
    assert!(store.adopt_run(run, again.id).await.unwrap());
    assert!(!store.adopt_run(run, again.id).await.unwrap());
    assert_eq!(
        counts(&store.get_backfill(first.id).await.unwrap().unwrap()),
        (0, 0, 0, 0)
    );
    assert_eq!(
        counts(&store.get_backfill(again.id).await.unwrap().unwrap()),
        (1, 0, 0, 1)
    );

    let err = store.adopt_run(run + 1000, first.id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let err = store.adopt_run(run, again.id + 1000).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let foreign = backfill_run(&store, "other", other_version, 0, None, &[]).await;
    let err = store.adopt_run(foreign, first.id).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(
        store
            .get_run_by_pk(foreign)
            .await
            .unwrap()
            .unwrap()
            .backfill_id,
        None
    );
    assert_eq!(
        store.get_run_by_pk(run).await.unwrap().unwrap().backfill_id,
        Some(again.id)
    );
}
