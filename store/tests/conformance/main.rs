//! The conformance suite: every test is a function of an `Arc<dyn Store>`, run once against a
//! fresh SQLite store and once against a fresh PostgreSQL database (see ../common/mod.rs).

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod backfills;
mod claims;
mod connections;
mod dags;
mod lake;
mod leases;
mod pages;
mod runs;
mod tasks;
mod wakeups;

/// Instantiates each listed test for both backends: `sqlite::<name>` and `postgres::<name>`.
macro_rules! conformance {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::common::on_sqlite(crate::$module::$name).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::common::on_postgres(crate::$module::$name).await;
                }
            )*
        }
    };
}

conformance! {
    dags::sync_dag_stores_a_version_only_when_the_content_changes,
    dags::a_stored_version_reads_back_as_the_same_dag,
    dags::dags_not_in_the_folder_are_deactivated_and_come_back,
    dags::pausing_is_kept_and_unknown_dags_are_not_found,
    dags::import_errors_are_recorded_replaced_and_cleared,
    dags::scheduled_progress_is_kept,
    dags::dag_schedules_are_what_the_dag_rows_say,
    dags::concurrent_syncs_of_a_new_dag_store_one_version,
    dags::a_batch_syncs_many_dags_in_order_and_clears_their_import_errors,
    dags::the_version_cache_keeps_the_most_recently_used_versions,
    runs::create_run_makes_the_run_and_its_task_instances,
    runs::create_run_is_idempotent_per_run_id_and_per_logical_date,
    runs::concurrent_creators_make_one_run,
    runs::runs_are_listed_newest_first_by_page,
    runs::run_states_move_only_from_the_expected_state,
    runs::a_run_of_an_unknown_dag_version_is_not_found,
    runs::retention_deletes_finished_runs_with_their_history_only,
    tasks::state_changes_are_guarded_and_stamped,
    tasks::finished_since_returns_only_what_finished_after_the_mark,
    tasks::impossible_transitions_are_refused_whole,
    tasks::clearing_resets_task_instances_and_requeues_the_run,
    tasks::workers_schedulers_and_pools_are_recorded,
    tasks::taking_a_running_task_away_ends_its_attempt_and_its_lease,
    claims::claims_take_higher_priority_then_longer_queued_first,
    claims::claims_take_only_the_asked_queues,
    claims::claims_take_at_most_max,
    claims::claims_keep_within_pool_slots,
    claims::concurrent_claimers_take_every_task_exactly_once,
    leases::a_handed_back_attempt_is_queued_again_without_using_a_try,
    leases::an_attempt_runs_reports_and_keeps_its_output,
    leases::a_reaped_lease_fences_out_its_old_holder,
    leases::a_reclaimed_task_fences_out_the_previous_attempt,
    leases::heartbeats_extend_only_held_leases,
    leases::a_lease_expiring_on_the_last_try_fails_the_task,
    leases::failures_retry_until_max_tries_then_fail,
    leases::logs_are_kept_per_attempt_and_readable_after,
    leases::a_batch_of_reports_applies_each_under_its_own_lease,
    wakeups::writes_wake_subscribers,
    wakeups::each_task_change_sends_its_own_kind,
    wakeups::a_wakeup_between_query_and_wait_is_not_missed,
    backfills::backfills_are_created_read_listed_and_found_running,
    backfills::invalid_backfills_are_refused_and_nothing_is_written,
    backfills::backfill_counts_follow_its_runs,
    backfills::backfill_states_move_only_from_running,
    backfills::runs_between_includes_both_ends,
    backfills::a_run_is_adopted_exactly_once,
    pages::dag_pages_filter_by_tag_paused_and_text_with_a_total,
    pages::recent_runs_and_run_pages_are_newest_first,
    pages::recent_runs_are_newest_by_logical_date_per_dag,
    pages::dag_versions_are_listed_newest_first,
    pages::marking_fences_out_the_running_attempt_and_reopens_the_run,
    pages::counts_delays_and_running_per_worker_are_reported,
    pages::pools_are_deleted_but_not_the_default,
    auth::users_are_created_updated_and_unique,
    auth::tokens_are_found_by_hash_and_revoked,
    auth::sessions_expire_and_end_with_the_password,
    lake::dataset_versions_make_the_registry_and_lineage,
    lake::validations_keep_their_history,
    lake::online_features_keep_the_newest_values_per_entity,
    connections::connections_are_set_updated_listed_masked_and_deleted,
    connections::invalid_connections_are_refused_without_showing_the_url,
    connections::the_environment_comes_before_the_store,
}
