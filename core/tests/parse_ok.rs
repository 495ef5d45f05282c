//! What a valid file parses into: defaults applied, order topological, templates accepted.

use weir_core::dag::task_types::{Check, TaskKind};
use weir_core::dag::{Backoff, Dag, TriggerRule, parse_str};

fn parse(source: &str) -> Dag {
    match parse_str("dags/example.yaml", source) {
        Ok(dag) => dag,
        Err(diags) => panic!(
            "{}",
            diags
                .iter()
                .map(|d| d.render(Some(source)))
                .collect::<String>()
        ),
    }
}

#[test]
fn defaults_apply_and_tasks_override_them() {
    let dag = parse(
        r#"
defaults:
  retries: 2
  retry_delay: 1m
  retry_backoff: exponential
  pool: etl
  env: {STAGE: prod, REGION: eu}
tasks:
  a: {type: shell, run: "echo {{ ds }}"}
  b:
    type: shell
    needs: a
    retries: 0
    env: {REGION: us}
    run: "echo $REGION"
"#,
    );
    assert_eq!(dag.dag_id.as_str(), "example");
    let a = dag.task("a").unwrap();
    assert_eq!(
        (a.retry.retries, a.retry.delay.as_secs(), a.retry.backoff),
        (2, 60, Backoff::Exponential)
    );
    assert_eq!(a.pool, "etl");
    let b = dag.task("b").unwrap();
    assert_eq!(b.retry.retries, 0);
    assert_eq!(b.env["REGION"], "us");
    assert_eq!(b.env["STAGE"], "prod");
    assert_eq!(b.queue, "default");
}

#[test]
fn tasks_come_in_topological_order_with_file_order_among_peers() {
    let dag = parse(
        "tasks:\n  z: {type: noop, needs: [y]}\n  y: {type: noop, needs: [x]}\n  x: {type: noop}\n  w: {type: noop}\n",
    );
    let ids: Vec<&str> = dag.tasks.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(ids, vec!["x", "y", "z", "w"]);
    assert_eq!(dag.graph().edge_count(), 2);
    assert_eq!(dag.roots().count(), 2);
}

#[test]
fn data_task_options_parse_into_their_types() {
    let dag = parse(
        r#"
params:
  days: {type: integer, default: 7, minimum: 1}
tasks:
  load:
    type: ingest
    source: {format: csv, path: "data/{{ ds }}.csv", delimiter: ";"}
    into: raw.clicks
    schema: {user_id: string, amount: float64, ts: timestamp}
    on_bad_rows: quarantine
  check:
    type: validate
    needs: [load]
    dataset: raw.clicks
    expect:
      - not_null: user_id
      - unique: [user_id, ts]
      - between: {column: amount, min: 0, max: 100, mostly: 0.99, severity: warn}
      - sql: "amount >= 0"
  feats:
    type: materialize
    needs: [check]
    source: raw.clicks
    entity: user_id
    timestamp: ts
    window: "{{ params.days }}d"
    features:
      spend: sum(amount)
      big: {expr: count(*), filter: "amount > 50"}
  report:
    type: shell
    needs: [feats]
    trigger_rule: all_done
    run: "echo {{ outputs.load.rows }} {{ outputs.feats.rows }}"
"#,
    );
    let TaskKind::Ingest(load) = &dag.task("load").unwrap().kind else {
        panic!()
    };
    assert_eq!(load.source.delimiter, ';');
    assert_eq!(load.schema.len(), 3);
    let TaskKind::Validate(check) = &dag.task("check").unwrap().kind else {
        panic!()
    };
    assert_eq!(check.expect.len(), 4);
    assert!(matches!(&check.expect[1].check, Check::Unique { columns } if columns.len() == 2));
    assert_eq!(check.expect[2].mostly, 0.99);
    let TaskKind::Materialize(feats) = &dag.task("feats").unwrap().kind else {
        panic!()
    };
    assert_eq!(feats.view, "feats");
    assert_eq!(feats.features["big"].filter.as_deref(), Some("amount > 50"));
    assert_eq!(
        dag.task("report").unwrap().trigger_rule,
        TriggerRule::AllDone
    );
}

#[test]
fn a_dag_survives_a_round_trip_through_json() {
    let dag = parse(
        "schedule: \"0 2 * * 1-5\"\ntimezone: Europe/Berlin\nstart_date: 2026-01-01\ntasks:\n  a: {type: noop}\n  b: {type: shell, needs: [a], run: echo}\n",
    );
    let json = serde_json::to_string(&dag).unwrap();
    let back: Dag = serde_json::from_str(&json).unwrap();
    assert_eq!(back.tasks, dag.tasks);
    assert_eq!(back.schedule, dag.schedule);
    assert_eq!(back.graph().edge_count(), 1);
    assert_eq!(back.content_hash, dag.content_hash);
}

#[test]
fn yaml_anchors_share_blocks_between_tasks() {
    let dag = parse(
        "x-common: &common\n  type: shell\n  retries: 3\ntasks:\n  a:\n    <<: *common\n    run: echo a\n",
    );
    assert_eq!(dag.task("a").unwrap().retry.retries, 3);
}
