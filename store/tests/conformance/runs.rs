use std::collections::HashSet;
use std::sync::Arc;

use weir_core::state::{RunState, TaskState};
use weir_store::{CreateRun, NewTaskInstance, RunType, Store, StoreError};

use crate::common::*;

pub async fn create_run_makes_the_run_and_its_task_instances(store: Arc<dyn Store>) {
    let (d, s) = dag("etl", "x");
    let version = store.sync_dag(&d, &s, None, false).await.unwrap();
    let new = new_run("etl", version.version_id, 0);
    let created = store
        .create_run(&new, &NewTaskInstance::for_dag(&d))
        .await
        .unwrap();
    let CreateRun::Created(run) = created else {
        panic!("a new run is created: {created:?}");
    };
    assert_eq!(run.dag_id, "etl");
    assert_eq!(run.run_id, new.run_id);
    assert_eq!(run.run_type, RunType::Scheduled);
    assert_eq!(run.state, RunState::Queued);
    assert_eq!(run.logical_date, at(0));
    assert_eq!(run.data_interval, new.data_interval);
    assert_eq!(run.conf, new.conf);
    assert_eq!(run.triggered_by.as_deref(), Some("scheduler"));
    assert_eq!(run.dag_version_id, version.version_id);
    assert_eq!(
        store.get_run("etl", &new.run_id).await.unwrap(),
        Some(run.clone())
    );
    assert_eq!(
        store.get_run_by_pk(run.id).await.unwrap(),
        Some(run.clone())
    );
    assert_eq!(store.active_runs().await.unwrap(), vec![run.clone()]);

    let tis = store.task_instances(run.id).await.unwrap();
    let summary: Vec<_> = tis
        .iter()
        .map(|t| {
            (
                t.task_id.as_str(),
                t.state,
                t.try_number,
                t.max_tries,
                t.priority,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("extract", TaskState::None, 0, 3, 1),
            ("load", TaskState::None, 0, 1, 5)
        ]
    );
    assert!(tis.iter().all(|t| t.run_pk == run.id && t.dag_id == "etl"));
    assert!(
        tis.iter()
            .all(|t| t.pool == "default_pool" && t.queue == "default")
    );
    assert!(
        tis.iter()
            .all(|t| t.lease_token == 0 && t.worker_id.is_none())
    );
}

pub async fn create_run_is_idempotent_per_run_id_and_per_logical_date(store: Arc<dyn Store>) {
    let tasks = many_tasks(3, 1);
    let (run, _) = run_with(&store, "etl", 0, &tasks).await;
    let version = run.dag_version_id;

    let mut same_id = new_run("etl", version, 5);
    same_id.run_id = run.run_id.clone();
    let again = store.create_run(&same_id, &many_tasks(9, 1)).await.unwrap();
    assert_eq!(again, CreateRun::Exists(run.clone()));

    let mut same_date = new_run("etl", version, 0);
    same_date.run_id = "manual__other".into();
    same_date.run_type = RunType::Manual;
    let again = store
        .create_run(&same_date, &many_tasks(9, 1))
        .await
        .unwrap();
    assert_eq!(again, CreateRun::Exists(run.clone()));

    assert_eq!(
        store.task_instances(run.id).await.unwrap().len(),
        3,
        "untouched"
    );
    let (runs, total) = store.list_runs("etl", 10, 0).await.unwrap();
    assert_eq!((runs.len(), total), (1, 1));
}

pub async fn concurrent_creators_make_one_run(store: Arc<dyn Store>) {
    let (d, s) = dag("race", "x");
    let version = store.sync_dag(&d, &s, None, false).await.unwrap();
    let new = new_run("race", version.version_id, 3);
    let tasks = many_tasks(20, 1);
    let mut creators = Vec::new();
    for _ in 0..8 {
        let (store, new, tasks) = (store.clone(), new.clone(), tasks.clone());
        creators.push(tokio::spawn(async move {
            store.create_run(&new, &tasks).await.unwrap()
        }));
    }
    let mut created = 0;
    let mut ids = HashSet::new();
    for c in creators {
        let outcome = c.await.unwrap();
        created += usize::from(outcome.was_created());
        ids.insert(outcome.run().id);
    }
    assert_eq!(created, 1, "exactly one creator creates the run");
    assert_eq!(ids.len(), 1, "every creator sees the same run");
    let run_pk = ids.into_iter().next().unwrap();
    let tis = store.task_instances(run_pk).await.unwrap();
    assert_eq!(tis.len(), 20, "no duplicate task instances");
    let names: HashSet<_> = tis.iter().map(|t| t.task_id.clone()).collect();
    assert_eq!(names.len(), 20);
    assert_eq!(store.list_runs("race", 10, 0).await.unwrap().1, 1);
}

pub async fn runs_are_listed_newest_first_by_page(store: Arc<dyn Store>) {
    let (d, s) = dag("paged", "x");
    let version = store.sync_dag(&d, &s, None, false).await.unwrap();
    for hour in [2, 0, 4, 1, 3] {
        store
            .create_run(
                &new_run("paged", version.version_id, hour),
                &many_tasks(1, 1),
            )
            .await
            .unwrap();
    }
    let (page, total) = store.list_runs("paged", 2, 0).await.unwrap();
    assert_eq!(total, 5);
    assert_eq!(
        page.iter().map(|r| r.logical_date).collect::<Vec<_>>(),
        [at(4), at(3)]
    );
    let (page, _) = store.list_runs("paged", 2, 4).await.unwrap();
    assert_eq!(
        page.iter().map(|r| r.logical_date).collect::<Vec<_>>(),
        [at(0)]
    );
    let (page, total) = store.list_runs("other", 2, 0).await.unwrap();
    assert!(page.is_empty());
    assert_eq!(total, 0);
    let active = store.active_runs().await.unwrap();
    assert_eq!(
        active.iter().map(|r| r.logical_date).collect::<Vec<_>>(),
        [at(0), at(1), at(2), at(3), at(4)],
        "oldest first"
    );
}

pub async fn run_states_move_only_from_the_expected_state(store: Arc<dyn Store>) {
    let (run, _) = run_with(&store, "states", 0, &many_tasks(1, 1)).await;
    assert!(
        !store
            .set_run_state(run.id, RunState::Running, RunState::Success)
            .await
            .unwrap(),
        "not running yet"
    );
    assert!(
        store
            .set_run_state(run.id, RunState::Queued, RunState::Running)
            .await
            .unwrap()
    );
    let running = store.get_run_by_pk(run.id).await.unwrap().unwrap();
    assert_eq!(running.state, RunState::Running);
    assert!(running.started_at.is_some() && running.finished_at.is_none());
    assert!(
        !store
            .set_run_state(run.id, RunState::Queued, RunState::Running)
            .await
            .unwrap()
    );

    assert!(
        store
            .set_run_state(run.id, RunState::Running, RunState::Failed)
            .await
            .unwrap()
    );
    let done = store.get_run_by_pk(run.id).await.unwrap().unwrap();
    assert_eq!(done.state, RunState::Failed);
    assert_eq!(done.started_at, running.started_at);
    assert!(done.finished_at.is_some());
    assert!(store.active_runs().await.unwrap().is_empty());
}

pub async fn a_run_of_an_unknown_dag_version_is_not_found(store: Arc<dyn Store>) {
    let (d, s) = dag("ghost", "x");
    store.sync_dag(&d, &s, None, false).await.unwrap();
    let result = store
        .create_run(&new_run("ghost", 987_654, 0), &many_tasks(2, 1))
        .await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    assert_eq!(
        store.list_runs("ghost", 10, 0).await.unwrap().1,
        0,
        "no partial run"
    );
}

pub async fn retention_deletes_finished_runs_with_their_history_only(store: Arc<dyn Store>) {
    let (old, old_tis) = run_with(&store, "retention", 0, &many_tasks(2, 1)).await;
    let (active, _) = run_with(&store, "retention", 1, &many_tasks(2, 1)).await;
    // The old run finishes, with a claimed attempt that wrote a log line and an output.
    queue(&store, &[&old_tis[0]]).await;
    let claimed = store.claim(&request("w", &["default"], 1)).await.unwrap();
    let c = &claimed[0];
    let line = weir_store::LogLine {
        stream: weir_store::LogStream::Stdout,
        line: "kept until retention".into(),
        logged_at: chrono::Utc::now(),
    };
    store
        .append_logs(c.ti_id, c.try_number, c.lease_token, &[line])
        .await
        .unwrap();
    store
        .set_output(c.ti_id, c.lease_token, &serde_json::json!({"n": 1}))
        .await
        .unwrap();
    store
        .finish_attempt(
            c.ti_id,
            c.lease_token,
            weir_store::AttemptOutcome::Success,
            None,
        )
        .await
        .unwrap();
    assert!(
        store
            .set_run_state(old.id, RunState::Queued, RunState::Running)
            .await
            .unwrap()
    );
    assert!(
        store
            .set_run_state(old.id, RunState::Running, RunState::Success)
            .await
            .unwrap()
    );

    let past = chrono::Utc::now() - chrono::TimeDelta::days(1);
    assert_eq!(
        store.delete_finished_runs(past, 100).await.unwrap(),
        0,
        "nothing ended a day ago"
    );
    let future = chrono::Utc::now() + chrono::TimeDelta::days(1);
    assert_eq!(store.delete_finished_runs(future, 100).await.unwrap(), 1);
    assert_eq!(store.delete_finished_runs(future, 100).await.unwrap(), 0);

    assert!(store.get_run_by_pk(old.id).await.unwrap().is_none());
    assert!(store.task_instances(old.id).await.unwrap().is_empty());
    assert!(store.get_task_instance(c.ti_id).await.unwrap().is_none());
    assert!(
        store
            .read_logs(c.ti_id, c.try_number, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.get_output(c.ti_id).await.unwrap().is_none());
    assert!(store.list_attempts(c.ti_id).await.unwrap().is_empty());
    // The active run is untouched.
    assert!(store.get_run_by_pk(active.id).await.unwrap().is_some());
    assert_eq!(store.task_instances(active.id).await.unwrap().len(), 2);
}
