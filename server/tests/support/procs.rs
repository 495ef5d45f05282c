//! Real `weir` processes for a test, killed with SIGKILL (their task processes too) when the
//! [`Procs`] guard is dropped, whether the test passed, failed or timed out.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The processes one test started, by pid.
#[derive(Default)]
pub struct Procs {
    children: Vec<Running>,
}

struct Running {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Procs {
    /// Starts `weir <args>` with `env` (every inherited `WEIR_*` variable removed first),
    /// its stdout and stderr in `<log_dir>/<name>.log`. Returns its pid.
    pub fn spawn(
        &mut self,
        name: &str,
        args: &[&str],
        env: &[(String, String)],
        cwd: &Path,
        log_dir: &Path,
    ) -> u32 {
        let log = log_dir.join(format!("{name}.log"));
        let out = File::create(&log).expect("a process log file");
        let err = out.try_clone().expect("a second handle on the log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_weir"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("WEIR_") {
                command.env_remove(key);
            }
        }
        let child = command
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("the weir binary starts");
        let pid = child.id();
        self.children.push(Running {
            name: name.to_string(),
            child,
            log,
        });
        pid
    }

    /// SIGKILL to the process and then to every process it had started (task shells run in
    /// process groups of their own, so they would outlive it). Waits for the process.
    pub fn kill9(&mut self, pid: u32) {
        let i = self
            .children
            .iter()
            .position(|r| r.child.id() == pid)
            .unwrap_or_else(|| panic!("no process {pid} was started by this test"));
        let mut running = self.children.remove(i);
        kill_tree(&mut running.child);
    }

    /// Whether the process has exited (and how), without waiting.
    pub fn exited(&mut self, pid: u32) -> Option<std::process::ExitStatus> {
        self.children
            .iter_mut()
            .find(|r| r.child.id() == pid)
            .and_then(|r| r.child.try_wait().ok().flatten())
    }

    /// The last `n` lines each process logged, for a failing test's message.
    pub fn tails(&self, n: usize) -> String {
        let mut out = String::new();
        for r in &self.children {
            let text = std::fs::read_to_string(&r.log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let from = lines.len().saturating_sub(n);
            out.push_str(&format!(
                "---- {} (pid {}), last {} lines ----\n{}\n",
                r.name,
                r.child.id(),
                lines.len() - from,
                lines[from..].join("\n")
            ));
        }
        out
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.tails(40));
        }
        for r in &mut self.children {
            kill_tree(&mut r.child);
        }
    }
}

fn kill_tree(child: &mut Child) {
    let descendants = descendants_of(child.id());
    let _ = child.kill();
    let _ = child.wait();
    for pid in descendants {
        let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
    }
}

/// Every process below `root` (children, their children...), from `/proc`.
pub fn descendants_of(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, ppid) in all_processes() {
        children.entry(ppid).or_default().push(pid);
    }
    let mut out = Vec::new();
    let mut queue = VecDeque::from([root]);
    while let Some(pid) = queue.pop_front() {
        for &child in children.get(&pid).into_iter().flatten() {
            out.push(child);
            queue.push_back(child);
        }
    }
    out
}

/// (pid, parent pid) of every process.
fn all_processes() -> Vec<(u32, u32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid ...`: comm may hold spaces, so count after the last `)`.
            let ppid = stat[stat.rfind(')')? + 1..]
                .split_ascii_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid))
        })
        .collect()
}

/// Live (non-zombie) processes whose environment holds `KEY=value` exactly.
pub fn processes_with_env(entry: &str) -> Vec<u32> {
    let needle = entry.as_bytes();
    all_processes()
        .into_iter()
        .map(|(pid, _)| pid)
        .filter(|pid| {
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            environ.split(|b| *b == 0).any(|var| var == needle)
        })
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].split_ascii_whitespace().next());
            !matches!(state, None | Some("Z") | Some("X"))
        })
        .collect()
}

/// The peak resident set size of a process (`VmHWM`), in bytes.
pub fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("cannot read /proc/{pid}/status: {e}"));
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in /proc/{pid}/status"));
    kb * 1024
}
