//! From a task's parameters to its tool's schemas, and from a call's arguments to the
//! provider's inputs: pure functions, no I/O.
//!
//! Parameter → property: `string`/`number`/`boolean` map to themselves; `secret` is a string
//! marked `writeOnly` and described as sensitive (or, when the server's configuration supplies
//! it, not an argument at all); `file` is a string (a URL or file id). `options` → `enum`,
//! `defaultValue` → `default` (the server fills it in when the argument is left out),
//! `required` (default true) → `required` unless there is a default. Parameter names that are
//! not identifiers (`File Name`) become argument names (`file_name`) and map back on the call.
//!
//! Output parameters → `outputSchema` (an object with one property per field, plus
//! `_execution`, how the run went); a run's result is shaped to match it.

use std::collections::BTreeMap;

use rmcp::model::JsonObject;
use serde_json::{Map, Value, json};

use super::naming::argument_names;
use crate::mcp::args::Problem;
use crate::mcp::schema::{output_schema_for, portable};
use crate::params::{Param, ParamType};
use crate::runs::RunReport;

/// Name of the property carrying run details in a task tool's structured result.
pub const EXECUTION_KEY: &str = "_execution";

/// One argument of a task tool.
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    /// The tool argument's name.
    pub name: String,
    pub param: Param,
    /// The server's configuration supplies this (secret) value: not an argument.
    pub configured: bool,
}

/// The arguments of one task tool.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    pub arguments: Vec<Argument>,
}

/// What a call's arguments become.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskInputs {
    /// By parameter name, as text (the API types every input as a string).
    pub values: BTreeMap<String, String>,
    /// The same, for records: secret values replaced by `"[secret]"`.
    pub redacted: Map<String, Value>,
    /// The secret values sent, to scrub from anything shown.
    pub secrets: Vec<String>,
}

pub use crate::redact::REDACTED;

impl Signature {
    /// The signature of a task taking `inputs`; `configured` says which secrets the server
    /// supplies itself.
    pub fn new(inputs: &[Param], configured: &dyn Fn(&Param) -> bool) -> Self {
        let names = argument_names(inputs.iter().map(|p| p.name.as_str()));
        let arguments = inputs
            .iter()
            .zip(names)
            .map(|(param, (name, _))| Argument {
                name,
                configured: param.kind == ParamType::Secret && configured(param),
                param: param.clone(),
            })
            .collect();
        Self { arguments }
    }

    /// The arguments a caller gives (configured secrets excluded).
    pub fn visible(&self) -> impl Iterator<Item = &Argument> {
        self.arguments.iter().filter(|a| !a.configured)
    }

    /// The tool's input schema (portable profile).
    pub fn input_schema(&self) -> JsonObject {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for argument in self.visible() {
            properties.insert(argument.name.clone(), property(argument));
            if argument.param.must_be_given() {
                required.push(Value::from(argument.name.clone()));
            }
        }
        let mut schema = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
        }
        portable(schema)
    }

    /// `hn_top_posts(count?: number = 10, section: "news"|"ask")`, for listings.
    pub fn describe(&self, tool_name: &str) -> String {
        let parts: Vec<String> = self
            .visible()
            .map(|a| {
                let optional = if a.param.must_be_given() { "" } else { "?" };
                let kind = if a.param.options.is_empty() {
                    a.param.kind.as_str().to_string()
                } else {
                    a.param
                        .options
                        .iter()
                        .map(|o| format!("{o:?}"))
                        .collect::<Vec<_>>()
                        .join("|")
                };
                let default = a
                    .param
                    .default
                    .as_ref()
                    .map(|d| format!(" = {}", typed(a.param.kind, d).unwrap_or(d.clone())))
                    .unwrap_or_default();
                format!("{}{optional}: {kind}{default}", a.name)
            })
            .collect();
        format!("{tool_name}({})", parts.join(", "))
    }

    /// Turn checked arguments into the provider's inputs: map names back, fill defaults and
    /// configured secrets, convert values to text. `secret_value` gives a configured secret.
    pub fn to_inputs(
        &self,
        args: &JsonObject,
        secret_value: &dyn Fn(&Param) -> Option<String>,
    ) -> Result<TaskInputs, Vec<Problem>> {
        let mut inputs = TaskInputs::default();
        let mut problems = Vec::new();
        for argument in &self.arguments {
            let param = &argument.param;
            let given = if argument.configured {
                secret_value(param).map(Value::String)
            } else {
                args.get(&argument.name).filter(|v| !v.is_null()).cloned()
            };
            let (value, from_default) = match (given, &param.default) {
                (Some(value), _) => (value, false),
                (None, Some(default)) => (default.clone(), true),
                (None, None) if param.required => {
                    problems.push(Problem::new(
                        argument.name.clone(),
                        "is required but missing".to_string(),
                    ));
                    continue;
                }
                (None, None) => continue,
            };
            match input_text(param, &value) {
                // A default the task declared but that does not fit its own type: leave it to
                // the provider, which applies its defaults itself.
                Err(_) if from_default => {}
                Ok(text) => {
                    let shown = if param.kind == ParamType::Secret {
                        inputs.secrets.push(text.clone());
                        Value::from(REDACTED)
                    } else {
                        Value::from(text.clone())
                    };
                    inputs.redacted.insert(param.name.clone(), shown);
                    inputs.values.insert(param.name.clone(), text);
                }
                Err(why) => problems.push(Problem::new(argument.name.clone(), why)),
            }
        }
        if problems.is_empty() {
            Ok(inputs)
        } else {
            Err(problems)
        }
    }
}

fn property(argument: &Argument) -> Value {
    let param = &argument.param;
    let mut about = match &param.description {
        // The task's own words; name the parameter when the argument is called otherwise.
        Some(description) if argument.name != param.name.to_lowercase() => {
            format!("{description} (task parameter {:?})", param.name)
        }
        Some(description) => description.clone(),
        None => format!("The task's {:?} input.", param.name),
    };
    let mut schema = match param.kind {
        ParamType::Number => json!({"type": "number"}),
        ParamType::Boolean => json!({"type": "boolean"}),
        ParamType::String => json!({"type": "string"}),
        ParamType::Secret => {
            about.push_str(" Sensitive: passed to the task only, never logged or stored.");
            json!({"type": "string", "writeOnly": true})
        }
        ParamType::File => {
            about.push_str(" A file URL or file id.");
            json!({"type": "string"})
        }
    };
    let options: Vec<Value> = param
        .options
        .iter()
        .filter_map(|option| typed(param.kind, &Value::from(option.clone())))
        .collect();
    if !options.is_empty() && param.kind != ParamType::Boolean {
        schema["enum"] = Value::Array(options.clone());
    }
    if let Some(default) = param.default.as_ref().and_then(|d| typed(param.kind, d))
        && (options.is_empty() || options.contains(&default))
        && param.kind != ParamType::Secret
    {
        about.push_str(&format!(" Default: {default}."));
        schema["default"] = default;
    }
    schema["description"] = Value::from(about);
    schema
}

/// `value` as the JSON type of `kind`, when it can be read so.
fn typed(kind: ParamType, value: &Value) -> Option<Value> {
    match (kind, value) {
        (ParamType::Number, Value::Number(n)) => {
            Some(n.as_f64().and_then(number_value).unwrap_or(value.clone()))
        }
        (ParamType::Number, Value::String(text)) => {
            let number = text.trim().parse::<f64>().ok()?;
            number_value(number).or_else(|| serde_json::Number::from_f64(number).map(Value::Number))
        }
        (ParamType::Boolean, Value::Bool(_)) => Some(value.clone()),
        (ParamType::Boolean, Value::String(text)) => match text.trim() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        (ParamType::String | ParamType::Secret | ParamType::File, Value::String(_)) => {
            Some(value.clone())
        }
        (
            ParamType::String | ParamType::Secret | ParamType::File,
            Value::Number(_) | Value::Bool(_),
        ) => Some(Value::from(value.to_string())),
        _ => None,
    }
}

/// An integral float as an integer (10.0 → 10), so defaults read naturally.
fn number_value(number: f64) -> Option<Value> {
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
        (kind, _) => Err(format!("must be a {}", json_type_of(kind))),
    }
}

fn json_type_of(kind: ParamType) -> &'static str {
    match kind {
        ParamType::Number => "number",
        ParamType::Boolean => "boolean",
        ParamType::String | ParamType::Secret | ParamType::File => "string",
    }
}

/// The output schema of a task with these output fields (`None` when it declares none).
pub fn output_schema(outputs: &[Param]) -> Option<JsonObject> {
    if outputs.is_empty() {
        return None;
    }
    let mut properties = Map::new();
    for param in outputs {
        let mut schema = json!({"type": json_type_of(param.kind)});
        if let Some(description) = &param.description {
            schema["description"] = Value::from(description.clone());
        }
        properties.insert(param.name.clone(), schema);
    }
    let mut execution = Value::Object((*output_schema_for::<RunReport>()).clone());
    if let Some(props) = execution["properties"].as_object_mut() {
        props.remove("output");
        props.insert(
            "raw_output".into(),
            json!({"description": "The task's result as returned, when it did not fit the fields above."}),
        );
    }
    execution["description"] =
        Value::from("How the run went: its id, status, timing and, while it runs, how to wait.");
    properties.insert(EXECUTION_KEY.into(), execution);
    Some(portable(json!({
        "type": "object",
        "properties": properties,
        "required": [EXECUTION_KEY],
    })))
}

/// Shape a run's `result` to the declared output fields. Returns the fields that fit, and
/// whether everything fit (if not, the caller keeps the raw result beside them).
pub fn shape_output(outputs: &[Param], result: &Value) -> (Map<String, Value>, bool) {
    let Value::Object(fields) = result else {
        return (Map::new(), result.is_null());
    };
    let mut shaped = Map::new();
    let mut all_fit = true;
    for (key, value) in fields {
        if key == EXECUTION_KEY {
            all_fit = false;
            continue;
        }
        match outputs.iter().find(|p| &p.name == key) {
            None => {
                shaped.insert(key.clone(), value.clone());
            }
            Some(param) => match typed(param.kind, value) {
                Some(fitting) => {
                    shaped.insert(key.clone(), fitting);
                }
                None if value.is_null() => {}
                None => all_fit = false,
            },
        }
    }
    (shaped, all_fit)
}

#[cfg(test)]
mod tests;
