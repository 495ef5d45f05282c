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
    let tz = dag.timezone;
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    };
    let logical = claimed.logical_date.with_timezone(&tz);
    let conf = claimed.conf.as_object().cloned().unwrap_or_default();
    // Scheduled runs carry no conf: the params' defaults apply. A trigger's conf was checked
    // when the run was created; checking again here only fills in defaults.
    let params = resolve_params(&dag.params, &conf).unwrap_or(conf);
    let outputs = upstream_outputs(store, claimed, dag).await?;
    Ok(json!({
        "ds": logical.format("%Y-%m-%d").to_string(),
        "ds_nodash": logical.format("%Y%m%d").to_string(),
        "ts": local(claimed.logical_date),
        "logical_date": local(claimed.logical_date),
        "data_interval_start": local(claimed.data_interval.start),
        "data_interval_end": local(claimed.data_interval.end),
        "run_id": claimed.run_id,
        "dag_id": claimed.dag_id,
        "task_id": claimed.task_id,
        "try_number": claimed.try_number,
        "params": Value::Object(params),
        "outputs": Value::Object(outputs),
    }))
}

/// The outputs of every upstream task (direct or not) that has one. Read only when the task's
/// options mention `outputs`, since most tasks never do.
async fn upstream_outputs(
    store: &dyn Store,
    claimed: &ClaimedTask,
    dag: &Dag,
) -> anyhow::Result<Map<String, Value>> {
    let mut out = Map::new();
    let Some(task) = dag.task(&claimed.task_id) else {
        return Ok(out);
    };
    let options = serde_json::to_string(task).unwrap_or_default();
    if !options.contains("outputs") {
        return Ok(out);
    }
    let ancestors = ancestors_of(dag, &claimed.task_id);
    for ti in store.task_instances(claimed.run_pk).await? {
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
    vec![
        ("WEIR_DAG_ID".into(), claimed.dag_id.clone()),
        ("WEIR_RUN_ID".into(), claimed.run_id.clone()),
        ("WEIR_TASK_ID".into(), claimed.task_id.clone()),
        ("WEIR_TRY_NUMBER".into(), claimed.try_number.to_string()),
        (
            "WEIR_LOGICAL_DATE".into(),
            claimed
                .logical_date
                .with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false),
        ),
    ]
}
