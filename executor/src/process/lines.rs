//! Bounded line reading from one pipe.
//!
//! A reader uses one fixed buffer and one pending-line buffer of at most `max_line_bytes`, so its
//! memory does not depend on what the child prints. Lines are sent as soon as they are complete;
//! over-long lines are split (at a UTF-8 character boundary) and the later pieces are marked as
//! continuations. Both streams share one [`Budget`]: once it is spent, readers stop sending but
//! keep draining the pipe so that the child never blocks on a full pipe.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc::Sender;
use tokio_util::sync::CancellationToken;

use super::{LogLine, Stream};

/// Size of the fixed read buffer (one pipe's default capacity on Linux).
const READ_BUF: usize = 64 * 1024;

/// The smallest accepted `max_line_bytes`: a split must fit one whole UTF-8 character.
pub(crate) const MIN_LINE_BYTES: usize = 4;

/// After `stop` (the process group is gone): a read that brings nothing for this long ends the
/// stream. Only a process that escaped the group (setsid) can still hold the pipe then.
const IDLE_AFTER_STOP: Duration = Duration::from_millis(250);

/// After `stop`: at most this much more is read, so an escaped process that keeps writing cannot
/// keep the runner busy forever.
const MAX_READ_AFTER_STOP: u64 = 4 * 1024 * 1024;

/// The byte budget shared by stdout and stderr of one attempt.
#[derive(Debug)]
pub(crate) struct Budget {
    max: u64,
    kept: AtomicU64,
    dropped: AtomicU64,
    spent: AtomicBool,
}

impl Budget {
    pub fn new(max: u64) -> Self {
        Self {
            max,
            kept: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            spent: AtomicBool::new(false),
        }
    }

    /// Counts `n` bytes as kept if they fit, else marks the budget spent and counts them dropped.
    fn admit(&self, n: u64) -> bool {
        if !self.is_spent() {
            let fits = self
                .kept
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |kept| {
                    kept.checked_add(n).filter(|&total| total <= self.max)
                });
            if fits.is_ok() {
                return true;
            }
            self.spent.store(true, Ordering::Release);
        }
        self.drop_bytes(n);
        false
    }

    fn drop_bytes(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::AcqRel);
    }

    fn is_spent(&self) -> bool {
        self.spent.load(Ordering::Acquire)
    }

    pub fn kept(&self) -> u64 {
        self.kept.load(Ordering::Acquire)
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Acquire)
    }
}

/// Reads one pipe to its end (or to `stop` plus a short drain), sending lines on `log`.
pub(crate) struct LineReader {
    pub stream: Stream,
    pub max_line_bytes: usize,
    pub budget: Arc<Budget>,
    pub log: Sender<LogLine>,
    /// Cancelled once the process group is gone: from then on reads are bounded.
    pub stop: CancellationToken,
}

impl LineReader {
    pub async fn run<R: AsyncRead + Unpin>(self, mut pipe: R) -> std::io::Result<()> {
        let mut buf = vec![0u8; READ_BUF];
        let mut lines = Splitter::new(self.max_line_bytes.max(MIN_LINE_BYTES));
        let mut after_stop = 0u64;
        loop {
            let n = if self.stop.is_cancelled() {
                if after_stop > MAX_READ_AFTER_STOP {
                    break;
                }
                match tokio::time::timeout(IDLE_AFTER_STOP, pipe.read(&mut buf)).await {
                    Ok(read) => read?,
                    Err(_idle) => break,
                }
            } else {
                tokio::select! {
                    read = pipe.read(&mut buf) => read?,
                    () = self.stop.cancelled() => continue,
                }
            };
            if n == 0 {
                break;
            }
            if self.stop.is_cancelled() {
                after_stop += n as u64;
            }
            self.feed(&mut lines, &buf[..n]).await;
        }
        if let Some(piece) = lines.finish() {
            self.emit(piece).await;
        }
        Ok(())
    }

    async fn feed(&self, lines: &mut Splitter, mut data: &[u8]) {
        while !data.is_empty() {
            if self.budget.is_spent() {
                self.budget
                    .drop_bytes((data.len() + lines.discard()) as u64);
                return;
            }
            let (used, piece) = lines.push(data);
            data = &data[used..];
            if let Some(piece) = piece {
                self.emit(piece).await;
            }
        }
    }

    async fn emit(&self, piece: Piece) {
        if !self.budget.admit(piece.raw_len as u64) || piece.skip {
            return;
        }
        let line = LogLine {
            stream: self.stream,
            line: piece.text,
            at: Utc::now(),
            continuation: piece.continuation,
        };
        // A closed channel means nobody stores the log any more; the pipe is drained regardless.
        let _ = self.log.send(line).await;
    }
}

/// One piece of output ready to be sent.
#[derive(Debug, PartialEq)]
struct Piece {
    text: String,
    /// Bytes of the pipe this piece accounts for, newline included.
    raw_len: usize,
    continuation: bool,
    /// Only accounts bytes: the newline right after a split at exactly `max_line_bytes`.
    skip: bool,
}

/// Splits a byte stream into lines of at most `max` bytes, holding at most `max` bytes.
#[derive(Debug)]
struct Splitter {
    max: usize,
    pending: Vec<u8>,
    /// The previous piece was cut at `max`; the next one continues it.
    continues: bool,
}

impl Splitter {
    fn new(max: usize) -> Self {
        Self {
            max,
            pending: Vec::new(),
            continues: false,
        }
    }

    /// Consumes a prefix of `data`; returns how much and the piece completed, if any.
    fn push(&mut self, data: &[u8]) -> (usize, Option<Piece>) {
        let room = self.max - self.pending.len();
        // A newline right at `room` still ends a line of exactly `max` bytes.
        let window = &data[..data.len().min(room + 1)];
        if let Some(i) = window.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&data[..i]);
            return (i + 1, Some(self.line_end()));
        }
        let take = data.len().min(room);
        self.pending.extend_from_slice(&data[..take]);
        let piece = (self.pending.len() >= self.max).then(|| self.split());
        (take, piece)
    }

    /// The pending bytes end a line (a newline was consumed).
    fn line_end(&mut self) -> Piece {
        if self.pending.is_empty() && self.continues {
            self.continues = false;
            return Piece {
                text: String::new(),
                raw_len: 1,
                continuation: true,
                skip: true,
            };
        }
        let mut piece = self.take(self.pending.len(), true);
        piece.raw_len += 1;
        self.continues = false;
        piece
    }

    /// The pending bytes reached `max`: cut at a character boundary, keep the rest pending.
    fn split(&mut self) -> Piece {
        let piece = self.take(utf8_cut(&self.pending), false);
        self.continues = true;
        piece
    }

    /// End of stream: whatever is pending, without a newline.
    fn finish(&mut self) -> Option<Piece> {
        (!self.pending.is_empty()).then(|| self.take(self.pending.len(), false))
    }

    /// Forgets the pending bytes, returning how many there were.
    fn discard(&mut self) -> usize {
        let n = self.pending.len();
        self.pending.clear();
        n
    }

    /// The first `len` pending bytes as a piece; `crlf` drops a trailing carriage return.
    fn take(&mut self, len: usize, crlf: bool) -> Piece {
        let mut bytes = &self.pending[..len];
        if crlf {
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        }
        let text = String::from_utf8_lossy(bytes).into_owned();
        let piece = Piece {
            text,
            raw_len: len,
            continuation: self.continues,
            skip: false,
        };
        self.pending.drain(..len);
        piece
    }
}

/// Where to cut `bytes` so that a multi-byte character at its end is not torn apart: the length
/// up to the start of an incomplete trailing character, or the whole length.
fn utf8_cut(bytes: &[u8]) -> usize {
    let n = bytes.len();
    for back in 1..=n.min(3) {
        let b = bytes[n - back];
        if b & 0xC0 != 0x80 {
            let need = match b {
                0xF0.. => 4,
                0xE0.. => 3,
                0xC0.. => 2,
                _ => 1,
            };
            return if need > back && back < n { n - back } else { n };
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(max: usize, chunks: &[&[u8]]) -> Vec<(String, usize, bool, bool)> {
        let mut s = Splitter::new(max);
        let mut out = Vec::new();
        for chunk in chunks {
            let mut data = *chunk;
            while !data.is_empty() {
                let (used, piece) = s.push(data);
                data = &data[used..];
                out.extend(piece);
            }
        }
        out.extend(s.finish());
        out.into_iter()
            .map(|p| (p.text, p.raw_len, p.continuation, p.skip))
            .collect()
    }

    fn p(text: &str, raw: usize, cont: bool) -> (String, usize, bool, bool) {
        (text.to_owned(), raw, cont, false)
    }

    #[test]
    fn lines_across_chunks() {
        assert_eq!(
            pieces(16, &[b"ab", b"c\nde\r\n", b"f"]),
            vec![p("abc", 4, false), p("de", 4, false), p("f", 1, false)]
        );
    }

    #[test]
    fn long_lines_are_split_and_marked() {
        assert_eq!(
            pieces(4, &[b"abcdefghij\nxy\n"]),
            vec![
                p("abcd", 4, false),
                p("efgh", 4, true),
                p("ij", 3, true),
                p("xy", 3, false)
            ]
        );
    }

    #[test]
    fn line_of_exactly_max_is_one_line() {
        assert_eq!(
            pieces(4, &[b"abcd\n", b"e\n"]),
            vec![p("abcd", 5, false), p("e", 2, false)]
        );
        // Split at max when the newline comes in a later chunk: the newline is only counted.
        assert_eq!(
            pieces(4, &[b"abcd", b"\ne\n"]),
            vec![
                p("abcd", 4, false),
                (String::new(), 1, true, true),
                p("e", 2, false)
            ]
        );
    }

    #[test]
    fn splits_keep_characters_whole() {
        // "aé" is 3 bytes, "€" 3 bytes: a cut at 4 would tear the euro sign.
        let got = pieces(4, &["aé€x\n".as_bytes()]);
        assert_eq!(got, vec![p("aé", 3, false), p("€x", 5, true)]);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(pieces(16, &[b"a\xffb\n"]), vec![p("a\u{fffd}b", 4, false)]);
    }

    #[test]
    fn utf8_cut_points() {
        assert_eq!(utf8_cut(b"abcd"), 4);
        assert_eq!(utf8_cut("ab\u{e9}".as_bytes()), 4);
        assert_eq!(utf8_cut(&"abc\u{20ac}".as_bytes()[..5]), 3);
        assert_eq!(utf8_cut(&[0xE2, 0x82]), 2);
    }

    #[test]
    fn budget_is_shared_and_sticky() {
        let budget = Budget::new(10);
        assert!(budget.admit(6));
        assert!(!budget.admit(6));
        assert!(!budget.admit(1), "once spent, nothing more is kept");
        assert_eq!((budget.kept(), budget.dropped()), (6, 7));
    }
}
