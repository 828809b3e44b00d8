//! MCP prompts: instructions a client offers its user (a slash command, a menu entry) that
//! drive a model through the loop this server is for: from a goal to a task that works
//! ([`automate_browser_task`]), from a failed run to its fix ([`debug_failed_run`]), code
//! written by hand to a published task ([`write_code_task`]).
//!
//! One file per prompt: its arguments and the text it renders. This module holds the table,
//! checks `prompts/get` arguments (every problem, each with its fix, in one invalid-params
//! error) and tells prompts what they adapt to ([`Facts`]: the configured providers and what
//! each offers). Prompts never name a provider themselves: they ask the adapters.
//! [`completion`] answers `completion/complete` for their arguments.

pub(crate) mod automate_browser_task;
pub(crate) mod completion;
pub(crate) mod debug_failed_run;
pub(crate) mod write_code_task;

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use rmcp::ErrorData as McpError;
use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};
use serde_json::{Value, json};

use super::args::{Problem, closest};
use super::context::adapter::ProviderAdapter;
use super::context::{Access, Caller, ToolEnv};
use crate::redact::scrub_text;
use crate::runs::TaskKind;

/// What `completion/complete` offers for an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completes {
    /// Free text: nothing to offer.
    Nothing,
    /// Names of the catalog's tasks (of this kind, when given), recently used first.
    TaskName(Option<TaskKind>),
    /// Ids of the catalog's tasks, recently used first (resource templates' `task_id`).
    TaskId,
    /// Ids of the catalog's runs, newest first.
    ExecutionId,
    /// Ids of the configured providers.
    Provider,
}

/// One argument of a prompt.
#[derive(Debug)]
pub struct ArgDef {
    pub name: &'static str,
    /// What a person (or model) filling it in reads.
    pub description: &'static str,
    pub required: bool,
    pub completes: Completes,
}

/// One prompt: what `prompts/list` shows, when it is offered, and how it renders.
pub struct PromptDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub arguments: &'static [ArgDef],
    /// Whether it is offered with what is configured.
    pub offered: fn(&Facts<'_>) -> bool,
    /// What the work it leads a model to needs (offered only where that is allowed: not
    /// read-only, and to a caller granted it).
    pub leads_to: Access,
    /// Argument rules beyond the shared checks (known, text, required given, a configured
    /// provider).
    pub rules: fn(&Facts<'_>, &Arguments, &mut Vec<Problem>),
    /// The text a model reads, for arguments that passed the checks (it may read the
    /// catalog, hence a future).
    pub render: for<'a> fn(&'a Facts<'a>, &'a Arguments) -> BoxFuture<'a, String>,
}

/// Every prompt, in the order `prompts/list` shows them.
pub const PROMPTS: [&PromptDef; 3] = [
    &automate_browser_task::PROMPT,
    &debug_failed_run::PROMPT,
    &write_code_task::PROMPT,
];

/// What prompts adapt to: the providers (and what each offers), the catalog, and who asks.
pub struct Facts<'a> {
    pub env: &'a ToolEnv,
    pub caller: Caller,
}

impl<'a> Facts<'a> {
    /// The facts for the server's own user.
    #[cfg(test)]
    pub fn new(env: &'a ToolEnv) -> Self {
        Self {
            env,
            caller: Caller::operator(),
        }
    }

    /// The facts for `caller`.
    pub fn for_caller(env: &'a ToolEnv, caller: Caller) -> Self {
        Self { env, caller }
    }

    /// Whether a prompt leading to work that needs `access` may be offered.
    fn allows(&self, access: Access) -> bool {
        self.env.settings.allows(access) && self.caller.allows(access)
    }

    /// The providers prompts speak of: the configured ones, or the first registered when none
    /// is (its tools then say how to configure it).
    pub fn providers(&self) -> Vec<&'a dyn ProviderAdapter> {
        self.env.providers.shown()
    }

    /// Those of [`Facts::providers`] with a part in the static tool `tool`.
    pub fn offering(&self, tool: &str) -> Vec<&'a dyn ProviderAdapter> {
        self.providers()
            .into_iter()
            .filter(|adapter| adapter.tool(tool).is_some())
            .collect()
    }

    /// Whether tools take a `provider` argument (more than one provider is configured).
    pub fn several(&self) -> bool {
        self.env.providers.configured().nth(1).is_some()
    }

    /// The ids of the configured providers.
    pub fn provider_ids(&self) -> Vec<&'static str> {
        self.env
            .providers
            .configured()
            .map(|adapter| adapter.provider().id())
            .collect()
    }

    /// The configured provider whose id is `id`.
    pub fn provider(&self, id: &str) -> Option<&'a dyn ProviderAdapter> {
        self.env
            .providers
            .configured()
            .find(|adapter| adapter.provider().id() == id)
    }

    /// The configured provider that runs code tasks, and how its code must be written.
    pub fn code_runtime(&self) -> Option<(&'a dyn ProviderAdapter, &'static str)> {
        self.env
            .providers
            .configured()
            .find_map(|adapter| Some((adapter, adapter.code_task_runtime()?)))
    }
}

/// A prompt's checked arguments: text, trimmed, empty ones left out.
#[derive(Debug, Default)]
pub struct Arguments(BTreeMap<String, String>);

impl Arguments {
    /// The argument `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// The prompts offered with what is configured.
pub fn offered<'p>(facts: &Facts<'_>) -> impl Iterator<Item = &'p PromptDef> {
    PROMPTS
        .into_iter()
        .filter(move |def| facts.allows(def.leads_to) && (def.offered)(facts))
}

/// The arguments of `def` a client is shown: `provider` only when there is a choice.
pub fn shown_arguments<'p>(def: &'p PromptDef, facts: &Facts<'_>) -> Vec<&'p ArgDef> {
    let several = facts.several();
    def.arguments
        .iter()
        .filter(|arg| several || arg.completes != Completes::Provider)
        .collect()
}

/// Answer `prompts/list` for `facts`' caller.
pub fn list(facts: &Facts<'_>) -> Vec<Prompt> {
    offered(facts)
        .map(|def| {
            let arguments = shown_arguments(def, facts)
                .into_iter()
                .map(|arg| {
                    let mut description = arg.description.to_string();
                    if arg.completes == Completes::Provider {
                        description.push_str(&format!(" One of: {}.", ids(facts)));
                    }
                    PromptArgument::new(arg.name)
                        .with_description(description)
                        .with_required(arg.required)
                })
                .collect();
            Prompt::new(def.name, Some(def.description), Some(arguments)).with_title(def.title)
        })
        .collect()
}

/// Answer `prompts/get`: the prompt's text for these arguments, or an invalid-params error
/// naming every problem with them.
pub async fn get(
    facts: &Facts<'_>,
    name: &str,
    arguments: Option<&JsonObject>,
) -> Result<GetPromptResult, McpError> {
    let env = facts.env;
    let def = find(facts, name)?;
    let arguments = check(def, facts, arguments).map_err(|problems| {
        McpError::invalid_params(
            render_problems(def.name, &problems),
            Some(json!({ "problems": problems })),
        )
    })?;
    // What the catalog recorded was scrubbed when stored; secrets learned since are scrubbed
    // here, as from any tool result.
    let text = scrub_text(
        &(def.render)(facts, &arguments).await,
        &env.secrets.values(),
    );
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(def.description),
    )
}

/// The offered prompt called `name`, or the error saying which ones there are.
pub fn find<'p>(facts: &Facts<'_>, name: &str) -> Result<&'p PromptDef, McpError> {
    if let Some(def) = offered(facts).find(|def| def.name == name) {
        return Ok(def);
    }
    let names: Vec<&str> = offered(facts).map(|def| def.name).collect();
    let known = PROMPTS.iter().find(|def| def.name == name);
    let why = if known.is_some_and(|def| !facts.env.settings.allows(def.leads_to)) {
        format!("prompt {name:?} is not offered: this server is read-only (--read-only)")
    } else if let Some(def) = known.filter(|def| !facts.caller.allows(def.leads_to)) {
        format!(
            "prompt {name:?} is not offered: it leads to work that needs {} access, which \
             your authorization does not grant",
            def.leads_to.word()
        )
    } else if known.is_some() {
        format!("prompt {name:?} is not offered with the providers configured here")
    } else {
        let guess = closest(name, &names)
            .map(|guess| format!(" (did you mean {guess:?}?)"))
            .unwrap_or_default();
        format!("unknown prompt {name:?}{guess}")
    };
    Err(McpError::invalid_params(
        format!(
            "{why}; prompts/list shows the prompts this server offers: {}",
            names.join(", ")
        ),
        None,
    ))
}

/// Check `raw` against `def`: every argument known and text, the required ones given, a
/// provider one of the configured ones, then the prompt's own rules.
fn check(
    def: &PromptDef,
    facts: &Facts<'_>,
    raw: Option<&JsonObject>,
) -> Result<Arguments, Vec<Problem>> {
    let known: Vec<&str> = def.arguments.iter().map(|arg| arg.name).collect();
    let mut problems = Vec::new();
    let mut given = BTreeMap::new();
    for (key, value) in raw.into_iter().flatten() {
        if !known.contains(&key.as_str()) {
            let guess = closest(key, &known)
                .map(|guess| format!("did you mean `{guess}`? "))
                .unwrap_or_default();
            problems.push(Problem::new(
                key,
                format!(
                    "unknown argument; {guess}this prompt takes {}",
                    known.join(", ")
                ),
            ));
            continue;
        }
        match value {
            Value::String(text) if !text.trim().is_empty() => {
                given.insert(key.clone(), text.trim().to_string());
            }
            // Clients send empty strings for fields left blank: the same as not given.
            Value::String(_) | Value::Null => {}
            other => problems.push(Problem::new(
                key,
                format!("must be a string (prompt arguments are text), not {other}"),
            )),
        }
    }
    for arg in def.arguments {
        if arg.required && !given.contains_key(arg.name) {
            problems.push(Problem::new(
                arg.name,
                format!("missing; give {}", lowercase_first(arg.description)),
            ));
        }
        if arg.completes == Completes::Provider
            && let Some(id) = given.get(arg.name)
            && facts.provider(id).is_none()
        {
            problems.push(Problem::new(
                arg.name,
                format!(
                    "{id:?} is not a configured provider; use one of: {}",
                    ids(facts)
                ),
            ));
        }
    }
    let arguments = Arguments(given);
    (def.rules)(facts, &arguments, &mut problems);
    if problems.is_empty() {
        Ok(arguments)
    } else {
        Err(problems)
    }
}

/// The configured providers' ids, for a message (or a note that there are none).
fn ids(facts: &Facts<'_>) -> String {
    let ids = facts.provider_ids();
    if ids.is_empty() {
        "(none is configured: set a provider's API key)".into()
    } else {
        ids.join(", ")
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The message of a `prompts/get` with bad arguments: a headline, then one line per problem.
fn render_problems(prompt: &str, problems: &[Problem]) -> String {
    let count = problems.len();
    let (noun, them) = if count == 1 {
        ("problem", "it")
    } else {
        ("problems", "them all")
    };
    let mut text =
        format!("prompt {prompt}: {count} {noun} with the arguments; fix {them} and ask again:");
    for problem in problems {
        text.push_str("\n- ");
        text.push_str(&problem.to_string());
    }
    text
}

#[cfg(test)]
mod tests;
