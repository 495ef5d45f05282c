//! Typed reading of positioned YAML, collecting every error instead of stopping at the first.

use crate::diag::{Code, Diagnostic, Span, did_you_mean, one_of};
use crate::duration::Duration;
use crate::yaml::{Node, Value};

/// The diagnostics of one file, with the file's name and text for positions.
pub(crate) struct Ctx<'s> {
    pub file: &'s str,
    pub source: &'s str,
    pub diags: Vec<Diagnostic>,
}

impl<'s> Ctx<'s> {
    pub fn new(file: &'s str, source: &'s str) -> Self {
        Ctx {
            file,
            source,
            diags: Vec::new(),
        }
    }

    pub fn error(&mut self, span: Span, code: Code, message: impl Into<String>) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::new(self.file, span, code, message));
        self.diags.last_mut().expect("just pushed")
    }

    pub fn wrong_type(&mut self, node: &Node, key: &str, expected: &str) {
        let hint = match (&node.value, expected) {
            (Value::Int(_) | Value::Float(_) | Value::Bool(_), "a string") => {
                "quote the value to make it a string".to_string()
            }
            (Value::Int(_), "a duration") => "add a unit, e.g. `30s` or `5m`".to_string(),
            (_, "a duration") => "write e.g. `30s`, `5m`, `1h30m` or `2d`".to_string(),
            (_, "an integer") => format!("write a whole number, e.g. `{key}: 4`"),
            (_, "a number") => format!("write a number, e.g. `{key}: 0.5`"),
            (_, "true or false") => format!("write `{key}: true` or `{key}: false`"),
            (_, "a list of strings") => {
                "write `[a, b]`, or one item per line starting with `- `".to_string()
            }
            (_, "a mapping") => format!("indent `name: value` pairs under `{key}:`"),
            (_, "a string") => {
                "write text; quote it if it contains `: ` or starts with `{`, `[` or `*`"
                    .to_string()
            }
            _ => format!("`{key}` takes {expected}"),
        };
        self.error(
            node.span,
            Code::WrongType,
            format!("`{key}` must be {expected}, found {}", node.type_name()),
        )
        .hint = Some(hint);
    }

    pub fn has_errors(&self) -> bool {
        !self.diags.is_empty()
    }

    /// The span of `needle` in the source at or after `from`, within `within_lines` lines; used
    /// to point inside a string (at a template variable) instead of at its start.
    pub fn find_after(&self, from: Span, needle: &str, within_lines: usize) -> Option<Span> {
        for (i, line) in self
            .source
            .lines()
            .skip(from.start.line.saturating_sub(1))
            .take(within_lines.max(1))
            .enumerate()
        {
            let skip_chars = if i == 0 {
                from.start.column.saturating_sub(1)
            } else {
                0
            };
            let byte_start = line
                .char_indices()
                .nth(skip_chars)
                .map(|(b, _)| b)
                .unwrap_or(line.len());
            if let Some(pos) = line[byte_start..].find(needle) {
                let column = line[..byte_start + pos].chars().count() + 1;
                return Some(Span::at(
                    from.start.line + i,
                    column,
                    needle.chars().count(),
                ));
            }
        }
        None
    }
}

/// Reads one YAML mapping key by key. Keys are marked as read; `finish` reports the others.
pub(crate) struct MapReader<'n> {
    pub node: &'n Node,
    entries: &'n [(Node, Node)],
    used: Vec<bool>,
    /// What the mapping is, for messages: "the DAG", "task `load`".
    pub what: String,
    /// Where to point when a key is missing: the key that names this mapping, if known.
    owner: Option<Span>,
}

impl<'n> MapReader<'n> {
    /// Starts reading `node` as a mapping; reports a wrong type or duplicate keys.
    pub fn new(
        ctx: &mut Ctx<'_>,
        node: &'n Node,
        key: &str,
        what: impl Into<String>,
    ) -> Option<Self> {
        let Value::Map(entries) = &node.value else {
            if node.value != Value::Null {
                ctx.wrong_type(node, key, "a mapping");
            }
            return None;
        };
        let what = what.into();
        report_duplicate_keys(ctx, entries, &what, Code::DuplicateKey);
        Some(MapReader {
            node,
            entries,
            used: vec![false; entries.len()],
            what,
            owner: None,
        })
    }

    /// Points "missing key" errors at the key that names this mapping (a task's id).
    pub fn with_owner(mut self, span: Span) -> Self {
        self.owner = Some(span);
        self
    }

    pub fn entries(&self) -> &'n [(Node, Node)] {
        self.entries
    }

    /// The value of `key`; null values count as absent, as YAML users write `key:` to leave
    /// something unset.
    pub fn get(&mut self, key: &str) -> Option<&'n Node> {
        let i = self
            .entries
            .iter()
            .position(|(k, _)| k.as_str() == Some(key))?;
        self.used[i] = true;
        let value = &self.entries[i].1;
        (value.value != Value::Null).then_some(value)
    }

    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, _)| k.span)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, v)| k.as_str() == Some(key) && v.value != Value::Null)
    }

    pub fn missing(&self, ctx: &mut Ctx<'_>, key: &str, hint: &str) {
        // A block mapping's own mark is after its first key; its first key is where it starts.
        let first_key = self.entries.first().map(|(k, _)| k.span);
        let span = match (self.owner, first_key) {
            (Some(owner), _) => owner,
            (None, Some(k)) if k.start < self.node.span.start => k,
            _ => self.node.span,
        };
        ctx.error(
            span,
            Code::MissingKey,
            format!("{} is missing the required key `{key}`", self.what),
        )
        .hint = Some(hint.to_string());
    }

    pub fn string(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<(String, Span)> {
        let node = self.get(key)?;
        match &node.value {
            Value::Str(s) => Some((s.clone(), node.span)),
            _ => {
                ctx.wrong_type(node, key, "a string");
                None
            }
        }
    }

    pub fn required_string(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &str,
        hint: &str,
    ) -> Option<(String, Span)> {
        if !self.has(key) {
            self.get(key);
            self.missing(ctx, key, hint);
            return None;
        }
        self.string(ctx, key)
    }

    pub fn bool(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<bool> {
        let node = self.get(key)?;
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                ctx.wrong_type(node, key, "true or false");
                None
            }
        }
    }

    pub fn int(&mut self, ctx: &mut Ctx<'_>, key: &str, min: i64, max: i64) -> Option<i64> {
        let node = self.get(key)?;
        match node.value {
            Value::Int(i) if (min..=max).contains(&i) => Some(i),
            Value::Int(i) => {
                let range = if max == i64::MAX {
                    format!("at least {min}")
                } else {
                    format!("from {min} to {max}")
                };
                ctx.error(
                    node.span,
                    Code::InvalidValue,
                    format!("`{key}` is {i}, but it must be {range}"),
                );
                None
            }
            _ => {
                ctx.wrong_type(node, key, "an integer");
                None
            }
        }
    }

    pub fn number(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<f64> {
        let node = self.get(key)?;
        number_of(ctx, node, key)
    }

    pub fn duration(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<Duration> {
        let node = self.get(key)?;
        duration_of(ctx, node, key)
    }

    /// One of a fixed set of words; a wrong one gets "did you mean" and the list.
    pub fn choice(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &str,
        allowed: &[&'static str],
        code: Code,
    ) -> Option<&'static str> {
        let (text, span) = self.string(ctx, key)?;
        choice_of(ctx, &text, span, key, allowed, code)
    }

    /// A list of strings, or a single string meaning a list of one.
    pub fn string_list(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<Vec<(String, Span)>> {
        let node = self.get(key)?;
        string_list_of(ctx, node, key)
    }

    /// Marks keys starting with `prefix` as read: `x-` keys hold YAML anchors to share blocks.
    pub fn allow_prefixed(&mut self, prefix: &str) {
        for (i, (key, _)) in self.entries.iter().enumerate() {
            if key.as_str().is_some_and(|k| k.starts_with(prefix)) {
                self.used[i] = true;
            }
        }
    }

    /// Reports keys that no reader asked for and that are not in `known`.
    pub fn finish(self, ctx: &mut Ctx<'_>, known: &[&str]) {
        for (i, (key, _)) in self.entries.iter().enumerate() {
            if self.used[i] {
                continue;
            }
            let name = key.scalar_text().unwrap_or_default();
            if known.contains(&name.as_str()) {
                continue;
            }
            let hint = match did_you_mean(&name, known.iter().copied()) {
                Some(k) => format!("did you mean `{k}`?"),
                None if known.is_empty() => format!("{} takes no options", self.what),
                None => format!("known keys: {}", one_of(known)),
            };
            ctx.error(
                key.span,
                Code::UnknownKey,
                format!("unknown key `{name}` in {}", self.what),
            )
            .hint = Some(hint);
        }
    }
}

pub(crate) fn report_duplicate_keys(
    ctx: &mut Ctx<'_>,
    entries: &[(Node, Node)],
    what: &str,
    code: Code,
) {
    for (i, (key, _)) in entries.iter().enumerate() {
        let Some(name) = key.scalar_text() else {
            continue;
        };
        if let Some((first, _)) = entries[..i]
            .iter()
            .find(|(k, _)| k.scalar_text().as_deref() == Some(name.as_str()))
        {
            let message = if code == Code::DuplicateTask {
                format!("task `{name}` is defined twice")
            } else {
                format!("key `{name}` appears twice in {what}")
            };
            ctx.error(key.span, code, message).hint = Some(format!(
                "the first is at line {}; YAML keeps only one of them, so rename or merge them",
                first.span.start.line
            ));
        }
    }
}

pub(crate) fn number_of(ctx: &mut Ctx<'_>, node: &Node, key: &str) -> Option<f64> {
    match node.value {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) if f.is_finite() => Some(f),
        _ => {
            ctx.wrong_type(node, key, "a number");
            None
        }
    }
}

pub(crate) fn duration_of(ctx: &mut Ctx<'_>, node: &Node, key: &str) -> Option<Duration> {
    let Value::Str(text) = &node.value else {
        ctx.wrong_type(node, key, "a duration");
        return None;
    };
    match Duration::parse(text) {
        Ok(d) => Some(d),
        Err(e) => {
            ctx.error(
                node.span,
                Code::BadDuration,
                format!("`{key}`: {}", e.message),
            )
            .hint = Some(e.hint.to_string());
            None
        }
    }
}

pub(crate) fn choice_of(
    ctx: &mut Ctx<'_>,
    text: &str,
    span: Span,
    key: &str,
    allowed: &[&'static str],
    code: Code,
) -> Option<&'static str> {
    if let Some(found) = allowed.iter().find(|a| **a == text) {
        return Some(found);
    }
    let hint = match did_you_mean(text, allowed.iter().copied()) {
        Some(k) => format!("did you mean `{k}`? `{key}` is one of {}", one_of(allowed)),
        None => format!("`{key}` is one of {}", one_of(allowed)),
    };
    ctx.error(span, code, format!("`{text}` is not a valid `{key}`"))
        .hint = Some(hint);
    None
}

pub(crate) fn string_list_of(
    ctx: &mut Ctx<'_>,
    node: &Node,
    key: &str,
) -> Option<Vec<(String, Span)>> {
    match &node.value {
        Value::Str(s) => Some(vec![(s.clone(), node.span)]),
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match &item.value {
                    Value::Str(s) => out.push((s.clone(), item.span)),
                    _ => ctx.wrong_type(item, key, "a list of strings"),
                }
            }
            Some(out)
        }
        _ => {
            ctx.wrong_type(node, key, "a list of strings");
            None
        }
    }
}
