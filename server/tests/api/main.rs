//! The REST API against a real server on both backends: every route's success and error
//! cases, authentication and roles, idempotent triggers, pagination, bad input that writes
//! nothing, and an OpenAPI document that matches the routes.

mod dag_list_cache;
mod features;
mod harness;
mod lake;
mod routes;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use weir_store::testing::Backend;

use harness::Api;

/// Runs each test (`module::name`) against a fresh server on SQLite and on PostgreSQL, each
/// within a deadline.
macro_rules! on_both {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::run(weir_store::testing::Backend::Sqlite, crate::$module::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::run(weir_store::testing::Backend::Postgres, crate::$module::$name).await;
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
    routes::authentication_is_required_and_roles_are_enforced,
    routes::every_documented_route_answers_as_documented,
    routes::triggers_are_idempotent_and_params_are_validated,
    routes::bad_input_gets_a_clear_4xx_and_writes_nothing,
    routes::lists_are_paginated_with_a_total,
    routes::dags_are_read_paused_and_versioned,
    routes::task_instances_are_read_cleared_and_marked,
    routes::logs_are_read_by_range_and_streamed,
    routes::backfills_pools_and_workers_are_operated,
    routes::tokens_and_users_are_managed_by_admins,
    routes::health_and_metrics_report_the_engine,
    routes::lake_records_and_online_features_are_served,
    features::online_values_are_served_with_their_as_of_time,
    features::training_sets_take_each_rows_own_as_of_time,
    features::bad_training_set_requests_get_a_clear_4xx,
}
