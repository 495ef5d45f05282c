//! `weir_count_distinct(x)`: the number of distinct non-null values of `x`, as
//! `count(DISTINCT x)`, for any type, grouped or not, over [`DistinctSet`]. Feature views call
//! it in place of `count(DISTINCT x)` (see `materialize::features::rewrite`).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, GroupsAccumulator, Signature, Volatility,
};

use super::distinct_set::{DistinctSet, state_type};

pub(crate) const COUNT_DISTINCT: &str = "weir_count_distinct";

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct CountDistinct {
    signature: Signature,
}

impl CountDistinct {
    pub(crate) fn new() -> Self {
        CountDistinct {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for CountDistinct {
    fn name(&self) -> &str {
        COUNT_DISTINCT
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    /// As `count`: 0, never null, for a group without values.
    fn is_nullable(&self) -> bool {
        false
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }

    fn state_fields(&self, args: StateFieldsArgs<'_>) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[distinct values]", args.name),
            state_type(),
            true,
        ))])
    }

    fn accumulator(&self, args: AccumulatorArgs<'_>) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(OneGroup(DistinctSet::new(
            args.expr_fields[0].data_type(),
        )?)))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs<'_>) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs<'_>,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(DistinctSet::new(args.expr_fields[0].data_type())?))
    }
}

/// The ungrouped accumulator: the grouped one with a single group, so that both have the same
/// state.
#[derive(Debug)]
struct OneGroup(DistinctSet);

impl Accumulator for OneGroup {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let groups = vec![0; values[0].len()];
        self.0.update_batch(values, &groups, None, 1)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.0.count(0))))
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.0.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.0.ensure_groups(1);
        Ok(vec![ScalarValue::List(Arc::new(self.0.lists(1)?))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let groups = vec![0; states[0].len()];
        self.0.merge_batch(states, &groups, 1)
    }
}
