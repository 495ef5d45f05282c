//! Datasets: names `zone.name`, each one a Delta table under the lake's root.

use std::sync::Arc;

use deltalake::DeltaTable;
use deltalake::arrow::datatypes::Schema;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use crate::error::{Context, LakeError, Result};
use crate::root::LakeRoot;

/// A checked dataset name: `zone.name`, each part made of `A-Z a-z 0-9 _`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DatasetName {
    zone: String,
    name: String,
}

impl DatasetName {
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: &str| LakeError::BadDatasetName {
            name: text.to_string(),
            reason: reason.to_string(),
        };
        let Some((zone, name)) = text.split_once('.') else {
            return Err(bad("it has no `.` between zone and name"));
        };
        for (what, part) in [("zone", zone), ("name", name)] {
            if part.is_empty() {
                return Err(bad(&format!("the {what} is empty")));
            }
            if let Some(c) = part
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
            {
                return Err(bad(&format!("the {what} contains `{c}`")));
            }
        }
        Ok(DatasetName {
            zone: zone.to_string(),
            name: name.to_string(),
        })
    }

    pub fn zone(&self) -> &str {
        &self.zone
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where an ingest quarantines the rows it could not load: `<zone>.<name>_rejects`.
    pub fn rejects(&self) -> DatasetName {
        DatasetName {
            zone: self.zone.clone(),
            name: format!("{}_rejects", self.name),
        }
    }

    /// The offline store of a feature view: `features.<view>`.
    pub fn features(view: &str) -> Result<DatasetName> {
        DatasetName::parse(&format!("features.{view}"))
    }
}

impl std::fmt::Display for DatasetName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.zone, self.name)
    }
}

impl TryFrom<String> for DatasetName {
    type Error = LakeError;
    fn try_from(text: String) -> Result<Self> {
        DatasetName::parse(&text)
    }
}

impl From<DatasetName> for String {
    fn from(name: DatasetName) -> String {
        name.to_string()
    }
}

/// One column of a dataset version's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnInfo {
    pub name: String,
    /// The Arrow type, e.g. `Int64`, `Utf8`, `Timestamp(Microsecond, Some("UTC"))`.
    pub data_type: String,
    pub nullable: bool,
}

/// What a dataset version holds, for the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub dataset: String,
    pub version: i64,
    pub rows: i64,
    pub bytes: i64,
    pub schema: Vec<ColumnInfo>,
}

/// The lake: datasets as Delta tables under one root.
#[derive(Debug, Clone)]
pub struct Lake {
    root: LakeRoot,
}

impl Lake {
    pub fn new(root: LakeRoot) -> Self {
        Lake { root }
    }

    pub fn root(&self) -> &LakeRoot {
        &self.root
    }

    /// An existing dataset at its latest version; `UnknownDataset` (listing the known ones) if
    /// there is none.
    pub async fn table(&self, name: &DatasetName) -> Result<DeltaTable> {
        match self.try_table(name).await? {
            Some(table) => Ok(table),
            None => Err(self.unknown(name).await),
        }
    }

    /// An existing dataset at `version`.
    pub async fn table_at(&self, name: &DatasetName, version: i64) -> Result<DeltaTable> {
        let mut table = self.table(name).await?;
        let latest = table_version(&table);
        if version < 0 || version > latest {
            return Err(LakeError::UnknownVersion {
                name: name.to_string(),
                version,
                latest,
            });
        }
        table
            .load_version(version as u64)
            .await
            .context(format!("loading version {version} of `{name}`"))?;
        Ok(table)
    }

    /// The dataset's table if it exists.
    pub async fn try_table(&self, name: &DatasetName) -> Result<Option<DeltaTable>> {
        let table = self.handle(name).await?;
        Ok(table.version().is_some().then_some(table))
    }

    /// A handle on the dataset's table, loaded if it exists, ready to be created otherwise.
    pub(crate) async fn handle(&self, name: &DatasetName) -> Result<DeltaTable> {
        let url = self.root.table_url(name.zone(), name.name());
        if self.root.is_local()
            && let Ok(path) = url.to_file_path()
        {
            // deltalake refuses a local table folder that does not exist yet.
            std::fs::create_dir_all(&path).context(format!("creating {}", path.display()))?;
        }
        DeltaTable::try_from_url_with_storage_options(url, self.root.storage_options.clone())
            .await
            .context(format!("opening dataset `{name}`"))
    }

    /// Every dataset of the lake, by name.
    pub async fn list_datasets(&self) -> Result<Vec<DatasetName>> {
        let store =
            deltalake::logstore::store_for(self.root.url(), self.root.storage_options.clone())
                .context("opening the lake's object store")?;
        let mut out = Vec::new();
        let zones = store
            .list_with_delimiter(None)
            .await
            .context(format!("listing {}", self.root))?;
        for zone in zones.common_prefixes {
            let names = store
                .list_with_delimiter(Some(&zone))
                .await
                .context(format!("listing {}", self.root))?;
            for table in names.common_prefixes {
                let log = table.clone().join("_delta_log");
                let has_log = store
                    .list(Some(&log))
                    .try_next()
                    .await
                    .ok()
                    .flatten()
                    .is_some();
                let parts: Vec<_> = table.parts().map(|p| p.as_ref().to_string()).collect();
                if has_log && parts.len() >= 2 {
                    let text = format!("{}.{}", parts[parts.len() - 2], parts[parts.len() - 1]);
                    if let Ok(name) = DatasetName::parse(&text) {
                        out.push(name);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The error for a dataset that does not exist, listing those that do.
    pub(crate) async fn unknown(&self, name: &DatasetName) -> LakeError {
        let known = self
            .list_datasets()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.to_string())
            .collect();
        LakeError::UnknownDataset {
            name: name.to_string(),
            known,
        }
    }

    /// The version, row count, size and schema of a loaded table.
    pub fn describe(&self, name: &DatasetName, table: &DeltaTable) -> Result<VersionInfo> {
        describe(name, table)
    }
}

/// The loaded version of a table (-1 before its first commit).
pub fn table_version(table: &DeltaTable) -> i64 {
    table.version().map_or(-1, |v| v as i64)
}

pub(crate) fn describe(name: &DatasetName, table: &DeltaTable) -> Result<VersionInfo> {
    let state = table
        .snapshot()
        .context(format!("reading the state of `{name}`"))?;
    let (mut rows, mut bytes) = (0i64, 0i64);
    for file in state.log_data().iter() {
        rows += file.num_records().unwrap_or(0) as i64;
        bytes += file.size();
    }
    let schema: Arc<Schema> = state.snapshot().arrow_schema();
    Ok(VersionInfo {
        dataset: name.to_string(),
        version: table_version(table),
        rows,
        bytes,
        schema: schema
            .fields()
            .iter()
            .map(|f| ColumnInfo {
                name: f.name().clone(),
                data_type: f.data_type().to_string(),
                nullable: f.is_nullable(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_zone_dot_name() {
        let n = DatasetName::parse("raw.clicks").unwrap();
        assert_eq!((n.zone(), n.name()), ("raw", "clicks"));
        assert_eq!(n.rejects().to_string(), "raw.clicks_rejects");
        for bad in ["clicks", ".x", "x.", "raw.cl-icks", "a.b.c", "raw/x.y"] {
            let err = DatasetName::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad) && err.contains("hint"), "{err}");
        }
    }
}
