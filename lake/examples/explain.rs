//! Runs SQL over a lake folder's datasets and prints the result: with `EXPLAIN ANALYZE ...`,
//! the physical plan with its metrics (rows, time, files and row groups pruned), the evidence
//! behind the lake benchmark's figures. Weir's own functions (`weir_hash64`,
//! `weir_count_distinct`) are there as in the tasks.
//!
//! ```sh
//! cargo run --release -p weir-lake --example explain -- /path/to/lake "EXPLAIN ANALYZE SELECT ..."
//! ```

use weir_lake::arrow::util::display::array_value_to_string;
use weir_lake::{Lake, LakeRoot};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(root), Some(sql)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: explain LAKE_FOLDER SQL");
    };
    let lake = Lake::new(LakeRoot::local(std::path::Path::new(&root))?);
    let start = std::time::Instant::now();
    let batches = lake.query(&sql).await?;
    let elapsed = start.elapsed();
    for batch in &batches {
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = batch
                .columns()
                .iter()
                .map(|c| array_value_to_string(c, row).unwrap_or_default())
                .collect();
            println!("{}", cells.join(" | "));
        }
    }
    eprintln!("{:.3} s", elapsed.as_secs_f64());
    Ok(())
}
