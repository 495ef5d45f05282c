//! `type: shell` options.

use super::reader::{Ctx, MapReader};
use super::task::Extras;
use crate::dag::task_types::{ShellTask, TaskKind};

pub(super) fn read_shell(
    ctx: &mut Ctx<'_>,
    map: &mut MapReader<'_>,
    extras: &mut Extras,
) -> Option<TaskKind> {
    let run = map.required_string(
        ctx,
        "run",
        "give the command to run, e.g. `run: echo \"hello {{ ds }}\"`",
    );
    let shell = map
        .string(ctx, "shell")
        .map(|(s, _)| s)
        .unwrap_or_else(|| "sh".into());
    let workdir = map.string(ctx, "workdir");
    let (run, run_span) = run?;
    extras.template("run", &run, run_span);
    if let Some((dir, span)) = &workdir {
        extras.template("workdir", dir, *span);
    }
    Some(TaskKind::Shell(ShellTask {
        run,
        shell,
        workdir: workdir.map(|(d, _)| d),
    }))
}
