//! Diagnostics: what is wrong in a DAG file, where, and how to fix it.
//!
//! Rendered like a compiler's errors so that a terminal, an editor and CI logs all point at the
//! same line and column.

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

/// A position in a source file, 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// The region of a source file a diagnostic points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Span {
    pub start: Pos,
    /// Character length on the start line, at least 1; used only to underline.
    pub len: usize,
}

impl Span {
    pub fn at(line: usize, column: usize, len: usize) -> Self {
        Span {
            start: Pos { line, column },
            len: len.max(1),
        }
    }
}

/// A stable machine-readable code for each kind of mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    Io,
    YamlSyntax,
    UnknownKey,
    WrongType,
    MissingKey,
    InvalidValue,
    DuplicateKey,
    DuplicateTask,
    UnknownUpstream,
    SelfDependency,
    Cycle,
    InvalidCron,
    UnknownTimezone,
    BadDuration,
    UnknownTriggerRule,
    InvalidParamDefault,
    TemplateSyntax,
    UnknownTemplateVariable,
    UnknownOutput,
    EmptyDag,
    UnsupportedVersion,
    InvalidId,
    DuplicateDagId,
    UnknownColumn,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Io => "io",
            Code::YamlSyntax => "yaml-syntax",
            Code::UnknownKey => "unknown-key",
            Code::WrongType => "wrong-type",
            Code::MissingKey => "missing-key",
            Code::InvalidValue => "invalid-value",
            Code::DuplicateKey => "duplicate-key",
            Code::DuplicateTask => "duplicate-task",
            Code::UnknownUpstream => "unknown-upstream",
            Code::SelfDependency => "self-dependency",
            Code::Cycle => "cycle",
            Code::InvalidCron => "invalid-cron",
            Code::UnknownTimezone => "unknown-timezone",
            Code::BadDuration => "bad-duration",
            Code::UnknownTriggerRule => "unknown-trigger-rule",
            Code::InvalidParamDefault => "invalid-param-default",
            Code::TemplateSyntax => "template-syntax",
            Code::UnknownTemplateVariable => "unknown-template-variable",
            Code::UnknownOutput => "unknown-output",
            Code::EmptyDag => "empty-dag",
            Code::UnsupportedVersion => "unsupported-version",
            Code::InvalidId => "invalid-id",
            Code::DuplicateDagId => "duplicate-dag-id",
            Code::UnknownColumn => "unknown-column",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One mistake in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip)]
    pub len: usize,
    pub code: Code,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &str, span: Span, code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            line: span.start.line,
            column: span.start.column,
            len: span.len,
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Renders the diagnostic with the offending source line underlined, as compilers do.
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "error[{}]: {}", self.code, self.message);
        let _ = writeln!(out, "  --> {}:{}:{}", self.file, self.line, self.column);
        let line_text = source.and_then(|s| s.lines().nth(self.line.saturating_sub(1)));
        if let Some(text) = line_text {
            let gutter = self.line.to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", self.line, text.trim_end());
            let caret_pad = " ".repeat(self.column.saturating_sub(1));
            let carets = "^".repeat(self.len.max(1));
            let _ = writeln!(out, "{pad} | {caret_pad}{carets}");
            if let Some(hint) = &self.hint {
                let _ = writeln!(out, "{pad} = hint: {hint}");
            }
        } else if let Some(hint) = &self.hint {
            let _ = writeln!(out, "   = hint: {hint}");
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {} [{}]",
            self.file, self.line, self.column, self.message, self.code
        )?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// Suggests the closest known name for a misspelt one, if any is close enough to be a typo:
/// a few edits away (scaled by length), or very similar by Jaro-Winkler for longer names.
pub fn did_you_mean<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let unknown_lower = unknown.to_ascii_lowercase();
    let max_edits = (unknown.chars().count() / 3).max(1);
    let mut best: Option<(&'a str, usize, f64)> = None;
    for k in known {
        let k_lower = k.to_ascii_lowercase();
        let edits = strsim::levenshtein(&unknown_lower, &k_lower);
        let similarity = strsim::jaro_winkler(&unknown_lower, &k_lower);
        if edits > max_edits && similarity < 0.88 {
            continue;
        }
        let better = match best {
            None => true,
            Some((_, e, s)) => edits < e || (edits == e && similarity > s),
        };
        if better {
            best = Some((k, edits, similarity));
        }
    }
    best.map(|(k, _, _)| k)
}

/// Formats a list of names for a hint: "`a`, `b` or `c`".
pub fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|n| format!("`{n}`")).collect();
            format!("{} or `{last}`", init.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("schedul", ["schedule", "tasks"]),
            Some("schedule")
        );
        assert_eq!(did_you_mean("zzz", ["schedule", "tasks"]), None);
        assert_eq!(did_you_mean("rn", ["retries", "run", "shell"]), Some("run"));
        assert_eq!(
            did_you_mean("Europe/Berln", ["Europe/Berlin", "Europe/Bern"]),
            Some("Europe/Berlin")
        );
    }

    #[test]
    fn one_of_lists_names() {
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
        assert_eq!(one_of(&["a"]), "`a`");
    }

    #[test]
    fn render_underlines_the_span() {
        let d = Diagnostic::new("d.yaml", Span::at(2, 3, 4), Code::UnknownKey, "bad")
            .with_hint("fix it");
        let text = d.render(Some("a: 1\n  tsks: 2\n"));
        assert!(text.contains("2 |   tsks: 2"), "{text}");
        assert!(text.contains("  |   ^^^^"), "{text}");
        assert!(text.contains("= hint: fix it"), "{text}");
    }
}
