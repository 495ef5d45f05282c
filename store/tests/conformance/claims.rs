use std::collections::HashSet;
use std::sync::Arc;

use weir_core::state::TaskState;
use weir_store::{AttemptOutcome, Store};

use crate::common::*;

pub async fn claims_take_higher_priority_then_longer_queued_first(store: Arc<dyn Store>) {
    let tasks = [
        task("low_old", 1, 1, "default_pool", "default"),
        task("high_new", 1, 9, "default_pool", "default"),
        task("mid", 1, 5, "default_pool", "default"),
        task("low_new", 1, 1, "default_pool", "default"),
        task("high_old", 1, 9, "default_pool", "default"),
    ];
    let (run, tis) = run_with(&store, "order", 0, &tasks).await;
    let by = |name: &str| tis.iter().find(|t| t.task_id == name).unwrap();
    // Queued one at a time, so queued_at orders them: *_old before *_new.
    for name in ["low_old", "high_old", "mid", "high_new", "low_new"] {
        queue(&store, &[by(name)]).await;
    }
    let claimed = store.claim(&request("w1", &["default"], 3)).await.unwrap();
    assert_eq!(task_ids(&claimed), ["high_old", "high_new", "mid"]);
    let rest = store.claim(&request("w1", &["default"], 3)).await.unwrap();
    assert_eq!(task_ids(&rest), ["low_old", "low_new"]);

    let first = &claimed[0];
    assert_eq!((first.try_number, first.lease_token), (1, 1));
    assert_eq!(first.run_pk, run.id);
    assert_eq!(first.run_id, run.run_id);
    assert_eq!(first.dag_id, "order");
    assert_eq!(first.dag_version_id, run.dag_version_id);
    assert_eq!(first.logical_date, run.logical_date);
    assert_eq!(first.data_interval, run.data_interval);
    assert_eq!(first.conf, run.conf);
    assert!(first.lease_expires_at > chrono::Utc::now());

    let ti = store.get_task_instance(first.ti_id).await.unwrap().unwrap();
    assert_eq!(ti.state, TaskState::Running);
    assert_eq!(ti.worker_id.as_deref(), Some("w1"));
    assert!(ti.claimed_at.is_some() && ti.started_at.is_none());
    let attempts = store.list_attempts(first.ti_id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].state, TaskState::Running);
    assert_eq!(attempts[0].worker_id.as_deref(), Some("w1"));
    assert!(
        store
            .claim(&request("w1", &["default"], 3))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn claims_take_only_the_asked_queues(store: Arc<dyn Store>) {
    let tasks = [
        task("cpu1", 1, 1, "default_pool", "default"),
        task("gpu1", 1, 1, "default_pool", "gpu"),
        task("io1", 1, 1, "default_pool", "io"),
        task("gpu2", 1, 1, "default_pool", "gpu"),
    ];
    let (_, tis) = run_with(&store, "queues", 0, &tasks).await;
    queue(&store, &tis.iter().collect::<Vec<_>>()).await;
    let gpu = store.claim(&request("g", &["gpu"], 10)).await.unwrap();
    assert_eq!(task_ids(&gpu), ["gpu1", "gpu2"]);
    assert!(
        store
            .claim(&request("g", &["gpu", "nothing"], 10))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .claim(&request("g", &[], 10))
            .await
            .unwrap()
            .is_empty()
    );
    let both = store
        .claim(&request("x", &["io", "default"], 10))
        .await
        .unwrap();
    assert_eq!(
        task_ids(&both).into_iter().collect::<HashSet<_>>(),
        HashSet::from(["cpu1", "io1"])
    );
}

pub async fn claims_take_at_most_max(store: Arc<dyn Store>) {
    let (_, tis) = run_with(&store, "max", 0, &many_tasks(10, 1)).await;
    queue(&store, &tis.iter().collect::<Vec<_>>()).await;
    assert!(
        store
            .claim(&request("w", &["default"], 0))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .claim(&request("w", &["default"], 4))
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        store
            .claim(&request("w", &["default"], 4))
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        store
            .claim(&request("w", &["default"], 4))
            .await
            .unwrap()
            .len(),
        2
    );
    // Not queued (none) is not claimable.
    let (_, others) = run_with(&store, "max", 1, &many_tasks(3, 1)).await;
    assert_eq!(others.len(), 3);
    assert!(
        store
            .claim(&request("w", &["default"], 4))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn claims_keep_within_pool_slots(store: Arc<dyn Store>) {
    store.upsert_pool("small", 2, None).await.unwrap();
    let mut tasks: Vec<_> = (0..5)
        .map(|i| task(&format!("s{i}"), 1, 9, "small", "default"))
        .collect();
    tasks.push(task("other", 1, 1, "default_pool", "default"));
    tasks.push(task("unpooled", 1, 1, "no_such_pool", "default"));
    let (_, tis) = run_with(&store, "pools", 0, &tasks).await;
    queue(&store, &tis.iter().collect::<Vec<_>>()).await;

    let first = store.claim(&request("w", &["default"], 10)).await.unwrap();
    let names: HashSet<_> = task_ids(&first).into_iter().collect();
    assert_eq!(
        names,
        HashSet::from(["s0", "s1", "other", "unpooled"]),
        "two of small's five"
    );
    let small = |store: Arc<dyn Store>| async move {
        let pools = store.list_pools().await.unwrap();
        pools
            .into_iter()
            .find(|p| p.name == "small")
            .unwrap()
            .running
    };
    assert_eq!(small(store.clone()).await, 2);
    assert!(
        store
            .claim(&request("w", &["default"], 10))
            .await
            .unwrap()
            .is_empty(),
        "full"
    );

    let s0 = first.iter().find(|c| c.task_id == "s0").unwrap();
    store
        .finish_attempt(s0.ti_id, s0.lease_token, AttemptOutcome::Success, None)
        .await
        .unwrap();
    let next = store.claim(&request("w", &["default"], 10)).await.unwrap();
    assert_eq!(task_ids(&next), ["s2"], "one slot freed, one task");

    // More slots, more claims.
    store.upsert_pool("small", 4, None).await.unwrap();
    let more = store.claim(&request("w", &["default"], 10)).await.unwrap();
    assert_eq!(task_ids(&more), ["s3", "s4"]);
    assert_eq!(small(store.clone()).await, 4);
}

pub async fn concurrent_claimers_take_every_task_exactly_once(store: Arc<dyn Store>) {
    const TASKS: usize = 200;
    const CLAIMERS: usize = 8;
    let (_, tis) = run_with(&store, "race", 0, &many_tasks(TASKS, 1)).await;
    queue(&store, &tis.iter().collect::<Vec<_>>()).await;
    // default_pool has 128 slots: room for all.
    store.upsert_pool("default_pool", 1000, None).await.unwrap();

    let start = Arc::new(tokio::sync::Barrier::new(CLAIMERS));
    let mut claimers = Vec::new();
    for n in 0..CLAIMERS {
        let (store, start) = (store.clone(), start.clone());
        claimers.push(tokio::spawn(async move {
            let worker = format!("w{n}");
            let mut mine = Vec::new();
            start.wait().await;
            loop {
                let batch = store
                    .claim(&request(&worker, &["default"], 7))
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(
                    batch
                        .into_iter()
                        .map(|c| (c.ti_id, c.lease_token, c.try_number)),
                );
            }
        }));
    }
    let mut all = Vec::new();
    for c in claimers {
        all.extend(c.await.unwrap());
    }
    assert_eq!(all.len(), TASKS, "every task claimed once, none twice");
    let distinct: HashSet<i64> = all.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(distinct.len(), TASKS);
    assert!(
        all.iter()
            .all(|(_, token, try_number)| *token == 1 && *try_number == 1)
    );
    for ti in store.task_instances(tis[0].run_pk).await.unwrap() {
        assert_eq!(ti.state, TaskState::Running);
        assert_eq!(
            store.list_attempts(ti.id).await.unwrap().len(),
            1,
            "one attempt row"
        );
    }
}
