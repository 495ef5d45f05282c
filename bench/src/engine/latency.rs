//! Latency between tasks: over a chain of noop tasks, each hop is the time from the upstream's
//! `finished_at` to the downstream's `started_at`, both stamped by the store.

use std::time::Duration;

use weir_store::testing::Backend;

use super::dags::{self, CHAIN_DAG};
use super::harness::{Engine, fresh_store, millis};
use crate::measure::Samples;

pub struct Latency {
    /// Hops in milliseconds, over all runs.
    pub hops: Samples,
    pub count: usize,
}

pub async fn chain(backend: Backend, tasks: usize, runs: usize) -> anyhow::Result<Latency> {
    let test_store = fresh_store(backend).await?;
    let folder = dags::folder_with("chain.yaml", &dags::chain(tasks))?;
    let engine = Engine::start(test_store.store.clone(), folder.path(), 1, 32).await?;
    let mut hops = Vec::new();
    for _ in 0..runs {
        let run = engine.trigger(CHAIN_DAG).await?;
        engine.until_success(&run, Duration::from_secs(120)).await?;
        let mut tis = engine.store.task_instances(run.id).await?;
        // Task ids are zero-padded, so their order is the chain's order.
        tis.sort_by(|a, b| a.task_id.cmp(&b.task_id));
        for pair in tis.windows(2) {
            let (Some(finished), Some(started)) = (pair[0].finished_at, pair[1].started_at) else {
                anyhow::bail!(
                    "{} or {} lacks a timestamp",
                    pair[0].task_id,
                    pair[1].task_id
                );
            };
            hops.push(millis(finished, started));
        }
    }
    engine.stop().await?;
    let count = hops.len();
    Ok(Latency {
        hops: Samples::from_millis(hops),
        count,
    })
}
