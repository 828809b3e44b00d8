//! Which clouds this server reaches, and which one a tool call is for.
//!
//! A provider is active when its key is set. One set of tools serves either account or both:
//! a tool's definition shows only the arguments of the active providers (Anchor's when none is
//! active, so the tools still read sensibly and every call says what to configure), and takes
//! a `provider` argument only when both are active, rather than doubling the tool count.
//!
//! A call's provider is, in order: its `provider` argument; what its arguments imply (an
//! argument only one provider has, such as Browser Use's `task`); the provider of the task or
//! run it names, as the catalog remembers; the only active provider; Anchor.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloud::Provider;
use crate::mcp::args::{Problem, str_arg};
use crate::mcp::context::{Providers, ToolEnv};

/// The `provider` argument (offered when both providers are active).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderArg {
    /// Anchor Browser.
    Anchor,
    /// Browser Use Cloud.
    BrowserUse,
}

impl From<ProviderArg> for Provider {
    fn from(arg: ProviderArg) -> Self {
        match arg {
            ProviderArg::Anchor => Provider::Anchor,
            ProviderArg::BrowserUse => Provider::BrowserUse,
        }
    }
}

/// The name of the `provider` argument.
pub const PROVIDER_ARG: &str = "provider";

/// A tool's arguments that belong to one provider only (the rest are shared).
#[derive(Debug, Clone, Copy)]
pub struct ArgumentSplit {
    pub anchor: &'static [&'static str],
    pub browser_use: &'static [&'static str],
}

impl ArgumentSplit {
    /// The provider owning `argument`, if only one does.
    pub fn owner(&self, argument: &str) -> Option<Provider> {
        if self.anchor.contains(&argument) {
            Some(Provider::Anchor)
        } else if self.browser_use.contains(&argument) {
            Some(Provider::BrowserUse)
        } else {
            None
        }
    }

    /// The given arguments that belong to `provider` only.
    fn given<'a>(&self, args: &'a JsonObject, provider: Provider) -> Vec<&'a str> {
        args.iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, _)| key.as_str())
            .filter(|key| self.owner(key) == Some(provider))
            .collect()
    }
}

/// The tool's description for the providers shown: the Anchor text, the Browser Use text,
/// or, with both, the text for both.
pub fn describe(providers: Providers, anchor: &str, browser_use: &str, both: &str) -> String {
    let shown = providers.shown();
    match (shown.anchor, shown.browser_use) {
        (true, true) => both.to_string(),
        (false, true) => browser_use.to_string(),
        _ => anchor.to_string(),
    }
}

/// A definition built from both providers' arguments, fitted to the providers shown: the
/// arguments of a provider not shown are dropped, and so is `provider` unless both are.
pub fn fit(mut tool: Tool, providers: Providers, split: &ArgumentSplit) -> Tool {
    let shown = providers.shown();
    let mut dropped: Vec<&str> = Vec::new();
    if !shown.anchor {
        dropped.extend(split.anchor);
    }
    if !shown.browser_use {
        dropped.extend(split.browser_use);
    }
    if !shown.both() {
        dropped.push(PROVIDER_ARG);
    }
    let mut schema = (*tool.input_schema).clone();
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        properties.retain(|name, _| !dropped.contains(&name.as_str()));
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|name| !name.as_str().is_some_and(|n| dropped.contains(&n)));
        if required.is_empty() {
            schema.remove("required");
        }
    }
    tool.input_schema = std::sync::Arc::new(schema);
    tool
}

/// The same definition with argument `name` described as `text` (for a shared argument
/// whose meaning depends on the providers shown; an empty text keeps the doc comment's).
pub fn document(mut tool: Tool, name: &str, text: &str) -> Tool {
    if text.is_empty() {
        return tool;
    }
    let mut schema = (*tool.input_schema).clone();
    if let Some(Value::Object(property)) =
        schema.get_mut("properties").and_then(|p| p.get_mut(name))
    {
        property.insert("description".into(), Value::from(text));
        tool.input_schema = std::sync::Arc::new(schema);
    }
    tool
}

/// The provider of the task the `task_id` argument names, as the catalog remembers it.
pub fn of_named_task(state: &ToolEnv, args: &JsonObject) -> Option<Provider> {
    str_arg(args, "task_id")
        .and_then(|id| state.known_task(id))
        .map(|task| task.provider)
}

/// The provider of the run the `execution_id` argument names (else of the task `task_id`
/// names), as the catalog remembers it.
pub fn of_named_run(state: &ToolEnv, args: &JsonObject) -> Option<Provider> {
    str_arg(args, "execution_id")
        .and_then(|id| state.catalog.run(id))
        .map(|run| run.provider)
        .or_else(|| of_named_task(state, args))
}

/// The provider of a call that may name a task by `task_id` (see [`resolve`]).
pub fn of_task_call(state: &ToolEnv, args: &JsonObject, split: &ArgumentSplit) -> Provider {
    resolve(
        state.provider_flags(),
        args,
        split,
        of_named_task(state, args),
    )
}

/// Typed arguments back as the JSON object they were read from, so that a call's provider is
/// resolved at run time exactly as it was when its arguments were checked.
pub fn as_object<T: Serialize>(args: &T) -> JsonObject {
    match serde_json::to_value(args) {
        Ok(Value::Object(object)) => object,
        _ => JsonObject::new(),
    }
}

/// The provider a call is for (see the module docs). `named` is the provider of the task or
/// run the arguments name, when the catalog knows it.
pub fn resolve(
    providers: Providers,
    args: &JsonObject,
    split: &ArgumentSplit,
    named: Option<Provider>,
) -> Provider {
    if let Some(explicit) = args.get(PROVIDER_ARG).and_then(Value::as_str) {
        return Provider::from_id(explicit);
    }
    // Arguments of a provider whose arguments are not shown are unknown to the tool (the
    // schema check reports them): they imply nothing.
    let shown = providers.shown();
    let implied = [Provider::Anchor, Provider::BrowserUse]
        .into_iter()
        .filter(|p| shown.has(*p))
        .find(|p| !split.given(args, *p).is_empty());
    implied
        .or(named)
        .or(providers.only())
        .unwrap_or(Provider::Anchor)
}

/// Arguments that do not belong to the provider the call is for: each is named, with whose
/// it is. (Arguments of a provider whose arguments are not shown are left to the schema check,
/// which reports them as unknown.)
pub fn foreign_argument_problems(
    providers: Providers,
    args: &JsonObject,
    split: &ArgumentSplit,
    provider: Provider,
    problems: &mut Vec<Problem>,
) {
    let other = match provider {
        Provider::Anchor => Provider::BrowserUse,
        Provider::BrowserUse => Provider::Anchor,
    };
    if !providers.shown().has(other) {
        return;
    }
    let why = if args.contains_key(PROVIDER_ARG) {
        format!("provider is {}", provider.id())
    } else {
        let ours: Vec<String> = split
            .given(args, provider)
            .iter()
            .map(|a| format!("`{a}`"))
            .collect();
        match ours.len() {
            0 => format!("this call is for {provider}"),
            1 => format!("{} belongs to {provider}", ours[0]),
            _ => format!("{} belong to {provider}", ours.join(" and ")),
        }
    };
    for argument in split.given(args, other) {
        problems.push(Problem::new(
            argument,
            format!("belongs to {other}, while {why}; give the arguments of one provider only"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SPLIT: ArgumentSplit = ArgumentSplit {
        anchor: &["version"],
        browser_use: &["task"],
    };

    fn args(value: Value) -> JsonObject {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn the_provider_comes_from_the_argument_then_the_arguments_then_the_catalog() {
        let both = Providers::BOTH;
        let resolve = |a: Value, named| resolve(both, &args(a), &SPLIT, named);
        assert_eq!(
            resolve(json!({"provider": "browser_use", "version": "2"}), None),
            Provider::BrowserUse
        );
        assert_eq!(resolve(json!({"task": "x"}), None), Provider::BrowserUse);
        assert_eq!(
            resolve(json!({"task_id": "x"}), Some(Provider::BrowserUse)),
            Provider::BrowserUse
        );
        assert_eq!(resolve(json!({"task_id": "x"}), None), Provider::Anchor);
        assert_eq!(
            super::resolve(
                Providers::BROWSER_USE,
                &args(json!({"task_id": "x"})),
                &SPLIT,
                None
            ),
            Provider::BrowserUse
        );
    }

    #[test]
    fn arguments_of_the_other_provider_are_named() {
        let mut problems = Vec::new();
        let given = args(json!({"task": "x", "version": "2"}));
        foreign_argument_problems(
            Providers::BOTH,
            &given,
            &SPLIT,
            Provider::BrowserUse,
            &mut problems,
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "version");
        assert_eq!(
            problems[0].message,
            "belongs to Anchor Browser, while `task` belongs to Browser Use Cloud; give the \
             arguments of one provider only"
        );
        // With Browser Use alone, `version` is not an argument at all: the schema says so.
        let mut problems = Vec::new();
        foreign_argument_problems(
            Providers::BROWSER_USE,
            &given,
            &SPLIT,
            Provider::BrowserUse,
            &mut problems,
        );
        assert!(problems.is_empty());
        assert_eq!(
            resolve(
                Providers::BROWSER_USE,
                &args(json!({"version": "2"})),
                &SPLIT,
                None
            ),
            Provider::BrowserUse
        );
    }

    #[test]
    fn definitions_keep_the_arguments_of_the_providers_shown() {
        let tool = Tool::new(
            "t",
            "d",
            std::sync::Arc::new(args(json!({
                "type": "object",
                "properties": {"provider": {}, "version": {}, "task": {}, "task_id": {}},
                "required": ["task"]
            }))),
        );
        let keys = |providers| {
            let fitted = fit(tool.clone(), providers, &SPLIT);
            let mut keys: Vec<String> = fitted.input_schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            keys.sort();
            (keys, fitted.input_schema.get("required").cloned())
        };
        assert_eq!(
            keys(Providers::default()).0,
            vec!["task_id".to_string(), "version".into()]
        );
        assert_eq!(keys(Providers::default()).1, None);
        assert_eq!(
            keys(Providers::BROWSER_USE).0,
            vec!["task".to_string(), "task_id".into()]
        );
        assert_eq!(keys(Providers::BOTH).0.len(), 4);
    }
}
