use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use weir_core::state::TaskState;
use weir_store::{AttemptOutcome, ClaimRequest, LogLine, LogStream, TaskStateChange};

use crate::harness::{Api, reply};

const RUN: &str = "/api/v1/dags/etl/runs";

async fn trigger(api: &Api, run_id: &str) -> Value {
    let r = api
        .post(RUN, &api.operator, json!({"run_id": run_id}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

async fn run_count(api: &Api) -> i64 {
    api.get(RUN, &api.viewer).await.ok()["total"]
        .as_i64()
        .unwrap()
}

pub async fn authentication_is_required_and_roles_are_enforced(api: Arc<Api>) {
    let none = api.call(Method::GET, "/api/v1/dags", None, None).await;
    assert!(none.problem(401).contains("Bearer"));
    let bad = api.get("/api/v1/dags", "weir_not-a-token").await;
    bad.problem(401);
    let garbled = api
        .client
        .get(format!("{}/api/v1/dags", api.base))
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .send()
        .await
        .unwrap();
    reply(garbled).await.problem(401);
    let no_doc = api
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    no_doc.problem(401);

    api.get("/api/v1/dags", &api.viewer).await.ok();
    let denied = api.post(RUN, &api.viewer, json!({})).await;
    assert!(denied.problem(403).contains("operator"));
    assert_eq!(run_count(&api).await, 0, "a refused trigger writes nothing");
    trigger(&api, "by_operator").await;
    let pool = api
        .post(
            "/api/v1/pools",
            &api.operator,
            json!({"name": "gpu", "slots": 2}),
        )
        .await;
    pool.problem(403);
    api.get("/api/v1/tokens", &api.operator).await.problem(403);
    api.get("/api/v1/users", &api.viewer).await.problem(403);
    api.get("/api/v1/tokens", &api.admin).await.ok();
    // Health needs no token; /metrics does by default.
    let health = api.call(Method::GET, "/api/v1/health", None, None).await;
    assert!(
        health.status == 200 || health.status == 503,
        "{:?}",
        health.body
    );
    api.call(Method::GET, "/metrics", None, None)
        .await
        .problem(401);
}

/// Every operation in the OpenAPI document is routed, and answers a status it documents.
pub async fn every_documented_route_answers_as_documented(api: Arc<Api>) {
    trigger(&api, "r1").await;
    let doc = api
        .get("/api/v1/openapi.json", &api.admin)
        .await
        .ok()
        .clone();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 20, "{} paths", paths.len());
    let mut checked = 0;
    for (template, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let path = template
                .replace("{dag_id}", "etl")
                .replace("{run_id}", "r1")
                .replace("{task_id}", "extract")
                .replace("{try_number}", "1")
                .replace("{version}", "1")
                .replace("{id}", "999999")
                .replace("{name}", "no_such_pool")
                .replace("{username}", "nobody");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
            let url = format!("/api/v1{path}");
            let r = if url.ends_with("/stream") {
                // A stream of a task instance without an attempt: documented 404.
                api.get(&url, &api.admin).await
            } else {
                api.call(method.clone(), &url, Some(&api.admin), body).await
            };
            let documented: Vec<String> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            assert!(
                documented.contains(&r.status.as_u16().to_string()),
                "{method} {url} answered {} {:?}; documented {documented:?}",
                r.status,
                r.body
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "checked {checked} operations");
    let unknown = api.get("/api/v1/nothing/here", &api.admin).await;
    assert!(unknown.problem(404).contains("openapi.json"));
}

pub async fn triggers_are_idempotent_and_params_are_validated(api: Arc<Api>) {
    let run = trigger(&api, "nightly_1").await;
    assert_eq!(run["state"], "queued");
    assert_eq!(run["run_type"], "manual");
    assert_eq!(run["conf"]["lookback"], 7, "defaults are filled in");
    assert!(
        run["triggered_by"]
            .as_str()
            .unwrap()
            .starts_with("api:token:operator")
    );
    let again = api
        .post(RUN, &api.operator, json!({"run_id": "nightly_1"}))
        .await;
    assert!(again.problem(409).contains("nightly_1"));
    assert_eq!(
        run_count(&api).await,
        1,
        "the same run id twice makes one run"
    );

    let date = "2026-03-01T00:00:00Z";
    let dated = api
        .post(
            RUN,
            &api.operator,
            json!({"logical_date": date, "conf": {"lookback": 3}}),
        )
        .await;
    assert_eq!(dated.ok()["conf"]["lookback"], 3);
    let same_date = api
        .post(RUN, &api.operator, json!({"logical_date": date}))
        .await;
    same_date.problem(409);

    let wrong = api
        .post(
            RUN,
            &api.operator,
            json!({"conf": {"lookback": 0, "extra": true}}),
        )
        .await;
    wrong.problem(422);
    let fields: Vec<&str> = wrong.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"/conf/lookback"), "{fields:?}");
    assert!(fields.contains(&"/conf/extra"), "{fields:?}");
    let bad_id = api.post(RUN, &api.operator, json!({"run_id": "a/b"})).await;
    bad_id.problem(422);
    assert_eq!(run_count(&api).await, 2, "refused triggers write nothing");

    let got = api.get(&format!("{RUN}/nightly_1"), &api.viewer).await;
    assert_eq!(got.ok()["run_id"], "nightly_1");
    api.get(&format!("{RUN}/missing"), &api.viewer)
        .await
        .problem(404);
}

pub async fn bad_input_gets_a_clear_4xx_and_writes_nothing(api: Arc<Api>) {
    let url = format!("{}{RUN}", api.base);
    let send = |body: &'static str, content_type: &'static str| {
        let api = api.clone();
        let url = url.clone();
        async move {
            let r = api
                .client
                .post(&url)
                .bearer_auth(&api.operator)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            reply(r).await
        }
    };
    assert!(
        send("{\"conf\": ", "application/json")
            .await
            .problem(400)
            .contains("JSON")
    );
    assert!(
        send("{\"conf\": 5}", "application/json")
            .await
            .problem(422)
            .contains("conf")
    );
    assert!(
        send("{\"run_idd\": \"x\"}", "application/json")
            .await
            .problem(422)
            .contains("run_idd")
    );
    send("{}", "text/plain").await.problem(415);
    let huge = format!("{{\"conf\": {{\"x\": \"{}\"}}}}", "a".repeat(100 * 1024));
    let r = api
        .client
        .post(&url)
        .bearer_auth(&api.operator)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    reply(r).await.problem(413);
    let unknown = api
        .post("/api/v1/dags/nope/runs", &api.operator, json!({}))
        .await;
    assert!(unknown.problem(404).contains("nope"));
    for path in [
        "/api/v1/dags/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/dags/etl/runs/..%2F..%2Fsecret",
        "/api/v1/dags/%3Cscript%3E/versions",
        "/api/v1/dags/etl/runs/x/task_instances/..%2Fy",
    ] {
        let r = api.get(path, &api.viewer).await;
        assert!(r.problem(400).contains("invalid"), "{path}: {:?}", r.body);
        assert!(
            !r.body.to_string().contains("<script>"),
            "ids are not echoed raw: {:?}",
            r.body
        );
    }
    let broken = api
        .post("/api/v1/dags/broken/runs", &api.operator, json!({}))
        .await;
    broken.problem(404);
    assert_eq!(run_count(&api).await, 0, "nothing was written");
}

pub async fn lists_are_paginated_with_a_total(api: Arc<Api>) {
    for i in 0..7 {
        trigger(&api, &format!("run_{i}")).await;
    }
    let first = api.get(&format!("{RUN}?limit=3"), &api.viewer).await;
    let body = first.ok();
    assert_eq!(
        (body["total"].as_i64(), body["limit"].as_i64()),
        (Some(7), Some(3))
    );
    assert_eq!(body["items"].as_array().unwrap().len(), 3);
    let last = api
        .get(&format!("{RUN}?limit=3&offset=6"), &api.viewer)
        .await;
    assert_eq!(last.ok()["items"].as_array().unwrap().len(), 1);
    let all = api
        .get("/api/v1/runs?state=queued&limit=500", &api.viewer)
        .await;
    assert_eq!(all.ok()["total"], 7);
    api.get("/api/v1/runs?state=sleepy", &api.viewer)
        .await
        .problem(400);
    api.get(&format!("{RUN}?limit=0"), &api.viewer)
        .await
        .problem(400);
    api.get(&format!("{RUN}?limit=501"), &api.viewer)
        .await
        .problem(400);
    api.get(&format!("{RUN}?offset=-1"), &api.viewer)
        .await
        .problem(400);
    api.get(&format!("{RUN}?limit=ten"), &api.viewer)
        .await
        .problem(400);
    // Lists read whole are paginated the same way.
    let tis = api
        .get(
            &format!("{RUN}/run_0/task_instances?limit=2&offset=1"),
            &api.viewer,
        )
        .await;
    let body = tis.ok();
    assert_eq!(body["total"], 3);
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert_eq!(body["items"][0]["task_id"], "load");
    api.get("/api/v1/pools?limit=0", &api.viewer)
        .await
        .problem(400);

    let dags = api.get("/api/v1/dags?limit=1", &api.viewer).await;
    assert_eq!(dags.ok()["total"], 2);
    assert_eq!(dags.body["items"][0]["dag_id"], "etl");
    assert_eq!(
        dags.body["items"][0]["recent_runs"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    let tagged = api.get("/api/v1/dags?tag=daily", &api.viewer).await;
    assert_eq!(tagged.ok()["total"], 1);
    let text = api.get("/api/v1/dags?q=TRIGGERED", &api.viewer).await;
    assert_eq!(text.ok()["items"][0]["dag_id"], "manual");
    let paused = api.get("/api/v1/dags?paused=false", &api.viewer).await;
    assert_eq!(paused.ok()["total"], 0, "new DAGs start paused");
}

pub async fn dags_are_read_paused_and_versioned(api: Arc<Api>) {
    let dag = api.get("/api/v1/dags/etl", &api.viewer).await;
    let body = dag.ok();
    assert_eq!(
        body["description"],
        "Loads <script>alert('x')</script> clicks"
    );
    assert_eq!(body["schedule"], "@daily");
    assert_eq!(body["next_runs"].as_array().unwrap().len(), 5);
    assert_eq!(
        body["params_schema"]["properties"]["lookback"]["minimum"],
        1.0
    );
    let tasks: Vec<&str> = body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(tasks, ["extract", "load", "report"]);

    let patch = |paused: bool, token: String| {
        let api = api.clone();
        async move {
            api.call(
                Method::PATCH,
                "/api/v1/dags/etl",
                Some(&token),
                Some(json!({"is_paused": paused})),
            )
            .await
        }
    };
    assert_eq!(
        patch(false, api.operator.clone()).await.ok()["is_paused"],
        false
    );
    patch(true, api.viewer.clone()).await.problem(403);
    assert!(!api.store.get_dag("etl").await.unwrap().unwrap().is_paused);
    assert_eq!(
        patch(true, api.operator.clone()).await.ok()["is_paused"],
        true
    );

    let versions = api.get("/api/v1/dags/etl/versions", &api.viewer).await;
    assert_eq!(versions.ok()["items"][0]["version"], 1);
    let source = api
        .get("/api/v1/dags/etl/versions/1/source", &api.viewer)
        .await;
    assert!(
        source.ok()["source"]
            .as_str()
            .unwrap()
            .contains("run: echo extract")
    );
    api.get("/api/v1/dags/etl/versions/9/source", &api.viewer)
        .await
        .problem(404);
    let errors = api.get("/api/v1/import_errors", &api.viewer).await;
    let files: Vec<&str> = errors.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].ends_with("broken.yaml"), "{files:?}");
    assert!(
        errors.body["items"][0]["diagnostics"][0]["line"]
            .as_u64()
            .unwrap()
            >= 1
    );
}

/// Runs the run's first task instance through the store as a worker would.
async fn run_extract(api: &Api, run_pk: i64) -> i64 {
    let tis = api.store.task_instances(run_pk).await.unwrap();
    let extract = tis.iter().find(|t| t.task_id == "extract").unwrap();
    api.store
        .update_task_states(&[TaskStateChange::new(
            extract.id,
            TaskState::None,
            TaskState::Queued,
        )])
        .await
        .unwrap();
    let claimed = api
        .store
        .claim(&ClaimRequest {
            worker_id: "w-test".into(),
            queues: vec!["default".into()],
            max: 1,
            lease: Duration::from_secs(60),
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let c = &claimed[0];
    api.store
        .mark_started(c.ti_id, c.lease_token)
        .await
        .unwrap();
    let lines: Vec<LogLine> = (0..3)
        .map(|i| LogLine {
            stream: LogStream::Stdout,
            line: format!("line {i}"),
            logged_at: chrono::Utc::now(),
        })
        .collect();
    api.store
        .append_logs(c.ti_id, 1, c.lease_token, &lines)
        .await
        .unwrap();
    api.store
        .set_output(c.ti_id, c.lease_token, &json!({"rows": 42}))
        .await
        .unwrap();
    c.lease_token
}

pub async fn task_instances_are_read_cleared_and_marked(api: Arc<Api>) {
    trigger(&api, "r1").await;
    let run = api.store.get_run("etl", "r1").await.unwrap().unwrap();
    let token = run_extract(&api, run.id).await;
    let tis_url = format!("{RUN}/r1/task_instances");
    let list = api.get(&tis_url, &api.viewer).await;
    let states: Vec<&str> = list.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["running", "none", "none"]);
    let one = api.get(&format!("{tis_url}/extract"), &api.viewer).await;
    let body = one.ok();
    assert_eq!(body["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(body["worker_id"], "w-test");
    assert!(body["pickup_delay_s"].as_f64().unwrap() >= 0.0);
    let output = api
        .get(&format!("{tis_url}/extract/output"), &api.viewer)
        .await;
    assert_eq!(output.ok()["value"]["rows"], 42);
    let rendered = api
        .get(&format!("{tis_url}/extract/rendered"), &api.viewer)
        .await;
    assert_eq!(rendered.ok()[0]["key"], "run");
    assert_eq!(rendered.body[0]["rendered"], "echo extract r1");
    api.get(&format!("{tis_url}/load/output"), &api.viewer)
        .await
        .problem(404);
    api.get(&format!("{tis_url}/nope"), &api.viewer)
        .await
        .problem(404);

    // Marking stops the running attempt from writing more.
    let mark = api
        .post(
            &format!("{RUN}/r1/mark"),
            &api.operator,
            json!({"task_ids": ["extract"], "state": "failed"}),
        )
        .await;
    assert_eq!(mark.ok()["changed"], 1);
    let late = api
        .store
        .finish_attempt(
            run_pk_ti(&api, run.id, "extract").await,
            token,
            AttemptOutcome::Success,
            None,
        )
        .await;
    assert!(
        late.is_err(),
        "the fenced-out worker cannot report: {late:?}"
    );
    let detail = api.get(&format!("{tis_url}/extract"), &api.viewer).await;
    assert_eq!(detail.ok()["state"], "failed");
    assert!(
        detail.body["reason"]
            .as_str()
            .unwrap()
            .contains("marked failed by token:operator")
    );
    api.post(
        &format!("{RUN}/r1/mark"),
        &api.operator,
        json!({"task_ids": ["nope"], "state": "failed"}),
    )
    .await
    .problem(422);
    api.post(
        &format!("{RUN}/r1/mark"),
        &api.operator,
        json!({"task_ids": ["load"], "state": "queued"}),
    )
    .await
    .problem(422);

    // Clearing extract with downstream resets all three.
    let clear = api
        .post(
            &format!("{RUN}/r1/clear"),
            &api.operator,
            json!({"task_ids": ["extract"], "downstream": true}),
        )
        .await;
    assert_eq!(
        clear.ok()["changed"],
        3,
        "extract and everything downstream"
    );
    let states: Vec<String> = api.get(&tis_url, &api.viewer).await.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states, ["none", "none", "none"]);
    api.post(&format!("{RUN}/r1/clear"), &api.viewer, json!({}))
        .await
        .problem(403);
    api.post(
        &format!("{RUN}/r1/clear"),
        &api.operator,
        json!({"task_ids": ["nope"]}),
    )
    .await
    .problem(422);
}

async fn run_pk_ti(api: &Api, run_pk: i64, task_id: &str) -> i64 {
    api.store
        .task_instances(run_pk)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.task_id == task_id)
        .unwrap()
        .id
}

pub async fn logs_are_read_by_range_and_streamed(api: Arc<Api>) {
    trigger(&api, "r1").await;
    let run = api.store.get_run("etl", "r1").await.unwrap().unwrap();
    let token = run_extract(&api, run.id).await;
    let logs = format!("{RUN}/r1/task_instances/extract/logs/1");
    let page = api.get(&format!("{logs}?limit=2"), &api.viewer).await;
    let body = page.ok();
    assert_eq!(body["lines"].as_array().unwrap().len(), 2);
    assert_eq!(body["finished"], false);
    let next = body["next_seq"].as_i64().unwrap();
    let rest = api.get(&format!("{logs}?after={next}"), &api.viewer).await;
    assert_eq!(rest.ok()["lines"][0]["line"], "line 2");
    api.get(
        &format!("{RUN}/r1/task_instances/extract/logs/2"),
        &api.viewer,
    )
    .await
    .problem(404);
    api.get(&format!("{logs}?limit=0"), &api.viewer)
        .await
        .problem(400);

    // The stream sends what is there, then new lines as they come, then `end`.
    let mut stream = api
        .client
        .get(format!("{}{logs}/stream", api.base))
        .bearer_auth(&api.viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let ti = run_pk_ti(&api, run.id, "extract").await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut appended = false;
    let mut finished = false;
    while !seen.contains("event: end") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the stream moves")
            .unwrap();
        let Some(chunk) = chunk else { break };
        seen.push_str(&String::from_utf8_lossy(&chunk));
        if seen.contains("line 2") && !appended {
            let line = LogLine {
                stream: LogStream::Stderr,
                line: "late line".into(),
                logged_at: chrono::Utc::now(),
            };
            api.store.append_logs(ti, 1, token, &[line]).await.unwrap();
            appended = true;
        }
        if seen.contains("late line") && !finished {
            api.store
                .finish_attempt(ti, token, AttemptOutcome::Success, None)
                .await
                .unwrap();
            finished = true;
        }
    }
    assert!(
        seen.contains("line 0") && seen.contains("late line") && seen.contains("event: end"),
        "{seen}"
    );
}

pub async fn backfills_pools_and_workers_are_operated(api: Arc<Api>) {
    let created = api
        .post("/api/v1/backfills", &api.operator, json!({"dag_id": "etl", "from": "2026-01-01", "to": "2026-01-05", "max_active_runs": 2}))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["state"], "running");
    let list = api.get("/api/v1/backfills?dag_id=etl", &api.viewer).await;
    assert_eq!(list.ok()["total"], 1);
    api.post(
        "/api/v1/backfills",
        &api.operator,
        json!({"dag_id": "etl", "from": "2026-02-01", "to": "2026-01-01"}),
    )
    .await
    .problem(422);
    api.post(
        "/api/v1/backfills",
        &api.operator,
        json!({"dag_id": "manual", "from": "2026-01-01", "to": "2026-01-02"}),
    )
    .await
    .problem(422);
    api.post(
        "/api/v1/backfills",
        &api.operator,
        json!({"dag_id": "nope", "from": "2026-01-01", "to": "2026-01-02"}),
    )
    .await
    .problem(404);
    api.post(
        "/api/v1/backfills",
        &api.viewer,
        json!({"dag_id": "etl", "from": "2026-01-01", "to": "2026-01-02"}),
    )
    .await
    .problem(403);
    let cancel = api
        .post(
            &format!("/api/v1/backfills/{id}/cancel"),
            &api.operator,
            json!({}),
        )
        .await;
    assert_eq!(cancel.ok()["state"], "cancelled");
    api.post(
        &format!("/api/v1/backfills/{id}/cancel"),
        &api.operator,
        json!({}),
    )
    .await
    .problem(409);
    api.get("/api/v1/backfills/424242", &api.viewer)
        .await
        .problem(404);

    let pool = api
        .post(
            "/api/v1/pools",
            &api.admin,
            json!({"name": "gpu", "slots": 2, "description": "GPUs"}),
        )
        .await;
    assert_eq!(pool.status, 201, "{:?}", pool.body);
    api.post(
        "/api/v1/pools",
        &api.admin,
        json!({"name": "gpu", "slots": 2}),
    )
    .await
    .problem(409);
    api.post(
        "/api/v1/pools",
        &api.admin,
        json!({"name": "neg", "slots": -1}),
    )
    .await
    .problem(422);
    let updated = api
        .call(
            Method::PUT,
            "/api/v1/pools/gpu",
            Some(&api.admin),
            Some(json!({"slots": 4})),
        )
        .await;
    assert_eq!(updated.ok()["slots"], 4);
    api.call(
        Method::PUT,
        "/api/v1/pools/none",
        Some(&api.admin),
        Some(json!({"slots": 4})),
    )
    .await
    .problem(404);
    let deleted = api
        .call(Method::DELETE, "/api/v1/pools/gpu", Some(&api.admin), None)
        .await;
    assert_eq!(deleted.status, 204);
    api.call(
        Method::DELETE,
        "/api/v1/pools/default_pool",
        Some(&api.admin),
        None,
    )
    .await
    .problem(422);
    let names: Vec<String> = api
        .store
        .list_pools()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["default_pool"]);

    api.store
        .heartbeat_worker(&weir_store::WorkerInfo {
            worker_id: "w1".into(),
            hostname: "h".into(),
            queues: vec!["default".into()],
            capacity: 4,
            state: "running".into(),
        })
        .await
        .unwrap();
    let workers = api.get("/api/v1/workers", &api.viewer).await;
    assert_eq!(workers.ok()["items"][0]["worker_id"], "w1");
    assert!(
        workers.body["items"][0]["heartbeat_age_s"]
            .as_f64()
            .unwrap()
            < 60.0
    );
}

pub async fn tokens_and_users_are_managed_by_admins(api: Arc<Api>) {
    let created = api
        .post(
            "/api/v1/tokens",
            &api.admin,
            json!({"name": "ci", "role": "viewer", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let token = created.body["token"].as_str().unwrap().to_string();
    let id = created.body["id"].as_i64().unwrap();
    api.get("/api/v1/dags", &token).await.ok();
    let listed = api.get("/api/v1/tokens", &api.admin).await;
    assert!(
        !listed.ok().to_string().contains(&token),
        "lists never show tokens"
    );
    let revoke = api
        .call(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&api.admin),
            None,
        )
        .await;
    assert_eq!(revoke.status, 204);
    api.get("/api/v1/dags", &token).await.problem(401);
    api.post(
        "/api/v1/tokens",
        &api.admin,
        json!({"name": "x", "role": "root"}),
    )
    .await
    .problem(422);

    let user = api
        .post(
            "/api/v1/users",
            &api.admin,
            json!({"username": "ann", "password": "correct horse", "role": "operator"}),
        )
        .await;
    assert_eq!(user.status, 201, "{:?}", user.body);
    assert!(!user.body.to_string().contains("argon2"));
    api.post(
        "/api/v1/users",
        &api.admin,
        json!({"username": "ann", "password": "correct horse", "role": "operator"}),
    )
    .await
    .problem(409);
    api.post(
        "/api/v1/users",
        &api.admin,
        json!({"username": "bob", "password": "short", "role": "viewer"}),
    )
    .await
    .problem(422);
    let patched = api
        .call(
            Method::PATCH,
            "/api/v1/users/ann",
            Some(&api.admin),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(patched.ok()["role"], "viewer");
    let gone = api
        .call(Method::DELETE, "/api/v1/users/ann", Some(&api.admin), None)
        .await;
    assert_eq!(gone.status, 204);
    api.call(Method::DELETE, "/api/v1/users/ann", Some(&api.admin), None)
        .await
        .problem(404);
}

pub async fn health_and_metrics_report_the_engine(api: Arc<Api>) {
    let unhealthy = api.call(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(
        unhealthy.status, 503,
        "no scheduler has run: {:?}",
        unhealthy.body
    );
    assert_eq!(unhealthy.body["database"]["status"], "healthy");
    api.store.heartbeat_scheduler("s1", "h").await.unwrap();
    let healthy = api.call(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(healthy.ok()["status"], "healthy");

    trigger(&api, "r1").await;
    let run = api.store.get_run("etl", "r1").await.unwrap().unwrap();
    run_extract(&api, run.id).await;
    let metrics = api
        .client
        .get(format!("{}/metrics", api.base))
        .bearer_auth(&api.viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("weir_runs{state=\"queued\"} 1"), "{text}");
    assert!(
        text.contains("weir_task_instances{state=\"running\"} 1"),
        "{text}"
    );
    assert!(text.contains("weir_pickup_delay_seconds_count 1"), "{text}");
    assert!(text.contains("weir_task_attempts_total 1"), "{text}");
    assert!(
        text.contains("weir_scheduler_delay_seconds_bucket{le=\"+Inf\"} 1"),
        "{text}"
    );
}
