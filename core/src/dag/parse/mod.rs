//! From the text of a DAG file to a validated `Dag`, or every mistake in it.

mod columns;
mod graph;
mod ingest;
mod materialize;
mod params;
mod reader;
mod shell;
mod task;
mod templates;
mod top;
mod validate;

use sha2::{Digest, Sha256};

use super::model::Dag;
use crate::diag::{Code, Diagnostic};
use reader::Ctx;

/// Parses and validates one DAG file. `file` is the name used in diagnostics and the default
/// dag_id (its stem). All mistakes are returned at once, sorted by position.
pub fn parse_str(file: &str, source: &str) -> Result<Dag, Vec<Diagnostic>> {
    let mut ctx = Ctx::new(file, source);
    let root = match crate::yaml::load_str(source) {
        Ok(root) => root,
        Err(e) => {
            ctx.error(e.span, Code::YamlSyntax, e.message).hint = e.hint;
            return Err(ctx.diags);
        }
    };
    let parsed = top::read_dag(&mut ctx, &root);
    if ctx.has_errors() {
        let mut diags = ctx.diags;
        diags.sort_by_key(|d| (d.line, d.column));
        return Err(diags);
    }
    let mut dag = parsed.expect("a DAG without errors is complete");
    dag.content_hash = content_hash(source);
    Ok(Dag::assemble(dag))
}

/// The version identity of a DAG file: a new version is stored only when this changes.
pub fn content_hash(source: &str) -> String {
    hex::encode(Sha256::digest(source.as_bytes()))
}
