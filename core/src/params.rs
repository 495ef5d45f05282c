//! Run parameters: a small JSON-Schema subset, checked on defaults when a DAG is parsed and on
//! the conf of every trigger.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

impl ParamType {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "string" => ParamType::String,
            "integer" => ParamType::Integer,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "array" => ParamType::Array,
            "object" => ParamType::Object,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Array => "array",
            ParamType::Object => "object",
        }
    }

    fn accepts(self, value: &Json) -> bool {
        match self {
            ParamType::String => value.is_string(),
            ParamType::Integer => value.is_i64() || value.is_u64(),
            ParamType::Number => value.is_number(),
            ParamType::Boolean => value.is_boolean(),
            ParamType::Array => value.is_array(),
            ParamType::Object => value.is_object(),
        }
    }
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    #[serde(rename = "type")]
    pub ty: ParamType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<Json>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

impl ParamSpec {
    /// Checks one value against this spec; the error says what is expected.
    pub fn check(&self, value: &Json) -> Result<(), String> {
        if !self.ty.accepts(value) {
            return Err(format!(
                "expected {}, got {}",
                self.ty.as_str(),
                json_type(value)
            ));
        }
        if let Some(allowed) = &self.allowed
            && !allowed.contains(value)
        {
            let list: Vec<String> = allowed.iter().map(Json::to_string).collect();
            return Err(format!("{value} is not one of {}", list.join(", ")));
        }
        if let Some(n) = value.as_f64() {
            if let Some(min) = self.minimum
                && n < min
            {
                return Err(format!("{value} is less than the minimum {min}"));
            }
            if let Some(max) = self.maximum
                && n > max
            {
                return Err(format!("{value} is greater than the maximum {max}"));
            }
        }
        let length = match value {
            Json::String(s) => Some(s.chars().count() as u64),
            Json::Array(a) => Some(a.len() as u64),
            _ => None,
        };
        if let Some(len) = length {
            if let Some(min) = self.min_length
                && len < min
            {
                return Err(format!("length {len} is less than min_length {min}"));
            }
            if let Some(max) = self.max_length
                && len > max
            {
                return Err(format!("length {len} is greater than max_length {max}"));
            }
        }
        if let (Some(pattern), Json::String(s)) = (&self.pattern, value) {
            let re = regex::Regex::new(pattern).map_err(|e| format!("invalid pattern: {e}"))?;
            if !re.is_match(s) {
                return Err(format!("\"{s}\" does not match the pattern `{pattern}`"));
            }
        }
        Ok(())
    }
}

fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// A conf value that does not fit the DAG's params.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("param `{param}`: {message}")]
pub struct ParamError {
    pub param: String,
    pub message: String,
}

/// Merges a trigger's conf over the defaults and checks every param: unknown names, missing
/// required ones and values that break their schema are all reported, not just the first.
pub fn resolve_params(
    specs: &IndexMap<String, ParamSpec>,
    conf: &serde_json::Map<String, Json>,
) -> Result<serde_json::Map<String, Json>, Vec<ParamError>> {
    let mut errors = Vec::new();
    let mut resolved = serde_json::Map::new();
    for name in conf.keys() {
        if !specs.contains_key(name) {
            let known: Vec<&str> = specs.keys().map(String::as_str).collect();
            let hint = crate::diag::did_you_mean(name, known.iter().copied())
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            errors.push(ParamError {
                param: name.clone(),
                message: format!("not a param of this DAG{hint}"),
            });
        }
    }
    for (name, spec) in specs {
        let value = conf.get(name).or(spec.default.as_ref());
        match value {
            None => errors.push(ParamError {
                param: name.clone(),
                message: "required: it has no default, so the trigger must give it".into(),
            }),
            Some(v) => match spec.check(v) {
                Ok(()) => {
                    resolved.insert(name.clone(), v.clone());
                }
                Err(message) => errors.push(ParamError {
                    param: name.clone(),
                    message,
                }),
            },
        }
    }
    if errors.is_empty() {
        Ok(resolved)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(ty: ParamType) -> ParamSpec {
        ParamSpec {
            ty,
            default: None,
            description: None,
            allowed: None,
            minimum: None,
            maximum: None,
            min_length: None,
            max_length: None,
            pattern: None,
        }
    }

    #[test]
    fn checks_type_range_enum_and_pattern() {
        let mut days = spec(ParamType::Integer);
        days.minimum = Some(1.0);
        days.maximum = Some(90.0);
        assert!(days.check(&json!(7)).is_ok());
        assert!(days.check(&json!(0)).unwrap_err().contains("minimum"));
        assert!(
            days.check(&json!(7.5))
                .unwrap_err()
                .contains("expected integer")
        );
        let mut env = spec(ParamType::String);
        env.allowed = Some(vec![json!("dev"), json!("prod")]);
        assert!(env.check(&json!("qa")).unwrap_err().contains("not one of"));
        let mut code = spec(ParamType::String);
        code.pattern = Some("^[a-z]{2}$".into());
        assert!(code.check(&json!("de")).is_ok());
        assert!(code.check(&json!("DEU")).is_err());
    }

    #[test]
    fn resolve_reports_every_problem() {
        let mut specs = IndexMap::new();
        let mut days = spec(ParamType::Integer);
        days.default = Some(json!(7));
        specs.insert("days".to_string(), days);
        specs.insert("region".to_string(), spec(ParamType::String));
        let conf = json!({"dayz": 3}).as_object().unwrap().clone();
        let errors = resolve_params(&specs, &conf).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].message.contains("did you mean `days`"));
        assert!(errors[1].message.contains("required"));
        let ok = json!({"region": "eu"}).as_object().unwrap().clone();
        let resolved = resolve_params(&specs, &ok).unwrap();
        assert_eq!(resolved["days"], json!(7));
    }
}
