use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use weir_core::state::TaskState;
use weir_store::{
    AttemptOutcome, AttemptReport, ClaimedTask, LogLine, LogStream, Store, StoreError,
    TaskStateChange,
};

use crate::common::*;

use TaskState as S;

fn lines(texts: &[&str]) -> Vec<LogLine> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| LogLine {
            stream: if i % 2 == 0 {
                LogStream::Stdout
            } else {
                LogStream::Stderr
            },
            line: t.to_string(),
            logged_at: Utc::now(),
        })
        .collect()
}

fn is_lost<T: std::fmt::Debug>(result: Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::LeaseLost { .. }))
}

/// One run with one task instance (`max_tries` attempts), queued and claimed by `w1`.
async fn claimed_one(store: &Arc<dyn Store>, dag_id: &str, max_tries: i32) -> ClaimedTask {
    let (_, tis) = run_with(
        store,
        dag_id,
        0,
        &[task("t", max_tries, 1, "default_pool", "default")],
    )
    .await;
    queue(store, &[&tis[0]]).await;
    let mut claimed = store.claim(&request("w1", &["default"], 1)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    claimed.remove(0)
}

/// up_for_retry -> queued, then claimed again by `worker`.
async fn retry_and_claim(store: &Arc<dyn Store>, ti_id: i64, worker: &str) -> ClaimedTask {
    let applied = store
        .update_task_states(&[TaskStateChange::new(ti_id, S::UpForRetry, S::Queued)])
        .await
        .unwrap();
    assert_eq!(applied, 1);
    let mut claimed = store
        .claim(&request(worker, &["default"], 1))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    claimed.remove(0)
}

pub async fn an_attempt_runs_reports_and_keeps_its_output(store: Arc<dyn Store>) {
    let c = claimed_one(&store, "ok", 1).await;
    store.mark_started(c.ti_id, c.lease_token).await.unwrap();
    store
        .append_logs(
            c.ti_id,
            c.try_number,
            c.lease_token,
            &lines(&["hello", "world"]),
        )
        .await
        .unwrap();
    store
        .append_logs(c.ti_id, c.try_number, c.lease_token, &[])
        .await
        .unwrap();
    let value = serde_json::json!({"rows": 42, "path": "s3://bucket/x"});
    store
        .set_output(c.ti_id, c.lease_token, &value)
        .await
        .unwrap();
    let state = store
        .finish_attempt(c.ti_id, c.lease_token, AttemptOutcome::Success, None)
        .await
        .unwrap();
    assert_eq!(state, S::Success);

    let ti = store.get_task_instance(c.ti_id).await.unwrap().unwrap();
    assert_eq!(ti.state, S::Success);
    assert!(ti.started_at.is_some() && ti.finished_at.is_some());
    assert!(ti.lease_expires_at.is_none());
    let output = store.get_output(c.ti_id).await.unwrap().unwrap();
    assert_eq!((output.value, output.try_number), (value, 1));
    let attempts = store.list_attempts(c.ti_id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].state, S::Success);
    assert!(attempts[0].finished_at.is_some());

    // After the report the lease is spent: a second report changes nothing.
    assert!(is_lost(
        store
            .finish_attempt(c.ti_id, c.lease_token, AttemptOutcome::Success, None)
            .await
    ));
    assert!(is_lost(
        store
            .append_logs(c.ti_id, 1, c.lease_token, &lines(&["late"]))
            .await
    ));
    assert_eq!(store.read_logs(c.ti_id, 1, 0, 100).await.unwrap().len(), 2);
}

pub async fn a_reaped_lease_fences_out_its_old_holder(store: Arc<dyn Store>) {
    let c = claimed_one(&store, "reap", 3).await;
    store
        .append_logs(c.ti_id, 1, c.lease_token, &lines(&["before the crash"]))
        .await
        .unwrap();
    // Nothing has expired yet.
    assert!(
        store
            .reap_expired_leases(Utc::now())
            .await
            .unwrap()
            .is_empty()
    );

    let later = Utc::now() + TimeDelta::hours(1);
    let reaped = store.reap_expired_leases(later).await.unwrap();
    assert_eq!(reaped.len(), 1);
    assert_eq!(reaped[0].ti_id, c.ti_id);
    assert_eq!(reaped[0].worker_id.as_deref(), Some("w1"));
    assert_eq!(reaped[0].new_state, S::UpForRetry);
    let ti = store.get_task_instance(c.ti_id).await.unwrap().unwrap();
    assert_eq!(ti.state, S::UpForRetry);
    assert_eq!(ti.reason.as_deref(), Some("lease expired on worker w1"));
    assert!(ti.retry_at.is_some());
    let attempt = &store.list_attempts(c.ti_id).await.unwrap()[0];
    assert_eq!(attempt.state, S::UpForRetry);
    assert_eq!(
        attempt.reason.as_deref(),
        Some("lease expired on worker w1")
    );
    assert!(
        store.reap_expired_leases(later).await.unwrap().is_empty(),
        "reaped once"
    );

    // The old holder wakes up: every write fails and changes nothing.
    let old = c.lease_token;
    assert!(is_lost(
        store
            .append_logs(c.ti_id, 1, old, &lines(&["zombie"]))
            .await
    ));
    assert!(is_lost(store.append_logs(c.ti_id, 1, old, &[]).await));
    assert!(is_lost(
        store.set_output(c.ti_id, old, &serde_json::json!(1)).await
    ));
    assert!(is_lost(store.mark_started(c.ti_id, old).await));
    assert!(is_lost(
        store
            .finish_attempt(c.ti_id, old, AttemptOutcome::Success, None)
            .await
    ));
    let lost = store
        .heartbeat_leases("w1", &[(c.ti_id, old)], Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(lost, [c.ti_id]);
    let after = store.get_task_instance(c.ti_id).await.unwrap().unwrap();
    assert_eq!(after, ti, "the task instance is untouched");
    let logs = store.read_logs(c.ti_id, 1, 0, 100).await.unwrap();
    assert_eq!(
        logs.iter().map(|l| l.line.as_str()).collect::<Vec<_>>(),
        ["before the crash"]
    );
    assert!(store.get_output(c.ti_id).await.unwrap().is_none());
    assert_eq!(store.due_retries(later).await.unwrap(), [c.ti_id]);
}

pub async fn a_reclaimed_task_fences_out_the_previous_attempt(store: Arc<dyn Store>) {
    let first = claimed_one(&store, "reclaim", 3).await;
    store
        .reap_expired_leases(Utc::now() + TimeDelta::hours(1))
        .await
        .unwrap();
    let second = retry_and_claim(&store, first.ti_id, "w2").await;
    assert_eq!((second.try_number, second.lease_token), (2, 2));

    // Running again, but under the new token: the old one is still refused.
    let old = first.lease_token;
    assert!(is_lost(
        store
            .append_logs(first.ti_id, 1, old, &lines(&["zombie"]))
            .await
    ));
    assert!(is_lost(
        store
            .append_logs(first.ti_id, 2, old, &lines(&["zombie"]))
            .await
    ));
    assert!(is_lost(
        store
            .set_output(first.ti_id, old, &serde_json::json!("x"))
            .await
    ));
    assert!(is_lost(
        store
            .finish_attempt(first.ti_id, old, AttemptOutcome::Success, None)
            .await
    ));
    assert_eq!(
        store
            .heartbeat_leases("w1", &[(first.ti_id, old)], Duration::from_secs(60))
            .await
            .unwrap(),
        [first.ti_id]
    );
    assert_eq!(state_of(&store, first.ti_id).await, S::Running);
    assert!(
        store
            .read_logs(first.ti_id, 2, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The new holder is unaffected.
    let new = second.lease_token;
    store
        .append_logs(first.ti_id, 2, new, &lines(&["ok"]))
        .await
        .unwrap();
    store
        .set_output(first.ti_id, new, &serde_json::json!("y"))
        .await
        .unwrap();
    let state = store
        .finish_attempt(first.ti_id, new, AttemptOutcome::Success, None)
        .await
        .unwrap();
    assert_eq!(state, S::Success);
    assert_eq!(
        store
            .get_output(first.ti_id)
            .await
            .unwrap()
            .unwrap()
            .try_number,
        2
    );
}

pub async fn heartbeats_extend_only_held_leases(store: Arc<dyn Store>) {
    let (_, tis) = run_with(&store, "hb", 0, &many_tasks(2, 1)).await;
    queue(&store, &[&tis[0], &tis[1]]).await;
    let mut req = request("w1", &["default"], 2);
    req.lease = Duration::from_secs(1);
    let claimed = store.claim(&req).await.unwrap();
    let (a, b) = (&claimed[0], &claimed[1]);

    let lost = store
        .heartbeat_leases(
            "w1",
            &[(a.ti_id, a.lease_token), (b.ti_id, b.lease_token + 7)],
            Duration::from_secs(3600),
        )
        .await
        .unwrap();
    assert_eq!(lost, [b.ti_id], "a stale token is a lost lease");
    let lost = store
        .heartbeat_leases("w2", &[(a.ti_id, a.lease_token)], Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(lost, [a.ti_id], "another worker's lease is not extended");
    assert!(
        store
            .heartbeat_leases("w1", &[], Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty()
    );

    let expiry = store
        .get_task_instance(a.ti_id)
        .await
        .unwrap()
        .unwrap()
        .lease_expires_at
        .unwrap();
    assert!(expiry > a.lease_expires_at + TimeDelta::minutes(50));
    // Ten minutes on, only b (one second lease, never extended) has expired.
    let reaped = store
        .reap_expired_leases(Utc::now() + TimeDelta::minutes(10))
        .await
        .unwrap();
    assert_eq!(
        reaped.iter().map(|r| r.ti_id).collect::<Vec<_>>(),
        [b.ti_id]
    );
    assert_eq!(state_of(&store, a.ti_id).await, S::Running);
}

pub async fn a_lease_expiring_on_the_last_try_fails_the_task(store: Arc<dyn Store>) {
    let c = claimed_one(&store, "last", 1).await;
    let reaped = store
        .reap_expired_leases(Utc::now() + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(reaped.len(), 1);
    assert_eq!(reaped[0].new_state, S::Failed);
    let ti = store.get_task_instance(c.ti_id).await.unwrap().unwrap();
    assert_eq!(ti.state, S::Failed);
    assert!(ti.retry_at.is_none() && ti.finished_at.is_some());
    assert!(
        store
            .due_retries(Utc::now() + TimeDelta::days(1))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn failures_retry_until_max_tries_then_fail(store: Arc<dyn Store>) {
    let mut c = claimed_one(&store, "retry", 3).await;
    let retry_at = Utc::now() + TimeDelta::minutes(5);
    for try_number in 1..=3 {
        assert_eq!(c.try_number, try_number);
        let failed = AttemptOutcome::Failed {
            reason: format!("exit {try_number}"),
        };
        let state = store
            .finish_attempt(c.ti_id, c.lease_token, failed, Some(retry_at))
            .await
            .unwrap();
        if try_number < 3 {
            assert_eq!(state, S::UpForRetry);
            let ti = store.get_task_instance(c.ti_id).await.unwrap().unwrap();
            assert_eq!(ti.retry_at, Some(weir_store::clock::truncate(retry_at)));
            assert!(
                store.due_retries(Utc::now()).await.unwrap().is_empty(),
                "not yet due"
            );
            assert_eq!(store.due_retries(retry_at).await.unwrap(), [c.ti_id]);
            c = retry_and_claim(&store, c.ti_id, "w1").await;
        } else {
            assert_eq!(state, S::Failed);
        }
    }
    let ti = store.get_task_instance(c.ti_id).await.unwrap().unwrap();
    assert_eq!((ti.state, ti.try_number, ti.max_tries), (S::Failed, 3, 3));
    assert_eq!(ti.reason.as_deref(), Some("exit 3"));
    assert!(ti.retry_at.is_none());
    let attempts = store.list_attempts(c.ti_id).await.unwrap();
    let summary: Vec<_> = attempts
        .iter()
        .map(|a| (a.try_number, a.state, a.reason.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        summary,
        [
            (1, S::UpForRetry, "exit 1".to_string()),
            (2, S::UpForRetry, "exit 2".to_string()),
            (3, S::Failed, "exit 3".to_string()),
        ]
    );
    assert!(
        attempts
            .iter()
            .all(|a| a.finished_at.is_some() && a.finished_at >= Some(a.started_at))
    );
}

pub async fn logs_are_kept_per_attempt_and_readable_after(store: Arc<dyn Store>) {
    let first = claimed_one(&store, "logs", 2).await;
    let id = first.ti_id;
    store
        .append_logs(id, 1, first.lease_token, &lines(&["a1", "a2"]))
        .await
        .unwrap();
    store
        .append_logs(id, 1, first.lease_token, &lines(&["a3"]))
        .await
        .unwrap();
    assert!(is_lost(
        store
            .append_logs(id, 2, first.lease_token, &lines(&["wrong try"]))
            .await
    ));
    let failed = AttemptOutcome::Failed {
        reason: "boom".into(),
    };
    store
        .finish_attempt(id, first.lease_token, failed, None)
        .await
        .unwrap();

    let second = retry_and_claim(&store, id, "w2").await;
    store
        .append_logs(id, 2, second.lease_token, &lines(&["b1", "b2", "b3", "b4"]))
        .await
        .unwrap();
    store
        .finish_attempt(id, second.lease_token, AttemptOutcome::Success, None)
        .await
        .unwrap();

    let one = store.read_logs(id, 1, 0, 100).await.unwrap();
    assert_eq!(
        one.iter()
            .map(|l| (l.seq, l.line.as_str()))
            .collect::<Vec<_>>(),
        [(1, "a1"), (2, "a2"), (3, "a3")],
        "seq continues across batches of one attempt"
    );
    assert_eq!(one[0].stream, LogStream::Stdout);
    assert_eq!(one[1].stream, LogStream::Stderr);
    let two = store.read_logs(id, 2, 0, 100).await.unwrap();
    assert_eq!(
        two.iter()
            .map(|l| (l.seq, l.line.as_str()))
            .collect::<Vec<_>>(),
        [(1, "b1"), (2, "b2"), (3, "b3"), (4, "b4")],
        "seq starts again per attempt"
    );
    let page = store.read_logs(id, 2, 1, 2).await.unwrap();
    assert_eq!(
        page.iter().map(|l| l.seq).collect::<Vec<_>>(),
        [2, 3],
        "after_seq and limit page"
    );
    assert!(store.read_logs(id, 3, 0, 100).await.unwrap().is_empty());
}

pub async fn a_handed_back_attempt_is_queued_again_without_using_a_try(store: Arc<dyn Store>) {
    let (_, tis) = run_with(&store, "handback", 0, &many_tasks(1, 1)).await;
    queue(&store, &[&tis[0]]).await;
    let first = store
        .claim(&request("w1", &["default"], 1))
        .await
        .unwrap()
        .remove(0);
    store
        .mark_started(first.ti_id, first.lease_token)
        .await
        .unwrap();
    store
        .hand_back(
            first.ti_id,
            first.lease_token,
            "worker w1 shut down; handed back",
        )
        .await
        .unwrap();
    let ti = store.get_task_instance(first.ti_id).await.unwrap().unwrap();
    assert_eq!(ti.state, TaskState::Queued);
    assert_eq!(
        ti.max_tries, 2,
        "the interrupted attempt does not use up the only try"
    );
    // The old holder can write nothing more.
    let stale = store
        .hand_back(first.ti_id, first.lease_token, "again")
        .await;
    assert!(
        matches!(stale, Err(StoreError::LeaseLost { .. })),
        "{stale:?}"
    );

    let second = store
        .claim(&request("w2", &["default"], 1))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(second.try_number, 2);
    let state = store
        .finish_attempt(
            second.ti_id,
            second.lease_token,
            weir_store::AttemptOutcome::Failed {
                reason: "boom".into(),
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        state,
        TaskState::Failed,
        "no retries were configured: the second try is the last"
    );
    let attempts = store.list_attempts(first.ti_id).await.unwrap();
    assert_eq!(attempts.len(), 2);
    assert!(
        attempts[0]
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("handed back"),
        "{attempts:?}"
    );
}

pub async fn a_batch_of_reports_applies_each_under_its_own_lease(store: Arc<dyn Store>) {
    let (_, tis) = run_with(
        &store,
        "batch",
        0,
        &[
            task("ok", 1, 4, "default_pool", "default"),
            task("retried", 2, 3, "default_pool", "default"),
            task("stale", 1, 2, "default_pool", "default"),
            task("noop", 1, 1, "default_pool", "default"),
        ],
    )
    .await;
    queue(&store, &tis.iter().collect::<Vec<_>>()).await;
    let claimed = store.claim(&request("w1", &["default"], 4)).await.unwrap();
    assert_eq!(task_ids(&claimed), ["ok", "retried", "stale", "noop"]);
    let (ok, retried, stale, noop) = (&claimed[0], &claimed[1], &claimed[2], &claimed[3]);
    store.mark_started(ok.ti_id, ok.lease_token).await.unwrap();
    let ok_started = store
        .get_task_instance(ok.ti_id)
        .await
        .unwrap()
        .unwrap()
        .started_at
        .unwrap();
    let retry_at = weir_store::clock::truncate(Utc::now() + TimeDelta::minutes(5));
    let noop_started = weir_store::clock::truncate(Utc::now() - TimeDelta::seconds(1));
    let report = |c: &ClaimedTask, token: i64, outcome: AttemptOutcome| AttemptReport {
        ti_id: c.ti_id,
        token,
        outcome,
        retry_at: Some(retry_at),
        // Given for every report: it stamps only an attempt that has no start yet.
        started_at: Some(noop_started),
    };
    let reports = [
        report(ok, ok.lease_token, AttemptOutcome::Success),
        report(
            retried,
            retried.lease_token,
            AttemptOutcome::Failed {
                reason: "boom".into(),
            },
        ),
        report(stale, stale.lease_token + 1, AttemptOutcome::Success),
        report(noop, noop.lease_token, AttemptOutcome::Success),
    ];
    let stale_before = store.get_task_instance(stale.ti_id).await.unwrap().unwrap();
    let states = store.finish_attempts(&reports).await.unwrap();
    assert_eq!(
        states,
        [
            Some(S::Success),
            Some(S::UpForRetry),
            None,
            Some(S::Success)
        ],
        "each report applies or not on its own"
    );

    let ti = store.get_task_instance(ok.ti_id).await.unwrap().unwrap();
    assert_eq!(ti.started_at, Some(ok_started), "a stamped start is kept");
    assert!(ti.finished_at.is_some() && ti.lease_expires_at.is_none());
    let ti = store
        .get_task_instance(retried.ti_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ti.state, ti.retry_at, ti.reason.as_deref()),
        (S::UpForRetry, Some(retry_at), Some("boom"))
    );
    let ti = store.get_task_instance(noop.ti_id).await.unwrap().unwrap();
    assert_eq!(ti.state, S::Success);
    assert_eq!(
        ti.started_at,
        Some(noop_started),
        "the start is stamped with the report"
    );
    assert!(ti.claimed_at.is_some() && ti.queued_at.is_some() && ti.finished_at.is_some());
    let after = store.get_task_instance(stale.ti_id).await.unwrap().unwrap();
    assert_eq!(after, stale_before, "a stale token writes nothing");

    for (c, state) in [
        (ok, S::Success),
        (retried, S::UpForRetry),
        (noop, S::Success),
    ] {
        let attempts = store.list_attempts(c.ti_id).await.unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].state, state, "{}", c.task_id);
        assert!(attempts[0].finished_at.is_some());
    }
    let attempt = &store.list_attempts(stale.ti_id).await.unwrap()[0];
    assert_eq!(attempt.state, S::Running);
    assert!(attempt.finished_at.is_none());

    // Spent leases: the same reports again write nothing.
    let again = store.finish_attempts(&reports).await.unwrap();
    assert_eq!(again, [None, None, None, None]);
    assert_eq!(state_of(&store, retried.ti_id).await, S::UpForRetry);
    assert!(store.finish_attempts(&[]).await.unwrap().is_empty());
    // The right token still finishes the one left running.
    let last = store
        .finish_attempts(&[report(stale, stale.lease_token, AttemptOutcome::Success)])
        .await
        .unwrap();
    assert_eq!(last, [Some(S::Success)]);
}
