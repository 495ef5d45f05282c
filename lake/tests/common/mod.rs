//! Test support: a lake in a temporary folder, tasks as a DAG file would give them, and
//! queries that return plain values.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use weir_core::dag::task_types::{
    BadRows, ColumnType, IngestMode, IngestSource, IngestTask, SchemaDrift, SourceFormat,
};
use weir_lake::arrow::array::Array;
use weir_lake::arrow::util::display::array_value_to_string;
use weir_lake::{Batch, Lake, LakeRoot};

pub struct TestLake {
    pub lake: Lake,
    pub dir: tempfile::TempDir,
}

impl TestLake {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::new(LakeRoot::local(&dir.path().join("lake")).unwrap());
        TestLake { lake, dir }
    }

    /// Writes a source file under the test folder and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join("src").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn base(&self) -> &Path {
        self.dir.path()
    }

    /// The rows of a query, each value as text ("" for null), sorted.
    pub async fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        let batches = self.lake.query(sql).await.unwrap();
        let mut out = Vec::new();
        for b in batches {
            for r in 0..b.num_rows() {
                out.push(
                    b.columns()
                        .iter()
                        .map(|c| {
                            if c.is_null(r) {
                                String::new()
                            } else {
                                array_value_to_string(c, r).unwrap()
                            }
                        })
                        .collect(),
                );
            }
        }
        out.sort();
        out
    }

    pub async fn count(&self, dataset: &str) -> i64 {
        self.rows(&format!("select count(*) from {dataset}")).await[0][0]
            .parse()
            .unwrap()
    }
}

pub fn batch(run: &str) -> Batch {
    Batch {
        dag_id: "dag".into(),
        run_id: run.into(),
        task_id: "load".into(),
    }
}

pub fn csv_task(path: &str, into: &str, schema: &[(&str, ColumnType)]) -> IngestTask {
    IngestTask {
        source: IngestSource {
            format: SourceFormat::Csv,
            path: Some(path.into()),
            delimiter: ',',
            header: true,
            connection: None,
            query: None,
        },
        into: into.into(),
        schema: schema
            .iter()
            .map(|(n, t)| (n.to_string(), *t))
            .collect::<IndexMap<_, _>>(),
        mode: IngestMode::Append,
        on_schema_drift: SchemaDrift::Fail,
        on_bad_rows: BadRows::Fail,
    }
}
