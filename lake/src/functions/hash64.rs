//! `weir_hash64(x)`: DataFusion's own row hash of one value, as a `UInt64`; null for null.
//!
//! Equal values always hash equal, so `count(DISTINCT weir_hash64(c)) = count(c)` proves `c`
//! unique. The converse does not hold (two values may share a hash: in a column of 10 million
//! distinct values, with a chance of about 3 in a million), so a shortfall is only a reason to
//! count exactly.

use std::sync::Arc;

use datafusion::arrow::array::{Array, UInt64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::common::hash_utils::{RandomState, create_hashes};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

pub(crate) const HASH64: &str = "weir_hash64";

/// A fixed seed: the same value hashes the same in every partition and every run.
pub(crate) const STATE: RandomState = RandomState::with_seed(0x5745_4952);

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Hash64 {
    signature: Signature,
}

impl Hash64 {
    pub(crate) fn new() -> Self {
        Hash64 {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Hash64 {
    fn name(&self) -> &str {
        HASH64
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::UInt64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let array = args.args[0].to_array(args.number_rows)?;
        let mut hashes = vec![0u64; array.len()];
        create_hashes([&array], &STATE, &mut hashes)?;
        let hashed = UInt64Array::new(hashes.into(), array.logical_nulls());
        Ok(ColumnarValue::Array(Arc::new(hashed)))
    }
}
