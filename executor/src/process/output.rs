//! The `$WEIR_OUTPUT` file: a task writes one JSON object there to hand values downstream.
//!
//! The runner creates an empty file with a random name before the process starts, passes its path
//! in `WEIR_OUTPUT`, reads it back once the process group is gone, and deletes it whatever
//! happened (the [`Drop`] impl covers early returns and cancelled futures).

use std::collections::hash_map::RandomState;
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The largest output file that is parsed; larger ones are reported as an `output_error`.
pub const MAX_OUTPUT_BYTES: u64 = 1024 * 1024;

/// What the task left in its output file.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct OutputRead {
    pub value: Option<serde_json::Value>,
    pub error: Option<String>,
}

/// The output file of one attempt; removed when dropped.
#[derive(Debug)]
pub(crate) struct OutputFile {
    path: PathBuf,
}

impl OutputFile {
    /// Creates `weir-output-<random>.json`, empty, in `dir`.
    pub fn create(dir: &Path) -> io::Result<Self> {
        for _ in 0..16 {
            let path = dir.join(format!("weir-output-{:016x}.json", random_u64()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(Self { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(context(e, dir)),
            }
        }
        Err(context(
            io::Error::new(
                io::ErrorKind::AlreadyExists,
                "no free file name after 16 tries",
            ),
            dir,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads and parses the file (once the process is gone), then deletes it.
    pub fn read_and_remove(self) -> OutputRead {
        let read = read_output(&self.path);
        drop(self);
        read
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn context(e: io::Error, dir: &Path) -> io::Error {
    io::Error::new(
        e.kind(),
        format!(
            "cannot create the WEIR_OUTPUT file in `{}`: {e}",
            dir.display()
        ),
    )
}

fn read_output(path: &Path) -> OutputRead {
    let bytes = match read_bounded(path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return OutputRead {
                value: None,
                error: Some(format!(
                    "WEIR_OUTPUT is larger than {} KiB; it was ignored",
                    MAX_OUTPUT_BYTES / 1024
                )),
            };
        }
        // The task may delete its output file; that means "no output".
        Err(e) if e.kind() == io::ErrorKind::NotFound => return OutputRead::default(),
        Err(e) => {
            return OutputRead {
                value: None,
                error: Some(format!("cannot read WEIR_OUTPUT: {e}")),
            };
        }
    };
    parse_output(&bytes)
}

/// `Ok(None)` when the file is over [`MAX_OUTPUT_BYTES`]; never reads more than that plus one.
fn read_bounded(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(MAX_OUTPUT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= MAX_OUTPUT_BYTES).then_some(bytes))
}

pub(crate) fn parse_output(bytes: &[u8]) -> OutputRead {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return OutputRead::default();
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value @ serde_json::Value::Object(_)) => OutputRead {
            value: Some(value),
            error: None,
        },
        Ok(other) => OutputRead {
            value: None,
            error: Some(format!(
                "WEIR_OUTPUT must hold a JSON object, not {}",
                kind(&other)
            )),
        },
        Err(e) => OutputRead {
            value: None,
            error: Some(format!(
                "WEIR_OUTPUT is not valid JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                without_position(&e)
            )),
        },
    }
}

/// serde_json's message without its trailing " at line L column C".
fn without_position(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A random number from the standard library's per-process random hash keys, mixed with a
/// counter and the pid; `create_new` guards against the (unlikely) collision anyway.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_blank_mean_no_output() {
        assert_eq!(parse_output(b""), OutputRead::default());
        assert_eq!(parse_output(b" \n\t"), OutputRead::default());
    }

    #[test]
    fn object_is_accepted() {
        let read = parse_output(br#"{"rows": 3}"#);
        assert_eq!(read.value, Some(serde_json::json!({"rows": 3})));
        assert_eq!(read.error, None);
    }

    #[test]
    fn invalid_json_names_the_position() {
        let read = parse_output(b"{\"a\" }");
        assert_eq!(read.value, None);
        assert_eq!(
            read.error.as_deref(),
            Some("WEIR_OUTPUT is not valid JSON at line 1 column 6: expected `:`")
        );
    }

    #[test]
    fn non_objects_are_refused() {
        let read = parse_output(b"[1, 2]");
        assert_eq!(
            read.error.as_deref(),
            Some("WEIR_OUTPUT must hold a JSON object, not an array")
        );
    }

    #[test]
    fn file_is_created_empty_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = OutputFile::create(dir.path()).unwrap();
        let path = file.path().to_owned();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            name.starts_with("weir-output-") && name.ends_with(".json"),
            "{name}"
        );
        assert_eq!(fs::metadata(&path).unwrap().len(), 0);
        assert_eq!(file.read_and_remove(), OutputRead::default());
        assert!(!path.exists());
    }

    #[test]
    fn missing_dir_is_named() {
        let err = OutputFile::create(Path::new("/nonexistent/weir-out")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/weir-out"), "{err}");
    }
}
