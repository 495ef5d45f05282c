//! Starting `<shell> -c <script>` as the leader of a new process group.

use std::io;
use std::path::Path;
use std::process::Stdio;

use tokio::process::{Child, Command};

use super::ShellCommand;

/// Spawns the shell with stdin null, stdout and stderr piped, in its own process group, with
/// `cmd.env` and `WEIR_OUTPUT` added to the inherited environment.
pub(crate) async fn spawn(cmd: &ShellCommand, output_path: &Path) -> io::Result<Child> {
    if let Some(dir) = &cmd.workdir {
        check_workdir(dir)?;
    }
    let mut command = Command::new(&cmd.shell);
    command
        .arg("-c")
        .arg(&cmd.script)
        .envs(cmd.env.iter().map(|(k, v)| (k, v)))
        .env("WEIR_OUTPUT", output_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(dir) = &cmd.workdir {
        command.current_dir(dir);
    }
    command.spawn().map_err(|e| spawn_error(e, cmd))
}

/// One `stat`: cheap enough to do inline.
fn check_workdir(dir: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("working directory `{}` is not usable: {e}", dir.display()),
        )
    })?;
    if meta.is_dir() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("working directory `{}` is not a directory", dir.display()),
        ))
    }
}

fn spawn_error(e: io::Error, cmd: &ShellCommand) -> io::Error {
    let shell = &cmd.shell;
    let message = match e.kind() {
        // The working directory was checked above, so "not found" is about the shell.
        io::ErrorKind::NotFound => format!("shell `{shell}` not found: {e}"),
        _ => match &cmd.workdir {
            Some(dir) => format!("cannot start shell `{shell}` in `{}`: {e}", dir.display()),
            None => format!("cannot start shell `{shell}`: {e}"),
        },
    };
    io::Error::new(e.kind(), message)
}
