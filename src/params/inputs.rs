//! From a checked argument to the value a provider receives: Anchor takes every input as
//! text, Browser Use skills take JSON of the parameter's type ([`InputForm`]). Pure functions,
//! no I/O; the task tools (`mcp::task_tools`) and the providers' adapters share them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Param, ParamType};

/// How a provider takes input values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputForm {
    /// Anchor: every value as text.
    Text,
    /// Browser Use skills: JSON of the parameter's type.
    Json,
}

impl InputForm {
    /// `value` in this form for `param`, or why it does not fit.
    pub fn convert(self, param: &Param, value: &Value) -> Result<Value, String> {
        match self {
            InputForm::Text => input_text(param, value).map(Value::String),
            InputForm::Json => input_json(param, value),
        }
    }
}

/// What a call's arguments become.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskInputs {
    /// By parameter name, in the provider's [`InputForm`].
    pub values: BTreeMap<String, Value>,
    /// The same, for records: secret values replaced by `"[secret]"`.
    pub redacted: Map<String, Value>,
    /// The secret values sent, to scrub from anything shown.
    pub secrets: Vec<String>,
}

impl TaskInputs {
    /// The values as text, for Anchor.
    pub fn text(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .map(|(name, value)| (name.clone(), crate::params::text_of(value)))
            .collect()
    }

    /// The values as a JSON object, for Browser Use skills.
    pub fn json(&self) -> Map<String, Value> {
        self.values
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }
}

/// An integral float as an integer (10.0 → 10), so defaults read naturally.
pub(crate) fn number_value(number: f64) -> Option<Value> {
    (number.fract() == 0.0 && number.abs() < 1e15).then(|| Value::from(number as i64))
}

/// The text the API receives for `value`.
pub fn input_text(param: &Param, value: &Value) -> Result<String, String> {
    match (param.kind, value) {
        (_, Value::String(text)) => {
            // Typed parameters given as text must still read as their type.
            match param.kind {
                ParamType::Number if text.trim().parse::<f64>().is_err() => {
                    Err(format!("must be a number, not {text:?}"))
                }
                ParamType::Boolean if !matches!(text.as_str(), "true" | "false") => {
                    Err("must be true or false".into())
                }
                _ => Ok(text.clone()),
            }
        }
        (ParamType::Number, Value::Number(n)) => Ok(match n.as_f64().and_then(number_value) {
            Some(Value::Number(integral)) => integral.to_string(),
            _ => n.to_string(),
        }),
        (ParamType::Boolean, Value::Bool(b)) => Ok(b.to_string()),
        (ParamType::String | ParamType::File, Value::Number(_) | Value::Bool(_)) => {
            Ok(value.to_string())
        }
        (ParamType::Object, Value::Object(_)) | (ParamType::Array, Value::Array(_)) => {
            Ok(value.to_string())
        }
        (kind, _) => Err(format!("must be {}", with_article(json_type_of(kind)))),
    }
}

/// The JSON a skill receives for `value`: of the parameter's type. Text that reads as the
/// type is taken too ("3" for a number, "true" for a boolean, a JSON text for an object or
/// array), since agents often send everything as strings.
pub fn input_json(param: &Param, value: &Value) -> Result<Value, String> {
    let expected = || format!("must be {}", with_article(json_type_of(param.kind)));
    match (param.kind, value) {
        (ParamType::Number, Value::Number(_)) => Ok(value.clone()),
        (ParamType::Number, Value::String(text)) => {
            let number: f64 = text
                .trim()
                .parse()
                .map_err(|_| format!("must be a number, not {text:?}"))?;
            number_value(number)
                .or_else(|| serde_json::Number::from_f64(number).map(Value::Number))
                .ok_or_else(expected)
        }
        (ParamType::Boolean, Value::Bool(_)) => Ok(value.clone()),
        (ParamType::Boolean, Value::String(text)) => match text.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("must be true or false".into()),
        },
        (ParamType::Object, Value::Object(_)) | (ParamType::Array, Value::Array(_)) => {
            Ok(value.clone())
        }
        (ParamType::Object | ParamType::Array, Value::String(text)) => {
            match serde_json::from_str::<Value>(text) {
                Ok(parsed @ Value::Object(_)) if param.kind == ParamType::Object => Ok(parsed),
                Ok(parsed @ Value::Array(_)) if param.kind == ParamType::Array => Ok(parsed),
                _ => Err(expected()),
            }
        }
        (
            ParamType::String | ParamType::Secret | ParamType::File | ParamType::Cookie,
            Value::String(_),
        ) => Ok(value.clone()),
        (ParamType::String | ParamType::File, Value::Number(_) | Value::Bool(_)) => {
            Ok(Value::from(value.to_string()))
        }
        _ => Err(expected()),
    }
}

pub(crate) fn json_type_of(kind: ParamType) -> &'static str {
    match kind {
        ParamType::Number => "number",
        ParamType::Boolean => "boolean",
        ParamType::Object => "object",
        ParamType::Array => "array",
        ParamType::String | ParamType::Secret | ParamType::File | ParamType::Cookie => "string",
    }
}

fn with_article(kind: &str) -> String {
    match kind {
        "object" | "array" => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}
