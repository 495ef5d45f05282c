//! A data task's log: lines the runner writes about what it did, sent where a shell task's
//! output goes (the store while a worker runs it, the terminal under `tasks test`).

use chrono::Utc;
use tokio::sync::mpsc;

use crate::process::{LogLine, Stream};

#[derive(Clone)]
pub struct DataLog {
    tx: mpsc::Sender<LogLine>,
}

impl DataLog {
    pub fn new(tx: mpsc::Sender<LogLine>) -> Self {
        DataLog { tx }
    }

    pub fn info(&self, line: impl Into<String>) {
        self.send(Stream::Stdout, line.into());
    }

    pub fn error(&self, line: impl Into<String>) {
        self.send(Stream::Stderr, line.into());
    }

    fn send(&self, stream: Stream, line: String) {
        // A full channel drops a line rather than stall the task; a data task writes few.
        let _ = self.tx.try_send(LogLine {
            stream,
            line,
            at: Utc::now(),
            continuation: false,
        });
    }
}
