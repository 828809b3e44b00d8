//! Checking tool arguments before anything is sent: every problem is found in one pass and
//! reported together, each with how to fix it, so an agent corrects its call in one go.
//!
//! Three layers, all collected into one list: unknown argument names (with a "did you mean"),
//! the tool's JSON Schema (types, required, enums), and the tool's own rules (patterns,
//! exclusive choices, base64, …) which see the raw arguments, so they run even when other
//! fields are wrong. Messages never repeat an argument's value except for enum choices, so a
//! secret pasted into the wrong field is not echoed back.

use std::fmt;
use std::sync::{Arc, OnceLock};

use rmcp::model::JsonObject;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One thing wrong with a tool call's arguments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// The argument at fault, as a dotted path (`inputs.max_pages`), or `(arguments)`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.field, self.message)
    }
}

/// An argument checker for one tool's input schema, compiled on the tool's first call: most
/// listed tools are never called in a session, and a compiled validator costs tens of KiB.
pub struct ArgsValidator {
    validator: OnceLock<Option<jsonschema::Validator>>,
    schema: Arc<JsonObject>,
}

impl fmt::Debug for ArgsValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArgsValidator").finish_non_exhaustive()
    }
}

impl ArgsValidator {
    /// A checker for `schema` (an input schema in the portable profile).
    pub fn new(schema: &JsonObject) -> Self {
        Self::shared(Arc::new(schema.clone()))
    }

    /// A checker for `schema`, sharing it (with the listed tool that holds it).
    pub fn shared(schema: Arc<JsonObject>) -> Self {
        Self {
            validator: OnceLock::new(),
            schema,
        }
    }

    fn validator(&self) -> Option<&jsonschema::Validator> {
        self.validator
            .get_or_init(|| {
                match jsonschema::validator_for(&Value::Object((*self.schema).clone())) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        // Our own schemas always compile (a test checks every tool); never fail
                        // a call over it, the typed parse below still guards the arguments.
                        tracing::error!(error = %e, "an input schema did not compile");
                        None
                    }
                }
            })
            .as_ref()
    }

    /// Every problem with `args`: unknown names, then schema violations.
    pub fn problems(&self, args: &JsonObject) -> Vec<Problem> {
        let mut problems = Vec::new();
        let properties = self.schema.get("properties").and_then(Value::as_object);
        if let Some(properties) = properties {
            for key in args.keys() {
                if !properties.contains_key(key) {
                    let known: Vec<&str> = properties.keys().map(String::as_str).collect();
                    let hint = match closest(key, &known) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!("the arguments are: {}", known.join(", ")),
                    };
                    problems.push(Problem::new(
                        key.clone(),
                        format!("is not an argument of this tool; {hint}"),
                    ));
                }
            }
        }
        if let Some(validator) = self.validator() {
            let instance = Value::Object(args.clone());
            let mut found: Vec<Problem> = validator
                .iter_errors(&instance)
                .map(|error| self.describe(&error))
                .collect();
            // The validator's order follows its internal keyword order; sort for a stable,
            // readable list.
            found.sort_by(|a, b| a.field.cmp(&b.field));
            problems.extend(found);
        }
        problems
    }

    fn describe(&self, error: &jsonschema::ValidationError<'_>) -> Problem {
        use jsonschema::error::ValidationErrorKind as Kind;
        let path = pointer_to_path(error.instance_path().as_str());
        match error.kind() {
            Kind::Required { property } => {
                let name = property.as_str().unwrap_or_default().to_string();
                let field = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                let about = self
                    .property_description(&field)
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                Problem::new(field, format!("is required but missing{about}"))
            }
            Kind::Type { kind } => {
                let expected = match kind {
                    jsonschema::error::TypeKind::Single(t) => article(&t.to_string()),
                    jsonschema::error::TypeKind::Multiple(set) => {
                        let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
                        format!("one of: {}", names.join(", "))
                    }
                };
                let got = json_type(error.instance());
                Problem::new(
                    or_root(path),
                    format!("must be {expected}, but {} was given", article(got)),
                )
            }
            Kind::Enum { options } => {
                let choices: Vec<String> = options
                    .as_array()
                    .map(|a| a.iter().map(Value::to_string).collect())
                    .unwrap_or_default();
                Problem::new(
                    or_root(path),
                    format!(
                        "{} is not allowed; use one of: {}",
                        excerpt(error.instance()),
                        choices.join(", ")
                    ),
                )
            }
            Kind::Minimum { limit } => {
                Problem::new(or_root(path), format!("must be at least {limit}"))
            }
            Kind::Maximum { limit } => {
                Problem::new(or_root(path), format!("must be at most {limit}"))
            }
            Kind::MinLength { limit } => Problem::new(
                or_root(path),
                format!("must be at least {limit} character(s) long"),
            ),
            Kind::MaxLength { limit } => Problem::new(
                or_root(path),
                format!("must be at most {limit} characters long"),
            ),
            _ => Problem::new(or_root(path), error.to_string()),
        }
    }

    fn property_description(&self, dotted: &str) -> Option<String> {
        let mut schema = &*self.schema;
        for part in dotted.split('.') {
            schema = schema.get("properties")?.get(part)?.as_object()?;
        }
        let text = schema.get("description")?.as_str()?;
        // First sentence is enough to remind what the argument is.
        let first = text
            .split(". ")
            .next()
            .unwrap_or(text)
            .trim_end_matches('.');
        Some(first.to_string())
    }
}

/// Check `args` with `validator` and the tool's own `rules`, then deserialize them.
///
/// `rules` sees the raw arguments and pushes any further problems; it runs even when the
/// schema check found some, so all problems come back at once.
pub fn parse<T: DeserializeOwned>(
    validator: &ArgsValidator,
    args: JsonObject,
    rules: impl FnOnce(&JsonObject, &mut Vec<Problem>),
) -> Result<T, Vec<Problem>> {
    let mut problems = validator.problems(&args);
    rules(&args, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::from_value(Value::Object(args))
        .map_err(|e| vec![Problem::new("(arguments)", e.to_string())])
}

/// A string argument, if given as a string.
pub fn str_arg<'a>(args: &'a JsonObject, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

/// Whether an argument is present (and not null).
/// A number argument, if given as one.
pub fn f64_arg(args: &JsonObject, key: &str) -> Option<f64> {
    args.get(key).and_then(serde_json::Value::as_f64)
}

pub fn has(args: &JsonObject, key: &str) -> bool {
    args.get(key).is_some_and(|v| !v.is_null())
}

fn pointer_to_path(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

fn or_root(path: String) -> String {
    if path.is_empty() {
        "(arguments)".into()
    } else {
        path
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn article(noun: &str) -> String {
    match noun {
        "null" => "null".into(),
        n if n.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {n}"),
        n => format!("a {n}"),
    }
}

fn excerpt(value: &Value) -> String {
    crate::cloud::truncate_text(&value.to_string(), 60)
}

/// The known name closest to `given`, if it is plausibly a typo or a casing slip.
pub fn closest<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let given_squashed = squash(given);
    if let Some(same) = known.iter().find(|k| squash(k) == given_squashed) {
        return Some(same);
    }
    known
        .iter()
        .map(|k| (edit_distance(&given_squashed, &squash(k)), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(current)
            };
            previous = current;
        }
    }
    row[b.len()]
}

/// Render problems for the agent: a headline, then one line per problem.
pub fn render(tool: &str, problems: &[Problem]) -> String {
    let count = problems.len();
    let noun = if count == 1 { "problem" } else { "problems" };
    let mut text = format!(
        "{tool} was not run: {count} {noun} with the arguments (nothing was sent to the cloud). \
         Fix {} and call again:",
        if count == 1 { "it" } else { "them all" }
    );
    for problem in problems {
        text.push_str("\n- ");
        text.push_str(&problem.to_string());
    }
    text
}

/// Exactly one of two alternative arguments (or at most one when `required` is false).
pub fn check_one_of(
    args: &JsonObject,
    first: &str,
    second: &str,
    required: bool,
    problems: &mut Vec<Problem>,
) {
    match (has(args, first), has(args, second)) {
        (true, true) => problems.push(Problem::new(
            first,
            format!("give either `{first}` or `{second}`, not both"),
        )),
        (false, false) if required => problems.push(Problem::new(
            first,
            format!("is required: give `{first}` or `{second}`"),
        )),
        _ => {}
    }
}

/// `wait_seconds` must not be negative.
pub fn check_wait_seconds(args: &JsonObject, problems: &mut Vec<Problem>) {
    if let Some(secs) = args.get("wait_seconds").and_then(Value::as_f64)
        && secs < 0.0
    {
        problems.push(Problem::new(
            "wait_seconds",
            "must be 0 (do not wait) or more",
        ));
    }
}

/// An id that must be a UUID (Anchor v1 tasks, executions and sessions; Browser Use tasks,
/// skills and sessions); `from` says where to find a good one.
pub fn check_uuid(args: &JsonObject, key: &str, from: &str, problems: &mut Vec<Problem>) {
    if let Some(id) = str_arg(args, key)
        && !(id.len() == 36 && uuid::Uuid::parse_str(id).is_ok())
    {
        problems.push(Problem::new(
            key,
            format!("must be a UUID such as \"550e8400-e29b-41d4-a716-446655440000\" ({from})"),
        ));
    }
}

/// Where task ids come from, for [`check_uuid`].
pub const TASK_ID_FROM: &str = "list_tasks shows every task's id";
/// Where execution ids come from, for [`check_uuid`].
pub const EXECUTION_ID_FROM: &str = "run_task and list_executions return them";

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn validator() -> ArgsValidator {
        let schema = json!({
            "type": "object",
            "properties": {
                "task_id": {"type": "string", "description": "The task's id. From list_tasks."},
                "count": {"type": "integer", "minimum": 1},
                "mode": {"type": "string", "enum": ["fast", "careful"]},
                "inputs": {"type": "object", "properties": {"deep": {"type": "boolean"}}}
            },
            "required": ["task_id"]
        });
        ArgsValidator::new(schema.as_object().unwrap())
    }

    #[test]
    fn all_problems_come_back_together() {
        let args = json!({"taskid": "x", "count": "three", "mode": "slow", "inputs": {"deep": 1}});
        let problems = validator().problems(args.as_object().unwrap());
        let rendered: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            rendered,
            vec![
                "`taskid`: is not an argument of this tool; did you mean `task_id`?",
                "`count`: must be an integer, but a string was given",
                "`inputs.deep`: must be a boolean, but an integer was given",
                "`mode`: \"slow\" is not allowed; use one of: \"fast\", \"careful\"",
                "`task_id`: is required but missing (The task's id)",
            ]
        );
    }

    #[test]
    fn tool_rules_run_even_when_the_schema_check_fails() {
        let args = json!({"count": 0}).as_object().unwrap().clone();
        let result: Result<Value, _> = parse(&validator(), args, |raw, problems| {
            if raw.contains_key("count") {
                problems.push(Problem::new("count", "custom rule"));
            }
        });
        let problems = result.unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(render("run_task", &problems).starts_with("run_task was not run: 3 problems"));
    }

    #[test]
    fn closest_names() {
        assert_eq!(
            closest("taskId", &["task_id", "task_name"]),
            Some("task_id")
        );
        assert_eq!(
            closest("tsk_nme", &["task_id", "task_name"]),
            Some("task_name")
        );
        assert_eq!(closest("zebra", &["task_id", "task_name"]), None);
    }
}
