//! The REST API against a real server on both backends: every route's success and error
//! cases, authentication and roles, idempotent triggers, pagination, bad input that writes
//! nothing, and an OpenAPI document that matches the routes.

mod harness;
mod routes;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use weir_store::testing::Backend;

use harness::Api;

/// Runs one test against a fresh server on SQLite and on PostgreSQL, each within a deadline.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::run(weir_store::testing::Backend::Sqlite, crate::routes::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::run(weir_store::testing::Backend::Postgres, crate::routes::$name).await;
                }
            )*
        }
    };
}

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Arc<Api>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(api) = Api::start(backend).await else {
        return; // PostgreSQL skipped, loudly, by test_store.
    };
    let api = Arc::new(api);
    tokio::time::timeout(Duration::from_secs(60), test(api.clone()))
        .await
        .expect("the test finished in time");
    api.shutdown().await;
}

on_both! {
    authentication_is_required_and_roles_are_enforced,
    every_documented_route_answers_as_documented,
    triggers_are_idempotent_and_params_are_validated,
    bad_input_gets_a_clear_4xx_and_writes_nothing,
    lists_are_paginated_with_a_total,
    dags_are_read_paused_and_versioned,
    task_instances_are_read_cleared_and_marked,
    logs_are_read_by_range_and_streamed,
    backfills_pools_and_workers_are_operated,
    tokens_and_users_are_managed_by_admins,
    health_and_metrics_report_the_engine,
}
