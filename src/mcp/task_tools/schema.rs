//! From a task's parameters to its tool's schemas, and from a call's arguments to the
//! provider's inputs: pure functions, no I/O.
//!
//! Parameter → property: `string`/`number`/`boolean` map to themselves; `secret` is a string
//! marked `writeOnly` and described as sensitive (or, when the server's configuration supplies
//! it, not an argument at all); `file` is a string (a URL or file id). Browser Use skills add
//! `object` and `array` (any object, any array) and `cookie` (a sensitive string, like a
//! secret). `options` → `enum`,
//! `defaultValue` → `default` (the server fills it in when the argument is left out),
//! `required` (default true) → `required` unless there is a default. Parameter names that are
//! not identifiers (`File Name`) become argument names (`file_name`) and map back on the call.
//!
//! Output parameters → `outputSchema` (an object with one property per field, plus
//! `_execution`, how the run went); a run's result is shaped to match it. A skill's own
//! `outputSchema` is kept as declared, its fields made optional so that a result that does not
//! fit can come back whole in `_execution.raw_output`.
//!
//! Values go to Anchor as text (its API types every input as a string) and to Browser Use
//! skills as JSON of the parameter's type ([`InputForm`]).

use rmcp::model::JsonObject;
use serde_json::{Map, Value, json};

use crate::mcp::args::Problem;
use crate::mcp::naming::argument_names;
use crate::mcp::schema::{portable, report_schema};
use crate::params::inputs::{InputForm, TaskInputs, json_type_of, number_value};
use crate::params::{Param, ParamType};
use crate::redact::REDACTED;

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
                configured: param.kind.is_sensitive() && configured(param),
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
    /// configured secrets, convert values to the provider's `form`. `secret_value` gives a
    /// configured secret.
    pub fn to_inputs(
        &self,
        args: &JsonObject,
        secret_value: &dyn Fn(&Param) -> Option<String>,
        form: InputForm,
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
            match form.convert(param, &value) {
                // A default the task declared but that does not fit its own type: leave it to
                // the provider, which applies its defaults itself.
                Err(_) if from_default => {}
                Ok(converted) => {
                    let shown = if param.kind.is_sensitive() {
                        inputs.secrets.push(crate::params::text_of(&converted));
                        Value::from(REDACTED)
                    } else {
                        converted.clone()
                    };
                    inputs.redacted.insert(param.name.clone(), shown);
                    inputs.values.insert(param.name.clone(), converted);
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

/// An argument's schema. Its description says only what its name and type do not: the task's
/// own words, the parameter's name when the argument's does not plainly spell it (`p_2nd`,
/// `file_name_2`; `file_name` for "File Name" does), and what a file or a secret takes.
fn property(argument: &Argument) -> Value {
    let param = &argument.param;
    let renamed = argument.name != crate::mcp::naming::slug(&param.name);
    let mut about = match &param.description {
        Some(description) if renamed => format!("{description} (task parameter {:?})", param.name),
        Some(description) => description.clone(),
        None if renamed => format!("Task parameter {:?}.", param.name),
        None => String::new(),
    };
    let mut add = |text: &str| {
        if !about.is_empty() {
            about.push(' ');
        }
        about.push_str(text);
    };
    let mut schema = match param.kind {
        ParamType::Number => json!({"type": "number"}),
        ParamType::Boolean => json!({"type": "boolean"}),
        ParamType::String => json!({"type": "string"}),
        ParamType::Secret => {
            add("Sensitive: never logged or stored.");
            json!({"type": "string", "writeOnly": true})
        }
        ParamType::File => {
            add("A file URL or file id.");
            json!({"type": "string"})
        }
        ParamType::Cookie => {
            add("A browser cookie: never logged or stored.");
            json!({"type": "string", "writeOnly": true})
        }
        ParamType::Object => json!({"type": "object", "additionalProperties": {}}),
        ParamType::Array => json!({"type": "array", "items": {}}),
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
        && !param.kind.is_sensitive()
    {
        schema["default"] = default;
    }
    if !about.is_empty() {
        schema["description"] = Value::from(about);
    }
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
        (
            ParamType::String | ParamType::Secret | ParamType::File | ParamType::Cookie,
            Value::String(_),
        ) => Some(value.clone()),
        (
            ParamType::String | ParamType::Secret | ParamType::File | ParamType::Cookie,
            Value::Number(_) | Value::Bool(_),
        ) => Some(Value::from(value.to_string())),
        (ParamType::Object, Value::Object(_)) | (ParamType::Array, Value::Array(_)) => {
            Some(value.clone())
        }
        _ => None,
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
    properties.insert(EXECUTION_KEY.into(), execution_schema());
    Some(portable(json!({
        "type": "object",
        "properties": properties,
        "required": [EXECUTION_KEY],
    })))
}

/// The output schema of a skill's tool, from the skill's own `outputSchema`: an object schema
/// keeps its properties (none required, since a result that does not fit comes back whole in
/// `_execution.raw_output`); any other schema becomes the property `result`. `_execution` is
/// added either way.
pub fn skill_output_schema(declared: &Value) -> JsonObject {
    let is_object = declared.get("type").and_then(Value::as_str) == Some("object")
        && declared.get("properties").is_some_and(Value::is_object);
    let mut schema = if is_object {
        portable(declared.clone())
    } else {
        portable(json!({"type": "object", "properties": {"result": declared}}))
    };
    schema.remove("required");
    // `_execution` (and the fields of a result that only partly fits) must always be allowed.
    schema.remove("additionalProperties");
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        properties.insert(EXECUTION_KEY.into(), execution_schema());
    }
    schema.insert("required".into(), json!([EXECUTION_KEY]));
    schema
}

/// A skill's result as its tool's structured content: the result's fields (or `result`, when
/// the skill's schema is not an object's); `None` when it cannot be shaped so.
pub fn shape_skill_output(declared: &Value, result: &Value) -> Option<Map<String, Value>> {
    let is_object = declared.get("type").and_then(Value::as_str) == Some("object")
        && declared.get("properties").is_some_and(Value::is_object);
    match result {
        Value::Object(fields) if is_object && !fields.contains_key(EXECUTION_KEY) => {
            Some(fields.clone())
        }
        _ if is_object => None,
        other => Some(Map::from_iter([("result".to_string(), other.clone())])),
    }
}

/// The schema of `_execution`: the run report without its output (the fields carry it), plus
/// `raw_output` for a result that did not fit.
fn execution_schema() -> Value {
    let mut execution = Value::Object((*report_schema()).clone());
    if let Some(props) = execution["properties"].as_object_mut() {
        props.remove("output");
        props.insert("raw_output".into(), json!({}));
    }
    execution
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
