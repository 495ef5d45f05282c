//! `params:`, each a small JSON schema whose default must satisfy it.

use indexmap::IndexMap;

use super::reader::{Ctx, MapReader, number_of};
use crate::dag::keys::{PARAM_KEYS, PARAM_TYPES};
use crate::diag::Code;
use crate::ids::ID_HINT;
use crate::params::{ParamSpec, ParamType};
use crate::yaml::{Node, Value};

pub(super) fn read_params(ctx: &mut Ctx<'_>, node: &Node) -> IndexMap<String, ParamSpec> {
    let mut out = IndexMap::new();
    let Some(map) = MapReader::new(ctx, node, "params", "`params`") else {
        return out;
    };
    for (key, value) in map.entries() {
        let name = key.scalar_text().unwrap_or_default();
        if let Err(message) = crate::ids::check_id(&name) {
            ctx.error(
                key.span,
                Code::InvalidId,
                format!("invalid param name: {message}"),
            )
            .hint = Some(ID_HINT.into());
            continue;
        }
        if let Some(spec) = read_param(ctx, &name, value) {
            out.insert(name, spec);
        }
    }
    out
}

fn read_param(ctx: &mut Ctx<'_>, name: &str, node: &Node) -> Option<ParamSpec> {
    let mut map = MapReader::new(ctx, node, name, format!("param `{name}`"))?;
    let ty = match map.choice(ctx, "type", PARAM_TYPES, Code::InvalidValue) {
        Some(t) => ParamType::parse(t),
        None => {
            if !map.has("type") {
                map.missing(
                    ctx,
                    "type",
                    "give the param a `type`: string, integer, number, boolean, array or object",
                );
            }
            None
        }
    };
    let default = map.get("default");
    let description = map.string(ctx, "description").map(|(s, _)| s);
    let allowed = map.get("enum").and_then(|n| match &n.value {
        Value::Seq(items) if !items.is_empty() => Some(items.iter().map(Node::to_json).collect()),
        _ => {
            ctx.wrong_type(n, "enum", "a non-empty list");
            None
        }
    });
    let minimum = map
        .get("minimum")
        .and_then(|n| number_of(ctx, n, "minimum"));
    let maximum = map
        .get("maximum")
        .and_then(|n| number_of(ctx, n, "maximum"));
    let min_length = map.int(ctx, "min_length", 0, i64::MAX).map(|n| n as u64);
    let max_length = map.int(ctx, "max_length", 0, i64::MAX).map(|n| n as u64);
    let pattern = map
        .string(ctx, "pattern")
        .and_then(|(p, span)| match regex::Regex::new(&p) {
            Ok(_) => Some(p),
            Err(e) => {
                ctx.error(span, Code::InvalidValue, format!("invalid `pattern`: {e}"));
                None
            }
        });
    if let Some(t) = ty {
        check_keywords_fit_type(ctx, &map, t);
    }
    map.finish(ctx, PARAM_KEYS);
    let spec = ParamSpec {
        ty: ty?,
        default: default.map(Node::to_json),
        description,
        allowed,
        minimum,
        maximum,
        min_length,
        max_length,
        pattern,
    };
    if let (Some(node), Some(value)) = (default, &spec.default)
        && let Err(message) = spec.check(value)
    {
        ctx.error(
            node.span,
            Code::InvalidParamDefault,
            format!("the default of param `{name}` breaks its own schema: {message}"),
        )
        .hint = Some("change the default, or widen the schema".into());
    }
    Some(spec)
}

/// A keyword that cannot apply to the param's type is a mistake, not something to ignore.
fn check_keywords_fit_type(ctx: &mut Ctx<'_>, map: &MapReader<'_>, ty: ParamType) {
    let numeric = matches!(ty, ParamType::Integer | ParamType::Number);
    let sized = matches!(ty, ParamType::String | ParamType::Array);
    let rules: [(&str, bool, &str); 5] = [
        ("minimum", numeric, "integer and number"),
        ("maximum", numeric, "integer and number"),
        ("min_length", sized, "string and array"),
        ("max_length", sized, "string and array"),
        ("pattern", ty == ParamType::String, "string"),
    ];
    for (key, fits, types) in rules {
        if let (false, Some(span)) = (fits, map.key_span(key)) {
            ctx.error(
                span,
                Code::InvalidValue,
                format!("`{key}` does not apply to a param of type {}", ty.as_str()),
            )
            .hint = Some(format!("`{key}` is for {types} params"));
        }
    }
}
