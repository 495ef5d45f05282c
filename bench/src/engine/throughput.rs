//! Throughput: one run of `start -> N tasks -> end`, timed from the trigger (which inserts the
//! run and its task instances) to the run's success; tasks per second over all N + 2 tasks.

use std::time::{Duration, Instant};

use weir_core::state::{RunState, TaskState};
use weir_store::testing::Backend;

use super::dags::{self, FAN_DAG};
use super::harness::{Engine, fresh_store};

/// A run that takes longer than this is cut short; the figure is then what finished in time.
const DEADLINE: Duration = Duration::from_secs(300);

pub struct Throughput {
    pub tasks: usize,
    pub seconds: f64,
    /// Tasks that reached success (all of them unless the deadline cut the run short).
    pub succeeded: usize,
    pub completed: bool,
}

impl Throughput {
    pub fn per_second(&self) -> f64 {
        self.succeeded as f64 / self.seconds
    }
}

pub async fn fan(
    backend: Backend,
    width: usize,
    shell: bool,
    workers: usize,
    capacity: usize,
) -> anyhow::Result<Throughput> {
    let test_store = fresh_store(backend).await?;
    let run_cmd = shell.then_some("\"true\"");
    let folder = dags::folder_with("fan.yaml", &dags::fan(width, run_cmd))?;
    let engine = Engine::start(test_store.store.clone(), folder.path(), workers, capacity).await?;
    let start = Instant::now();
    let run = engine.trigger(FAN_DAG).await?;
    let mut wakeups = engine.store.subscribe();
    let completed = loop {
        let now = engine.store.get_run(&run.dag_id, &run.run_id).await?;
        match now.map(|r| r.state) {
            Some(RunState::Success) => break true,
            Some(state) if state.is_final() => anyhow::bail!("the fan-out run ended {state}"),
            _ if start.elapsed() > DEADLINE => break false,
            _ => {
                wakeups.wait(Duration::from_millis(50)).await;
            }
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let succeeded = engine
        .store
        .task_instances(run.id)
        .await?
        .iter()
        .filter(|t| t.state == TaskState::Success)
        .count();
    engine.stop().await?;
    Ok(Throughput {
        tasks: width + 2,
        seconds,
        succeeded,
        completed,
    })
}
