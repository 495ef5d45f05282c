//! Datasets as SQL tables: `zone.name` in a DataFusion session is the dataset's Delta table.

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemorySchemaProvider;
use datafusion::common::TableReference;
use datafusion::prelude::SessionContext;
use deltalake::DeltaTable;

use crate::dataset::{DatasetName, Lake};
use crate::error::{Context, LakeError, Result};
use crate::session::new_session;

/// Makes `table` readable as `zone.name` in `ctx`.
pub(crate) async fn register(
    ctx: &SessionContext,
    name: &DatasetName,
    table: &DeltaTable,
) -> Result<()> {
    let catalog = ctx
        .catalog("datafusion")
        .ok_or_else(|| LakeError::Invalid("the session has no default catalog".into()))?;
    if catalog.schema(name.zone()).is_none() {
        catalog
            .register_schema(name.zone(), Arc::new(MemorySchemaProvider::new()))
            .context("registering a zone")?;
    }
    let provider = table
        .table_provider()
        .await
        .context(format!("reading dataset `{name}`"))?;
    ctx.deregister_table(TableReference::partial(name.zone(), name.name()))
        .context("registering a dataset")?;
    ctx.register_table(TableReference::partial(name.zone(), name.name()), provider)
        .context(format!("registering dataset `{name}`"))?;
    Ok(())
}

impl Lake {
    /// A session where every dataset of the lake is a table `zone.name`, at its latest version.
    pub async fn session(&self) -> Result<SessionContext> {
        let ctx = new_session();
        for name in self.list_datasets().await? {
            let table = self.table(&name).await?;
            register(&ctx, &name, &table).await?;
        }
        Ok(ctx)
    }

    /// Runs a SQL query over the lake's datasets (`select * from raw.clicks`).
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let ctx = self.session().await?;
        let df = ctx.sql(sql).await.map_err(|e| LakeError::Sql {
            what: "the query".into(),
            reason: e.to_string(),
        })?;
        df.collect().await.map_err(|e| LakeError::Sql {
            what: "the query".into(),
            reason: e.to_string(),
        })
    }
}
