//! A static tool composed from the providers that offer it.
//!
//! One set of tools serves whichever providers are configured: a tool's definition is its own
//! shared arguments plus each shown provider's part (its own arguments), described by that
//! provider alone, or, with several, by the tool's lead and closing sentences around each
//! provider's fragment. Providers are shown when configured (the first registered one when none
//! is, so the tools still read sensibly and every call says what to configure). A `provider`
//! argument appears only when several are shown, rather than doubling the tool count. A shown
//! provider without a part that explains why (its adapter's [`Refusal`]) is described and named
//! with the others, and a call meant for it gets that explanation.
//!
//! A call's provider is, in order: its `provider` argument; what its arguments imply (an
//! argument only one provider has, such as an agent's `task`); the provider of the task or run
//! it names, as the catalog remembers; the only configured provider; the first registered.

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::Value;

use crate::cloud::Provider;
use crate::mcp::args::{Problem, str_arg};
use crate::mcp::context::ToolEnv;
use crate::mcp::context::adapter::{ProviderSet, Refusal, ToolPart};

/// The name of the `provider` argument.
pub const PROVIDER_ARG: &str = "provider";

/// What a static tool says and takes itself, whatever the providers.
pub struct ToolSpec {
    pub name: &'static str,
    /// The title, unless the only provider shown has its own.
    pub title: &'static str,
    /// The description's opening when several providers are shown.
    pub lead: &'static str,
    /// The description's closing when several providers are shown (may be empty).
    pub tail: &'static str,
    /// The arguments every provider's call takes (a portable JSON Schema object).
    pub arguments: Arc<JsonObject>,
    /// What a call answers with, when it is a run's report (the shared run-report schema);
    /// `None` for the other tools: their results say what they hold (structured content and
    /// text), and an output schema in every `tools/list` would cost more than it tells.
    pub output_schema: Option<Arc<JsonObject>>,
    pub annotations: ToolAnnotations,
}

/// The parts of the shown providers that offer `tool`, with their providers.
pub fn shown_parts<'a>(
    providers: &'a ProviderSet,
    tool: &str,
) -> Vec<(Provider, &'a dyn ToolPart)> {
    providers
        .shown()
        .into_iter()
        .filter_map(|adapter| adapter.tool(tool).map(|part| (adapter.provider(), part)))
        .collect()
}

/// The refusals of the shown providers that have no part in `tool` but explain why (see
/// [`Refusal`]), with their providers.
fn shown_refusals<'a>(providers: &'a ProviderSet, tool: &str) -> Vec<(Provider, &'a dyn Refusal)> {
    providers
        .shown()
        .into_iter()
        .filter(|adapter| adapter.tool(tool).is_none())
        .filter_map(|adapter| {
            adapter
                .refusal(tool)
                .map(|refusal| (adapter.provider(), refusal))
        })
        .collect()
}

/// The tool's definition for these providers, or `None` when no shown provider offers it.
/// A shown provider that refuses the tool (see [`Refusal`]) is described and named with the
/// others, but only the providers offering it make the tool exist.
pub fn definition(spec: &ToolSpec, providers: &ProviderSet) -> Option<Tool> {
    let parts = shown_parts(providers, spec.name);
    let refusals = shown_refusals(providers, spec.name);
    let mut schema = (*spec.arguments).clone();
    let mut title = spec.title;
    let description = match (parts.as_slice(), refusals.is_empty()) {
        ([], _) => return None,
        ([(_, only)], true) => {
            for (name, text) in only.argument_docs() {
                describe_property(&mut schema, name, &text);
            }
            title = only.title().unwrap_or(title);
            only.description()
        }
        _ => {
            // What can be done reads before what cannot.
            let fragments: Vec<String> = parts
                .iter()
                .map(|(_, part)| part.fragment())
                .chain(refusals.iter().map(|(_, refusal)| refusal.fragment()))
                .collect();
            let named: Vec<Provider> = providers
                .shown()
                .into_iter()
                .map(|adapter| adapter.provider())
                .filter(|p| {
                    parts.iter().any(|(q, _)| q == p) || refusals.iter().any(|(q, _)| q == p)
                })
                .collect();
            // Its enum names the choices; left out, the call's provider is found as the module
            // docs say, and the tool's description says where a choice matters.
            let provider = serde_json::json!({
                "enum": named.iter().map(|p| p.id()).collect::<Vec<_>>(),
                "type": "string",
            });
            if let Some(Value::Object(properties)) = schema.get_mut("properties") {
                properties.insert(PROVIDER_ARG.into(), provider);
            }
            let mut sentences = vec![spec.lead.to_string()];
            sentences.extend(fragments);
            sentences.push(spec.tail.to_string());
            sentences.retain(|s| !s.is_empty());
            sentences.join(" ")
        }
    };
    for (_, part) in &parts {
        merge_arguments(&mut schema, &part.arguments());
    }
    let mut tool = Tool::new(spec.name, description, Arc::new(schema))
        .with_title(title)
        .with_annotations(spec.annotations.clone());
    if let Some(output) = &spec.output_schema {
        tool = tool.with_raw_output_schema(output.clone());
    }
    Some(tool)
}

/// Add a part's arguments to a tool's schema: its properties (a property several parts
/// declare keeps the first description and unites their `enum` values) and its required ones.
fn merge_arguments(schema: &mut JsonObject, part: &JsonObject) {
    if let (Some(Value::Object(into)), Some(Value::Object(from))) =
        (schema.get_mut("properties"), part.get("properties"))
    {
        for (name, property) in from {
            match into.get_mut(name) {
                None => {
                    into.insert(name.clone(), property.clone());
                }
                Some(existing) => unite_enums(existing, property),
            }
        }
    }
    if let Some(Value::Array(required)) = part.get("required") {
        let list = schema
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            for name in required {
                if !list.contains(name) {
                    list.push(name.clone());
                }
            }
        }
    }
}

fn unite_enums(existing: &mut Value, other: &Value) {
    if let (Some(Value::Array(values)), Some(Value::Array(more))) =
        (existing.get_mut("enum"), other.get("enum"))
    {
        for value in more {
            if !values.contains(value) {
                values.push(value.clone());
            }
        }
    }
}

/// Set the description of argument `name`.
fn describe_property(schema: &mut JsonObject, name: &str, text: &str) {
    if let Some(Value::Object(property)) =
        schema.get_mut("properties").and_then(|p| p.get_mut(name))
    {
        property.insert("description".into(), Value::from(text));
    }
}

/// The given (non-null) arguments that only `provider`'s part declares, among the shown
/// providers' parts of `tool` and beside the tool's shared arguments.
fn own_arguments<'a>(
    providers: &ProviderSet,
    tool: &str,
    shared: &JsonObject,
    args: &'a JsonObject,
    provider: Provider,
) -> Vec<&'a str> {
    let parts = shown_parts(providers, tool);
    let declares = |part: &dyn ToolPart, name: &str| {
        part.arguments()
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| p.contains_key(name))
    };
    let is_shared = |name: &str| {
        shared
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| p.contains_key(name))
    };
    args.iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(name, _)| name.as_str())
        .filter(|name| !is_shared(name))
        .filter(|name| {
            let owners: Vec<Provider> = parts
                .iter()
                .filter(|(_, part)| declares(*part, name))
                .map(|(p, _)| *p)
                .collect();
            owners == [provider]
        })
        .collect()
}

/// The provider a call is for (see the module docs). `named` is the provider of the task or
/// run the arguments name, when the catalog knows it.
pub fn resolve(
    spec: &ToolSpec,
    env: &ToolEnv,
    args: &JsonObject,
    named: Option<Provider>,
) -> Provider {
    let providers = &env.providers;
    if let Some(explicit) = args.get(PROVIDER_ARG).and_then(Value::as_str) {
        return Provider::from_id(explicit);
    }
    let implied = shown_parts(providers, spec.name)
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| !own_arguments(providers, spec.name, &spec.arguments, args, *p).is_empty());
    implied
        .or(named)
        .or(providers.only())
        .unwrap_or_else(|| providers.default_provider())
}

/// Arguments that belong to another provider than the one the call is for: each is named,
/// with whose it is.
pub fn foreign_argument_problems(
    spec: &ToolSpec,
    env: &ToolEnv,
    args: &JsonObject,
    provider: Provider,
    problems: &mut Vec<Problem>,
) {
    let providers = &env.providers;
    let why = if args.contains_key(PROVIDER_ARG) {
        format!("provider is {}", provider.id())
    } else {
        let ours: Vec<String> =
            own_arguments(providers, spec.name, &spec.arguments, args, provider)
                .iter()
                .map(|a| format!("`{a}`"))
                .collect();
        match ours.as_slice() {
            [] => format!("this call is for {provider}"),
            [one] => format!("{one} belongs to {provider}"),
            several => format!("{} belong to {provider}", several.join(" and ")),
        }
    };
    for (other, _) in shown_parts(providers, spec.name) {
        if other == provider {
            continue;
        }
        for argument in own_arguments(providers, spec.name, &spec.arguments, args, other) {
            problems.push(Problem::new(
                argument,
                format!("belongs to {other}, while {why}; give the arguments of one provider only"),
            ));
        }
    }
}

/// The values the call's provider does not take but another provider does, of arguments that
/// several providers' parts declare with an `enum` of their own (list_executions' `status`):
/// each is named, with whose value it is and what the call's provider takes. Every registered
/// provider is asked, so that a value of a provider not shown is recognised too (the schema
/// check reports it as well).
pub fn foreign_value_problems(
    spec: &ToolSpec,
    env: &ToolEnv,
    args: &JsonObject,
    provider: Provider,
    problems: &mut Vec<Problem>,
) {
    let Some(ours) = env.providers.get(provider).and_then(|a| a.tool(spec.name)) else {
        return;
    };
    let ours = ours.arguments();
    for (name, value) in args {
        let Some(takes) = enum_of(&ours, name) else {
            continue;
        };
        if takes.contains(value) {
            continue;
        }
        let owner = env
            .providers
            .all()
            .filter(|a| a.provider() != provider)
            .find(|a| {
                a.tool(spec.name)
                    .and_then(|part| enum_of(&part.arguments(), name).map(|v| v.contains(value)))
                    .unwrap_or(false)
            });
        if let Some(owner) = owner {
            let takes: Vec<String> = takes
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            problems.push(Problem::new(
                name.as_str(),
                format!(
                    "{value} is a {name} of {}, not of {provider}: give one of {}",
                    owner.provider(),
                    takes.join(", ")
                ),
            ));
        }
    }
}

/// The `enum` values a schema object gives its property `name`.
fn enum_of(schema: &JsonObject, name: &str) -> Option<Vec<Value>> {
    schema
        .get("properties")?
        .get(name)?
        .get("enum")?
        .as_array()
        .cloned()
}

/// The provider of the run the `execution_id` argument names, else of the task `task_id`
/// names, as the catalog remembers them (for the tools that act on a run).
pub fn of_named_run(env: &ToolEnv, args: &JsonObject) -> Option<Provider> {
    str_arg(args, "execution_id")
        .and_then(|id| env.named_run(id))
        .map(|run| run.provider)
        .or_else(|| {
            str_arg(args, "task_id")
                .and_then(|id| env.tasks_as_read().task(id).map(|task| task.provider))
        })
}

/// The part of the provider a call is for, as [`part_for`] finds it; but a provider that has
/// none and explains why (its [`Refusal`]) answers the call with that explanation, configured
/// or not.
pub fn part_for_call<'a>(
    spec: &ToolSpec,
    env: &'a ToolEnv,
    provider: Provider,
    args: &JsonObject,
) -> Result<&'a dyn ToolPart, crate::mcp::reply::ToolError> {
    let refusal = env
        .providers
        .get(provider)
        .filter(|a| a.tool(spec.name).is_none())
        .and_then(|a| a.refusal(spec.name));
    if let Some(refusal) = refusal {
        return Err(refusal.refuse(args));
    }
    part_for(spec, env, provider)
}

/// How long a call that starts work waits for it: its `wait_seconds`, else the server's
/// default, within the server's maximum.
pub fn start_budget(env: &ToolEnv, args: &JsonObject) -> std::time::Duration {
    env.settings
        .waits
        .budget(crate::mcp::args::f64_arg(args, "wait_seconds"))
}

/// How long a call that reads waits: its `wait_seconds`, else not at all.
pub fn look_budget(env: &ToolEnv, args: &JsonObject) -> std::time::Duration {
    let asked = crate::mcp::args::f64_arg(args, "wait_seconds").unwrap_or(0.0);
    env.settings.waits.budget(Some(asked))
}

/// Run `part` for a call and carry out the work it plans, waiting at most `budget`: the
/// tool's own wait, computed once from its arguments (zero for a tool that waits for nothing).
pub async fn run_part(
    call: &crate::mcp::context::ToolContext<'_>,
    part: &dyn ToolPart,
    args: JsonObject,
    budget: std::time::Duration,
) -> Result<crate::mcp::reply::Reply, crate::mcp::reply::ToolError> {
    let work = part.run(call, args).await?;
    crate::mcp::carry_out::carry_out(call, work, budget).await
}

/// The part of the provider a call is for, or the error saying that provider does not offer
/// this tool (or is not configured, naming another provider that could do the job).
pub fn part_for<'a>(
    spec: &ToolSpec,
    env: &'a ToolEnv,
    provider: Provider,
) -> Result<&'a dyn ToolPart, crate::mcp::reply::ToolError> {
    let providers = &env.providers;
    let alternative = providers
        .all()
        .find(|a| a.provider() != provider && a.tool(spec.name).is_some())
        .map(|a| a.provider());
    let adapter = providers.get(provider).filter(|a| a.configured()).ok_or(
        crate::mcp::reply::ToolError::NotConfigured {
            provider,
            alternative,
        },
    )?;
    adapter
        .tool(spec.name)
        .ok_or_else(|| crate::mcp::reply::ToolError::Unsupported {
            message: format!("{provider} cannot do what {} does.", spec.name),
            hint: match alternative {
                Some(other) => format!("Call it with provider \"{}\".", other.id()),
                None => "No configured provider offers it.".into(),
            },
        })
}
