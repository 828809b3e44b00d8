//! Anchor's argument rules and look-ups that several of its tool parts share: ids are UUIDs, code task
//! names and versions, TypeScript code given plainly or in base64, declared parameters, and
//! finding a code task's id by its name.

use std::collections::BTreeSet;

use rmcp::model::JsonObject;
use serde_json::Value;

use crate::mcp::args::{Problem, check_one_of, str_arg};
use crate::mcp::reply::ToolError;
use crate::params::{Param, ParamsOrigin};
use crate::providers::anchor::models::TaskParameter;
use crate::providers::anchor::{AnchorClient, infer, rules};
use crate::runs::TaskKind;

/// An Anchor task's kind, as tool arguments name it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AnchorKind {
    /// A TypeScript code task (legacy v1).
    Code,
    /// A Task Builder task (v2).
    Generated,
}

impl From<AnchorKind> for TaskKind {
    fn from(kind: AnchorKind) -> Self {
        match kind {
            AnchorKind::Code => TaskKind::Code,
            AnchorKind::Generated => TaskKind::Generated,
        }
    }
}

/// Task names of code tasks.
pub fn check_task_name(args: &JsonObject, key: &str, problems: &mut Vec<Problem>) {
    if let Some(name) = str_arg(args, key)
        && !rules::is_task_name(name)
    {
        problems.push(Problem::new(
            key,
            "must be 1-255 characters of letters, digits, '-' and '_' (no spaces), e.g. \
             \"web-scraper\"",
        ));
    }
}

/// `draft`, `latest` or a number.
pub fn check_version(args: &JsonObject, key: &str, problems: &mut Vec<Problem>) {
    if let Some(version) = str_arg(args, key)
        && !rules::is_version_ref(version)
    {
        problems.push(Problem::new(
            key,
            "must be \"draft\", \"latest\" or a published version number such as \"3\"",
        ));
    }
}

/// At most 1000 characters (the API's limit on descriptions).
pub fn check_description(args: &JsonObject, problems: &mut Vec<Problem>) {
    if let Some(text) = str_arg(args, "description")
        && text.chars().count() > 1000
    {
        problems.push(Problem::new(
            "description",
            format!(
                "is {} characters long; the API accepts at most 1000",
                text.chars().count()
            ),
        ));
    }
}

/// `code` (plain TypeScript) and `code_base64` are alternatives; check whichever is given.
pub fn check_code(args: &JsonObject, problems: &mut Vec<Problem>) {
    check_one_of(args, "code", "code_base64", false, problems);
    if let Some(code) = str_arg(args, "code")
        && code.trim().is_empty()
    {
        problems.push(Problem::new(
            "code",
            "is empty; give the task's TypeScript source",
        ));
    }
    if let Some(encoded) = str_arg(args, "code_base64")
        && let Some(why) = rules::base64_problem(encoded)
    {
        problems.push(Problem::new(
            "code_base64",
            format!(
                "is not valid base64 TypeScript: {why}. Pass the plain source in `code` \
                 instead and the server encodes it"
            ),
        ));
    }
}

/// A code task's declared `input_parameters`: well formed, and names that can be `ANCHOR_*`
/// environment variables. (create_task's and deploy_task's schemas leave the items' fields to
/// generate_task's, so their types are checked here.)
pub fn check_code_parameters(args: &JsonObject, problems: &mut Vec<Problem>) {
    if let Some(Value::Array(params)) = args.get("input_parameters") {
        parameter_problems("input_parameters", params, problems);
        parameter_field_problems("input_parameters", params, problems);
        for (i, param) in params.iter().enumerate() {
            if let Some(name) = param.get("name").and_then(Value::as_str)
                && !name.trim().is_empty()
                && rules::input_key(name).is_none()
            {
                problems.push(Problem::new(
                    format!("input_parameters.{i}.name"),
                    format!(
                        "{name:?} cannot be an environment variable name: use letters, digits \
                         and underscores (the code reads it as process.env.ANCHOR_<NAME>)"
                    ),
                ));
            }
        }
    }
}

/// A code task's parameters: as declared, else read off `code_base64`, else unknown (`None`:
/// keep what the catalog has).
pub fn code_task_params(
    declared: Option<&[TaskParameter]>,
    code_base64: Option<&str>,
) -> Option<(Vec<Param>, Vec<Param>, ParamsOrigin)> {
    if let Some(declared) = declared {
        let params = declared
            .iter()
            .map(|p| {
                let mut param = crate::providers::anchor::params::param(p);
                // Stored without the prefix, like inferred ones.
                if let Some(rest) = param.name.strip_prefix(rules::INPUT_PREFIX) {
                    param.name = rest.to_string();
                }
                param
            })
            .collect();
        return Some((params, Vec::new(), ParamsOrigin::Declared));
    }
    let source = rules::decode_code(code_base64?)?;
    Some((
        infer::inputs_from_code(&source),
        Vec::new(),
        ParamsOrigin::Inferred,
    ))
}

/// The base64 code to send, from whichever argument carried it.
pub fn encoded_code(code: Option<&str>, code_base64: Option<&str>) -> Option<String> {
    code.map(rules::encode_code)
        .or_else(|| code_base64.map(rules::canonical_base64))
}

/// Find a code task's id from its id or its name (names are looked up in the task list).
pub async fn resolve_code_task(
    anchor: &AnchorClient,
    task_id: Option<&str>,
    task_name: Option<&str>,
) -> Result<String, ToolError> {
    if let Some(id) = task_id {
        return Ok(id.to_string());
    }
    let Some(name) = task_name else {
        return Err(ToolError::InvalidArguments(vec![Problem::new(
            "task_id",
            "is required: give `task_id` or `task_name`",
        )]));
    };
    match anchor.task_named(name).await {
        Ok(Some(task)) => Ok(task.id),
        Ok(None) => Err(ToolError::NotFound {
            message: format!("There is no code task named {name:?}."),
            hint: "Names are case-sensitive; list_tasks shows every task's name and id.".into(),
        }),
        Err(e) => Err(ToolError::api(
            e,
            format!("Looking up the code task named {name:?}"),
        )),
    }
}

/// The types of a parameter list's optional fields, for a list whose schema leaves its items'
/// fields out (all but generate_task's input_parameters say "like …"): what the schema would
/// have said.
pub fn parameter_field_problems(key: &str, params: &[Value], problems: &mut Vec<Problem>) {
    for (i, param) in params.iter().enumerate() {
        let Value::Object(fields) = param else {
            continue;
        };
        let wrong = |field: &str, is_right: fn(&Value) -> bool| {
            fields
                .get(field)
                .is_some_and(|v| !v.is_null() && !is_right(v))
        };
        // `name`, `type` and `options` are checked by [`parameter_problems`].
        for (field, kind, is_right) in [
            (
                "description",
                "a string",
                Value::is_string as fn(&Value) -> bool,
            ),
            ("required", "true or false", Value::is_boolean),
        ] {
            if wrong(field, is_right) {
                problems.push(Problem::new(
                    format!("{key}.{i}.{field}"),
                    format!("must be {kind}"),
                ));
            }
        }
    }
}

/// Problems in a parameter list: unknown types, empty or repeated names, bad options.
pub fn parameter_problems(key: &str, params: &[Value], problems: &mut Vec<Problem>) {
    let mut names = BTreeSet::new();
    for (i, param) in params.iter().enumerate() {
        let at = |field: &str| format!("{key}.{i}.{field}");
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.trim().is_empty() {
            problems.push(Problem::new(at("name"), "is missing or empty"));
        } else if !names.insert(name.to_string()) {
            problems.push(Problem::new(
                at("name"),
                format!("{name:?} is declared twice; parameter names must be unique"),
            ));
        }
        match param.get("type").and_then(Value::as_str) {
            Some("string" | "number" | "boolean" | "secret" | "file") => {}
            _ => problems.push(Problem::new(
                at("type"),
                "must be one of: \"string\", \"number\", \"boolean\", \"secret\", \"file\"",
            )),
        }
        if let Some(options) = param.get("options").filter(|o| !o.is_null()) {
            let strings: Option<Vec<&str>> = options
                .as_array()
                .map(|items| items.iter().filter_map(Value::as_str).collect());
            match strings {
                Some(list)
                    if list.len() == options.as_array().map_or(0, Vec::len) && !list.is_empty() =>
                {
                    if let Some(default) = param.get("defaultValue").and_then(Value::as_str)
                        && !list.contains(&default)
                    {
                        problems.push(Problem::new(
                            at("defaultValue"),
                            format!("{default:?} is not one of the options {list:?}"),
                        ));
                    }
                }
                _ => problems.push(Problem::new(
                    at("options"),
                    "must be a non-empty list of strings (the allowed values)",
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_the_schema_leaves_out_are_checked_by_type() {
        let params = json!([
            {"name": "ok", "type": "string", "required": false, "description": "fine"},
            {"name": "bad", "type": "number", "required": "yes", "description": 3},
            "not an object"
        ]);
        let mut problems = Vec::new();
        parameter_field_problems(
            "output_parameters",
            params.as_array().unwrap(),
            &mut problems,
        );
        assert_eq!(
            problems,
            vec![
                Problem::new("output_parameters.1.description", "must be a string"),
                Problem::new("output_parameters.1.required", "must be true or false"),
            ]
        );
    }

    #[test]
    fn parameter_lists_are_checked_whole() {
        let params = json!([
            {"name": "url", "type": "string"},
            {"name": "url", "type": "text"},
            {"name": "", "type": "number", "options": []},
            {"name": "mode", "type": "string", "options": ["a", "b"], "defaultValue": "c"}
        ]);
        let mut problems = Vec::new();
        parameter_problems(
            "input_parameters",
            params.as_array().unwrap(),
            &mut problems,
        );
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "input_parameters.1.name",
                "input_parameters.1.type",
                "input_parameters.2.name",
                "input_parameters.2.options",
                "input_parameters.3.defaultValue"
            ]
        );
    }
}
