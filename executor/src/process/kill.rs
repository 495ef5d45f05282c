//! Process-group termination: SIGTERM, a grace period, then SIGKILL.
//!
//! The shell runs as the leader of its own process group, so one `killpg` reaches its children
//! and grandchildren (`sleep 1000 &` included). A [`Group`] sends SIGKILL to the whole group when
//! dropped while armed, so a runner future that is dropped half-way leaves nothing behind.

use std::fs;
use std::io;
use std::process::ExitStatus;
use std::time::Duration;

use chrono::{DateTime, Utc};
use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::Child;
use tokio::time::{Instant, sleep};

/// How often the group is checked for survivors while waiting for it to die.
const POLL: Duration = Duration::from_millis(25);

/// How long to wait for the group to disappear after SIGKILL before giving up on it (a process
/// stuck in uninterruptible sleep cannot be killed any faster).
const AFTER_SIGKILL: Duration = Duration::from_secs(5);

/// How a [`Group::terminate`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Termination {
    /// When SIGKILL was sent, if the grace period ran out.
    pub killed_at: Option<DateTime<Utc>>,
    /// Members were still alive [`AFTER_SIGKILL`] after SIGKILL.
    pub survivors: bool,
}

/// The process group of one shell command; its id is the shell's pid.
#[derive(Debug)]
pub(crate) struct Group {
    pgid: Pid,
    armed: bool,
}

impl Group {
    /// Takes charge of the group led by `pid`, armed to SIGKILL it on drop.
    pub fn new(pid: u32) -> Self {
        let raw = i32::try_from(pid).expect("pids fit in i32");
        Self {
            pgid: Pid::from_raw(raw),
            armed: true,
        }
    }

    /// Sends `signal` to every member; false when the group no longer exists.
    pub fn signal(&self, signal: Signal) -> bool {
        !matches!(killpg(self.pgid, signal), Err(Errno::ESRCH))
    }

    /// Whether any member is still running. Zombies do not count: where init does not reap
    /// orphans promptly, a dead grandchild would otherwise look alive until it is reaped.
    pub fn alive(&self) -> bool {
        match killpg(self.pgid, None) {
            Err(Errno::ESRCH) => false,
            Err(_) => true,
            Ok(()) => live_member_in_proc(self.pgid.as_raw()).unwrap_or(true),
        }
    }

    /// SIGTERM to the group, then SIGKILL once `grace` has passed if any member is still alive.
    /// Reaps the shell (`status`) on the way.
    pub async fn terminate(
        &self,
        child: &mut Child,
        status: &mut Option<ExitStatus>,
        grace: Duration,
    ) -> io::Result<Termination> {
        self.signal(Signal::SIGTERM);
        if self
            .wait_gone(child, status, Instant::now() + grace)
            .await?
        {
            return Ok(Termination {
                killed_at: None,
                survivors: false,
            });
        }
        self.signal(Signal::SIGKILL);
        let killed_at = Some(Utc::now());
        let gone = self
            .wait_gone(child, status, Instant::now() + AFTER_SIGKILL)
            .await?;
        Ok(Termination {
            killed_at,
            survivors: !gone,
        })
    }

    /// Waits until the shell is reaped and no member is alive, or until `deadline`.
    async fn wait_gone(
        &self,
        child: &mut Child,
        status: &mut Option<ExitStatus>,
        deadline: Instant,
    ) -> io::Result<bool> {
        loop {
            if status.is_some() && !self.alive() {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            let nap = sleep(POLL.min(deadline - now));
            if status.is_none() {
                tokio::select! {
                    exited = child.wait() => *status = Some(exited?),
                    () = nap => {}
                }
            } else {
                nap.await;
            }
        }
    }

    /// The group is known to be gone (or given up on): dropping must not signal it any more.
    pub fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.armed {
            let _ = killpg(self.pgid, Signal::SIGKILL);
        }
    }
}

/// Whether `/proc` shows a member of group `pgid` that is not a zombie; `None` without `/proc`.
fn live_member_in_proc(pgid: i32) -> Option<bool> {
    let entries = fs::read_dir("/proc").ok()?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = fs::read_to_string(format!("/proc/{name}/stat")) else {
            continue;
        };
        if let Some((state, pgrp)) = parse_stat(&stat)
            && pgrp == pgid
            && state != 'Z'
            && state != 'X'
        {
            return Some(true);
        }
    }
    Some(false)
}

/// State and process group from a `/proc/<pid>/stat` line: `pid (comm) S ppid pgrp ...`.
/// The command name may hold spaces and parentheses, so fields are counted after the last `)`.
fn parse_stat(stat: &str) -> Option<(char, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names_parse() {
        assert_eq!(parse_stat("42 (sh) S 1 42 42 0 -1"), Some(('S', 42)));
        assert_eq!(parse_stat("43 (a (b) c) Z 42 42 42 0"), Some(('Z', 42)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn own_group_is_alive_and_unknown_group_is_not() {
        let own = nix::unistd::getpgrp().as_raw();
        assert_eq!(live_member_in_proc(own), Some(true));
        let mut unknown = Group {
            pgid: Pid::from_raw(i32::MAX - 7),
            armed: false,
        };
        assert!(!unknown.alive());
        unknown.disarm();
    }
}
