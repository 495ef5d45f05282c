//! The values templates see, built once per attempt.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};
use weir_core::dag::Dag;
use weir_core::params::resolve_params;
use weir_store::{ClaimedTask, Store};

/// The template context of one attempt: ds, params, outputs of upstream tasks, ...
pub(crate) async fn template_context(
    store: &dyn Store,
    claimed: &ClaimedTask,
    dag: &Dag,
) -> anyhow::Result<Value> {
    let outputs = upstream_outputs(store, claimed, dag).await?;
    Ok(build_context(&ContextInputs {
        dag,
        task_id: &claimed.task_id,
        run_id: &claimed.run_id,
        logical_date: claimed.logical_date,
        interval: (claimed.data_interval.start, claimed.data_interval.end),
        try_number: claimed.try_number,
        conf: claimed.conf.as_object().cloned().unwrap_or_default(),
        outputs,
    }))
}

/// What a template context is made of, wherever the attempt runs.
pub struct ContextInputs<'a> {
    pub dag: &'a Dag,
    pub task_id: &'a str,
    pub run_id: &'a str,
    pub logical_date: DateTime<Utc>,
    pub interval: (DateTime<Utc>, DateTime<Utc>),
    pub try_number: i32,
    pub conf: Map<String, Value>,
    pub outputs: Map<String, Value>,
}

/// The values templates see. Dates are in the DAG's timezone, so `ds` is the local date.
pub fn build_context(inputs: &ContextInputs<'_>) -> Value {
    let tz = inputs.dag.timezone;
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    };
    let logical = inputs.logical_date.with_timezone(&tz);
    // Scheduled runs carry no conf: the params' defaults apply. A trigger's conf was checked
    // when the run was created; checking again here only fills in defaults.
    let params =
        resolve_params(&inputs.dag.params, &inputs.conf).unwrap_or_else(|_| inputs.conf.clone());
    json!({
        "ds": logical.format("%Y-%m-%d").to_string(),
        "ds_nodash": logical.format("%Y%m%d").to_string(),
        "ts": local(inputs.logical_date),
        "logical_date": local(inputs.logical_date),
        "data_interval_start": local(inputs.interval.0),
        "data_interval_end": local(inputs.interval.1),
        "run_id": inputs.run_id,
        "dag_id": inputs.dag.dag_id.as_str(),
        "task_id": inputs.task_id,
        "try_number": inputs.try_number,
        "params": Value::Object(params),
        "outputs": Value::Object(inputs.outputs.clone()),
    })
}

/// The outputs of every upstream task (direct or not) that has one. Read only when the task's
/// options mention `outputs`, since most tasks never do.
async fn upstream_outputs(
    store: &dyn Store,
    claimed: &ClaimedTask,
    dag: &Dag,
) -> anyhow::Result<Map<String, Value>> {
    upstream_outputs_of(store, claimed.run_pk, &claimed.task_id, dag).await
}

/// The outputs of `task_id`'s upstream tasks in run `run_pk` (see [`upstream_outputs`]).
pub(crate) async fn upstream_outputs_of(
    store: &dyn Store,
    run_pk: i64,
    task_id: &str,
    dag: &Dag,
) -> anyhow::Result<Map<String, Value>> {
    let mut out = Map::new();
    let Some(task) = dag.task(task_id) else {
        return Ok(out);
    };
    let options = serde_json::to_string(task).unwrap_or_default();
    if !options.contains("outputs") {
        return Ok(out);
    }
    let ancestors = ancestors_of(dag, task_id);
    for ti in store.task_instances(run_pk).await? {
        if !ancestors.contains(ti.task_id.as_str()) {
            continue;
        }
        if let Some(output) = store.get_output(ti.id).await? {
            out.insert(ti.task_id.clone(), output.value);
        }
    }
    Ok(out)
}

fn ancestors_of<'a>(dag: &'a Dag, task_id: &str) -> HashSet<&'a str> {
    let needs: HashMap<&str, Vec<&str>> = dag
        .tasks
        .iter()
        .map(|t| {
            (
                t.task_id.as_str(),
                t.needs.iter().map(|n| n.as_str()).collect(),
            )
        })
        .collect();
    let mut seen = HashSet::new();
    let mut stack: Vec<&str> = needs.get(task_id).cloned().unwrap_or_default();
    while let Some(up) = stack.pop() {
        if seen.insert(up)
            && let Some(more) = needs.get(up)
        {
            stack.extend(more.iter().copied());
        }
    }
    seen
}

/// The environment every task gets, besides its own `env`.
pub(crate) fn weir_env(claimed: &ClaimedTask, tz: Tz) -> Vec<(String, String)> {
    env_for(
        &claimed.dag_id,
        &claimed.run_id,
        &claimed.task_id,
        claimed.try_number,
        claimed.logical_date,
        tz,
    )
}

pub(crate) fn env_for(
    dag_id: &str,
    run_id: &str,
    task_id: &str,
    try_number: i32,
    logical_date: DateTime<Utc>,
    tz: Tz,
) -> Vec<(String, String)> {
    vec![
        ("WEIR_DAG_ID".into(), dag_id.to_string()),
        ("WEIR_RUN_ID".into(), run_id.to_string()),
        ("WEIR_TASK_ID".into(), task_id.to_string()),
        ("WEIR_TRY_NUMBER".into(), try_number.to_string()),
        (
            "WEIR_LOGICAL_DATE".into(),
            logical_date
                .with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false),
        ),
    ]
}
