//! The grouped accumulator behind `weir_count_distinct`: one hash table of (group, value) pairs
//! for all groups, the values' bytes in one arena. Values of any type are compared in Arrow's
//! row format, which is equal exactly when the values are (strings, numbers, timestamps...).
//!
//! Its state, between the partial and the final aggregation, is each group's distinct values
//! as a list of row-format bytes.

use std::hash::BuildHasher;
use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray, Int64Array, ListArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::hash_utils::RandomState;
use datafusion::common::{Result, internal_err};
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};
use hashbrown::HashTable;

const STATE: RandomState = RandomState::with_seed(0x4449_5354);

/// One distinct value of one group: where its bytes are in the arena.
#[derive(Debug, Clone, Copy)]
struct Seen {
    hash: u64,
    group: usize,
    start: usize,
    len: usize,
}

/// The type of a state column: a list of row-format values per group.
pub(crate) fn state_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Binary, true)))
}

pub(crate) struct DistinctSet {
    converter: RowConverter,
    seen: HashTable<Seen>,
    arena: Vec<u8>,
    /// Distinct values per group.
    counts: Vec<i64>,
}

impl std::fmt::Debug for DistinctSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DistinctSet")
            .field("values", &self.seen.len())
            .field("groups", &self.counts.len())
            .finish()
    }
}

impl DistinctSet {
    pub(crate) fn new(value_type: &DataType) -> Result<Self> {
        Ok(DistinctSet {
            converter: RowConverter::new(vec![SortField::new(value_type.clone())])?,
            seen: HashTable::new(),
            arena: Vec::new(),
            counts: Vec::new(),
        })
    }

    /// Adds `value` (row format) to `group`'s set.
    fn insert(&mut self, group: usize, value: &[u8]) {
        let hash = STATE.hash_one((group, value));
        let arena = &self.arena;
        let present = self
            .seen
            .find(hash, |s| {
                s.hash == hash && s.group == group && &arena[s.start..s.start + s.len] == value
            })
            .is_some();
        if present {
            return;
        }
        self.store(hash, group, value);
        self.counts[group] += 1;
    }

    /// Copies `value` into the arena and enters it in the table, known absent.
    fn store(&mut self, hash: u64, group: usize, value: &[u8]) {
        let start = self.arena.len();
        self.arena.extend_from_slice(value);
        self.seen.insert_unique(
            hash,
            Seen {
                hash,
                group,
                start,
                len: value.len(),
            },
            |s| s.hash,
        );
    }

    /// Keeps only the groups from `n` on, renumbered from 0 (after the first `n` were emitted).
    fn drop_first(&mut self, n: usize) {
        let old_arena = std::mem::take(&mut self.arena);
        let old = std::mem::take(&mut self.seen);
        for s in old.into_iter().filter(|s| s.group >= n) {
            let group = s.group - n;
            let value = &old_arena[s.start..s.start + s.len];
            self.store(STATE.hash_one((group, value)), group, value);
        }
    }

    /// Makes room for `n` groups (an accumulator that saw no rows still has its group).
    pub(crate) fn ensure_groups(&mut self, n: usize) {
        if self.counts.len() < n {
            self.counts.resize(n, 0);
        }
    }

    /// The distinct values of `group` so far.
    pub(crate) fn count(&self, group: usize) -> i64 {
        self.counts.get(group).copied().unwrap_or(0)
    }

    /// The state of the first `emitted` groups, without forgetting them: each group's values in
    /// one run of the list's values, in group order.
    pub(crate) fn lists(&self, emitted: usize) -> Result<ListArray> {
        let mut offsets = Vec::with_capacity(emitted + 1);
        offsets.push(0i32);
        let mut total = 0usize;
        for &c in &self.counts[..emitted] {
            total += c as usize;
            let Ok(end) = i32::try_from(total) else {
                return internal_err!("weir_count_distinct: too many distinct values to emit");
            };
            offsets.push(end);
        }
        let mut cursor: Vec<usize> = offsets[..emitted].iter().map(|&o| o as usize).collect();
        let mut slots: Vec<(usize, usize)> = vec![(0, 0); total];
        for s in self.seen.iter().filter(|s| s.group < emitted) {
            slots[cursor[s.group]] = (s.start, s.len);
            cursor[s.group] += 1;
        }
        let bytes: usize = slots.iter().map(|(_, len)| len).sum();
        let mut values = BinaryBuilder::with_capacity(total, bytes);
        for (start, len) in slots {
            values.append_value(&self.arena[start..start + len]);
        }
        Ok(ListArray::new(
            Arc::new(Field::new_list_field(DataType::Binary, true)),
            OffsetBuffer::new(offsets.into()),
            Arc::new(values.finish()),
            None,
        ))
    }

    fn forget(&mut self, emit_to: EmitTo) {
        match emit_to {
            EmitTo::All => {
                self.seen.clear();
                self.arena.clear();
            }
            EmitTo::First(n) => self.drop_first(n),
        }
    }
}

impl GroupsAccumulator for DistinctSet {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.counts.resize(total_num_groups, 0);
        let array = &values[0];
        let rows = self
            .converter
            .convert_columns(std::slice::from_ref(array))?;
        let nulls = array.logical_nulls();
        for (i, &group) in group_indices.iter().enumerate() {
            let counted = nulls.as_ref().is_none_or(|n| n.is_valid(i))
                && opt_filter.is_none_or(|f| f.is_valid(i) && f.value(i));
            if counted {
                self.insert(group, rows.row(i).as_ref());
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let counts = emit_to.take_needed(&mut self.counts);
        self.forget(emit_to);
        Ok(Arc::new(Int64Array::from(counts)))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let emitted = match emit_to {
            EmitTo::All => self.counts.len(),
            EmitTo::First(n) => n,
        };
        let list = self.lists(emitted)?;
        let _ = emit_to.take_needed(&mut self.counts);
        self.forget(emit_to);
        Ok(vec![Arc::new(list)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.counts.resize(total_num_groups, 0);
        let list = values[0].as_list::<i32>();
        let inner = list.values().as_binary::<i32>();
        let offsets = list.offsets();
        for (row, &group) in group_indices.iter().enumerate() {
            if list.is_null(row) {
                continue;
            }
            for j in offsets[row] as usize..offsets[row + 1] as usize {
                self.insert(group, inner.value(j));
            }
        }
        Ok(())
    }

    /// Each row as a group of its own: a list of its one value, empty when it is null or
    /// filtered out.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let array = &values[0];
        let rows = self
            .converter
            .convert_columns(std::slice::from_ref(array))?;
        let nulls = array.logical_nulls();
        let mut offsets = Vec::with_capacity(array.len() + 1);
        offsets.push(0i32);
        let mut kept = BinaryBuilder::with_capacity(array.len(), rows.size());
        let mut end = 0i32;
        for i in 0..array.len() {
            let counted = nulls.as_ref().is_none_or(|n| n.is_valid(i))
                && opt_filter.is_none_or(|f| f.is_valid(i) && f.value(i));
            if counted {
                kept.append_value(rows.row(i).as_ref());
                end += 1;
            }
            offsets.push(end);
        }
        let list = ListArray::new(
            Arc::new(Field::new_list_field(DataType::Binary, true)),
            OffsetBuffer::new(offsets.into()),
            Arc::new(kept.finish()),
            None,
        );
        Ok(vec![Arc::new(list)])
    }

    fn size(&self) -> usize {
        size_of::<Self>()
            + self.seen.capacity() * (size_of::<Seen>() + 1)
            + self.arena.capacity()
            + self.counts.capacity() * size_of::<i64>()
            + self.converter.size()
    }
}
