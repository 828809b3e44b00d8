//! `completion/complete` for prompt arguments: task names from the catalog, recent execution
//! ids (newest first), the configured providers' ids; and for the variables of this server's
//! resource templates (`provider`, `execution_id`, `task_id`). Matches are by prefix, ignoring
//! case, capped at the protocol's 100 values with `total` and `hasMore`; a `provider` already
//! given (the request's context) narrows tasks and runs to that provider's. Free text (and an
//! artifact's name, known only from its run) completes to nothing.

use rmcp::ErrorData as McpError;
use rmcp::model::{CompleteRequestParams, CompleteResult, CompletionInfo, Reference};

use super::{Completes, Facts, find, shown_arguments};
use crate::catalog::{CatalogStore, Whose};
use crate::cloud::Provider;
use crate::mcp::context::ToolEnv;
use crate::runs::TaskKind;

/// The most values one answer holds (the protocol's cap).
pub const MAX_VALUES: usize = CompletionInfo::MAX_VALUES;

/// Answer `completion/complete`.
pub async fn complete(
    facts: &Facts<'_>,
    request: &CompleteRequestParams,
) -> Result<CompleteResult, McpError> {
    let prompt = match &request.r#ref {
        Reference::Prompt(prompt) => prompt,
        Reference::Resource(template) => {
            return Ok(complete_template(facts, &template.uri, request).await);
        }
        // A kind of reference newer than this server: nothing to offer.
        _ => return Ok(CompleteResult::new(info(Vec::new(), 0))),
    };
    let def = find(facts, &prompt.name)?;
    let name = request.argument.name.as_str();
    let Some(arg) = def.arguments.iter().find(|arg| arg.name == name) else {
        let known: Vec<&str> = shown_arguments(def, facts).iter().map(|a| a.name).collect();
        return Err(McpError::invalid_params(
            format!(
                "prompt {} has no argument {name:?}; it takes {}",
                def.name,
                known.join(", ")
            ),
            None,
        ));
    };
    Ok(CompleteResult::new(
        values_for(
            facts,
            arg.completes,
            &request.argument.value,
            chosen_provider(request),
        )
        .await,
    ))
}

/// The provider the request's context already names, if it names one by its id.
fn chosen_provider(request: &CompleteRequestParams) -> Option<Provider> {
    let id = request
        .context
        .as_ref()?
        .arguments
        .as_ref()?
        .get("provider")?;
    Provider::ALL.into_iter().find(|p| p.id() == id.trim())
}

/// A variable of one of this server's resource templates (others complete to nothing).
async fn complete_template(
    facts: &Facts<'_>,
    uri_template: &str,
    request: &CompleteRequestParams,
) -> CompleteResult {
    let ours = crate::mcp::resources::templates()
        .iter()
        .any(|template| template.uri_template == uri_template);
    let completes = match request.argument.name.as_str() {
        _ if !ours => Completes::Nothing,
        "provider" => Completes::Provider,
        "execution_id" => Completes::ExecutionId,
        "task_id" => Completes::TaskId,
        _ => Completes::Nothing,
    };
    CompleteResult::new(
        values_for(
            facts,
            completes,
            &request.argument.value,
            chosen_provider(request),
        )
        .await,
    )
}

/// What `completes` offers for the text typed so far (of `provider`'s, when chosen).
async fn values_for(
    facts: &Facts<'_>,
    completes: Completes,
    typed: &str,
    provider: Option<Provider>,
) -> CompletionInfo {
    let env = facts.env;
    let (values, total) = match completes {
        Completes::Nothing => (Vec::new(), 0),
        Completes::TaskName(kind) => task_names(env, kind, provider, typed).await,
        Completes::TaskId => task_ids(env, provider, typed).await,
        Completes::ExecutionId => {
            let whose = facts.caller.whose_runs();
            execution_ids(env.catalog.as_ref(), provider, whose, typed).await
        }
        Completes::Provider => capped(
            facts
                .provider_ids()
                .into_iter()
                .filter(|id| starts_with(id, typed))
                .map(str::to_string)
                .collect(),
        ),
    };
    info(values, total)
}

fn info(values: Vec<String>, total: u64) -> CompletionInfo {
    let has_more = total > values.len() as u64;
    let total = Some(u32::try_from(total).unwrap_or(u32::MAX));
    // At most MAX_VALUES values (`capped`, and the catalog's limit), so this cannot fail.
    CompletionInfo::with_pagination(values, total, has_more).unwrap_or_default()
}

/// The first [`MAX_VALUES`] of `values`, and how many there are.
fn capped(mut values: Vec<String>) -> (Vec<String>, u64) {
    let total = values.len() as u64;
    values.truncate(MAX_VALUES);
    (values, total)
}

fn starts_with(text: &str, prefix: &str) -> bool {
    text.to_lowercase().starts_with(&prefix.to_lowercase())
}

/// Names of the catalog's tasks (of `kind`, when given) starting with `typed`, in the
/// catalog's order (recently used first), each once.
async fn task_names(
    env: &ToolEnv,
    kind: Option<TaskKind>,
    provider: Option<Provider>,
    typed: &str,
) -> (Vec<String>, u64) {
    let tasks = env.tasks().await.unwrap_or_else(|error| {
        tracing::warn!(%error, "could not read the catalog to complete a task name");
        Default::default()
    });
    let mut names: Vec<String> = Vec::new();
    for task in tasks.iter() {
        if kind.is_none_or(|kind| task.kind == kind)
            && provider.is_none_or(|p| task.provider == p)
            && starts_with(&task.name, typed)
            && !names.contains(&task.name)
        {
            names.push(task.name.clone());
        }
    }
    capped(names)
}

/// Ids of the catalog's tasks starting with `typed`, recently used first.
async fn task_ids(env: &ToolEnv, provider: Option<Provider>, typed: &str) -> (Vec<String>, u64) {
    let tasks = env.tasks().await.unwrap_or_else(|error| {
        tracing::warn!(%error, "could not read the catalog to complete a task id");
        Default::default()
    });
    capped(
        tasks
            .iter()
            .filter(|task| provider.is_none_or(|p| task.provider == p))
            .map(|task| task.task_id.clone())
            .filter(|id| starts_with(id, typed))
            .collect(),
    )
}

/// Ids of the catalog's runs (of `whose`) starting with `typed`, newest first.
async fn execution_ids(
    catalog: &dyn CatalogStore,
    provider: Option<Provider>,
    whose: Whose<'_>,
    typed: &str,
) -> (Vec<String>, u64) {
    match catalog
        .runs_by_id_prefix(typed, provider, whose, MAX_VALUES as u32)
        .await
    {
        Ok((runs, total)) => (runs.into_iter().map(|run| run.run_id).collect(), total),
        Err(error) => {
            tracing::warn!(%error, "could not read the catalog to complete an execution id");
            (Vec::new(), 0)
        }
    }
}
