//! Templates in task options (minijinja): checked when a DAG is parsed, rendered when a task
//! instance runs.
//!
//! Rendering is strict: a variable that does not exist is an error, never an empty string, so a
//! typo cannot silently turn `rm -rf /data/{{ ds }}` into `rm -rf /data/`.

use std::sync::LazyLock;

use minijinja::{Environment, UndefinedBehavior};

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
});

/// Whether a string holds template syntax at all; plain strings skip the template engine.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// A template syntax error with its line within the template (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    pub message: String,
    pub line: usize,
}

/// What a template reads: dotted paths of the variables it uses but does not define itself,
/// e.g. `ds`, `params.lookback_days`, `outputs.ingest.rows`.
pub fn referenced_variables(source: &str) -> Result<Vec<String>, TemplateError> {
    let template = ENV.template_from_str(source).map_err(|e| TemplateError {
        message: e.detail().unwrap_or("syntax error").to_string(),
        line: e.line().unwrap_or(1),
    })?;
    let mut names: Vec<String> = template.undeclared_variables(true).into_iter().collect();
    names.sort();
    Ok(names)
}

/// Renders a template against a context (the values of ds, params, outputs, ...).
pub fn render(source: &str, context: &serde_json::Value) -> Result<String, TemplateError> {
    if !is_template(source) {
        return Ok(source.to_string());
    }
    let to_error = |e: minijinja::Error| TemplateError {
        message: match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        },
        line: e.line().unwrap_or(1),
    };
    let template = ENV.template_from_str(source).map_err(to_error)?;
    template
        .render(minijinja::Value::from(minijinja::value::Serde(context)))
        .map_err(to_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_nested_references() {
        let vars = referenced_variables(
            "{% set x = 1 %}{{ ds }} {{ params.days }} {{ outputs.load.rows }} {{ x }}",
        )
        .unwrap();
        assert_eq!(vars, vec!["ds", "outputs.load.rows", "params.days"]);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = referenced_variables("line one\n{{ ds ").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn renders_strictly() {
        let ctx = json!({"ds": "2026-01-02", "params": {"days": 7}});
        assert_eq!(
            render("d={{ ds }} n={{ params.days }}", &ctx).unwrap(),
            "d=2026-01-02 n=7"
        );
        assert!(render("{{ nope }}", &ctx).is_err());
        assert_eq!(render("plain $HOME", &ctx).unwrap(), "plain $HOME");
    }
}
