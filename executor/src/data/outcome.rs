//! A lake outcome as the task's output (what downstream templates read as
//! `outputs.<task>.rows`), its log lines and the records for the state store.

use serde_json::{Value, json};
use weir_core::dag::task_types::{MaterializeTask, Severity};
use weir_lake::ingest::IngestOutcome;
use weir_lake::materialize::MaterializeOutcome;
use weir_lake::validate::ValidateOutcome;
use weir_lake::{Batch, VersionInfo};
use weir_store::{FeatureViewInfo, NewDatasetVersion, NewValidation, OnlineFeatures};

use super::{DataDone, DataLog, Records};

pub(super) fn ingested(batch: &Batch, done: IngestOutcome, log: &DataLog) -> DataDone {
    log.info(format!(
        "read {} file(s), {} bytes: {}",
        done.files.len(),
        done.bytes,
        done.files.join(", ")
    ));
    log.info(format!(
        "wrote {} rows to {} version {}",
        done.rows, done.dataset.dataset, done.version
    ));
    let mut versions = vec![dataset_version(&done.dataset, "ingest", batch, Vec::new())];
    if let Some(rejects) = &done.rejects {
        log.error(format!(
            "quarantined {} bad row(s) in {} version {}",
            done.rejected, rejects.dataset, rejects.version
        ));
        versions.push(dataset_version(rejects, "quarantine", batch, Vec::new()));
    }
    DataDone {
        output: json!({
            "dataset": done.dataset.dataset,
            "rows": done.rows,
            "bytes": done.bytes,
            "version": done.version,
            "rejected": done.rejected,
            "files": done.files,
        }),
        records: Records {
            versions,
            ..Records::default()
        },
        failure: None,
    }
}

pub(super) fn validated(batch: &Batch, done: ValidateOutcome, log: &DataLog) -> DataDone {
    for r in &done.results {
        let verdict = match (r.passed, r.severity) {
            (true, _) => "passed",
            (false, Severity::Warn) => "WARN",
            (false, Severity::Error) => "FAILED",
        };
        let line = format!(
            "{verdict}: {} (observed {}{})",
            r.name,
            r.observed,
            r.unexpected_count
                .map(|n| format!(", {n} unexpected"))
                .unwrap_or_default()
        );
        if r.passed {
            log.info(line);
        } else {
            log.error(line);
        }
    }
    log.info(format!(
        "{} passed, {} failed, {} warned on {} rows of {} version {}",
        done.passed, done.failed, done.warned, done.rows, done.dataset, done.version
    ));
    let failure = (!done.success()).then(|| {
        format!(
            "{} expectation(s) failed on {}: {}",
            done.failed,
            done.dataset,
            done.failure_summary()
        )
    });
    let validation = NewValidation {
        dataset: done.dataset.clone(),
        version: done.version,
        scope: scope_name(&done),
        dag_id: Some(batch.dag_id.clone()),
        run_id: Some(batch.run_id.clone()),
        task_id: Some(batch.task_id.clone()),
        try_number: None,
        success: done.success(),
        passed: done.passed as i32,
        failed: done.failed as i32,
        warned: done.warned as i32,
        rows: done.rows as i64,
        results: serde_json::to_value(&done.results).unwrap_or(Value::Null),
    };
    DataDone {
        output: json!({
            "dataset": done.dataset,
            "version": done.version,
            "rows": done.rows,
            "success": done.success(),
            "passed": done.passed,
            "failed": done.failed,
            "warned": done.warned,
        }),
        records: Records {
            validation: Some(validation),
            ..Records::default()
        },
        failure,
    }
}

fn scope_name(done: &ValidateOutcome) -> String {
    serde_json::to_value(done.scope)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "latest".into())
}

pub(super) fn materialized(
    batch: &Batch,
    task: &MaterializeTask,
    done: MaterializeOutcome,
    log: &DataLog,
) -> DataDone {
    log.info(format!(
        "wrote {} entities of feature view {} as of {} to {} version {}",
        done.rows,
        done.view,
        done.as_of.to_rfc3339(),
        done.dataset.dataset,
        done.version
    ));
    let online: Vec<OnlineFeatures> = if task.online {
        done.online
            .iter()
            .map(|row| OnlineFeatures {
                entity_key: row.entity_key.clone(),
                features: Value::Object(row.features.clone()),
                as_of: row.as_of,
            })
            .collect()
    } else {
        Vec::new()
    };
    let view = FeatureViewInfo {
        view: done.view.clone(),
        entity: done.entity.clone(),
        features: done.features.clone(),
        source: task.query.is_none().then(|| task.source.clone()),
        as_of: done.as_of,
        rows: done.rows as i64,
        version: done.version,
        dag_id: Some(batch.dag_id.clone()),
        task_id: Some(batch.task_id.clone()),
    };
    DataDone {
        output: json!({
            "view": done.view,
            "dataset": done.dataset.dataset,
            "rows": done.rows,
            "version": done.version,
            "as_of": done.as_of,
            "online_rows": online.len(),
        }),
        records: Records {
            versions: vec![dataset_version(
                &done.dataset,
                "materialize",
                batch,
                done.inputs.clone(),
            )],
            feature_view: Some(view),
            online,
            ..Records::default()
        },
        failure: None,
    }
}

fn dataset_version(
    info: &VersionInfo,
    operation: &str,
    batch: &Batch,
    inputs: Vec<String>,
) -> NewDatasetVersion {
    NewDatasetVersion {
        dataset: info.dataset.clone(),
        version: info.version,
        operation: operation.into(),
        rows: info.rows,
        bytes: info.bytes,
        schema: serde_json::to_value(&info.schema).unwrap_or(Value::Null),
        dag_id: Some(batch.dag_id.clone()),
        run_id: Some(batch.run_id.clone()),
        task_id: Some(batch.task_id.clone()),
        inputs,
    }
}
