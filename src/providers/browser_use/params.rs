//! Browser Use skill parameters as the server's [`Param`]s.

use crate::params::{Param, ParamType};
use crate::providers::browser_use::models::{SkillParameter, SkillParameterType};

/// A parameter of a Browser Use skill (unknown types are read as strings).
pub fn param(parameter: &SkillParameter) -> Param {
    let kind = match parameter.kind {
        SkillParameterType::Number => ParamType::Number,
        SkillParameterType::Boolean => ParamType::Boolean,
        SkillParameterType::Object => ParamType::Object,
        SkillParameterType::Array => ParamType::Array,
        SkillParameterType::Cookie => ParamType::Cookie,
        SkillParameterType::String | SkillParameterType::Other(_) => ParamType::String,
    };
    let mut description = parameter
        .description
        .clone()
        .filter(|d| !d.trim().is_empty());
    if let Some(domain) = parameter.cookie_domain.as_deref().filter(|d| !d.is_empty()) {
        let note = format!("A cookie for {domain}.");
        description = Some(match description {
            Some(d) => format!("{d} {note}"),
            None => note,
        });
    }
    Param {
        name: parameter.name.clone(),
        kind,
        required: parameter.required.unwrap_or(true),
        description,
        default: parameter.default.clone().filter(|d| !d.is_null()),
        options: Vec::new(),
    }
}

/// Browser Use skill parameters as [`Param`]s.
pub fn params(parameters: &[SkillParameter]) -> Vec<Param> {
    parameters.iter().map(param).collect()
}
