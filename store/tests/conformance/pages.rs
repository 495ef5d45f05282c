use std::sync::Arc;

use weir_core::dag::parse_str;
use weir_core::state::{RunState, TaskState};
use weir_store::{DagQuery, RunQuery, Store, StoreError};

use crate::common::*;

fn tagged(dag_id: &str, description: &str, tags: &str) -> (weir_core::dag::Dag, String) {
    let source = format!(
        "dag_id: {dag_id}\ndescription: {description}\nschedule: '@daily'\ntimezone: Europe/Berlin\n\
         tags: [{tags}]\ntasks:\n  a:\n    type: noop\n"
    );
    let dag = parse_str(&format!("dags/{dag_id}.yaml"), &source).expect("fixture parses");
    (dag, source)
}

fn page(limit: i64, offset: i64) -> DagQuery {
    DagQuery {
        limit,
        offset,
        ..DagQuery::default()
    }
}

fn ids(dags: &[weir_store::DagRecord]) -> Vec<&str> {
    dags.iter().map(|d| d.dag_id.as_str()).collect()
}

pub async fn dag_pages_filter_by_tag_paused_and_text_with_a_total(store: Arc<dyn Store>) {
    for (id, desc, tags) in [
        ("alpha", "Loads clicks", "ml, daily"),
        ("beta", "Trains the <b>model</b>", "ml"),
        ("gamma", "Cleans up", "ops"),
    ] {
        let (d, s) = tagged(id, desc, tags);
        store.sync_dag(&d, &s, None, false).await.unwrap();
    }
    store.set_paused("gamma", true).await.unwrap();

    let (all, total) = store.list_dags_page(&page(2, 0)).await.unwrap();
    assert_eq!((ids(&all), total), (vec!["alpha", "beta"], 3));
    let (rest, total) = store.list_dags_page(&page(2, 2)).await.unwrap();
    assert_eq!((ids(&rest), total), (vec!["gamma"], 3));
    let summary = &all[0].summary;
    assert_eq!(summary.description.as_deref(), Some("Loads clicks"));
    assert_eq!(summary.tags, ["ml", "daily"]);
    assert_eq!(summary.schedule.as_deref(), Some("@daily"));
    assert_eq!(summary.timezone, "Europe/Berlin");

    let by_tag = DagQuery {
        tag: Some("ml".into()),
        ..page(50, 0)
    };
    let (found, total) = store.list_dags_page(&by_tag).await.unwrap();
    assert_eq!((ids(&found), total), (vec!["alpha", "beta"], 2));
    let paused = DagQuery {
        paused: Some(true),
        ..page(50, 0)
    };
    assert_eq!(
        ids(&store.list_dags_page(&paused).await.unwrap().0),
        ["gamma"]
    );
    // Text matches the id or the description, whatever the case.
    let text = DagQuery {
        text: Some(" MODEL ".into()),
        ..page(50, 0)
    };
    assert_eq!(ids(&store.list_dags_page(&text).await.unwrap().0), ["beta"]);
    let none = DagQuery {
        tag: Some("ml' OR '1'='1".into()),
        ..page(50, 0)
    };
    assert_eq!(store.list_dags_page(&none).await.unwrap(), (vec![], 0));

    // A DAG whose file is gone is left out unless asked for.
    store
        .deactivate_dags_except(&["alpha".into(), "beta".into()])
        .await
        .unwrap();
    assert_eq!(store.list_dags_page(&page(50, 0)).await.unwrap().1, 2);
    let inactive = DagQuery {
        include_inactive: true,
        ..page(50, 0)
    };
    assert_eq!(store.list_dags_page(&inactive).await.unwrap().1, 3);
}

pub async fn recent_runs_and_run_pages_are_newest_first(store: Arc<dyn Store>) {
    let (d, s) = dag("etl", "x");
    let version = store
        .sync_dag(&d, &s, None, false)
        .await
        .unwrap()
        .version_id;
    let mut pks = Vec::new();
    for hour in 0..5 {
        let run = store
            .create_run(&new_run("etl", version, hour), &many_tasks(2, 1))
            .await
            .unwrap()
            .into_run();
        pks.push(run.id);
    }
    let (d2, s2) = dag("other", "x");
    let v2 = store
        .sync_dag(&d2, &s2, None, false)
        .await
        .unwrap()
        .version_id;
    store
        .create_run(&new_run("other", v2, 9), &many_tasks(1, 1))
        .await
        .unwrap();
    store
        .set_run_state(pks[4], RunState::Queued, RunState::Running)
        .await
        .unwrap();

    let recent = store
        .recent_runs(&["etl".into(), "other".into(), "missing".into()], 3)
        .await
        .unwrap();
    let got: Vec<_> = recent
        .iter()
        .map(|r| (r.dag_id.as_str(), r.logical_date))
        .collect();
    assert_eq!(
        got,
        [
            ("etl", at(4)),
            ("etl", at(3)),
            ("etl", at(2)),
            ("other", at(9))
        ]
    );
    assert_eq!(recent[0].state, RunState::Running);

    let (runs, total) = store
        .list_runs_page(&RunQuery {
            limit: 2,
            offset: 0,
            ..RunQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 6);
    assert_eq!(runs[0].dag_id, "other");
    assert_eq!(runs[1].logical_date, at(4));
    let (etl_queued, total) = store
        .list_runs_page(&RunQuery {
            dag_id: Some("etl".into()),
            state: Some(RunState::Queued),
            limit: 10,
            offset: 1,
        })
        .await
        .unwrap();
    assert_eq!(total, 4);
    assert_eq!(etl_queued.len(), 3);
    assert!(
        etl_queued
            .iter()
            .all(|r| r.state == RunState::Queued && r.dag_id == "etl")
    );

    let tis = store.task_instances_of_runs(&pks[..2]).await.unwrap();
    let got: Vec<_> = tis.iter().map(|t| (t.run_pk, t.task_id.as_str())).collect();
    assert_eq!(
        got,
        [
            (pks[0], "t000"),
            (pks[0], "t001"),
            (pks[1], "t000"),
            (pks[1], "t001")
        ]
    );
    assert!(store.task_instances_of_runs(&[]).await.unwrap().is_empty());
}

/// The strip of each DAG is its newest runs by logical date, not by creation: a backfill
/// creates old runs after new ones. A DAG with many runs does not crowd out the others, and
/// DAGs with none, or a strip of zero, give nothing.
pub async fn recent_runs_are_newest_by_logical_date_per_dag(store: Arc<dyn Store>) {
    let mut versions = Vec::new();
    for dag_id in ["busy", "idle", "late"] {
        let (d, s) = dag(dag_id, "x");
        versions.push(
            store
                .sync_dag(&d, &s, None, false)
                .await
                .unwrap()
                .version_id,
        );
    }
    for hour in (0..30).rev() {
        store
            .create_run(&new_run("busy", versions[0], hour), &many_tasks(1, 1))
            .await
            .unwrap();
    }
    for hour in [5, 1, 9, 3] {
        store
            .create_run(&new_run("late", versions[2], hour), &many_tasks(1, 1))
            .await
            .unwrap();
    }
    let ids: Vec<String> = ["late", "idle", "busy"].map(String::from).into();
    let recent = store.recent_runs(&ids, 3).await.unwrap();
    let got: Vec<_> = recent
        .iter()
        .map(|r| (r.dag_id.as_str(), r.logical_date))
        .collect();
    assert_eq!(
        got,
        [
            ("busy", at(29)),
            ("busy", at(28)),
            ("busy", at(27)),
            ("late", at(9)),
            ("late", at(5)),
            ("late", at(3)),
        ]
    );
    assert!(store.recent_runs(&ids, 0).await.unwrap().is_empty());
    assert!(store.recent_runs(&[], 3).await.unwrap().is_empty());
    let all = store.recent_runs(&["late".into()], 10).await.unwrap();
    assert_eq!(
        all.len(),
        4,
        "a strip longer than the history is the history"
    );
}

pub async fn dag_versions_are_listed_newest_first(store: Arc<dyn Store>) {
    for description in ["one", "two", "three"] {
        let (d, s) = dag("etl", description);
        store.sync_dag(&d, &s, Some("abc123"), false).await.unwrap();
    }
    let versions = store.list_dag_versions("etl").await.unwrap();
    let numbers: Vec<i32> = versions.iter().map(|v| v.version).collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(versions[0].git_commit.as_deref(), Some("abc123"));
    let latest = store.get_dag("etl").await.unwrap().unwrap();
    assert_eq!(latest.latest_version_id, Some(versions[0].id));
    assert_eq!(latest.summary.description.as_deref(), Some("three"));
    assert!(store.list_dag_versions("missing").await.unwrap().is_empty());
}

pub async fn marking_fences_out_the_running_attempt_and_reopens_the_run(store: Arc<dyn Store>) {
    let (run, tis) = run_with(&store, "etl", 0, &many_tasks(3, 3)).await;
    queue(&store, &[&tis[0]]).await;
    let claimed = store.claim(&request("w1", &["default"], 1)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let token = claimed[0].lease_token;

    let n = store
        .mark_task_instances(
            run.id,
            &["t000".into(), "t001".into()],
            TaskState::Success,
            "marked success by ann",
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(state_of(&store, tis[0].id).await, TaskState::Success);
    assert_eq!(state_of(&store, tis[1].id).await, TaskState::Success);
    assert_eq!(state_of(&store, tis[2].id).await, TaskState::None);
    // The worker that was running t000 can write nothing more.
    let late = store
        .set_output(tis[0].id, token, &serde_json::json!({"late": true}))
        .await;
    assert!(
        matches!(late, Err(StoreError::LeaseLost { .. })),
        "{late:?}"
    );
    let attempts = store.list_attempts(tis[0].id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].state, TaskState::Success);
    assert_eq!(attempts[0].reason.as_deref(), Some("marked success by ann"));
    assert!(attempts[0].finished_at.is_some());
    // Marking what is already in that state changes nothing.
    let again = store
        .mark_task_instances(run.id, &["t000".into()], TaskState::Success, "again")
        .await
        .unwrap();
    assert_eq!(again, 0);

    // A finished run is settled again by the scheduler after a mark.
    store
        .set_run_state(run.id, RunState::Queued, RunState::Running)
        .await
        .unwrap();
    store
        .set_run_state(run.id, RunState::Running, RunState::Success)
        .await
        .unwrap();
    store
        .mark_task_instances(run.id, &["t002".into()], TaskState::Failed, "marked failed")
        .await
        .unwrap();
    let run = store.get_run_by_pk(run.id).await.unwrap().unwrap();
    assert_eq!(run.state, RunState::Running);
    assert_eq!(run.finished_at, None);

    let refused = store
        .mark_task_instances(run.id, &["t002".into()], TaskState::Queued, "no")
        .await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(_))),
        "{refused:?}"
    );
}

pub async fn counts_delays_and_running_per_worker_are_reported(store: Arc<dyn Store>) {
    let since = weir_store::clock::now();
    let (run, tis) = run_with(&store, "etl", 0, &many_tasks(3, 1)).await;
    queue(&store, &[&tis[0], &tis[1]]).await;
    let claimed = store.claim(&request("w1", &["default"], 2)).await.unwrap();
    for c in &claimed {
        store.mark_started(c.ti_id, c.lease_token).await.unwrap();
    }
    let counts = store.count_states().await.unwrap();
    assert_eq!(counts.runs, [(RunState::Queued, 1)]);
    assert_eq!(counts.attempts, 2, "one attempt per claim");
    let mut tis_counts = counts.task_instances.clone();
    tis_counts.sort_by_key(|(s, _)| s.as_str());
    assert_eq!(tis_counts, [(TaskState::None, 1), (TaskState::Running, 2)]);

    let started = store.task_instances_started_since(since, 10).await.unwrap();
    assert_eq!(started.len(), 2);
    assert!(
        started
            .iter()
            .all(|t| t.run_pk == run.id && t.queued_at.is_some() && t.started_at.is_some())
    );
    assert_eq!(
        store
            .task_instances_started_since(since, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    let later = started[1].started_at.unwrap() + chrono::TimeDelta::microseconds(1);
    assert!(
        store
            .task_instances_started_since(later, 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        store.running_by_worker().await.unwrap(),
        [("w1".to_string(), 2)]
    );
}

pub async fn pools_are_deleted_but_not_the_default(store: Arc<dyn Store>) {
    store.upsert_pool("gpu", 2, Some("GPUs")).await.unwrap();
    assert!(store.delete_pool("gpu").await.unwrap());
    assert!(!store.delete_pool("gpu").await.unwrap());
    let refused = store.delete_pool("default_pool").await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(_))),
        "{refused:?}"
    );
    let names: Vec<String> = store
        .list_pools()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["default_pool"]);
}
