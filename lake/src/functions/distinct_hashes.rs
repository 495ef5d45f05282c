//! `weir_distinct_hashes(x)`: the number of distinct 64-bit hashes (those of `weir_hash64`) of
//! `x`'s non-null values, ungrouped. `validate` proves a column unique with it: equal values
//! hash equal, so `count(x) - weir_distinct_hashes(x) = 0` means no value repeats.
//!
//! Why not `count(DISTINCT weir_hash64(x))`: DataFusion's accumulator puts every hash in a
//! hash set in each partition, hands the sets on as lists and inserts them all again into one
//! set in the final aggregation, on one core. Here each partition only appends its hashes to a
//! vector and sorts it (in parallel, a partition each), and the final aggregation merges the
//! sorted runs, a linear pass.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray, UInt64Array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt64Type};
use datafusion::common::hash_utils::create_hashes;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

use super::hash64::STATE;

pub(crate) const DISTINCT_HASHES: &str = "weir_distinct_hashes";

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct DistinctHashes {
    signature: Signature,
}

impl DistinctHashes {
    pub(crate) fn new() -> Self {
        DistinctHashes {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

fn state_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::UInt64, true)))
}

impl AggregateUDFImpl for DistinctHashes {
    fn name(&self) -> &str {
        DISTINCT_HASHES
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    /// As `count`: 0, never null, without values.
    fn is_nullable(&self) -> bool {
        false
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }

    fn state_fields(&self, args: StateFieldsArgs<'_>) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[sorted hashes]", args.name),
            state_type(),
            true,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs<'_>) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Hashes::default()))
    }
}

/// The hashes of one partition's values (in any order), and the sorted, distinct runs merged
/// in from other partitions.
#[derive(Debug, Default)]
struct Hashes {
    local: Vec<u64>,
    runs: Vec<u64>,
    scratch: Vec<u64>,
}

impl Hashes {
    /// `local`, sorted and without repeats.
    fn sorted_local(&mut self) -> Vec<u64> {
        let mut local = std::mem::take(&mut self.local);
        local.sort_unstable();
        local.dedup();
        local
    }
}

impl Accumulator for Hashes {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let array = &values[0];
        self.scratch.clear();
        self.scratch.resize(array.len(), 0);
        create_hashes([array], &STATE, &mut self.scratch)?;
        match array.logical_nulls() {
            None => self.local.extend_from_slice(&self.scratch),
            Some(nulls) => self.local.extend(
                self.scratch
                    .iter()
                    .zip(nulls.iter())
                    .filter_map(|(h, valid)| valid.then_some(*h)),
            ),
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0].as_list::<i32>();
        for i in 0..lists.len() {
            if lists.is_valid(i) {
                let run = lists.value(i);
                self.runs
                    .extend_from_slice(run.as_primitive::<UInt64Type>().values());
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut sorted = self.sorted_local();
        if !self.runs.is_empty() {
            sorted.append(&mut self.runs);
            sorted.sort();
            sorted.dedup();
        }
        let values = UInt64Array::from(sorted);
        let list = ListArray::new(
            Arc::new(Field::new_list_field(DataType::UInt64, true)),
            OffsetBuffer::from_lengths([values.len()]),
            Arc::new(values),
            None,
        );
        Ok(vec![ScalarValue::List(Arc::new(list))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut sorted = self.sorted_local();
        if !self.runs.is_empty() {
            // Sorted runs one after another: the stable sort merges them in linear time.
            sorted.append(&mut self.runs);
            sorted.sort();
            sorted.dedup();
        }
        let distinct = sorted.len() as i64;
        // Kept for a second evaluation (a window over the aggregate, say).
        self.runs = sorted;
        Ok(ScalarValue::Int64(Some(distinct)))
    }

    fn size(&self) -> usize {
        size_of_val(self)
            + (self.local.capacity() + self.runs.capacity() + self.scratch.capacity())
                * size_of::<u64>()
    }
}
