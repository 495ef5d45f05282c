//! Every kind of mistake in a DAG file gets its own error with file:line:column and a hint.
//! Snapshots pin the whole rendered message, so a worse message is a failing test.

use weir_core::dag::parse_str;
use weir_core::diag::Code;

/// Parses a file that must fail and renders its errors as the CLI shows them.
fn errors(file: &str, source: &str) -> (Vec<Code>, String) {
    let diags = match parse_str(file, source) {
        Ok(_) => panic!("{file} should not parse"),
        Err(d) => d,
    };
    let rendered = diags
        .iter()
        .map(|d| d.render(Some(source)))
        .collect::<Vec<_>>()
        .join("\n");
    (diags.iter().map(|d| d.code).collect(), rendered)
}

macro_rules! error_case {
    ($name:ident, $code:expr, $source:expr) => {
        #[test]
        fn $name() {
            let (codes, rendered) = errors(concat!("dags/", stringify!($name), ".yaml"), $source);
            assert!(
                codes.contains(&$code),
                "expected {:?}, got {codes:?}\n{rendered}",
                $code
            );
            insta::assert_snapshot!(rendered);
        }
    };
}

error_case!(
    unknown_key,
    Code::UnknownKey,
    "schedul: \"@daily\"\ntasks:\n  a:\n    type: shell\n    rn: echo hi\n"
);

error_case!(
    wrong_type,
    Code::WrongType,
    "max_active_runs: many\ntags: {a: 1}\ntasks:\n  a: {type: shell, run: 42}\n"
);

error_case!(
    duplicate_task,
    Code::DuplicateTask,
    "tasks:\n  load:\n    type: noop\n  load:\n    type: noop\n"
);

error_case!(
    unknown_upstream,
    Code::UnknownUpstream,
    "tasks:\n  extract: {type: noop}\n  load:\n    type: noop\n    needs: [extrct]\n"
);

error_case!(
    cycle,
    Code::Cycle,
    "tasks:\n  a:\n    type: noop\n    needs: [c]\n  b:\n    type: noop\n    needs: [a]\n  c:\n    type: noop\n    needs: [b]\n"
);

error_case!(
    self_dependency,
    Code::SelfDependency,
    "tasks:\n  a:\n    type: noop\n    needs: a\n"
);

error_case!(
    invalid_cron,
    Code::InvalidCron,
    "schedule: \"0 25 * * *\"\ntasks:\n  a: {type: noop}\n"
);

error_case!(
    unknown_preset,
    Code::InvalidCron,
    "schedule: \"@daly\"\ntasks:\n  a: {type: noop}\n"
);

error_case!(
    unknown_timezone,
    Code::UnknownTimezone,
    "schedule: \"@daily\"\ntimezone: Europe/Berln\ntasks:\n  a: {type: noop}\n"
);

error_case!(
    bad_duration,
    Code::BadDuration,
    "defaults:\n  retry_delay: 30\n  timeout: 1m1h\ntasks:\n  a: {type: noop}\n"
);

error_case!(
    unknown_trigger_rule,
    Code::UnknownTriggerRule,
    "tasks:\n  a: {type: noop}\n  b:\n    type: noop\n    needs: [a]\n    trigger_rule: all_sucess\n"
);

error_case!(
    invalid_param_default,
    Code::InvalidParamDefault,
    "params:\n  days: {type: integer, default: 0, minimum: 1}\ntasks:\n  a: {type: noop}\n"
);

error_case!(
    template_syntax,
    Code::TemplateSyntax,
    "tasks:\n  a:\n    type: shell\n    run: \"echo {{ ds \"\n"
);

error_case!(
    unknown_template_variable,
    Code::UnknownTemplateVariable,
    "tasks:\n  a:\n    type: shell\n    run: \"echo {{ dss }} {{ params.days }}\"\n"
);

error_case!(
    unknown_output,
    Code::UnknownOutput,
    "tasks:\n  a: {type: shell, run: echo}\n  b: {type: shell, run: echo}\n  c:\n    type: shell\n    needs: [a]\n    run: \"echo {{ outputs.b.rows }}\"\n"
);

error_case!(empty_dag, Code::EmptyDag, "# nothing here yet\n");

error_case!(
    empty_tasks,
    Code::EmptyDag,
    "schedule: \"@daily\"\ntasks: {}\n"
);

error_case!(
    unsupported_version,
    Code::UnsupportedVersion,
    "version: 2\ntasks:\n  a: {type: noop}\n"
);

error_case!(
    yaml_syntax,
    Code::YamlSyntax,
    "tasks:\n  a:\n    type: noop\n   needs: [b]\n"
);

error_case!(
    missing_key,
    Code::MissingKey,
    "tasks:\n  a:\n    type: shell\n  b:\n    needs: [a]\n"
);

error_case!(
    invalid_id,
    Code::InvalidId,
    "dag_id: \"../etc\"\ntasks:\n  \"a b\": {type: noop}\n"
);

error_case!(
    unknown_column,
    Code::UnknownColumn,
    r#"tasks:
  load:
    type: ingest
    source: {format: csv, path: data.csv}
    into: raw.clicks
    schema: {user_id: string, amount: float64}
  check:
    type: validate
    needs: [load]
    dataset: raw.clicks
    expect:
      - not_null: usr_id
      - between: {column: amount, min: 0}
"#
);

error_case!(
    data_task_options,
    Code::InvalidValue,
    r#"tasks:
  load:
    type: ingest
    source: {format: xls, path: data.csv}
    into: clicks
  check:
    type: validate
    dataset: raw.clicks
    expect:
      - between: {column: amount}
      - not_null: {column: a, mostly: 1.5}
      - nonsense: a
  feats:
    type: materialize
    source: raw.clicks
    entity: user_id
    timestamp: ts
    features: {events: count(*)}
"#
);

#[test]
fn every_mistake_of_a_file_is_reported_at_once() {
    let source = "schedul: \"@daily\"\ntimezone: Mars/Olympus\ntasks:\n  a:\n    type: shel\n  b:\n    type: noop\n    needs: [zz]\n    retries: -1\n";
    let (codes, rendered) = errors("dags/many.yaml", source);
    assert!(codes.len() >= 5, "{codes:?}\n{rendered}");
    for code in [
        Code::UnknownKey,
        Code::UnknownTimezone,
        Code::InvalidValue,
        Code::UnknownUpstream,
    ] {
        assert!(codes.contains(&code), "{code:?} missing in {codes:?}");
    }
}

#[test]
fn errors_are_sorted_by_position() {
    let source =
        "tasks:\n  a:\n    type: noop\n    needs: [x]\n  b:\n    type: noop\n    needs: [y]\n";
    let diags = parse_str("d.yaml", source).unwrap_err();
    let lines: Vec<usize> = diags.iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![4, 7]);
    assert_eq!(diags[0].column, 13);
}

error_case!(
    options_that_do_not_apply,
    Code::InvalidValue,
    r#"params:
  name: {type: string, minimum: 3}
tasks:
  load:
    type: ingest
    source: {format: parquet, path: x.parquet, delimiter: ";"}
    into: raw.x
  check:
    type: validate
    dataset: raw.x
    expect:
      - row_count: {min: -1}
"#
);
