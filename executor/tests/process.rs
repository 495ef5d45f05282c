//! The shell runner against real processes. Every wait is bounded by `LIMIT`; nothing sleeps to
//! synchronize: the tests wait for log lines, files and outcomes.

use std::fs;
use std::path::Path;
use std::time::Duration;

use tempfile::TempDir;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use weir_executor::{Exit, LogLimits, LogLine, ProcessOutcome, ShellCommand, Stream, run_shell};

const LIMIT: Duration = Duration::from_secs(60);
const MIB: u64 = 1024 * 1024;

fn command(script: &str, dir: &TempDir) -> ShellCommand {
    ShellCommand::new(script, dir.path())
}

/// Runs to the end, collecting every line.
async fn run(cmd: ShellCommand, limits: LogLimits) -> (ProcessOutcome, Vec<LogLine>) {
    let (tx, mut rx) = mpsc::channel(64);
    let collector = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Some(line) = rx.recv().await {
            lines.push(line);
        }
        lines
    });
    let outcome = timeout(LIMIT, run_shell(cmd, tx, limits, CancellationToken::new()))
        .await
        .expect("the runner finishes")
        .expect("the shell starts");
    let lines = timeout(LIMIT, collector)
        .await
        .expect("the log closes")
        .unwrap();
    (outcome, lines)
}

fn texts(lines: &[LogLine], stream: Stream) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l.stream == stream)
        .map(|l| l.line.as_str())
        .collect()
}

async fn next_line(rx: &mut mpsc::Receiver<LogLine>) -> LogLine {
    timeout(LIMIT, rx.recv())
        .await
        .expect("a line arrives")
        .expect("the log is open")
}

fn read_pid(path: &Path) -> i32 {
    fs::read_to_string(path)
        .expect("the script wrote its pid file")
        .trim()
        .parse()
        .unwrap()
}

/// Gone, or a zombie waiting for init to reap it (it no longer runs).
fn is_dead(pid: i32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat[stat.rfind(')').unwrap() + 1..]
                .split_whitespace()
                .next()
                .unwrap();
            state == "Z" || state == "X"
        }
    }
}

fn vm_hwm_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn no_output_files_left(dir: &TempDir) {
    let left: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("weir-output-"))
        .collect();
    assert!(left.is_empty(), "output files left behind: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_signals() {
    let dir = TempDir::new().unwrap();
    let (ok, _) = run(command("true", &dir), LogLimits::default()).await;
    assert_eq!(ok.exit, Exit::Code(0));
    assert!(ok.exit.is_success());
    let (three, _) = run(command("exit 3", &dir), LogLimits::default()).await;
    assert_eq!(three.exit, Exit::Code(3));
    let (signalled, _) = run(command("kill -USR1 $$", &dir), LogLimits::default()).await;
    assert_eq!(
        signalled.exit,
        Exit::Signal(nix::sys::signal::Signal::SIGUSR1 as i32)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_vars_are_visible_and_output_file_is_removed() {
    let dir = TempDir::new().unwrap();
    let mut cmd = command(r#"echo "$WEIR_GREETING"; echo "$WEIR_OUTPUT""#, &dir);
    cmd.env = vec![("WEIR_GREETING".into(), "hello world".into())];
    cmd.shell = "bash".into();
    let (outcome, lines) = run(cmd, LogLimits::default()).await;
    assert_eq!(outcome.exit, Exit::Code(0));
    let out = texts(&lines, Stream::Stdout);
    assert_eq!(out[0], "hello world");
    let output_path = Path::new(out[1]);
    assert_eq!(output_path.parent(), Some(dir.path()));
    let name = output_path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("weir-output-") && name.ends_with(".json"),
        "{name}"
    );
    assert!(!output_path.exists());
    assert_eq!((outcome.output, outcome.output_error), (None, None));
    assert_eq!(
        outcome.log_bytes,
        ("hello world\n".len() + out[1].len() + 1) as u64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_stream_in_order_while_the_process_runs() {
    let dir = TempDir::new().unwrap();
    let go = dir.path().join("go");
    let script = format!(
        "for i in $(seq 1 200); do echo \"out $i\"; echo \"err $i\" >&2; done
         echo ready
         while [ ! -e '{}' ]; do sleep 0.01; done
         echo after",
        go.display()
    );
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(run_shell(
        command(&script, &dir),
        tx,
        LogLimits::default(),
        CancellationToken::new(),
    ));
    let mut lines = Vec::new();
    while !lines.iter().any(|l: &LogLine| l.line == "ready") {
        lines.push(next_line(&mut rx).await);
    }
    // The script is blocked on a file that does not exist yet: the lines came while it ran.
    assert!(!task.is_finished());
    fs::write(&go, "").unwrap();
    while let Some(line) = timeout(LIMIT, rx.recv()).await.unwrap() {
        lines.push(line);
    }
    let outcome = timeout(LIMIT, task).await.unwrap().unwrap().unwrap();
    assert_eq!(outcome.exit, Exit::Code(0));

    let mut want_out: Vec<String> = (1..=200).map(|i| format!("out {i}")).collect();
    want_out.extend(["ready".to_owned(), "after".to_owned()]);
    let want_err: Vec<String> = (1..=200).map(|i| format!("err {i}")).collect();
    assert_eq!(texts(&lines, Stream::Stdout), want_out);
    assert_eq!(texts(&lines, Stream::Stderr), want_err);
    assert!(texts(&lines, Stream::System).is_empty());
    assert!(
        lines
            .windows(2)
            .all(|w| w[0].at <= w[1].at || w[0].stream != w[1].stream)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workdir_is_used() {
    let dir = TempDir::new().unwrap();
    let work = TempDir::new().unwrap();
    let mut cmd = command("pwd -P", &dir);
    cmd.workdir = Some(work.path().to_owned());
    let (outcome, lines) = run(cmd, LogLimits::default()).await;
    assert_eq!(outcome.exit, Exit::Code(0));
    let want = work.path().canonicalize().unwrap();
    assert_eq!(texts(&lines, Stream::Stdout), [want.to_str().unwrap()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_json_is_read_back() {
    let dir = TempDir::new().unwrap();
    let script = r#"printf '{"rows": 3, "path": "s3://b/k"}\n' > "$WEIR_OUTPUT""#;
    let (outcome, _) = run(command(script, &dir), LogLimits::default()).await;
    assert_eq!(
        outcome.output,
        Some(serde_json::json!({"rows": 3, "path": "s3://b/k"}))
    );
    assert_eq!(outcome.output_error, None);
    no_output_files_left(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_output_is_reported() {
    let dir = TempDir::new().unwrap();
    let (bad, _) = run(
        command(r#"printf '{"a" 1}' > "$WEIR_OUTPUT""#, &dir),
        LogLimits::default(),
    )
    .await;
    assert_eq!(bad.exit, Exit::Code(0));
    assert_eq!(bad.output, None);
    assert_eq!(
        bad.output_error.as_deref(),
        Some("WEIR_OUTPUT is not valid JSON at line 1 column 6: expected `:`")
    );
    let (array, _) = run(
        command(r#"echo '[1]' > "$WEIR_OUTPUT""#, &dir),
        LogLimits::default(),
    )
    .await;
    assert_eq!(
        array.output_error.as_deref(),
        Some("WEIR_OUTPUT must hold a JSON object, not an array")
    );
    let big = r#"head -c 2000000 /dev/zero | tr '\0' ' ' > "$WEIR_OUTPUT""#;
    let (big, _) = run(command(big, &dir), LogLimits::default()).await;
    assert_eq!(
        big.output_error.as_deref(),
        Some("WEIR_OUTPUT is larger than 1024 KiB; it was ignored")
    );
    no_output_files_left(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_errors_name_the_culprit() {
    let dir = TempDir::new().unwrap();
    let (tx, _rx) = mpsc::channel(4);
    let mut cmd = command("true", &dir);
    cmd.shell = "/nonexistent/weirsh".into();
    let err = run_shell(
        cmd,
        tx.clone(),
        LogLimits::default(),
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("shell `/nonexistent/weirsh` not found"),
        "{err}"
    );

    let mut cmd = command("true", &dir);
    cmd.workdir = Some("/nonexistent/workdir".into());
    let err = run_shell(
        cmd,
        tx.clone(),
        LogLimits::default(),
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("working directory `/nonexistent/workdir`"),
        "{err}"
    );

    let file = dir.path().join("a-file");
    fs::write(&file, "").unwrap();
    let mut cmd = command("true", &dir);
    cmd.workdir = Some(file.clone());
    let err = run_shell(
        cmd,
        tx.clone(),
        LogLimits::default(),
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("is not a directory"), "{err}");

    let mut cmd = command("true", &dir);
    cmd.output_dir = "/nonexistent/outdir".into();
    let err = run_shell(cmd, tx, LogLimits::default(), CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("WEIR_OUTPUT file in `/nonexistent/outdir`"),
        "{err}"
    );
    no_output_files_left(&dir);
}

fn background_script(pid_file: &Path) -> String {
    format!(
        "sleep 1000 & echo $! > '{}'; echo ready; sleep 1000",
        pid_file.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_the_script_and_its_grandchild() {
    let dir = TempDir::new().unwrap();
    let pid_file = dir.path().join("pid");
    let mut cmd = command(&background_script(&pid_file), &dir);
    cmd.timeout = Some(Duration::from_secs(1));
    cmd.kill_grace = Duration::from_secs(5);
    let (outcome, lines) = run(cmd, LogLimits::default()).await;
    assert_eq!(outcome.exit, Exit::TimedOut);
    assert!(
        outcome.duration >= Duration::from_secs(1),
        "{:?}",
        outcome.duration
    );
    assert!(
        outcome.duration < Duration::from_secs(1 + 5 + 3),
        "{:?}",
        outcome.duration
    );
    assert_eq!(texts(&lines, Stream::Stdout), ["ready"]);
    assert_eq!(
        texts(&lines, Stream::System),
        ["timed out after 1s; sent SIGTERM to the process group"]
    );
    assert!(is_dead(read_pid(&pid_file)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_kills_the_script_and_its_grandchild() {
    let dir = TempDir::new().unwrap();
    let pid_file = dir.path().join("pid");
    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(run_shell(
        command(&background_script(&pid_file), &dir),
        tx,
        LogLimits::default(),
        cancel.clone(),
    ));
    assert_eq!(next_line(&mut rx).await.line, "ready");
    cancel.cancel();
    let outcome = timeout(LIMIT, task).await.unwrap().unwrap().unwrap();
    assert_eq!(outcome.exit, Exit::Cancelled);
    let note = next_line(&mut rx).await;
    assert_eq!(
        (note.stream, note.line.as_str()),
        (
            Stream::System,
            "cancelled; sent SIGTERM to the process group"
        )
    );
    assert!(is_dead(read_pid(&pid_file)));
    no_output_files_left(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_follows_an_ignored_sigterm() {
    let dir = TempDir::new().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!("trap '' TERM; {}", background_script(&pid_file));
    let mut cmd = command(&script, &dir);
    cmd.kill_grace = Duration::from_millis(300);
    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(run_shell(cmd, tx, LogLimits::default(), cancel.clone()));
    assert_eq!(next_line(&mut rx).await.line, "ready");
    cancel.cancel();
    let outcome = timeout(LIMIT, task).await.unwrap().unwrap().unwrap();
    assert_eq!(outcome.exit, Exit::Cancelled);
    let mut notes = Vec::new();
    while let Some(line) = rx.recv().await {
        notes.push(line.line);
    }
    assert_eq!(
        notes,
        [
            "cancelled; sent SIGTERM to the process group",
            "the process group was still running 300ms after SIGTERM; sent SIGKILL"
        ]
    );
    assert!(is_dead(read_pid(&pid_file)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grandchild_holding_the_pipe_does_not_hang_the_runner() {
    let dir = TempDir::new().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!("sleep 1000 & echo $! > '{}'; echo done", pid_file.display());
    let (outcome, lines) = run(command(&script, &dir), LogLimits::default()).await;
    assert_eq!(outcome.exit, Exit::Code(0));
    assert!(
        outcome.duration < Duration::from_secs(2 + 3),
        "{:?}",
        outcome.duration
    );
    assert_eq!(texts(&lines, Stream::Stdout), ["done"]);
    assert_eq!(
        texts(&lines, Stream::System),
        [
            "the shell exited but background processes kept its output open for 2s; sent SIGTERM to the process group"
        ]
    );
    assert!(is_dead(read_pid(&pid_file)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_processes_are_cleaned_up_after_exit() {
    let dir = TempDir::new().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!(
        "sleep 1000 >/dev/null 2>&1 & echo $! > '{}'",
        pid_file.display()
    );
    let (outcome, lines) = run(command(&script, &dir), LogLimits::default()).await;
    assert_eq!(outcome.exit, Exit::Code(0));
    assert_eq!(
        texts(&lines, Stream::System),
        [
            "the shell exited but background processes were still running; sent SIGTERM to the process group"
        ]
    );
    assert!(is_dead(read_pid(&pid_file)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escaped_process_holding_the_pipe_does_not_hang_the_runner() {
    let dir = TempDir::new().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!(
        "setsid sleep 1000 & echo $! > '{}'; echo done",
        pid_file.display()
    );
    let (outcome, lines) = run(command(&script, &dir), LogLimits::default()).await;
    let pid = read_pid(&pid_file);
    // It left the group, so it is beyond the runner's reach: clean up here.
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
    assert_eq!(outcome.exit, Exit::Code(0));
    assert!(
        outcome.duration < Duration::from_secs(2 + 3),
        "{:?}",
        outcome.duration
    );
    assert_eq!(texts(&lines, Stream::Stdout), ["done"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_log_does_not_block_the_process() {
    let dir = TempDir::new().unwrap();
    let (tx, rx) = mpsc::channel(1);
    drop(rx);
    let cmd = command("seq 1 100000; echo done >&2", &dir);
    let outcome = timeout(
        LIMIT,
        run_shell(cmd, tx, LogLimits::default(), CancellationToken::new()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(outcome.exit, Exit::Code(0));
}

/// Runs `script` with a 1 MiB budget, counting stdout's text bytes instead of keeping its lines
/// (but the first 32); returns the growth of the peak RSS in KiB.
async fn run_bounded(script: &str) -> (ProcessOutcome, u64, Vec<LogLine>, u64) {
    let dir = TempDir::new().unwrap();
    let limits = LogLimits {
        max_bytes: MIB,
        max_line_bytes: 64 * 1024,
    };
    let (tx, mut rx) = mpsc::channel::<LogLine>(64);
    let collector = tokio::spawn(async move {
        let (mut bytes, mut kept) = (0u64, Vec::new());
        while let Some(line) = rx.recv().await {
            if line.stream == Stream::Stdout {
                bytes += line.line.len() as u64;
            }
            if line.stream != Stream::Stdout || kept.len() < 32 {
                kept.push(line);
            }
        }
        (bytes, kept)
    });
    let before = vm_hwm_kib();
    let outcome = timeout(
        LIMIT,
        run_shell(command(script, &dir), tx, limits, CancellationToken::new()),
    )
    .await
    .unwrap()
    .unwrap();
    let (bytes, lines) = timeout(LIMIT, collector).await.unwrap().unwrap();
    let growth_kib = vm_hwm_kib().saturating_sub(before);
    (outcome, bytes, lines, growth_kib)
}

fn assert_truncated(outcome: &ProcessOutcome, lines: &[LogLine], total: u64, growth_kib: u64) {
    assert_eq!(outcome.exit, Exit::Code(0));
    assert!(
        outcome.log_bytes <= MIB && outcome.log_bytes > MIB - 64 * 1024,
        "{outcome:?}"
    );
    assert_eq!(outcome.log_bytes + outcome.dropped_bytes, total);
    let marker = format!(
        "[log truncated: kept {} bytes, dropped {} bytes]",
        outcome.log_bytes, outcome.dropped_bytes
    );
    assert_eq!(texts(lines, Stream::System), [marker.as_str()]);
    assert!(growth_kib < 64 * 1024, "peak RSS grew by {growth_kib} KiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_lines_is_bounded() {
    let total = 200_000_000;
    let script = format!("yes 0123456789abcdef | head -c {total}");
    let (outcome, text_bytes, lines, growth) = run_bounded(&script).await;
    assert_truncated(&outcome, &lines, total, growth);
    // Whole lines of 17 bytes were kept: 61680 of them, newlines not in the text.
    assert_eq!(outcome.log_bytes, MIB / 17 * 17);
    assert_eq!(text_bytes, MIB / 17 * 16);
    assert_eq!(lines[0].line, "0123456789abcdef");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_huge_line_is_split_and_bounded() {
    let total = 50_000_000;
    let script = format!("head -c {total} /dev/zero | tr '\\0' a");
    let (outcome, _, lines, growth) = run_bounded(&script).await;
    assert_truncated(&outcome, &lines, total, growth);
    assert_eq!(outcome.log_bytes, MIB, "16 whole pieces of 64 KiB");
    let pieces: Vec<_> = lines
        .iter()
        .filter(|l| l.stream == Stream::Stdout)
        .collect();
    assert_eq!(pieces.len(), 16);
    assert!(
        pieces
            .iter()
            .all(|p| p.line.len() == 64 * 1024 && p.line.bytes().all(|b| b == b'a'))
    );
    assert!(!pieces[0].continuation);
    assert!(pieces[1..].iter().all(|p| p.continuation));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_runner_kills_the_group() {
    let dir = TempDir::new().unwrap();
    let pid_file = dir.path().join("pid");
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(run_shell(
        command(&background_script(&pid_file), &dir),
        tx,
        LogLimits::default(),
        CancellationToken::new(),
    ));
    assert_eq!(next_line(&mut rx).await.line, "ready");
    let pid = read_pid(&pid_file);
    task.abort();
    assert!(
        timeout(LIMIT, task)
            .await
            .unwrap()
            .unwrap_err()
            .is_cancelled()
    );
    // SIGKILL was sent when the future was dropped; wait for the kernel to finish the kill.
    timeout(LIMIT, async {
        while !is_dead(pid) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the grandchild dies");
    no_output_files_left(&dir);
}
