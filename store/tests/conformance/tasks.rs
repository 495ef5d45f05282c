use std::sync::Arc;

use weir_core::state::{RunState, TaskState};
use weir_store::{AttemptOutcome, Store, StoreError, TaskStateChange, WorkerInfo};

use crate::common::*;

use TaskState as S;

pub async fn state_changes_are_guarded_and_stamped(store: Arc<dyn Store>) {
    let (_, tis) = run_with(&store, "guard", 0, &many_tasks(3, 1)).await;
    let (a, b, c) = (tis[0].id, tis[1].id, tis[2].id);

    let applied = store
        .update_task_states(&[
            TaskStateChange::new(a, S::None, S::Scheduled).with_reason("upstreams done"),
            TaskStateChange::new(b, S::None, S::Queued),
            // Stale: c is in none, not scheduled. Skipped, not an error.
            TaskStateChange::new(c, S::Scheduled, S::Queued),
        ])
        .await
        .unwrap();
    assert_eq!(applied, 2);

    let ta = store.get_task_instance(a).await.unwrap().unwrap();
    assert_eq!(ta.state, S::Scheduled);
    assert_eq!(ta.reason.as_deref(), Some("upstreams done"));
    assert!(ta.scheduled_at.is_some() && ta.queued_at.is_none());
    let tb = store.get_task_instance(b).await.unwrap().unwrap();
    assert_eq!(tb.state, S::Queued);
    assert!(tb.queued_at.is_some(), "queuing stamps queued_at");
    assert_eq!(state_of(&store, c).await, S::None);

    let applied = store
        .update_task_states(&[
            TaskStateChange::new(a, S::Scheduled, S::Queued),
            TaskStateChange::new(c, S::None, S::Skipped),
        ])
        .await
        .unwrap();
    assert_eq!(applied, 2);
    let ta2 = store.get_task_instance(a).await.unwrap().unwrap();
    assert_eq!(ta2.scheduled_at, ta.scheduled_at);
    assert!(ta2.queued_at.is_some());
    let tc = store.get_task_instance(c).await.unwrap().unwrap();
    assert_eq!(tc.state, S::Skipped);
    assert!(tc.finished_at.is_some(), "a final state stamps finished_at");

    // The same change again applies to nothing: the guard is the state it leaves.
    let again = store
        .update_task_states(&[TaskStateChange::new(a, S::Scheduled, S::Queued)])
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(store.update_task_states(&[]).await.unwrap(), 0);
    assert!(store.due_retries(at(1000)).await.unwrap().is_empty());
}

pub async fn impossible_transitions_are_refused_whole(store: Arc<dyn Store>) {
    let (_, tis) = run_with(&store, "refuse", 0, &many_tasks(2, 1)).await;
    let (a, b) = (tis[0].id, tis[1].id);
    let refused = [
        vec![
            TaskStateChange::new(a, S::None, S::Queued),
            TaskStateChange::new(b, S::None, S::Success),
        ],
        vec![TaskStateChange::new(a, S::Queued, S::Running)],
        vec![
            TaskStateChange::new(a, S::None, S::Scheduled),
            TaskStateChange::new(a, S::Scheduled, S::Queued),
        ],
    ];
    for batch in refused {
        let result = store.update_task_states(&batch).await;
        assert!(
            matches!(result, Err(StoreError::Invalid(_))),
            "{batch:?}: {result:?}"
        );
    }
    assert_eq!(
        state_of(&store, a).await,
        S::None,
        "nothing of a refused batch applies"
    );
    assert_eq!(state_of(&store, b).await, S::None);
}

pub async fn clearing_resets_task_instances_and_requeues_the_run(store: Arc<dyn Store>) {
    let (run, tis) = run_with(
        &store,
        "clear",
        0,
        &[
            task("a", 1, 1, "default_pool", "default"),
            task("b", 2, 1, "default_pool", "default"),
        ],
    )
    .await;
    queue(&store, &[&tis[0], &tis[1]]).await;
    let claimed = store.claim(&request("w1", &["default"], 10)).await.unwrap();
    assert_eq!(claimed.len(), 2);
    let a = claimed.iter().find(|c| c.task_id == "a").unwrap();
    let b = claimed.iter().find(|c| c.task_id == "b").unwrap();
    let failed = AttemptOutcome::Failed {
        reason: "exit 1".into(),
    };
    assert_eq!(
        store
            .finish_attempt(a.ti_id, a.lease_token, failed, None)
            .await
            .unwrap(),
        S::Failed
    );
    store
        .set_run_state(run.id, RunState::Queued, RunState::Running)
        .await
        .unwrap();
    store
        .set_run_state(run.id, RunState::Running, RunState::Failed)
        .await
        .unwrap();

    // b is still running when both are cleared: its worker loses the lease.
    let cleared = store
        .clear_task_instances(run.id, &["a".to_string(), "b".to_string()])
        .await
        .unwrap();
    assert_eq!(cleared, 2);
    for ti in store.task_instances(run.id).await.unwrap() {
        assert_eq!(ti.state, S::None);
        assert_eq!(ti.try_number, 1, "the try count is kept");
        assert!(ti.queued_at.is_none() && ti.finished_at.is_none() && ti.worker_id.is_none());
        let tries = if ti.task_id == "a" { 1 } else { 2 };
        assert_eq!(ti.max_tries, 1 + tries, "the DAG's tries are granted again");
        assert_eq!(
            store.list_attempts(ti.id).await.unwrap().len(),
            1,
            "history kept"
        );
    }
    let attempt_b = &store.list_attempts(b.ti_id).await.unwrap()[0];
    assert!(
        attempt_b.finished_at.is_some(),
        "the running attempt was ended"
    );
    assert!(matches!(
        store
            .finish_attempt(b.ti_id, b.lease_token, AttemptOutcome::Success, None)
            .await,
        Err(StoreError::LeaseLost { .. })
    ));
    let run = store.get_run_by_pk(run.id).await.unwrap().unwrap();
    assert_eq!(run.state, RunState::Queued);
    assert!(run.finished_at.is_none());
    assert_eq!(store.clear_task_instances(run.id, &[]).await.unwrap(), 0);

    // A cleared task runs again as its next try.
    let tis = store.task_instances(run.id).await.unwrap();
    queue(&store, &[&tis[0]]).await;
    let again = store.claim(&request("w2", &["default"], 1)).await.unwrap();
    assert_eq!((again[0].try_number, again[0].lease_token), (2, 2));
}

pub async fn workers_schedulers_and_pools_are_recorded(store: Arc<dyn Store>) {
    let mut worker = WorkerInfo {
        worker_id: "w1".into(),
        hostname: "host-a".into(),
        queues: vec!["default".into(), "gpu".into()],
        capacity: 4,
        state: "running".into(),
    };
    store.heartbeat_worker(&worker).await.unwrap();
    let first = store.list_workers().await.unwrap();
    worker.state = "draining".into();
    store.heartbeat_worker(&worker).await.unwrap();
    let workers = store.list_workers().await.unwrap();
    assert_eq!(workers.len(), 1);
    assert_eq!(workers[0].queues, worker.queues);
    assert_eq!(workers[0].state, "draining");
    assert_eq!(workers[0].started_at, first[0].started_at);
    assert!(workers[0].last_heartbeat >= first[0].last_heartbeat);

    store.heartbeat_scheduler("s1", "host-b").await.unwrap();
    store.heartbeat_scheduler("s1", "host-b").await.unwrap();
    let schedulers = store.list_schedulers().await.unwrap();
    assert_eq!(schedulers.len(), 1);
    assert_eq!(schedulers[0].hostname, "host-b");

    let pools = store.list_pools().await.unwrap();
    assert_eq!(pools.len(), 1, "default_pool is seeded");
    assert_eq!(
        (pools[0].name.as_str(), pools[0].slots, pools[0].running),
        ("default_pool", 128, 0)
    );
    store.upsert_pool("gpu", 2, Some("the GPUs")).await.unwrap();
    store.upsert_pool("gpu", 3, None).await.unwrap();
    let pools = store.list_pools().await.unwrap();
    assert_eq!(
        pools
            .iter()
            .map(|p| (p.name.as_str(), p.slots))
            .collect::<Vec<_>>(),
        [("default_pool", 128), ("gpu", 3)]
    );
    assert!(matches!(
        store.upsert_pool("bad", -1, None).await,
        Err(StoreError::Invalid(_))
    ));
}

pub async fn taking_a_running_task_away_ends_its_attempt_and_its_lease(store: Arc<dyn Store>) {
    let (_, tis) = run_with(&store, "removed", 0, &many_tasks(1, 3)).await;
    queue(&store, &[&tis[0]]).await;
    let c = store
        .claim(&request("w1", &["default"], 1))
        .await
        .unwrap()
        .remove(0);
    let applied = store
        .update_task_states(&[TaskStateChange::new(c.ti_id, S::Running, S::Removed)
            .with_reason("the task left the DAG")])
        .await
        .unwrap();
    assert_eq!(applied, 1);
    let ti = store.get_task_instance(c.ti_id).await.unwrap().unwrap();
    assert_eq!(ti.state, S::Removed);
    assert!(ti.finished_at.is_some() && ti.lease_expires_at.is_none());
    let attempt = &store.list_attempts(c.ti_id).await.unwrap()[0];
    assert_eq!(attempt.state, S::Removed);
    assert_eq!(attempt.reason.as_deref(), Some("the task left the DAG"));
    assert!(attempt.finished_at.is_some());
    assert!(matches!(
        store
            .finish_attempt(c.ti_id, c.lease_token, AttemptOutcome::Success, None)
            .await,
        Err(StoreError::LeaseLost { .. })
    ));
    assert!(
        store
            .reap_expired_leases(at(100_000))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(state_of(&store, c.ti_id).await, S::Removed);
}

pub async fn finished_since_returns_only_what_finished_after_the_mark(store: Arc<dyn Store>) {
    let (run, tis) = run_with(&store, "deltas", 0, &many_tasks(3, 1)).await;
    let before = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    assert!(
        store
            .task_instances_finished_since(run.id, before)
            .await
            .unwrap()
            .is_empty()
    );
    let skip = TaskStateChange::new(tis[1].id, TaskState::None, TaskState::Skipped);
    assert_eq!(store.update_task_states(&[skip]).await.unwrap(), 1);
    let changed = store
        .task_instances_finished_since(run.id, before)
        .await
        .unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(
        (changed[0].id, changed[0].state),
        (tis[1].id, TaskState::Skipped)
    );
    let later = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    assert!(
        store
            .task_instances_finished_since(run.id, later)
            .await
            .unwrap()
            .is_empty()
    );
}
