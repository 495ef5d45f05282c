use std::sync::Arc;

use weir_core::dag::Dag;
use weir_core::dag::parse_str;
use weir_store::{
    DagSchedule, DagSyncBatch, DagToSync, DataInterval, ScheduledProgress, Store, StoreError,
    VersionCache,
};

use crate::common::*;

pub async fn sync_dag_stores_a_version_only_when_the_content_changes(store: Arc<dyn Store>) {
    let (v1, src1) = dag("etl", "first");
    let first = store
        .sync_dag(&v1, &src1, Some("abc123"), true)
        .await
        .unwrap();
    assert!(first.created_new_version);
    assert_eq!(first.version, 1);

    let again = store
        .sync_dag(&v1, &src1, Some("abc123"), false)
        .await
        .unwrap();
    assert!(!again.created_new_version, "same content, same version");
    assert_eq!(again.version_id, first.version_id);

    let (v2, src2) = dag("etl", "second");
    let second = store.sync_dag(&v2, &src2, None, false).await.unwrap();
    assert!(second.created_new_version);
    assert_eq!(second.version, 2);
    assert_ne!(second.version_id, first.version_id);

    let record = store
        .get_dag("etl")
        .await
        .unwrap()
        .expect("the DAG is stored");
    assert_eq!(record.latest_version_id, Some(second.version_id));
    assert_eq!(record.latest_version, Some(2));
    assert!(
        record.is_paused,
        "paused on create, and later syncs keep it"
    );
    assert!(record.is_active);
    assert_eq!(record.file, "dags/etl.yaml");

    let old = store.get_dag_version(first.version_id).await.unwrap();
    assert_eq!(old.version, 1);
    assert_eq!(old.source, src1);
    assert_eq!(old.git_commit.as_deref(), Some("abc123"));
    assert_eq!(old.content_hash, v1.content_hash);
    assert!(matches!(
        store.get_dag_version(9_999_999).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn a_stored_version_reads_back_as_the_same_dag(store: Arc<dyn Store>) {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../dags/user_features_daily.yaml"
    ))
    .expect("the example DAG is there");
    let dag = parse_str("dags/user_features_daily.yaml", &source).expect("it parses");
    let sync = store.sync_dag(&dag, &source, None, false).await.unwrap();
    let back = store.get_dag_version(sync.version_id).await.unwrap().dag;
    assert_eq!(back.dag_id, dag.dag_id);
    assert_eq!(
        back.tasks, dag.tasks,
        "tasks, with their kinds and env, in order"
    );
    assert_eq!(
        back.params.keys().collect::<Vec<_>>(),
        dag.params.keys().collect::<Vec<_>>(),
        "params keep file order"
    );
    assert_eq!(back.content_hash, dag.content_hash);
    assert_eq!(back.graph().edge_count(), dag.graph().edge_count());
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        serde_json::to_value(&dag).unwrap()
    );
}

pub async fn dags_not_in_the_folder_are_deactivated_and_come_back(store: Arc<dyn Store>) {
    for id in ["a", "b", "c"] {
        let (d, s) = dag(id, "x");
        store.sync_dag(&d, &s, None, false).await.unwrap();
    }
    let gone = store
        .deactivate_dags_except(&["a".to_string(), "c".to_string()])
        .await
        .unwrap();
    assert_eq!(gone, 1);
    let dags = store.list_dags().await.unwrap();
    let active: Vec<(&str, bool)> = dags
        .iter()
        .map(|d| (d.dag_id.as_str(), d.is_active))
        .collect();
    assert_eq!(active, [("a", true), ("b", false), ("c", true)]);
    assert_eq!(
        store
            .deactivate_dags_except(&["a".into(), "c".into()])
            .await
            .unwrap(),
        0
    );

    // The file comes back unchanged: active again, no new version.
    let (d, s) = dag("b", "x");
    let back = store.sync_dag(&d, &s, None, false).await.unwrap();
    assert!(!back.created_new_version);
    assert_eq!(back.version, 1);
    assert!(store.get_dag("b").await.unwrap().unwrap().is_active);
}

pub async fn pausing_is_kept_and_unknown_dags_are_not_found(store: Arc<dyn Store>) {
    let (d, s) = dag("p", "x");
    store.sync_dag(&d, &s, None, false).await.unwrap();
    assert!(!store.get_dag("p").await.unwrap().unwrap().is_paused);
    store.set_paused("p", true).await.unwrap();
    assert!(store.get_dag("p").await.unwrap().unwrap().is_paused);
    let (d2, s2) = dag("p", "changed");
    store.sync_dag(&d2, &s2, None, false).await.unwrap();
    assert!(
        store.get_dag("p").await.unwrap().unwrap().is_paused,
        "a new version keeps the pause"
    );
    store.set_paused("p", false).await.unwrap();
    assert!(!store.get_dag("p").await.unwrap().unwrap().is_paused);
    assert!(matches!(
        store.set_paused("nope", true).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.get_dag("nope").await.unwrap().is_none());
}

pub async fn import_errors_are_recorded_replaced_and_cleared(store: Arc<dyn Store>) {
    let broken = parse_str("dags/broken.yaml", "tasks:\n  a:\n    type: shel\n").unwrap_err();
    let cyclic = parse_str(
        "dags/cyclic.yaml",
        "tasks:\n  a: {type: noop, needs: [b]}\n  b: {type: noop, needs: [a]}\n",
    )
    .unwrap_err();
    assert!(!broken.is_empty() && !cyclic.is_empty());
    store
        .record_import_error("dags/broken.yaml", &broken)
        .await
        .unwrap();
    store
        .record_import_error("dags/cyclic.yaml", &cyclic[..1])
        .await
        .unwrap();
    let first = store.list_import_errors().await.unwrap();
    store
        .record_import_error("dags/cyclic.yaml", &cyclic)
        .await
        .unwrap();

    let errors = store.list_import_errors().await.unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].file, "dags/broken.yaml");
    let strip = |d: &[weir_core::diag::Diagnostic]| {
        d.iter()
            .map(|d| {
                (
                    d.file.clone(),
                    d.line,
                    d.column,
                    d.code,
                    d.message.clone(),
                    d.hint.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&errors[0].diagnostics), strip(&broken));
    assert_eq!(strip(&errors[1].diagnostics), strip(&cyclic), "replaced");
    assert_eq!(
        errors[1].first_seen_at, first[1].first_seen_at,
        "first seen is kept"
    );
    assert!(errors[1].updated_at >= first[1].updated_at);

    let cleared = store
        .clear_import_errors_except(&["dags/cyclic.yaml".to_string()])
        .await
        .unwrap();
    assert_eq!(cleared, 1);
    assert!(store.clear_import_error("dags/cyclic.yaml").await.unwrap());
    assert!(!store.clear_import_error("dags/cyclic.yaml").await.unwrap());
    assert!(store.list_import_errors().await.unwrap().is_empty());
}

pub async fn scheduled_progress_is_kept(store: Arc<dyn Store>) {
    let (d, s) = dag("sched", "x");
    store.sync_dag(&d, &s, None, false).await.unwrap();
    let interval = DataInterval {
        start: at(0),
        end: at(24),
    };
    store
        .set_scheduled_progress("sched", Some(interval), Some(at(48)))
        .await
        .unwrap();
    let r = store.get_dag("sched").await.unwrap().unwrap();
    assert_eq!(r.last_scheduled_interval_start, Some(at(0)));
    assert_eq!(r.last_scheduled_interval_end, Some(at(24)));
    assert_eq!(r.next_run_after, Some(at(48)));

    // No interval: where the timetable continues stays; the next run time is replaced.
    store
        .set_scheduled_progress("sched", None, None)
        .await
        .unwrap();
    let r = store.get_dag("sched").await.unwrap().unwrap();
    assert_eq!(r.last_scheduled_interval_end, Some(at(24)));
    assert_eq!(r.next_run_after, None);
    assert!(matches!(
        store.set_scheduled_progress("nope", None, None).await,
        Err(StoreError::NotFound(_))
    ));

    // Many at once: each as alone, a DAG that does not exist skipped.
    let (d2, s2) = dag("sched2", "x");
    store.sync_dag(&d2, &s2, None, false).await.unwrap();
    let later = DataInterval {
        start: at(24),
        end: at(48),
    };
    store
        .set_scheduled_progress_many(&[
            ScheduledProgress {
                dag_id: "sched".into(),
                interval: None,
                next_run_after: Some(at(72)),
            },
            ScheduledProgress {
                dag_id: "nope".into(),
                interval: Some(later),
                next_run_after: None,
            },
            ScheduledProgress {
                dag_id: "sched2".into(),
                interval: Some(later),
                next_run_after: Some(at(96)),
            },
        ])
        .await
        .unwrap();
    let r = store.get_dag("sched").await.unwrap().unwrap();
    assert_eq!(r.last_scheduled_interval_end, Some(at(24)), "kept");
    assert_eq!(r.next_run_after, Some(at(72)));
    let r2 = store.get_dag("sched2").await.unwrap().unwrap();
    assert_eq!(r2.last_scheduled_interval_start, Some(at(24)));
    assert_eq!(r2.last_scheduled_interval_end, Some(at(48)));
    assert_eq!(r2.next_run_after, Some(at(96)));
    assert!(
        store.get_dag("nope").await.unwrap().is_none(),
        "nothing made up"
    );
    store.set_scheduled_progress_many(&[]).await.unwrap();
}

pub async fn concurrent_syncs_of_a_new_dag_store_one_version(store: Arc<dyn Store>) {
    let (d, s) = dag("contended", "x");
    let mut syncs = Vec::new();
    for _ in 0..8 {
        let (store, d, s) = (store.clone(), d.clone(), s.clone());
        syncs.push(tokio::spawn(async move {
            store.sync_dag(&d, &s, None, false).await.unwrap()
        }));
    }
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for sync in syncs {
        let sync = sync.await.unwrap();
        created += usize::from(sync.created_new_version);
        ids.insert((sync.version_id, sync.version));
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
    assert_eq!(ids.into_iter().next().unwrap().1, 1);
}

pub async fn a_batch_syncs_many_dags_in_order_and_clears_their_import_errors(
    store: Arc<dyn Store>,
) {
    // 250 DAGs: more than one transaction's worth, so that the chunks are exercised.
    let fixtures: Vec<(Dag, String)> = (0..250)
        .map(|i| dag(&format!("batch_{i:03}"), "first"))
        .collect();
    let broken = parse_str("dags/batch_007.yaml", "tasks:\n  a:\n    type: shel\n").unwrap_err();
    store
        .record_import_error("dags/batch_007.yaml", &broken)
        .await
        .unwrap();
    store
        .record_import_error("dags/elsewhere.yaml", &broken)
        .await
        .unwrap();
    let batch: Vec<DagToSync<'_>> = fixtures
        .iter()
        .map(|(dag, source)| DagToSync { dag, source })
        .collect();
    let first = store
        .sync_dags(&DagSyncBatch {
            dags: &batch,
            git_commit: Some("c0ffee"),
            paused_on_create: true,
        })
        .await
        .unwrap();
    assert_eq!(first.len(), 250, "one answer per DAG");
    assert!(
        first
            .iter()
            .all(|s| s.created_new_version && s.version == 1)
    );
    let errors: Vec<String> = store
        .list_import_errors()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.file)
        .collect();
    assert_eq!(
        errors,
        vec!["dags/elsewhere.yaml".to_string()],
        "the batch's files load now; other files keep their errors"
    );
    for (i, sync) in first.iter().enumerate() {
        let record = store
            .get_dag(&format!("batch_{i:03}"))
            .await
            .unwrap()
            .expect("every DAG of the batch is stored");
        assert_eq!(
            record.latest_version_id,
            Some(sync.version_id),
            "answers in order"
        );
        assert!(record.is_paused);
    }

    // Again with one DAG changed: only it gets a version; the others are settled unchanged.
    let changed = dag("batch_100", "second");
    let mut again: Vec<DagToSync<'_>> = batch.clone();
    again[100] = DagToSync {
        dag: &changed.0,
        source: &changed.1,
    };
    let second = store
        .sync_dags(&DagSyncBatch {
            dags: &again,
            git_commit: None,
            paused_on_create: false,
        })
        .await
        .unwrap();
    let new: Vec<usize> = (0..second.len())
        .filter(|&i| second[i].created_new_version)
        .collect();
    assert_eq!(new, vec![100]);
    assert_eq!(second[100].version, 2);
    assert_eq!(
        (second[99].version_id, second[99].version),
        (first[99].version_id, first[99].version),
        "unchanged DAGs keep their version"
    );
    let version = store.get_dag_version(second[100].version_id).await.unwrap();
    assert_eq!(version.source, changed.1);

    // A batch that names a DAG twice is refused whole.
    let twice = [again[0], again[0]];
    let refused = store
        .sync_dags(&DagSyncBatch {
            dags: &twice,
            git_commit: None,
            paused_on_create: false,
        })
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(m)) if m.contains("batch_000")),
        "{refused:?}"
    );
    let empty = store
        .sync_dags(&DagSyncBatch {
            dags: &[],
            git_commit: None,
            paused_on_create: false,
        })
        .await
        .unwrap();
    assert!(empty.is_empty());
}

pub async fn dag_schedules_are_what_the_dag_rows_say(store: Arc<dyn Store>) {
    let (a, sa) = dag("sched_a", "x");
    let (b, sb) = dag("sched_b", "x");
    let synced_a = store.sync_dag(&a, &sa, None, false).await.unwrap();
    let synced_b = store.sync_dag(&b, &sb, None, true).await.unwrap();
    let interval = DataInterval {
        start: at(0),
        end: at(24),
    };
    store
        .set_scheduled_progress("sched_a", Some(interval), Some(at(48)))
        .await
        .unwrap();
    store
        .deactivate_dags_except(&["sched_a".into()])
        .await
        .unwrap();
    let schedules = store.dag_schedules().await.unwrap();
    assert_eq!(
        schedules,
        vec![
            DagSchedule {
                dag_id: "sched_a".into(),
                is_paused: false,
                is_active: true,
                latest_version_id: Some(synced_a.version_id),
                last_scheduled_interval_start: Some(at(0)),
                last_scheduled_interval_end: Some(at(24)),
                next_run_after: Some(at(48)),
            },
            DagSchedule {
                dag_id: "sched_b".into(),
                is_paused: true,
                is_active: false,
                latest_version_id: Some(synced_b.version_id),
                last_scheduled_interval_start: None,
                last_scheduled_interval_end: None,
                next_run_after: None,
            },
        ],
        "by id, paused and inactive DAGs included"
    );
}

pub async fn the_version_cache_keeps_the_most_recently_used_versions(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for (i, description) in ["one", "two", "three"].into_iter().enumerate() {
        let (dag, source) = dag("cached", description);
        let synced = store.sync_dag(&dag, &source, None, false).await.unwrap();
        assert_eq!(synced.version, i as i32 + 1);
        ids.push(synced.version_id);
    }
    let mut cache = VersionCache::with_capacity(2);
    let first = cache.get(store.as_ref(), ids[0]).await.unwrap();
    assert_eq!(first.description.as_deref(), Some("one"));
    cache.get(store.as_ref(), ids[1]).await.unwrap();
    // The first is used again, so the second is the least recently used when the third comes.
    cache.get(store.as_ref(), ids[0]).await.unwrap();
    let third = cache.get(store.as_ref(), ids[2]).await.unwrap();
    assert_eq!(third.description.as_deref(), Some("three"));
    assert_eq!(cache.len(), 2, "never more than its capacity");
    assert!(cache.contains(ids[0]) && cache.contains(ids[2]));
    assert!(
        !cache.contains(ids[1]),
        "the least recently used is evicted"
    );
    // An evicted version is read again, the same as before.
    let second = cache.get(store.as_ref(), ids[1]).await.unwrap();
    assert_eq!(second.description.as_deref(), Some("two"));
    assert!(
        !cache.contains(ids[0]),
        "now the first was the least recently used"
    );
}
