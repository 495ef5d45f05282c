//! [`run_shell`]: spawn, stream, wait for exit, timeout or cancel, clean up the group.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::CancellationToken;

use super::kill::{Group, Termination};
use super::lines::{Budget, LineReader};
use super::output::OutputFile;
use super::{Exit, LogLimits, LogLine, ProcessOutcome, ShellCommand, Stream, spawn};

/// After the shell exits, how long its output may stay open (held by background processes)
/// before the rest of its process group is terminated.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// Why the wait for the shell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Exited,
    TimedOut,
    Cancelled,
}

type Readers = JoinSet<(Stream, io::Result<()>)>;

/// Runs `cmd` as its own process group and streams its output on `log` while it runs.
///
/// Returns once the shell has exited and no process of its group is left (background processes
/// are terminated after the shell exits), with the log fully sent, the runner's own notes last
/// (as [`Stream::System`] lines). Fails only if the process cannot be started: a missing shell, a
/// bad working directory, an unusable output directory. Dropping the future kills the group.
///
/// The memory used is bounded by two 64 KiB buffers plus what the caller lets `log` hold.
pub async fn run_shell(
    cmd: ShellCommand,
    log: Sender<LogLine>,
    limits: LogLimits,
    cancel: CancellationToken,
) -> io::Result<ProcessOutcome> {
    let output = OutputFile::create(&cmd.output_dir)?;
    let mut child = spawn::spawn(&cmd, output.path()).await?;
    let started = Instant::now();
    let mut group = Group::new(
        child
            .id()
            .expect("a child that was not waited for has a pid"),
    );

    let budget = Arc::new(Budget::new(limits.max_bytes));
    let stop = CancellationToken::new();
    let reader = |stream| LineReader {
        stream,
        max_line_bytes: limits.max_line_bytes,
        budget: Arc::clone(&budget),
        log: log.clone(),
        stop: stop.clone(),
    };
    let mut readers = Readers::new();
    if let Some(pipe) = child.stdout.take() {
        let r = reader(Stream::Stdout);
        readers.spawn(async move { (Stream::Stdout, r.run(pipe).await) });
    }
    if let Some(pipe) = child.stderr.take() {
        let r = reader(Stream::Stderr);
        readers.spawn(async move { (Stream::Stderr, r.run(pipe).await) });
    }

    let mut status = None;
    let ending = tokio::select! {
        biased;
        exited = child.wait() => {
            status = Some(exited?);
            Ending::Exited
        }
        () = cancel.cancelled() => Ending::Cancelled,
        () = sleep_until_some(cmd.timeout.map(|t| started + t)) => Ending::TimedOut,
    };

    let mut notes = Notes::default();
    match ending {
        Ending::Exited => {
            let drained = tokio::time::timeout(DRAIN_AFTER_EXIT, join(&mut readers, &mut notes))
                .await
                .is_ok();
            if group.alive() {
                let why = if drained {
                    "the shell exited but background processes were still running"
                } else {
                    "the shell exited but background processes kept its output open for 2s"
                };
                notes.push(format!("{why}; sent SIGTERM to the process group"));
                let done = group
                    .terminate(&mut child, &mut status, cmd.kill_grace)
                    .await?;
                note_kill(&mut notes, done, cmd.kill_grace);
            }
        }
        Ending::TimedOut | Ending::Cancelled => {
            let why = match (ending, cmd.timeout) {
                (Ending::TimedOut, Some(t)) => format!("timed out after {}", human(t)),
                _ => "cancelled".to_owned(),
            };
            notes.push(format!("{why}; sent SIGTERM to the process group"));
            let done = group
                .terminate(&mut child, &mut status, cmd.kill_grace)
                .await?;
            note_kill(&mut notes, done, cmd.kill_grace);
        }
    }
    group.disarm();

    // The group is gone: what is left in the pipes is finite, unless a process escaped the group
    // (setsid) and still holds them; the readers bound that case themselves.
    stop.cancel();
    join(&mut readers, &mut notes).await;
    let (log_bytes, dropped_bytes) = (budget.kept(), budget.dropped());
    if dropped_bytes > 0 {
        notes.push(format!(
            "[log truncated: kept {log_bytes} bytes, dropped {dropped_bytes} bytes]"
        ));
    }
    for line in notes.0 {
        let _ = log.send(line).await;
    }

    let read = tokio::task::spawn_blocking(move || output.read_and_remove())
        .await
        .map_err(io::Error::other)?;
    let exit = match ending {
        Ending::Exited => exit_of(status.expect("the shell exited")),
        Ending::TimedOut => Exit::TimedOut,
        Ending::Cancelled => Exit::Cancelled,
    };
    Ok(ProcessOutcome {
        exit,
        output: read.value,
        output_error: read.error,
        log_bytes,
        dropped_bytes,
        duration: started.elapsed(),
    })
}

/// Waits for every reader; a failed read becomes a note.
async fn join(readers: &mut Readers, notes: &mut Notes) {
    while let Some(joined) = readers.join_next().await {
        match joined {
            Ok((_, Ok(()))) => {}
            Ok((stream, Err(e))) => notes.push(format!("reading {} failed: {e}", stream.as_str())),
            Err(e) => notes.push(format!("a log reader failed: {e}")),
        }
    }
}

fn note_kill(notes: &mut Notes, done: Termination, grace: Duration) {
    if let Some(at) = done.killed_at {
        notes.push_at(
            at,
            format!(
                "the process group was still running {} after SIGTERM; sent SIGKILL",
                human(grace)
            ),
        );
    }
    if done.survivors {
        notes.push("some processes of the group were still alive after SIGKILL");
    }
}

/// The runner's own lines, stamped when they happened and sent after the process output.
#[derive(Debug, Default)]
struct Notes(Vec<LogLine>);

impl Notes {
    fn push(&mut self, text: impl Into<String>) {
        self.push_at(Utc::now(), text);
    }

    fn push_at(&mut self, at: DateTime<Utc>, text: impl Into<String>) {
        let line = text.into();
        self.0.push(LogLine {
            stream: Stream::System,
            line,
            at,
            continuation: false,
        });
    }
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::Code(-1),
    }
}

/// A duration the way a DAG file writes it: `15m`, `1h30m`, `90s` as `1m30s`, `250ms`.
fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.subsec_millis());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    let ms = d.subsec_millis();
    if ms > 0 && h == 0 && m == 0 {
        out = format!("{}s", d.as_secs_f64());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_secs(900)), "15m");
        assert_eq!(human(Duration::from_secs(5400)), "1h30m");
        assert_eq!(human(Duration::from_secs(90)), "1m30s");
        assert_eq!(human(Duration::from_millis(250)), "250ms");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(Duration::from_secs(10)), "10s");
    }
}
