//! Fault tolerance, proven with real `weir` processes on PostgreSQL: workers and schedulers
//! killed with SIGKILL, every database connection terminated, a task that floods its output and
//! one that never exits, a DAG file broken while its run is in progress.
//!
//! Each test has a database of its own, is bounded in time, waits on store conditions (never
//! sleeps to synchronize) and kills every process it started when it ends, even on panic.

mod support;

use std::time::Duration;

use weir_core::state::{RunState, TaskState};

use support::{Cluster, peak_rss, processes_with_env};

/// Every test ends within this, or fails.
const TEST_TIMEOUT: Duration = Duration::from_secs(120);

/// One test at a time: each starts up to six processes, and together they would crowd two
/// cores (leases are 2s in one test) and PostgreSQL's 100 connections.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn bounded(test: impl Future<Output = ()>) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let started = std::time::Instant::now();
    tokio::time::timeout(TEST_TIMEOUT, test)
        .await
        .expect("the test finished in time");
    eprintln!("took {:.1}s", started.elapsed().as_secs_f64());
}

/// A worker killed with SIGKILL while its task runs: the lease expires, the reaper retries the
/// task, another worker runs the retry, and the attempts say what happened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_loses_its_lease_and_the_task_is_retried_elsewhere() {
    bounded(async {
        let Some(mut c) = Cluster::new(&[]).await else {
            return;
        };
        let never = c.path("never-created");
        let dag = format!(
            r#"
tasks:
  hold:
    type: shell
    retries: 1
    retry_delay: 0s
    run: |
      if [ "$WEIR_TRY_NUMBER" -ge 2 ]; then echo "try 2 ran on the second worker"; exit 0; fi
      echo "try 1 is running"
      while [ ! -f {never} ]; do sleep 0.1; done
"#,
            never = never.display()
        );
        std::fs::write(c.dags_folder().join("lease.yaml"), dag).unwrap();
        let lease = [("WEIR_LEASE_TIMEOUT", "2s")];
        c.spawn("scheduler", &["scheduler"], &lease);
        let a = c.spawn("worker-a", &["worker"], &lease);
        c.dag_loaded("lease").await;
        let run = c.trigger("lease").await;

        // Running on A, its first log line stored, and its lease extended by A's heartbeat at
        // least once: A is provably alive and holding the task.
        let mut first_expiry = None;
        let held = c
            .wait_until(
                "the task runs on worker A, which renews its lease",
                async || {
                    let ti = c.ti(&run, "hold").await?;
                    assert!(
                        ti.try_number <= 1
                            && !ti.state.is_final()
                            && ti.state != TaskState::UpForRetry,
                        "the first try ended while worker A was alive: {:?} {:?}",
                        ti.state,
                        ti.reason
                    );
                    if ti.state != TaskState::Running {
                        return Ok(None);
                    }
                    let expiry = ti.lease_expires_at.expect("a running task has a lease");
                    let first = *first_expiry.get_or_insert(expiry);
                    let logged = c
                        .log(ti.id, 1)
                        .await
                        .iter()
                        .any(|l| l == "try 1 is running");
                    Ok((logged && expiry > first).then_some(ti))
                },
            )
            .await;
        let worker_a = held
            .worker_id
            .clone()
            .expect("the running task names its worker");
        assert!(
            worker_a.ends_with(&format!("-{a}")),
            "{worker_a} is not pid {a}"
        );

        c.kill9(a);
        let b = c.spawn("worker-b", &["worker"], &lease);
        let done = c.finished(&run).await;
        assert_eq!(done.state, RunState::Success, "{}", c.summary(&run).await);

        let attempts = c.attempts(held.id).await;
        assert_eq!(attempts.len(), 2, "{attempts:?}");
        let (first, second) = (&attempts[0], &attempts[1]);
        assert_eq!(first.try_number, 1);
        assert_eq!(first.worker_id.as_deref(), Some(worker_a.as_str()));
        assert_eq!(first.state, TaskState::UpForRetry, "{first:?}");
        let reason = first.reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains("lease expired on worker") && reason.contains(&worker_a),
            "{reason}"
        );
        assert_eq!(second.try_number, 2);
        assert_eq!(second.state, TaskState::Success, "{second:?}");
        let worker_b = second.worker_id.as_deref().unwrap_or_default();
        assert!(
            worker_b.ends_with(&format!("-{b}")),
            "{worker_b} is not pid {b}"
        );

        let log1 = c.log(held.id, 1).await;
        assert!(log1.iter().any(|l| l == "try 1 is running"), "{log1:?}");
        let log2 = c.log(held.id, 2).await;
        assert!(
            log2.iter().any(|l| l == "try 2 ran on the second worker"),
            "{log2:?}"
        );
        assert!(!log2.iter().any(|l| l == "try 1 is running"), "{log2:?}");
    })
    .await;
}

/// The scheduler killed with SIGKILL in the middle of a scheduled run, then started again: the
/// run completes, it is the only run for its logical date, and no task ran twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_scheduler_restarts_and_finishes_the_run_without_running_a_task_twice() {
    bounded(async {
        let mut dag = String::from(
            "schedule: \"@daily\"\nstart_date: 2026-01-01\ncatchup: false\nmax_active_runs: 1\ntasks:\n",
        );
        for i in 1..=6 {
            dag.push_str(&format!(
                "  t{i}:\n    type: shell\n    run: sleep 0.3; echo t{i}\n"
            ));
            if i > 1 {
                dag.push_str(&format!("    needs: [t{}]\n", i - 1));
            }
        }
        let Some(mut c) = Cluster::new(&[("chain.yaml", &dag)]).await else {
            return;
        };
        let scheduler = c.spawn("scheduler-1", &["scheduler"], &[]);
        c.spawn("worker", &["worker"], &[]);
        let run = c
            .wait_until("the scheduler creates the scheduled run", async || {
                let (runs, _) = c.store.list_runs("chain", 10, 0).await?;
                Ok(runs.into_iter().next())
            })
            .await;
        c.wait_until("t2 succeeded", async || {
            Ok((c.ti(&run, "t2").await?.state == TaskState::Success).then_some(()))
        })
        .await;
        c.kill9(scheduler);
        let now = c.store.get_run("chain", &run.run_id).await.unwrap().unwrap();
        assert!(
            !now.state.is_final(),
            "the run ended before the scheduler was killed"
        );

        c.spawn("scheduler-2", &["scheduler"], &[]);
        let done = c.finished(&run).await;
        assert_eq!(done.state, RunState::Success, "{}", c.summary(&run).await);

        let (runs, total) = c.store.list_runs("chain", 100, 0).await.unwrap();
        let same_date = runs
            .iter()
            .filter(|r| r.logical_date == run.logical_date)
            .count();
        assert_eq!(same_date, 1, "{runs:?}");
        assert_eq!(total, 1, "only one interval was due: {runs:?}");
        for ti in c.store.task_instances(run.id).await.unwrap() {
            assert_eq!(
                (ti.state, ti.try_number),
                (TaskState::Success, 1),
                "{ti:?}"
            );
            let attempts = c.attempts(ti.id).await;
            assert_eq!(attempts.len(), 1, "{} ran twice: {attempts:?}", ti.task_id);
            assert_eq!(attempts[0].state, TaskState::Success);
        }
    })
    .await;
}

/// Two schedulers and three workers on one run of 500 tasks: every task instance runs exactly
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_and_three_workers_run_each_of_500_tasks_exactly_once() {
    bounded(async {
        let middle: Vec<String> = (1..=498).map(|i| format!("m{i:03}")).collect();
        let mut dag = String::from("max_active_tasks: 500\ntasks:\n  start:\n    type: noop\n");
        for m in &middle {
            dag.push_str(&format!("  {m}:\n    type: noop\n    needs: [start]\n"));
        }
        dag.push_str(&format!(
            "  end:\n    type: noop\n    needs: [{}]\n",
            middle.join(", ")
        ));
        let Some(mut c) = Cluster::new(&[("wide.yaml", &dag)]).await else {
            return;
        };
        for name in ["scheduler-1", "scheduler-2"] {
            c.spawn(name, &["scheduler"], &[]);
        }
        for name in ["worker-1", "worker-2", "worker-3"] {
            c.spawn(name, &["worker"], &[("WEIR_WORKER_CAPACITY", "4")]);
        }
        c.dag_loaded("wide").await;
        let run = c.trigger("wide").await;
        let done = c.finished(&run).await;
        assert_eq!(done.state, RunState::Success, "{}", c.summary(&run).await);

        let tis = c.store.task_instances(run.id).await.unwrap();
        assert_eq!(tis.len(), 500);
        let mut workers = std::collections::HashSet::new();
        for ti in &tis {
            assert_eq!((ti.state, ti.try_number), (TaskState::Success, 1), "{ti:?}");
            let attempts = c.attempts(ti.id).await;
            assert_eq!(attempts.len(), 1, "{} ran twice: {attempts:?}", ti.task_id);
            assert_eq!(attempts[0].state, TaskState::Success, "{attempts:?}");
            workers.extend(attempts[0].worker_id.clone());
        }
        eprintln!("500 tasks ran on {} workers", workers.len());
    })
    .await;
}

/// Every connection of every Weir process to PostgreSQL terminated while a task runs: the
/// pools and the LISTEN connections come back and the run goes on. Then terminated again at
/// every step of the rest of the chain, while workers claim and report: no attempt is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_database_connection_terminated_mid_run_and_the_run_completes() {
    bounded(async {
        let Some(mut c) = Cluster::new(&[]).await else {
            return;
        };
        let gate = c.path("gate");
        let mut dag = format!(
            r#"
tasks:
  c1: {{type: shell, run: echo c1}}
  c2:
    type: shell
    needs: [c1]
    run: |
      echo "c2 is waiting"
      while [ ! -f {gate} ]; do sleep 0.1; done
      echo "c2 is through"
"#,
            gate = gate.display()
        );
        for i in 3..=10 {
            dag.push_str(&format!(
                "  c{i}: {{type: shell, needs: [c{}], run: echo c{i}}}\n",
                i - 1
            ));
        }
        std::fs::write(c.dags_folder().join("chain.yaml"), dag).unwrap();
        c.spawn("scheduler", &["scheduler"], &[]);
        c.spawn("worker", &["worker"], &[]);
        c.dag_loaded("chain").await;
        let run = c.trigger("chain").await;
        c.wait_until("c2 runs", async || {
            let ti = c.ti(&run, "c2").await?;
            let waiting = ti.state == TaskState::Running
                && c.log(ti.id, 1).await.iter().any(|l| l == "c2 is waiting");
            Ok(waiting.then_some(()))
        })
        .await;

        let mut admin = c.admin().await;
        let db = c.database_name().to_string();
        let killed = terminate_backends(&mut admin, &db).await;
        let listeners = killed
            .iter()
            .filter(|app| app.as_deref() == Some("weir-listener"))
            .count();
        // The scheduler's, the worker's and the test's own store each listen.
        assert!(listeners >= 3, "terminated: {killed:?}");
        assert!(
            killed.len() > listeners,
            "no pool connection was terminated: {killed:?}"
        );
        c.wait_until("every LISTEN connection is back", async || {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = $1 AND application_name = 'weir-listener'",
            )
            .bind(&db)
            .fetch_one(&mut admin)
            .await?;
            Ok((n >= 3).then_some(()))
        })
        .await;

        // From here on, each task that succeeds sets off the next termination.
        let mut succeeded = 1;
        std::fs::write(&gate, "").unwrap();
        let mut terminations = 1;
        let done = c
            .wait_until(
                "the run completes, its connections terminated at every step",
                async || {
                    let now = c.store.get_run("chain", &run.run_id).await?;
                    if let Some(now) = now.filter(|r| r.state.is_final()) {
                        return Ok(Some(now));
                    }
                    let tis = c.store.task_instances(run.id).await?;
                    let n = tis.iter().filter(|t| t.state == TaskState::Success).count();
                    if n > succeeded {
                        succeeded = n;
                        terminate_backends(&mut admin, &db).await;
                        terminations += 1;
                    }
                    Ok(None)
                },
            )
            .await;
        assert_eq!(done.state, RunState::Success, "{}", c.summary(&run).await);
        assert!(terminations >= 3, "only {terminations} terminations");
        for ti in c.store.task_instances(run.id).await.unwrap() {
            let attempts = c.attempts(ti.id).await;
            assert_eq!(attempts.len(), 1, "{} ran twice: {attempts:?}", ti.task_id);
        }
        let c2 = c.ti(&run, "c2").await.unwrap();
        let log = c.log(c2.id, 1).await;
        assert!(log.iter().any(|l| l == "c2 is through"), "{log:?}");
    })
    .await;
}

/// Terminates every backend connected to `database` but the caller's; returns their
/// application names.
async fn terminate_backends(admin: &mut sqlx::PgConnection, database: &str) -> Vec<Option<String>> {
    // Materialized first, so that only this database's backends are ever terminated (in one
    // WHERE clause the planner may call pg_terminate_backend before filtering on datname).
    let killed: Vec<(Option<String>,)> = sqlx::query_as(
        "WITH targets AS MATERIALIZED ( \
             SELECT pid, application_name FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()) \
         SELECT application_name FROM targets WHERE pg_terminate_backend(pid)",
    )
    .bind(database)
    .fetch_all(admin)
    .await
    .expect("pg_terminate_backend");
    killed.into_iter().map(|(app,)| app).collect()
}

/// A task that prints 200 MB and one that never exits: the first succeeds with its log
/// truncated and the worker's memory bounded; the second times out and leaves no process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_output_is_truncated_in_bounded_memory_and_a_hung_task_times_out() {
    bounded(async {
        let marker = format!("FAULT_MARKER=stuck-{}", std::process::id());
        let dag = format!(
            r#"
tasks:
  flood:
    type: shell
    run: yes "$(head -c 1000 /dev/zero | tr '\0' x)" | head -c 200000000
  stuck:
    type: shell
    timeout: 2s
    env: {{FAULT_MARKER: "{value}"}}
    run: sleep 1000
"#,
            value = marker.split_once('=').unwrap().1
        );
        let Some(mut c) = Cluster::new(&[("flood.yaml", &dag)]).await else {
            return;
        };
        c.spawn("scheduler", &["scheduler"], &[]);
        let worker = c.spawn("worker", &["worker"], &[]);
        c.dag_loaded("flood").await;
        let run = c.trigger("flood").await;
        c.wait_until("the stuck task's process runs", async || {
            Ok((!processes_with_env(&marker).is_empty()).then_some(()))
        })
        .await;
        let done = c.finished(&run).await;
        assert_eq!(done.state, RunState::Failed, "{}", c.summary(&run).await);

        let flood = c.ti(&run, "flood").await.unwrap();
        assert_eq!(flood.state, TaskState::Success, "{flood:?}");
        let log = c.log(flood.id, 1).await;
        let kept: usize = log.iter().map(|l| l.len() + 1).sum();
        assert!(kept <= 65 * 1024 * 1024, "{kept} bytes of log were kept");
        let last = log.last().cloned().unwrap_or_default();
        assert!(
            last.starts_with("[log truncated"),
            "the last line is {last:?}"
        );

        let stuck = c.ti(&run, "stuck").await.unwrap();
        assert_eq!(stuck.state, TaskState::Failed, "{stuck:?}");
        let reason = stuck.reason.clone().unwrap_or_default();
        assert!(reason.contains("timed out after 2s"), "{reason}");
        let left = processes_with_env(&marker);
        assert!(
            left.is_empty(),
            "processes of the stuck task remain: {left:?}"
        );

        let peak = peak_rss(worker);
        eprintln!("worker peak RSS: {} MiB", peak / (1024 * 1024));
        assert!(peak < 200 * 1024 * 1024, "worker peak RSS {peak} bytes");
        assert!(c.procs.exited(worker).is_none(), "the worker died");
    })
    .await;
}

/// A DAG file replaced by invalid YAML while its run is in progress: the run finishes on the
/// version it is pinned to, and the file's import error is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dag_file_broken_mid_run_records_an_import_error_and_the_run_finishes_pinned() {
    bounded(async {
        let Some(mut c) = Cluster::new(&[]).await else {
            return;
        };
        let gate = c.path("gate");
        let dag = format!(
            r#"
tasks:
  first:
    type: shell
    run: |
      echo "version 1 is waiting"
      while [ ! -f {gate} ]; do sleep 0.1; done
  second:
    type: shell
    needs: [first]
    run: echo "version 1 second"
"#,
            gate = gate.display()
        );
        let file = c.dags_folder().join("swap.yaml");
        std::fs::write(&file, dag).unwrap();
        c.spawn("scheduler", &["scheduler"], &[]);
        c.spawn("worker", &["worker"], &[]);
        let loaded = c.dag_loaded("swap").await;
        let run = c.trigger("swap").await;
        assert_eq!(Some(run.dag_version_id), loaded.latest_version_id);
        c.wait_until("the first task runs", async || {
            let ti = c.ti(&run, "first").await?;
            let waiting = ti.state == TaskState::Running
                && c.log(ti.id, 1)
                    .await
                    .iter()
                    .any(|l| l == "version 1 is waiting");
            Ok(waiting.then_some(()))
        })
        .await;

        // Replaced in one rename, as a git checkout or an editor does.
        let staged = c.dags_folder().join(".swap.yaml.new");
        std::fs::write(&staged, "tasks:\n  first: [unclosed\n").unwrap();
        std::fs::rename(&staged, &file).unwrap();
        let error = c
            .wait_until("the import error of swap.yaml is recorded", async || {
                let errors = c.store.list_import_errors().await?;
                Ok(errors.into_iter().find(|e| e.file == "swap.yaml"))
            })
            .await;
        assert!(!error.diagnostics.is_empty(), "{error:?}");

        std::fs::write(&gate, "").unwrap();
        let done = c.finished(&run).await;
        assert_eq!(done.state, RunState::Success, "{}", c.summary(&run).await);
        assert_eq!(done.dag_version_id, run.dag_version_id);
        let second = c.ti(&run, "second").await.unwrap();
        let log = c.log(second.id, 1).await;
        assert!(log.iter().any(|l| l == "version 1 second"), "{log:?}");
        let dag = c.store.get_dag("swap").await.unwrap().unwrap();
        assert_eq!(dag.latest_version_id, loaded.latest_version_id, "{dag:?}");
    })
    .await;
}
