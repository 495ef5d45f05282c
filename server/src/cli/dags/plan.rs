//! `weir dags plan`: what a change to the DAG files means, for pull request review.
//!
//! Reads the changed files at a git revision and in the working tree, parses both sides, and
//! says per DAG what was added, removed or re-wired, how its schedule moves, and how many runs
//! catchup would create.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use chrono::Utc;
use serde::Serialize;
use weir_core::dag::{Dag, is_dag_file, parse_str};
use weir_core::diag::Diagnostic;

use super::local_time;
use crate::cli::Format;

/// More runs than this are counted, not listed.
const CATCHUP_LIMIT: usize = 100_000;
const NEXT_RUNS_SHOWN: usize = 3;

#[derive(Serialize, Default)]
struct Plan {
    base: String,
    files_changed: usize,
    dags: Vec<DagChange>,
    errors: Vec<Diagnostic>,
    #[serde(skip)]
    rendered_errors: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum ChangeKind {
    Added,
    Removed,
    Modified,
}

#[derive(Serialize)]
struct DagChange {
    dag_id: String,
    change: ChangeKind,
    file: String,
    tasks: usize,
    tasks_added: Vec<String>,
    tasks_removed: Vec<String>,
    tasks_rewired: Vec<Rewire>,
    tasks_changed: Vec<String>,
    settings_changed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<ScheduleChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    catchup_runs: Option<CatchupRuns>,
}

#[derive(Serialize)]
struct Rewire {
    task: String,
    needs_before: Vec<String>,
    needs_after: Vec<String>,
}

#[derive(Serialize)]
struct ScheduleChange {
    before: Option<String>,
    after: Option<String>,
    next_runs_before: Vec<String>,
    next_runs_after: Vec<String>,
}

#[derive(Serialize)]
struct CatchupRuns {
    count: usize,
    at_least: bool,
    first: Option<String>,
    last: Option<String>,
}

pub fn run(dags_folder: &Path, base: &str, format: Format) -> anyhow::Result<ExitCode> {
    let plan = make_plan(dags_folder, base)?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
        Format::Text => print!("{}", render(&plan)),
    }
    Ok(if plan.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git; `weir dags plan` needs git on the PATH")?;
    if !out.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// One DAG file's two sides: its text at the base revision and in the working tree.
struct FileSides {
    path: String,
    before: Option<String>,
    after: Option<String>,
}

fn changed_files(
    dags_folder: &Path,
    base: &str,
) -> anyhow::Result<(std::path::PathBuf, Vec<FileSides>)> {
    if !dags_folder.is_dir() {
        bail!("the DAG folder `{}` does not exist", dags_folder.display());
    }
    let top = git(dags_folder, &["rev-parse", "--show-toplevel"])
        .with_context(|| format!("`{}` is not inside a git checkout", dags_folder.display()))?;
    let top = std::path::PathBuf::from(top.trim());
    let prefix = git(dags_folder, &["rev-parse", "--show-prefix"])?
        .trim()
        .to_string();
    let commit = format!("{base}^{{commit}}");
    if git(&top, &["rev-parse", "--verify", "--quiet", &commit]).is_err() {
        bail!(
            "unknown git revision `{base}`; give a branch, tag or commit, e.g. `--base origin/main`"
        );
    }
    let scope = if prefix.is_empty() {
        ".".to_string()
    } else {
        prefix
    };
    let mut paths: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for line in git(
        &top,
        &["diff", "--name-status", "--no-renames", base, "--", &scope],
    )?
    .lines()
    {
        let Some((status, path)) = line.split_once('\t') else {
            continue;
        };
        let existed = status != "A";
        let exists = status != "D";
        paths.insert(path.to_string(), (existed, exists));
    }
    for path in git(
        &top,
        &["ls-files", "--others", "--exclude-standard", "--", &scope],
    )?
    .lines()
    {
        paths.insert(path.to_string(), (false, true));
    }
    let mut files = Vec::new();
    for (path, (existed, exists)) in paths {
        if !is_dag_file(Path::new(&path)) {
            continue;
        }
        let before = if existed {
            Some(git(&top, &["show", &format!("{base}:{path}")])?)
        } else {
            None
        };
        let after = if exists {
            Some(
                std::fs::read_to_string(top.join(&path))
                    .with_context(|| format!("cannot read {path}"))?,
            )
        } else {
            None
        };
        files.push(FileSides {
            path,
            before,
            after,
        });
    }
    Ok((top, files))
}

fn make_plan(dags_folder: &Path, base: &str) -> anyhow::Result<Plan> {
    let (_top, files) = changed_files(dags_folder, base)?;
    let mut plan = Plan {
        base: base.to_string(),
        files_changed: files.len(),
        ..Plan::default()
    };
    let mut before: BTreeMap<String, Dag> = BTreeMap::new();
    let mut after: BTreeMap<String, Dag> = BTreeMap::new();
    for file in &files {
        // A file that was broken at the base has no DAG to compare with: it counts as new.
        if let Some(Ok(dag)) = file.before.as_deref().map(|s| parse_str(&file.path, s)) {
            before.insert(dag.dag_id.to_string(), dag);
        }
        if let Some(source) = &file.after {
            match parse_str(&file.path, source) {
                Ok(dag) => {
                    after.insert(dag.dag_id.to_string(), dag);
                }
                Err(diags) => {
                    plan.rendered_errors
                        .extend(diags.iter().map(|d| d.render(Some(source))));
                    plan.errors.extend(diags);
                }
            }
        }
    }
    let now = Utc::now();
    for (id, new) in &after {
        let change = match before.get(id) {
            None => added(new, now),
            Some(old) => match modified(old, new, now) {
                Some(change) => change,
                None => continue,
            },
        };
        plan.dags.push(change);
    }
    for (id, old) in &before {
        let broken_now = plan.errors.iter().any(|e| e.file == old.file);
        if !after.contains_key(id) && !broken_now {
            plan.dags.push(removed(old));
        }
    }
    Ok(plan)
}

fn base_change(dag: &Dag, change: ChangeKind) -> DagChange {
    DagChange {
        dag_id: dag.dag_id.to_string(),
        change,
        file: dag.file.clone(),
        tasks: dag.tasks.len(),
        tasks_added: Vec::new(),
        tasks_removed: Vec::new(),
        tasks_rewired: Vec::new(),
        tasks_changed: Vec::new(),
        settings_changed: Vec::new(),
        schedule: None,
        catchup_runs: None,
    }
}

fn added(dag: &Dag, now: chrono::DateTime<Utc>) -> DagChange {
    let mut change = base_change(dag, ChangeKind::Added);
    change.tasks_added = dag.tasks.iter().map(|t| t.task_id.to_string()).collect();
    change.schedule = Some(ScheduleChange {
        before: None,
        after: dag.schedule.source().map(String::from),
        next_runs_before: Vec::new(),
        next_runs_after: next_runs(dag, now),
    });
    change.catchup_runs = catchup_runs(dag, now);
    change
}

fn removed(dag: &Dag) -> DagChange {
    let mut change = base_change(dag, ChangeKind::Removed);
    change.tasks_removed = dag.tasks.iter().map(|t| t.task_id.to_string()).collect();
    change
}

/// `None` when nothing that matters changed (comments or formatting only).
fn modified(old: &Dag, new: &Dag, now: chrono::DateTime<Utc>) -> Option<DagChange> {
    let mut change = base_change(new, ChangeKind::Modified);
    for task in &new.tasks {
        match old.task(task.task_id.as_str()) {
            None => change.tasks_added.push(task.task_id.to_string()),
            Some(prev) => {
                if prev.needs != task.needs {
                    change.tasks_rewired.push(Rewire {
                        task: task.task_id.to_string(),
                        needs_before: prev.needs.iter().map(ToString::to_string).collect(),
                        needs_after: task.needs.iter().map(ToString::to_string).collect(),
                    });
                }
                if options_of(prev) != options_of(task) {
                    change.tasks_changed.push(task.task_id.to_string());
                }
            }
        }
    }
    change.tasks_removed = old
        .tasks
        .iter()
        .filter(|t| new.task(t.task_id.as_str()).is_none())
        .map(|t| t.task_id.to_string())
        .collect();
    change.settings_changed = settings_changed(old, new);
    let timing_changed = old.schedule != new.schedule
        || old.timezone != new.timezone
        || old.start_date != new.start_date
        || old.end_date != new.end_date;
    if timing_changed {
        change.schedule = Some(ScheduleChange {
            before: old.schedule.source().map(String::from),
            after: new.schedule.source().map(String::from),
            next_runs_before: next_runs(old, now),
            next_runs_after: next_runs(new, now),
        });
    }
    if new.catchup && (timing_changed || !old.catchup) {
        change.catchup_runs = catchup_runs(new, now);
    }
    let nothing = change.tasks_added.is_empty()
        && change.tasks_removed.is_empty()
        && change.tasks_rewired.is_empty()
        && change.tasks_changed.is_empty()
        && change.settings_changed.is_empty()
        && change.schedule.is_none();
    (!nothing).then_some(change)
}

/// A task's options without its position and upstreams, to tell a real change from a move.
fn options_of(task: &weir_core::dag::Task) -> serde_json::Value {
    let mut value = serde_json::to_value(task).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        obj.remove("line");
        obj.remove("needs");
    }
    value
}

fn settings_changed(old: &Dag, new: &Dag) -> Vec<String> {
    let skip = [
        "tasks",
        "content_hash",
        "file",
        "schedule",
        "timezone",
        "start_date",
        "end_date",
    ];
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    b.iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && a.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

fn next_runs(dag: &Dag, now: chrono::DateTime<Utc>) -> Vec<String> {
    dag.timetable()
        .upcoming(now, NEXT_RUNS_SHOWN)
        .iter()
        .map(|r| local_time(r.run_after, dag.timezone))
        .collect()
}

fn catchup_runs(dag: &Dag, now: chrono::DateTime<Utc>) -> Option<CatchupRuns> {
    if !dag.catchup {
        return None;
    }
    let start = dag.start_date?;
    let runs = dag.timetable().runs_between(start, now, CATCHUP_LIMIT);
    Some(CatchupRuns {
        count: runs.len(),
        at_least: runs.len() >= CATCHUP_LIMIT,
        first: runs
            .first()
            .map(|r| local_time(r.logical_date, dag.timezone)),
        last: runs
            .last()
            .map(|r| local_time(r.logical_date, dag.timezone)),
    })
}

fn render(plan: &Plan) -> String {
    let mut out = format!(
        "Plan against {}: {} changed\n",
        plan.base,
        plural(plan.files_changed, "DAG file")
    );
    if plan.dags.is_empty() && plan.errors.is_empty() {
        out.push_str("No DAG changes.\n");
    }
    for dag in &plan.dags {
        out.push('\n');
        render_dag(dag, &mut out);
    }
    if !plan.errors.is_empty() {
        out.push_str(&format!(
            "\n! {} in the changed files:\n\n",
            plural(plan.errors.len(), "error")
        ));
        for text in &plan.rendered_errors {
            out.push_str(text);
            out.push('\n');
        }
    }
    out
}

fn render_dag(dag: &DagChange, out: &mut String) {
    match dag.change {
        ChangeKind::Added => out.push_str(&format!(
            "+ {} ({}): new DAG, {}\n",
            dag.dag_id,
            dag.file,
            plural(dag.tasks, "task")
        )),
        ChangeKind::Removed => out.push_str(&format!(
            "- {} ({}): removed; its runs and history stay, the DAG becomes inactive\n",
            dag.dag_id, dag.file
        )),
        ChangeKind::Modified => out.push_str(&format!("~ {} ({})\n", dag.dag_id, dag.file)),
    }
    if !matches!(dag.change, ChangeKind::Added | ChangeKind::Removed) {
        for t in &dag.tasks_added {
            out.push_str(&format!("    + task {t}\n"));
        }
        for t in &dag.tasks_removed {
            out.push_str(&format!(
                "    - task {t} (its unfinished task instances are removed)\n"
            ));
        }
    }
    for r in &dag.tasks_rewired {
        out.push_str(&format!(
            "    ~ task {}: needs [{}] -> [{}]\n",
            r.task,
            r.needs_before.join(", "),
            r.needs_after.join(", ")
        ));
    }
    for t in &dag.tasks_changed {
        out.push_str(&format!("    ~ task {t}: options changed\n"));
    }
    if !dag.settings_changed.is_empty() {
        out.push_str(&format!(
            "    ~ settings changed: {}\n",
            dag.settings_changed.join(", ")
        ));
    }
    if let Some(s) = &dag.schedule {
        let show = |s: &Option<String>| s.clone().unwrap_or_else(|| "(manual)".into());
        if !matches!(dag.change, ChangeKind::Added) {
            out.push_str(&format!(
                "    schedule: {} -> {}\n",
                show(&s.before),
                show(&s.after)
            ));
            out.push_str(&format!(
                "      next runs at before: {}\n",
                list_or_none(&s.next_runs_before)
            ));
            out.push_str(&format!(
                "      next runs at after:  {}\n",
                list_or_none(&s.next_runs_after)
            ));
        } else {
            out.push_str(&format!("    schedule: {}\n", show(&s.after)));
            out.push_str(&format!(
                "      next runs at: {}\n",
                list_or_none(&s.next_runs_after)
            ));
        }
    }
    if let Some(c) = &dag.catchup_runs {
        match (&c.first, &c.last) {
            (Some(first), Some(last)) => out.push_str(&format!(
                "    catchup: would create {}{} runs, logical dates {first} .. {last}\n",
                if c.at_least { "at least " } else { "" },
                c.count
            )),
            _ => out.push_str("    catchup: no past intervals to run\n"),
        }
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
