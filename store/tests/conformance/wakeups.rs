use std::sync::Arc;
use std::time::Duration;

use weir_core::state::TaskState;
use weir_store::{AttemptOutcome, Store, StoreEvent, TaskStateChange, Wakeups};

use crate::common::*;

const WAIT: Duration = Duration::from_secs(10);

/// Waits for an event of `kind` (or a Resync, which means "look at everything").
async fn expect(wakeups: &mut Wakeups, kind: StoreEvent) {
    let found = tokio::time::timeout(WAIT, async {
        while let Some(event) = wakeups.recv().await {
            if event == kind || event == StoreEvent::Resync {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "a {kind:?} wake-up arrives");
}

pub async fn writes_wake_subscribers(store: Arc<dyn Store>) {
    let mut wakeups = store.subscribe();
    let (run, tis) = run_with(&store, "wake", 0, &many_tasks(1, 1)).await;
    expect(&mut wakeups, StoreEvent::DagRuns).await;

    let mut wakeups = store.subscribe();
    queue(&store, &[&tis[0]]).await;
    expect(&mut wakeups, StoreEvent::TasksQueued).await;

    let claimed = store.claim(&request("w", &["default"], 1)).await.unwrap();
    let mut wakeups = store.subscribe();
    store
        .finish_attempt(
            claimed[0].ti_id,
            claimed[0].lease_token,
            AttemptOutcome::Success,
            None,
        )
        .await
        .unwrap();
    expect(&mut wakeups, StoreEvent::TaskInstances).await;

    let mut wakeups = store.subscribe();
    assert!(
        store
            .set_run_state(
                run.id,
                weir_core::state::RunState::Queued,
                weir_core::state::RunState::Running
            )
            .await
            .unwrap()
    );
    expect(&mut wakeups, StoreEvent::DagRuns).await;
}

pub async fn a_wakeup_between_query_and_wait_is_not_missed(store: Arc<dyn Store>) {
    let (_, tis) = run_with(&store, "between", 0, &many_tasks(1, 1)).await;
    // A worker: register, look, find nothing...
    let mut wakeups = store.subscribe();
    assert!(
        store
            .claim(&request("w", &["default"], 1))
            .await
            .unwrap()
            .is_empty()
    );
    // ...the scheduler queues a task before the worker starts waiting...
    let writer = store.clone();
    let ti_id = tis[0].id;
    tokio::spawn(async move {
        writer
            .update_task_states(&[TaskStateChange::new(
                ti_id,
                TaskState::None,
                TaskState::Queued,
            )])
            .await
            .unwrap()
    })
    .await
    .unwrap();
    // ...and the wait still returns: the wake-up was kept for it.
    expect(&mut wakeups, StoreEvent::TasksQueued).await;
    assert_eq!(
        store
            .claim(&request("w", &["default"], 1))
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A claim wakes only watchers, a finished attempt wakes schedulers: each kind reaches only
/// those who act on it, so that a claim costs no scheduler tick and no other worker's query.
pub async fn each_task_change_sends_its_own_kind(store: Arc<dyn Store>) {
    let (_, tis) = run_with(&store, "kinds", 0, &many_tasks(1, 1)).await;
    let mut wakeups = store.subscribe();
    queue(&store, &[&tis[0]]).await;
    expect(&mut wakeups, StoreEvent::TasksQueued).await;

    let mut wakeups = store.subscribe();
    let claimed = store.claim(&request("w", &["default"], 1)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .finish_attempt(
            claimed[0].ti_id,
            claimed[0].lease_token,
            AttemptOutcome::Success,
            None,
        )
        .await
        .unwrap();
    // The finish is the marker: whatever the claim sent arrives before it.
    let mut seen = Vec::new();
    while seen.last() != Some(&StoreEvent::TaskInstances) {
        let event = tokio::time::timeout(WAIT, wakeups.recv())
            .await
            .expect("the finished attempt wakes")
            .expect("the store is open");
        seen.push(event);
    }
    assert_eq!(
        seen,
        [StoreEvent::TasksClaimed, StoreEvent::TaskInstances],
        "the claim sends TasksClaimed only, the finish TaskInstances only"
    );
    assert!(!StoreEvent::TasksClaimed.concerns_schedulers());
    assert!(!StoreEvent::TasksQueued.concerns_schedulers());
    assert!(StoreEvent::TaskInstances.concerns_schedulers());
}
