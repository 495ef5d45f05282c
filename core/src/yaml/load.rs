//! Builds the positioned tree from yaml-rust2's marked events.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{Node, Value};
use crate::diag::Span;

/// A YAML syntax error, at the position the parser stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    pub message: String,
    pub span: Span,
    pub hint: Option<String>,
}

/// Parses one YAML document. An empty document gives `Null` at 1:1; more than one document is
/// an error, because one file is one DAG.
pub fn load_str(source: &str) -> Result<Node, LoadError> {
    let mut builder = TreeBuilder::new(source);
    let mut parser = Parser::new_from_str(source);
    if let Err(err) = parser.load(&mut builder, true) {
        let mark = err.marker();
        return Err(LoadError {
            message: format!("invalid YAML: {}", err.info()),
            span: Span::at(mark.line(), mark.col() + 1, 1),
            hint: syntax_hint(err.info()),
        });
    }
    if let Some(err) = builder.error {
        return Err(err);
    }
    match builder.docs.len() {
        0 => Ok(Node {
            value: Value::Null,
            span: Span::at(1, 1, 1),
        }),
        1 => Ok(builder.docs.remove(0)),
        _ => Err(LoadError {
            message: "a DAG file holds one YAML document, this one holds several".into(),
            span: builder.docs[1].span,
            hint: Some("remove the `---` separator, or move each DAG to its own file".into()),
        }),
    }
}

fn syntax_hint(info: &str) -> Option<String> {
    if info.contains("tab") {
        Some("indent with spaces; YAML forbids tabs".into())
    } else if info.contains("mapping values are not allowed") {
        Some("quote a value that contains `: `, or check the indentation of this line".into())
    } else if info.contains("did not find expected key") {
        Some("check the indentation: keys of one mapping line up in one column".into())
    } else {
        None
    }
}

enum Frame {
    Seq(Vec<Node>, Span, usize),
    Map(Vec<(Node, Node)>, Span, usize, Option<Node>),
}

struct TreeBuilder<'a> {
    source: &'a str,
    line_starts: Vec<usize>,
    stack: Vec<Frame>,
    docs: Vec<Node>,
    anchors: HashMap<usize, Node>,
    error: Option<LoadError>,
}

impl<'a> TreeBuilder<'a> {
    fn new(source: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        TreeBuilder {
            source,
            line_starts,
            stack: Vec::new(),
            docs: Vec::new(),
            anchors: HashMap::new(),
            error: None,
        }
    }

    fn span_of(&self, mark: &Marker, width: usize) -> Span {
        Span::at(mark.line(), mark.col() + 1, width)
    }

    /// The width to underline for a scalar: its text on its first line.
    fn scalar_width(&self, mark: &Marker, value: &str, style: TScalarStyle) -> usize {
        let quotes = match style {
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => 2,
            _ => 0,
        };
        let rest_of_line = self
            .line_starts
            .get(mark.line().saturating_sub(1))
            .and_then(|start| self.source.get(*start..))
            .and_then(|line| line.lines().next())
            .map(|line| line.chars().count().saturating_sub(mark.col()))
            .unwrap_or(1);
        (value.chars().count() + quotes).min(rest_of_line).max(1)
    }

    fn push_node(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq(items, _, _)) => items.push(node),
            Some(Frame::Map(entries, _, _, pending_key)) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
    }

    fn on_scalar(
        &mut self,
        text: String,
        style: TScalarStyle,
        anchor: usize,
        tag: Option<Tag>,
        mark: Marker,
    ) {
        let span = self.span_of(&mark, self.scalar_width(&mark, &text, style));
        let value = if style == TScalarStyle::Plain && tag.is_none() {
            resolve_plain(text)
        } else {
            Value::Str(text)
        };
        self.push_node(Node { value, span }, anchor);
    }

    fn on_alias(&mut self, id: usize, mark: Marker) {
        match self.anchors.get(&id) {
            Some(node) => {
                let mut node = node.clone();
                // Errors inside an alias point at its use, where the reader is looking.
                node.span = self.span_of(&mark, 1);
                self.push_node(node, 0);
            }
            None => {
                self.error.get_or_insert(LoadError {
                    message: "unknown alias".into(),
                    span: self.span_of(&mark, 1),
                    hint: Some("define the anchor (`&name`) before using it (`*name`)".into()),
                });
            }
        }
    }

    fn on_map_end(&mut self) {
        if let Some(Frame::Map(entries, span, anchor, _)) = self.stack.pop() {
            let entries = apply_merge_keys(entries);
            self.push_node(
                Node {
                    value: Value::Map(entries),
                    span,
                },
                anchor,
            );
        }
    }
}

/// Resolves `<<: *defaults` merge keys, which YAML users rely on to share blocks between tasks.
/// Keys written in the mapping win over merged ones.
fn apply_merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| k.as_str() == Some("<<")) {
        return entries;
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|(k, _)| k.as_str() == Some("<<"));
    for (_, source) in merges {
        let maps = match source.value {
            Value::Map(m) => vec![m],
            Value::Seq(items) => items
                .into_iter()
                .filter_map(|n| match n.value {
                    Value::Map(m) => Some(m),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for map in maps {
            for (k, v) in map {
                let exists = own.iter().any(|(ok, _)| ok.value == k.value);
                if !exists {
                    own.push((k, v));
                }
            }
        }
    }
    own
}

/// YAML 1.2 core schema for plain scalars: `yes`/`no`/`on`/`off` stay strings, as users expect.
fn resolve_plain(text: String) -> Value {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        let digits = text.strip_prefix('+').unwrap_or(&text);
        if let Ok(i) = digits.parse::<i64>() {
            return Value::Int(i);
        }
        if let Some(hex) = text.strip_prefix("0x")
            && let Ok(i) = i64::from_str_radix(hex, 16)
        {
            return Value::Int(i);
        }
        let looks_numeric = digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
        if looks_numeric && let Ok(f) = digits.parse::<f64>() {
            return Value::Float(f);
        }
    }
    match text.as_str() {
        ".inf" | ".Inf" | ".INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ => Value::Str(text),
    }
}

impl MarkedEventReceiver for TreeBuilder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                self.on_scalar(text, style, anchor, tag, mark)
            }
            Event::Alias(id) => self.on_alias(id, mark),
            Event::SequenceStart(anchor, _) => {
                self.stack
                    .push(Frame::Seq(Vec::new(), self.span_of(&mark, 1), anchor))
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(items, span, anchor)) = self.stack.pop() {
                    self.push_node(
                        Node {
                            value: Value::Seq(items),
                            span,
                        },
                        anchor,
                    );
                }
            }
            Event::MappingStart(anchor, _) => {
                self.stack
                    .push(Frame::Map(Vec::new(), self.span_of(&mark, 1), anchor, None))
            }
            Event::MappingEnd => self.on_map_end(),
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_keys(node: &Node) -> Vec<(String, usize, usize)> {
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, _)| {
                    (
                        k.as_str().unwrap().to_string(),
                        k.span.start.line,
                        k.span.start.column,
                    )
                })
                .collect(),
            _ => panic!("not a map"),
        }
    }

    #[test]
    fn positions_are_one_based() {
        let node = load_str("a: 1\nb:\n  c: x\n").unwrap();
        assert_eq!(
            map_keys(&node),
            vec![("a".into(), 1, 1), ("b".into(), 2, 1)]
        );
        let Value::Map(entries) = &node.value else {
            panic!()
        };
        let inner = &entries[1].1;
        assert_eq!(map_keys(inner), vec![("c".into(), 3, 3)]);
    }

    #[test]
    fn plain_scalars_resolve_to_yaml_1_2_core_types() {
        let node = load_str("[1, -2, 1.5, true, null, yes, '3', 2026-01-01, 0x10]").unwrap();
        let Value::Seq(items) = node.value else {
            panic!()
        };
        let values: Vec<Value> = items.into_iter().map(|n| n.value).collect();
        assert_eq!(
            values,
            vec![
                Value::Int(1),
                Value::Int(-2),
                Value::Float(1.5),
                Value::Bool(true),
                Value::Null,
                Value::Str("yes".into()),
                Value::Str("3".into()),
                Value::Str("2026-01-01".into()),
                Value::Int(16),
            ]
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = load_str("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
        assert!(err.span.start.line >= 2);
    }

    #[test]
    fn merge_keys_and_aliases_are_resolved() {
        let node = load_str("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n").unwrap();
        let Value::Map(entries) = &node.value else {
            panic!()
        };
        let use_node = &entries[1].1;
        let json = use_node.to_json();
        assert_eq!(json, serde_json::json!({"y": 3, "x": 1}));
    }

    #[test]
    fn several_documents_are_refused() {
        let err = load_str("a: 1\n---\nb: 2\n").unwrap_err();
        assert!(err.message.contains("several"));
    }
}
