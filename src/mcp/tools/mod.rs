//! The static tools, one file each. A tool file holds its name, the arguments every provider's
//! call takes (whose doc comments become the schema descriptions the model reads), the checks
//! they share, and how its definition and calls are composed from the configured providers'
//! parts (each provider's own arguments, texts, rules and code live in its folder,
//! `providers::*::adapter`); [`compose`] does the composing and picks the provider of each call.
//!
//! Each file is one [`StaticTool`] in [`ALL`], the one list the registry, dispatch and the
//! command line read. A tool computes its call's wait once and lets `carry_out` do the work its
//! provider's part planned. Every tool answers with a [`Reply`] (summary + structured content)
//! or a [`ToolError`] (an `isError` result); protocol errors are left to the server for unknown
//! tools.

pub(crate) mod cancel_execution;
pub(crate) mod compose;
pub(crate) mod create_task;
pub(crate) mod deploy_task;
pub(crate) mod generate_task;
pub(crate) mod get_execution;
pub(crate) mod get_task;
pub(crate) mod list_executions;
pub(crate) mod list_tasks;
pub(crate) mod refine_task;
pub(crate) mod respond_to_intervention;
pub(crate) mod run_task;

use futures::future::BoxFuture;
use rmcp::model::{CallToolResult, JsonObject, Tool, ToolAnnotations};

use super::args::{self, ArgsValidator};
use super::context::adapter::ProviderSet;
use super::context::{Access, ToolContext, ToolEnv};
use super::reply::{Reply, ToolError};

/// One static tool: its name, its definition (composed from the providers' parts), its
/// argument rules and its call. Each tool file is one; [`ALL`] lists them, and the registry
/// (`tools/list`, dispatch) and the command line read that list and nothing else.
pub trait StaticTool: Send + Sync {
    /// The tool's name.
    fn name(&self) -> &'static str;

    /// What it does in the cloud (read-only mode lists only [`Access::Read`] tools).
    fn access(&self) -> Access;

    /// The tool's definition, as listed by a server with these providers (`None`: no shown
    /// provider offers it).
    fn definition(&self, providers: &ProviderSet) -> Option<Tool>;

    /// Check the arguments as a call would, without running anything, with what the catalog
    /// held when last read (a call reads it again first).
    fn check_arguments(
        &self,
        env: &ToolEnv,
        validator: &ArgsValidator,
        arguments: JsonObject,
    ) -> Result<(), Vec<args::Problem>>;

    /// Check the arguments and run the tool.
    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        validator: &'a ArgsValidator,
        arguments: JsonObject,
    ) -> BoxFuture<'a, Result<Reply, ToolError>>;
}

impl std::fmt::Debug for dyn StaticTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The [`StaticTool`] of a tool file: its `NAME`, `Args`, `definition`, `rules` and `run`.
macro_rules! static_tool {
    ($tool:ident) => {{
        struct Entry;
        impl StaticTool for Entry {
            fn name(&self) -> &'static str {
                $tool::NAME
            }
            fn access(&self) -> Access {
                $tool::ACCESS
            }
            fn definition(&self, providers: &ProviderSet) -> Option<Tool> {
                $tool::definition(providers)
            }
            fn check_arguments(
                &self,
                env: &ToolEnv,
                validator: &ArgsValidator,
                arguments: JsonObject,
            ) -> Result<(), Vec<args::Problem>> {
                args::parse::<$tool::Args>(validator, arguments, |raw, problems| {
                    $tool::rules(env, raw, problems)
                })
                .map(|_| ())
            }
            fn run<'a>(
                &'a self,
                call: &'a ToolContext<'a>,
                validator: &'a ArgsValidator,
                arguments: JsonObject,
            ) -> BoxFuture<'a, Result<Reply, ToolError>> {
                Box::pin(async move {
                    // A run the caller may not see does not exist for it: refused before
                    // anything (argument rules included) reads it.
                    if let Some(id) = arguments.get("execution_id").and_then(|v| v.as_str()) {
                        call.check_run_seen(id).await?;
                    }
                    // The rules are synchronous: what they consult is read first.
                    call.env.look_up_named(&arguments).await;
                    let args = args::parse(validator, arguments, |raw, problems| {
                        $tool::rules(call.env, raw, problems)
                    })?;
                    $tool::run(call, args).await
                })
            }
        }
        &Entry
    }};
}

/// Every static tool, in the order `tools/list` shows them. Adding a tool: its file, its
/// `mod` line above, and its line here (then each provider's part: see the README).
pub static ALL: &[&dyn StaticTool] = &[
    static_tool!(run_task),
    static_tool!(get_execution),
    static_tool!(cancel_execution),
    static_tool!(respond_to_intervention),
    static_tool!(list_executions),
    static_tool!(list_tasks),
    static_tool!(get_task),
    static_tool!(generate_task),
    static_tool!(refine_task),
    static_tool!(create_task),
    static_tool!(deploy_task),
];

/// Every static tool's name (task tools may not take them).
pub fn names() -> &'static [&'static str] {
    static NAMES: std::sync::LazyLock<Vec<&'static str>> =
        std::sync::LazyLock::new(|| ALL.iter().map(|tool| tool.name()).collect());
    &NAMES
}

/// What a call of the tool `name` needs: a static tool's own [`Access`]; any other tool is a
/// task's, which runs it (an unknown name is refused later, by the server, as unknown).
pub fn required_access(name: &str) -> Access {
    ALL.iter()
        .find(|tool| tool.name() == name)
        .map_or(Access::Run, |tool| tool.access())
}

/// The static tool called `name`, if any.
#[cfg(test)]
pub fn by_name(name: &str) -> Option<&'static dyn StaticTool> {
    ALL.iter().copied().find(|tool| tool.name() == name)
}

/// Run `tool` for a call and shape its result (`isError` for a tool failure).
pub async fn call(
    tool: &dyn StaticTool,
    call: &ToolContext<'_>,
    validator: &ArgsValidator,
    arguments: JsonObject,
) -> CallToolResult {
    match tool.run(call, validator, arguments).await {
        Ok(reply) => reply.into_result(),
        Err(error) => error.into_result(tool.name()),
    }
}

// Annotations carry no title: the tool's own `title` is the one clients show (since
// 2025-06-18), and a second copy is bytes in every `tools/list`. The hints are explicit, since
// some clients ignore the spec's defaults.

/// Annotations of a tool that only reads from the cloud.
fn read_only() -> ToolAnnotations {
    ToolAnnotations::new()
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(true)
}

/// Annotations of a tool that starts or changes something in the cloud.
fn writes(destructive: bool, idempotent: bool) -> ToolAnnotations {
    ToolAnnotations::new()
        .read_only(false)
        .destructive(destructive)
        .idempotent(idempotent)
        .open_world(true)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    use super::*;

    /// A state with both providers configured.
    fn shared() -> std::sync::Arc<crate::mcp::Registry> {
        crate::mcp::registry::tests::test_registry(true, true)
    }

    /// Argument names the tools know, plus a few they do not.
    const KEYS: &[&str] = &[
        "task_id",
        "task_name",
        "kind",
        "version",
        "inputs",
        "wait_seconds",
        "session_id",
        "browser_configuration",
        "identity_id",
        "cleanup_sessions",
        "execution_id",
        "status",
        "page",
        "limit",
        "name",
        "prompt",
        "description",
        "input_parameters",
        "output_parameters",
        "code",
        "code_base64",
        "application_id",
        "taskId",
        "provider",
        "task",
        "structured_output",
        "session_settings",
        "vision",
        "metadata",
        "secrets",
        "goal",
        "after",
        "ANCHOR_X",
        "",
    ];

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            "\\PC{0,12}".prop_map(Value::from),
            prop::sample::select(vec![
                "draft",
                "latest",
                "3",
                "550e8400-e29b-41d4-a716-446655440000",
                "code",
                "generated",
                "string",
                "YWJj",
                "1e999",
                "browser_use",
                "anchor",
                "auto"
            ])
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop::sample::select(KEYS.to_vec()).prop_map(str::to_string),
                    inner,
                    0..4
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn arguments() -> impl Strategy<Value = Map<String, Value>> {
        prop::collection::btree_map(
            prop::sample::select(KEYS.to_vec()).prop_map(str::to_string),
            json_value(),
            0..8,
        )
        .prop_map(|m| m.into_iter().collect())
    }

    /// (label, (Anchor configured, Browser Use configured)).
    const COMBINATIONS: [(&str, (bool, bool)); 4] = [
        ("none", (false, false)),
        ("anchor", ANCHOR),
        ("browser_use", BROWSER_USE),
        ("both", BOTH),
    ];
    const ANCHOR: (bool, bool) = (true, false);
    const BROWSER_USE: (bool, bool) = (false, true);
    const BOTH: (bool, bool) = (true, true);

    fn definitions((anchor, browser_use): (bool, bool)) -> Vec<(&'static str, Tool)> {
        let registry = crate::mcp::registry::tests::test_registry(anchor, browser_use);
        let set = &registry.env().providers;
        ALL.iter()
            .filter_map(|t| Some((t.name(), t.definition(set)?)))
            .collect()
    }

    /// Every definition, for every set of providers, is described, portable and compiles;
    /// with no provider the tools read as Anchor's.
    #[test]
    fn every_definition_fits_every_set_of_providers() {
        for (label, providers) in COMBINATIONS {
            for (tool, definition) in definitions(providers) {
                let name = format!("{label}/{tool}");
                assert!(
                    definition.description.as_deref().unwrap_or_default().len() > 80,
                    "{name}"
                );
                assert_eq!(
                    crate::mcp::schema::violations(&definition.input_schema),
                    Vec::<String>::new(),
                    "{name}"
                );
                let schema = Value::Object((*definition.input_schema).clone());
                assert!(jsonschema::validator_for(&schema).is_ok(), "{name}");
                let properties = schema["properties"].as_object().unwrap();
                // create_task and respond_to_intervention are Anchor's alone.
                let anchors_alone = [create_task::NAME, respond_to_intervention::NAME];
                assert_eq!(
                    properties.contains_key("provider"),
                    providers == BOTH && !anchors_alone.contains(&tool),
                    "{name}: a provider argument only with both providers"
                );
                for required in schema["required"].as_array().into_iter().flatten() {
                    assert!(
                        properties.contains_key(required.as_str().unwrap()),
                        "{name}: {required} is required but not a property"
                    );
                }
            }
        }
        assert_eq!(definitions((false, false)), definitions(ANCHOR));
    }

    /// What an LLM sees with Browser Use alone, and with both providers.
    #[test]
    fn definitions_for_browser_use_and_for_both() {
        for (label, providers) in [("browser_use", BROWSER_USE), ("both", BOTH)] {
            let tools: Vec<Tool> = definitions(providers).into_iter().map(|(_, t)| t).collect();
            insta::assert_json_snapshot!(format!("static_tools_{label}"), tools);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// No input panics a tool's argument checking, and every refusal explains itself.
        #[test]
        fn no_arguments_panic_any_tool(args in arguments()) {
            // Built once: compiling nine validators per case is most of this test's time.
            type Checked = (std::sync::Arc<crate::mcp::Registry>, Vec<(&'static str, ArgsValidator)>);
            static CHECKED: std::sync::LazyLock<Checked> = std::sync::LazyLock::new(|| {
                let validators = definitions(BOTH)
                    .into_iter()
                    .map(|(tool, definition)| (tool, ArgsValidator::new(&definition.input_schema)))
                    .collect();
                (shared(), validators)
            });
            let (state, validators) = &*CHECKED;
            for (name, validator) in validators {
                let tool = by_name(name).unwrap();
                if let Err(problems) = tool.check_arguments(state.env(), validator, args.clone()) {
                    prop_assert!(!problems.is_empty());
                    let text = args::render(name, &problems);
                    prop_assert!(problems.iter().all(|p| !p.message.is_empty()), "{}", text);
                }
            }
        }
    }
}
