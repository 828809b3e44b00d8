//! A task's inputs as `run_task` takes them (`inputs`, by parameter name or by the task tool's
//! argument name) checked against the task's declared parameters, whichever provider.

use serde_json::{Map, Value};

use super::schema::Signature;
use crate::mcp::args::{Problem, closest};
use crate::mcp::secrets::Secrets;
use crate::params::Param;

/// Inputs of a generated task whose parameters are known: no unknown names, the required
/// ones present (unless the server supplies them).
pub fn known_input_problems(
    params: &[Param],
    inputs: &Map<String, Value>,
    secrets: &Secrets,
    problems: &mut Vec<Problem>,
) {
    let inputs = by_parameter_name(params, inputs);
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    for name in inputs.keys() {
        if !names.contains(&name.as_str()) {
            let hint = match closest(name, &names) {
                Some(near) => format!("did you mean {near:?}?"),
                None => format!("its parameters are: {}", names.join(", ")),
            };
            problems.push(Problem::new(
                format!("inputs.{name}"),
                format!("is not a parameter of this task; {hint}"),
            ));
        }
    }
    for param in params {
        if param.must_be_given() && !inputs.contains_key(&param.name) && !secrets.has(param) {
            let about = param
                .description
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            problems.push(Problem::new(
                format!("inputs.{}", param.name),
                format!("is required but missing{about}"),
            ));
        }
    }
}

/// An input given as null.
pub fn null_input(name: &str) -> Problem {
    Problem::new(
        format!("inputs.{name}"),
        "is null; give a value, or leave the input out to use the task's default",
    )
}

/// Inputs keyed by parameter name: a key that is the task tool's argument name for a
/// parameter (`file_name` for "File Name") is renamed, so run_task takes the same arguments
/// as the task's own tool.
pub fn by_parameter_name(params: &[Param], inputs: &Map<String, Value>) -> Map<String, Value> {
    let signature = Signature::new(params, &|_| false);
    inputs
        .iter()
        .map(|(key, value)| {
            let is_param = params.iter().any(|p| &p.name == key);
            let renamed = signature
                .arguments
                .iter()
                .find(|a| &a.name == key && !is_param)
                .map(|a| a.param.name.clone());
            (renamed.unwrap_or_else(|| key.clone()), value.clone())
        })
        .collect()
}
