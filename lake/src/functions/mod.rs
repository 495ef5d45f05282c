//! SQL functions of Weir's own, registered in every session of the lake, where DataFusion's
//! built-ins are slow or memory-hungry for what the data tasks ask:
//!
//! - `weir_hash64(x)`: a 64-bit hash of any value (null stays null), so that `validate` can
//!   prove a column unique by counting distinct hashes, eight bytes a row, instead of keeping
//!   every distinct string;
//! - `weir_distinct_hashes(x)`: the number of distinct `weir_hash64` hashes of `x`, ungrouped,
//!   by sorting each partition's hashes and merging the sorted runs (DataFusion's
//!   `count(DISTINCT)` inserts every value into a hash set twice, the second time on one core);
//! - `weir_count_distinct(x)`: `count(DISTINCT x)` for any type with a grouped accumulator
//!   (DataFusion 55 has one only for integers; for strings it keeps one hash set per group,
//!   several KiB each, which took 6.7 GiB for 100,000 users);
//! - `weir_last_value(x, t)` and `weir_first_value(x, t)`: `last_value(x ORDER BY t)` and
//!   `first_value(x ORDER BY t)` with the order keys compared as integers (DataFusion 55's
//!   compares every row through `ScalarValue`s).

mod count_distinct;
mod distinct_hashes;
mod distinct_set;
mod first_last;
mod hash64;
#[cfg(test)]
mod tests;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

pub(crate) use self::count_distinct::COUNT_DISTINCT;
pub(crate) use self::distinct_hashes::DISTINCT_HASHES;
pub(crate) use self::first_last::{FIRST_VALUE, LAST_VALUE, orders_by};

/// Makes Weir's functions callable in `ctx`.
pub(crate) fn register(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::from(hash64::Hash64::new()));
    ctx.register_udaf(AggregateUDF::from(count_distinct::CountDistinct::new()));
    ctx.register_udaf(AggregateUDF::from(distinct_hashes::DistinctHashes::new()));
    ctx.register_udaf(AggregateUDF::from(first_last::FirstLast::last()));
    ctx.register_udaf(AggregateUDF::from(first_last::FirstLast::first()));
}
