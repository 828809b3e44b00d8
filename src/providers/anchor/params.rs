//! Anchor's Task Builder parameters as the server's [`Param`]s.

use crate::params::{Param, ParamType};
use crate::providers::anchor::models::{ParameterType, TaskParameter};

/// A parameter of Anchor's Task Builder (unknown types are read as strings).
pub fn param(parameter: &TaskParameter) -> Param {
    let kind = match parameter.kind {
        ParameterType::Number => ParamType::Number,
        ParameterType::Boolean => ParamType::Boolean,
        ParameterType::Secret => ParamType::Secret,
        ParameterType::File => ParamType::File,
        ParameterType::String | ParameterType::Other(_) => ParamType::String,
    };
    Param {
        name: parameter.name.clone(),
        kind,
        required: parameter.is_required(),
        description: parameter
            .description
            .clone()
            .filter(|d| !d.trim().is_empty()),
        default: parameter.default_value.clone().filter(|d| !d.is_null()),
        options: parameter.options.clone().unwrap_or_default(),
    }
}

/// Anchor Task Builder parameters as [`Param`]s.
pub fn params(parameters: &[TaskParameter]) -> Vec<Param> {
    parameters.iter().map(param).collect()
}
