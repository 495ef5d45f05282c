//! `weir_last_value(x, t)` and `weir_first_value(x, t)`: the value of `x` on the row with the
//! latest (earliest) `t`, as `last_value(x ORDER BY t)` and `first_value(x ORDER BY t)`, for
//! any `x` and an order key `t` that is a timestamp, a date or an integer. Feature views call
//! them in place of `last_value(x)` and `first_value(x)` (see `materialize::features::rewrite`).
//!
//! DataFusion 55's grouped `last_value` keeps each group's order key as `ScalarValue`s and
//! compares every row through them: a fifth of a feature view's time. Here the keys are
//! compared as integers, and a group's value is copied once per batch, from its winning row.
//!
//! As in `ORDER BY t` (ascending, nulls last), a row whose `t` is null comes after every row
//! with one. Among rows with equal keys the later one read wins `last`, the earlier one
//! `first`; like DataFusion's, which one that is depends on the order rows arrive in.

use std::cmp::Ordering;
use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

pub(crate) const LAST_VALUE: &str = "weir_last_value";
pub(crate) const FIRST_VALUE: &str = "weir_first_value";

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct FirstLast {
    last: bool,
    signature: Signature,
}

impl FirstLast {
    pub(crate) fn last() -> Self {
        FirstLast {
            last: true,
            signature: Signature::any(2, Volatility::Immutable),
        }
    }

    pub(crate) fn first() -> Self {
        FirstLast {
            last: false,
            ..FirstLast::last()
        }
    }

    fn winners(&self, value_type: &DataType) -> Result<Winners> {
        Winners::new(self.last, value_type)
    }
}

/// Whether `t` can order rows here: read as 64-bit integers, in its own unit.
pub(crate) fn orders_by(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Timestamp(_, _)
            | DataType::Date32
            | DataType::Date64
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
    )
}

impl AggregateUDFImpl for FirstLast {
    fn name(&self) -> &str {
        if self.last { LAST_VALUE } else { FIRST_VALUE }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if !orders_by(&arg_types[1]) {
            return plan_err!(
                "{} orders by a timestamp, a date or an integer, not {}",
                self.name(),
                arg_types[1]
            );
        }
        Ok(arg_types[0].clone())
    }

    fn state_fields(&self, args: StateFieldsArgs<'_>) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(
                format!("{}[value]", args.name),
                args.return_type().clone(),
                true,
            )),
            Arc::new(Field::new(
                format!("{}[key]", args.name),
                DataType::Int64,
                true,
            )),
            Arc::new(Field::new(
                format!("{}[set]", args.name),
                DataType::Boolean,
                false,
            )),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs<'_>) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(OneGroup(
            self.winners(args.return_field.data_type())?,
        )))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs<'_>) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs<'_>,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(self.winners(args.return_field.data_type())?))
    }
}

/// An order key: `None` (a null `t`) sorts after every time.
type Key = Option<i64>;

fn key_order(a: Key, b: Key) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Per group: the winning row's key and value so far.
#[derive(Debug)]
pub(crate) struct Winners {
    last: bool,
    null: ScalarValue,
    set: Vec<bool>,
    keys: Vec<Key>,
    values: Vec<ScalarValue>,
    /// What `values` hold on the heap (strings, say), kept as they change: DataFusion asks
    /// for the size after every batch, and summing 100,000 values each time cost more than
    /// the aggregation.
    values_heap: usize,
    /// This batch's winning row per group, and the groups that have one: a group's value is
    /// copied once per batch, not once per row that beats the one before.
    batch_row: Vec<usize>,
    batch_groups: Vec<usize>,
    in_batch: Vec<bool>,
}

impl Winners {
    fn new(last: bool, value_type: &DataType) -> Result<Self> {
        Ok(Winners {
            last,
            null: ScalarValue::try_from(value_type)?,
            set: Vec::new(),
            keys: Vec::new(),
            values: Vec::new(),
            values_heap: 0,
            batch_row: Vec::new(),
            batch_groups: Vec::new(),
            in_batch: Vec::new(),
        })
    }

    fn resize(&mut self, groups: usize) {
        self.set.resize(groups, false);
        self.keys.resize(groups, None);
        self.values_heap += groups.saturating_sub(self.values.len()) * heap_size(&self.null);
        self.values.resize(groups, self.null.clone());
        self.batch_row.resize(groups, 0);
        self.in_batch.resize(groups, false);
    }

    /// Whether a row with key `candidate` replaces the group's current winner `current`.
    fn beats(&self, candidate: Key, current: Key) -> bool {
        match key_order(candidate, current) {
            Ordering::Greater => self.last,
            Ordering::Less => !self.last,
            Ordering::Equal => self.last,
        }
    }

    /// Offers the rows of one batch: `values` and `keys` row by row, those with `counted`.
    fn offer(
        &mut self,
        values: &ArrayRef,
        keys: &Int64Array,
        group_indices: &[usize],
        counted: impl Fn(usize) -> bool,
    ) -> Result<()> {
        for (row, &group) in group_indices.iter().enumerate() {
            if !counted(row) {
                continue;
            }
            let key = keys.is_valid(row).then(|| keys.value(row));
            if !self.set[group] || self.beats(key, self.keys[group]) {
                self.set[group] = true;
                self.keys[group] = key;
                self.batch_row[group] = row;
                if !self.in_batch[group] {
                    self.in_batch[group] = true;
                    self.batch_groups.push(group);
                }
            }
        }
        for group in std::mem::take(&mut self.batch_groups) {
            let value = ScalarValue::try_from_array(values, self.batch_row[group])?;
            self.values_heap += heap_size(&value);
            let old = std::mem::replace(&mut self.values[group], value);
            self.values_heap -= heap_size(&old);
            self.in_batch[group] = false;
        }
        Ok(())
    }

    fn take_values(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let values = emit_to.take_needed(&mut self.values);
        self.values_heap -= values.iter().map(heap_size).sum::<usize>();
        let _ = emit_to.take_needed(&mut self.batch_row);
        let _ = emit_to.take_needed(&mut self.in_batch);
        if values.is_empty() {
            return Ok(datafusion::arrow::array::new_empty_array(
                &self.null.data_type(),
            ));
        }
        ScalarValue::iter_to_array(values)
    }
}

/// What a value holds beyond its own bytes.
fn heap_size(value: &ScalarValue) -> usize {
    value.size() - size_of::<ScalarValue>()
}

/// The order key column as integers in its own unit.
fn int_keys(keys: &ArrayRef) -> Result<Int64Array> {
    Ok(cast(keys, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}

impl GroupsAccumulator for Winners {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.resize(total_num_groups);
        let keys = int_keys(&values[1])?;
        self.offer(&values[0], &keys, group_indices, |row| {
            opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row))
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let _ = emit_to.take_needed(&mut self.set);
        let _ = emit_to.take_needed(&mut self.keys);
        self.take_values(emit_to)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let set = BooleanArray::from(emit_to.take_needed(&mut self.set));
        let keys = Int64Array::from(emit_to.take_needed(&mut self.keys));
        let values = self.take_values(emit_to)?;
        Ok(vec![values, Arc::new(keys), Arc::new(set)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.resize(total_num_groups);
        let set = values[2].as_boolean();
        self.offer(
            &values[0],
            values[1].as_primitive::<Int64Type>(),
            group_indices,
            |row| set.value(row),
        )
    }

    /// Each row as a group of its own: its value and key, set unless filtered out.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let set: BooleanArray = (0..values[0].len())
            .map(|row| Some(opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row))))
            .collect();
        Ok(vec![
            Arc::clone(&values[0]),
            Arc::new(int_keys(&values[1])?),
            Arc::new(set),
        ])
    }

    fn size(&self) -> usize {
        size_of::<Self>()
            + self.set.capacity()
            + self.in_batch.capacity()
            + self.keys.capacity() * size_of::<Key>()
            + self.batch_row.capacity() * size_of::<usize>()
            + self.batch_groups.capacity() * size_of::<usize>()
            + self.values.capacity() * size_of::<ScalarValue>()
            + self.values_heap
    }
}

/// The ungrouped accumulator: the grouped one with a single group, so that both have the same
/// state.
#[derive(Debug)]
struct OneGroup(Winners);

impl Accumulator for OneGroup {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let groups = vec![0; values[0].len()];
        self.0.update_batch(values, &groups, None, 1)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.0.resize(1);
        Ok(self.0.values[0].clone())
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.0.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.0.resize(1);
        Ok(vec![
            self.0.values[0].clone(),
            ScalarValue::Int64(self.0.keys[0]),
            ScalarValue::Boolean(Some(self.0.set[0])),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let groups = vec![0; states[0].len()];
        self.0.merge_batch(states, &groups, 1)
    }
}
