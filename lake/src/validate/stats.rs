//! What a Delta table's file statistics answer exactly, without reading the data: the rows of
//! the table and the nulls of a column, summed over the files (each `add` action records both
//! when its file is written). `not_null` is then decided from the log alone, so its column is
//! not read at all.

use std::collections::HashMap;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;
use deltalake::DeltaTable;

/// Row and null counts from the files' statistics, where every file has them.
#[derive(Debug, Default)]
pub struct FileStats {
    rows: Option<u64>,
    nulls: HashMap<String, u64>,
}

impl FileStats {
    /// The statistics of `table`'s files; empty (everything read from the data) if any file
    /// lacks them or has deleted rows (a deletion vector: its counts include those rows).
    pub fn of(table: &DeltaTable) -> FileStats {
        let Ok(state) = table.snapshot() else {
            return FileStats::default();
        };
        let Ok(files) = state.add_actions_table(true) else {
            return FileStats::default();
        };
        let deletions = files
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name().starts_with("deletion_vector."))
            .any(|(i, _)| files.column(i).null_count() < files.num_rows());
        if deletions {
            return FileStats::default();
        }
        let sum = |name: &str| -> Option<u64> {
            let column = files.column_by_name(name)?;
            let column = column.as_primitive_opt::<Int64Type>()?;
            if column.null_count() > 0 {
                return None;
            }
            Some(column.values().iter().map(|v| (*v).max(0) as u64).sum())
        };
        let Some(rows) = sum("num_records") else {
            return FileStats::default();
        };
        let mut nulls = HashMap::new();
        for field in files.schema().fields() {
            if let Some(column) = field.name().strip_prefix("null_count.")
                && let Some(n) = sum(field.name())
            {
                nulls.insert(column.to_string(), n);
            }
        }
        FileStats {
            rows: Some(rows),
            nulls,
        }
    }

    /// `(nulls, rows)` of a top-level column, if every file recorded them.
    pub fn nulls(&self, column: &str) -> Option<(u64, u64)> {
        Some((*self.nulls.get(column)?, self.rows?))
    }
}
