//! The data the API benchmark reads: DAG files synced through the scheduler's folder scan, a
//! 50-task DAG with many finished runs (bulk-updated in SQL: seeding is not what is measured),
//! and an admin token and user.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use weir_scheduler::{Scheduler, SchedulerOptions};
use weir_store::{DataInterval, NewApiToken, NewRun, NewTaskInstance, Role, RunType, Store};

pub struct Seeded {
    pub token: String,
}

fn big_dag(tasks: usize) -> String {
    let mut s = String::from(
        "description: The grid benchmark's DAG\nschedule: \"@daily\"\nstart_date: 1990-01-01\ntasks:\n",
    );
    for i in 0..tasks {
        s.push_str(&format!("  t{i:02}:\n    type: noop\n"));
        if i > 0 {
            // A wide, layered shape: each task needs one or two earlier ones.
            let a = (i - 1) / 2;
            s.push_str(&format!("    needs: [t{a:02}]\n"));
        }
    }
    s
}

pub async fn seed(
    store: &Arc<dyn Store>,
    url: &str,
    folder: &Path,
    dags: usize,
    runs: usize,
) -> anyhow::Result<Seeded> {
    crate::generate::write_folder(folder, dags, 20)?;
    std::fs::write(folder.join("big.yaml"), big_dag(50))?;
    let mut scheduler = Scheduler::new(
        store.clone(),
        SchedulerOptions {
            scheduler_id: "bench-seed".into(),
            hostname: "localhost".into(),
            dags_folder: folder.to_path_buf(),
            paused_on_create: true,
            poll_interval: Duration::from_secs(1),
            rescan_interval: Duration::from_secs(3600),
        },
    );
    scheduler.scan_dags().await?;
    let record = store
        .get_dag("big")
        .await?
        .ok_or_else(|| anyhow::anyhow!("big.yaml did not load"))?;
    let version_id = record.latest_version_id.unwrap_or_default();
    let dag = store.get_dag_version(version_id).await?.dag;
    let tasks = NewTaskInstance::for_dag(&dag);
    let start = Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0).unwrap();
    for i in 0..runs {
        let day = start + TimeDelta::days(i as i64);
        store
            .create_run(
                &NewRun {
                    dag_id: "big".into(),
                    run_id: format!("scheduled__{}", day.to_rfc3339()),
                    run_type: RunType::Scheduled,
                    logical_date: day,
                    data_interval: DataInterval {
                        start: day,
                        end: day + TimeDelta::days(1),
                    },
                    conf: serde_json::json!({}),
                    triggered_by: Some("bench".into()),
                    dag_version_id: version_id,
                    backfill_id: None,
                },
                &tasks,
            )
            .await?;
    }
    let pool = sqlx::PgPool::connect(url).await?;
    sqlx::query(
        "UPDATE task_instances SET state = CASE WHEN id % 97 = 0 THEN 'failed' ELSE 'success' END, \
         try_number = 1, queued_at = created_at, started_at = created_at, finished_at = created_at",
    )
    .execute(&pool)
    .await?;
    sqlx::query("UPDATE dag_runs SET state = 'success', finished_at = created_at")
        .execute(&pool)
        .await?;
    sqlx::query("ANALYZE").execute(&pool).await?;
    pool.close().await;

    let token = admin_token(store.as_ref()).await?;
    Ok(Seeded { token })
}

/// Creates an admin API token in the store, as `weir tokens create` would, and returns it.
pub async fn admin_token(store: &dyn Store) -> anyhow::Result<String> {
    let token = format!("weir_bench{}", uuid_like());
    store
        .create_api_token(&NewApiToken {
            name: "bench".into(),
            token_hash: hex_sha256(&token),
            prefix: token.chars().take(11).collect(),
            role: Role::Admin,
            created_by: None,
            expires_at: None,
        })
        .await?;
    Ok(token)
}

/// Unique enough for a throwaway database's only token.
fn uuid_like() -> String {
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    hex_sha256(&format!("{nanos}-{}", std::process::id()))
}

fn hex_sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}
