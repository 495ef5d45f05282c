//! Docs that lie are bugs: every ```yaml block of docs/dag-format.md and every file in dags/
//! must parse, and docs/dag.schema.json must describe exactly the keys the parser reads.

use std::path::{Path, PathBuf};

use weir_core::dag::keys;
use weir_core::dag::{load_folder, parse_str};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The fenced ```yaml blocks of a markdown file, with the line each starts at.
fn yaml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed == "```yaml" => current = Some((i + 2, String::new())),
            Some(_) if trimmed.starts_with("```") => blocks.push(current.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn every_yaml_example_in_the_dag_format_reference_parses() {
    let path = repo_root().join("docs/dag-format.md");
    let markdown = std::fs::read_to_string(&path).expect("docs/dag-format.md exists");
    let blocks = yaml_blocks(&markdown);
    assert!(
        blocks.len() >= 10,
        "the reference should show many examples, found {}",
        blocks.len()
    );
    let mut failures = Vec::new();
    for (line, block) in &blocks {
        let name = format!("docs/dag-format.md:{line}/example.yaml");
        if let Err(diags) = parse_str(&name, block) {
            for d in diags {
                failures.push(format!("block at line {line}: {}", d.render(Some(block))));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_example_dag_parses() {
    let load = load_folder(&repo_root().join("dags"));
    let rendered: Vec<String> = load.errors.iter().map(|e| e.render()).collect();
    assert!(load.errors.is_empty(), "{}", rendered.join("\n"));
    assert!(
        load.dags.len() >= 4,
        "found {} example DAGs",
        load.dags.len()
    );
    for id in [
        "user_features_daily",
        "wide_fanout",
        "retries_and_trigger_rules",
        "hello",
    ] {
        assert!(
            load.dags.iter().any(|d| d.dag_id.as_str() == id),
            "{id} missing"
        );
    }
}

fn schema() -> serde_json::Value {
    let text = std::fs::read_to_string(repo_root().join("docs/dag.schema.json")).unwrap();
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn property_names(schema: &serde_json::Value, pointer: &str) -> Vec<String> {
    let props = schema
        .pointer(pointer)
        .and_then(|p| p.as_object())
        .unwrap_or_else(|| panic!("schema has no object at {pointer}"));
    let mut names: Vec<String> = props.keys().cloned().collect();
    names.sort();
    names
}

fn sorted(keys: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn the_json_schema_names_exactly_the_keys_the_parser_reads() {
    let s = schema();
    let with_type = |own: &[&str]| {
        let mut all: Vec<&str> = own.to_vec();
        all.push("type");
        sorted(&all)
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("/properties", sorted(keys::DAG_KEYS)),
        (
            "/$defs/task_common/properties",
            sorted(keys::TASK_COMMON_KEYS),
        ),
        ("/$defs/defaults/properties", sorted(keys::DEFAULTS_KEYS)),
        ("/$defs/param/properties", sorted(keys::PARAM_KEYS)),
        ("/$defs/shell_task/properties", with_type(keys::SHELL_KEYS)),
        ("/$defs/noop_task/properties", with_type(keys::NOOP_KEYS)),
        (
            "/$defs/ingest_task/properties",
            with_type(keys::INGEST_KEYS),
        ),
        (
            "/$defs/validate_task/properties",
            with_type(keys::VALIDATE_KEYS),
        ),
        (
            "/$defs/materialize_task/properties",
            with_type(keys::MATERIALIZE_KEYS),
        ),
        (
            "/$defs/ingest_source/properties",
            sorted(keys::INGEST_SOURCE_KEYS),
        ),
    ];
    for (pointer, expected) in cases {
        assert_eq!(property_names(&s, pointer), expected, "at {pointer}");
    }
    for kind in keys::EXPECTATION_KINDS {
        let mut own: Vec<&str> = keys::expectation_keys(kind).to_vec();
        own.extend(keys::EXPECTATION_COMMON_KEYS);
        let pointer = format!("/$defs/expectation_{kind}/properties");
        assert_eq!(property_names(&s, &pointer), sorted(&own), "at {pointer}");
    }
}

#[test]
fn the_json_schema_accepts_the_examples_and_rejects_mistakes() {
    let validator = jsonschema::validator_for(&schema()).expect("a valid JSON Schema");
    for entry in std::fs::read_dir(repo_root().join("dags")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let yaml = weir_core::yaml::load_str(&text).unwrap().to_json();
        let errors: Vec<String> = validator
            .iter_errors(&yaml)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
    let wrong = [
        "tasks: {a: {type: shell}}",
        "tasks: {a: {type: noop, retries: -1}}",
        "schedul: x\ntasks: {a: {type: noop}}",
        "tasks: {a: {type: shell, run: x, dataset: raw.x}}",
        "tasks: {a: {type: noop, trigger_rule: sometimes}}",
    ];
    for text in wrong {
        let yaml = weir_core::yaml::load_str(text).unwrap().to_json();
        assert!(!validator.is_valid(&yaml), "schema should reject: {text}");
    }
}
