//! A task's definition as a resource, `browser-tasks://tasks/{provider}/{task_id}`: what
//! `get_task` answers (a code task's versions and source, a generated task's state and
//! parameters, a skill's parameters), read through the provider's part of that tool, so both
//! always agree.

use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, ResourceContents, ResourceTemplate};
use serde_json::{Map, Value};

use crate::cloud::Provider;
use crate::mcp::args::render;
use crate::mcp::carry_out::carry_out;
use crate::mcp::context::ToolContext;
use crate::mcp::tools::get_task;

pub const SCHEME: &str = "browser-tasks://tasks/";

/// The template.
pub fn template() -> ResourceTemplate {
    ResourceTemplate::new("browser-tasks://tasks/{provider}/{task_id}", "task")
        .with_title("A task's definition")
        .with_description("What get_task shows: code and versions, or prompt and parameters.")
        .with_mime_type("application/json")
}

/// The URI of a task's definition.
#[cfg(test)]
pub fn task_uri(provider: Provider, task_id: &str) -> String {
    format!("{SCHEME}{}/{task_id}", provider.id())
}

/// Answer `resources/read` for a task URI.
pub async fn read(call: &ToolContext<'_>, uri: &str) -> Result<ReadResourceResult, McpError> {
    let not_found = |why: String| McpError::resource_not_found(format!("{uri}: {why}"), None);
    let (provider, task_id) = parse(uri).ok_or_else(|| {
        not_found(
            "not a resource of this server: tasks are browser-tasks://tasks/{provider}/{task_id}"
                .into(),
        )
    })?;
    let adapter = call
        .env
        .providers
        .get(provider)
        .filter(|a| a.configured())
        .ok_or_else(|| not_found(format!("{provider} is not configured on this server")))?;
    let part = adapter
        .tool(get_task::NAME)
        .ok_or_else(|| not_found(format!("{provider} has no task definitions to show")))?;
    let mut args = Map::new();
    args.insert("task_id".into(), Value::from(task_id));
    let mut problems = Vec::new();
    part.rules(call.env, &args, &mut problems);
    if !problems.is_empty() {
        return Err(not_found(render(get_task::NAME, &problems)));
    }
    // A look only: no wait (a generation still going is shown as it is).
    let outcome = match part.run(call, args).await {
        Ok(work) => carry_out(call, work, std::time::Duration::ZERO).await,
        Err(error) => Err(error),
    };
    let result = match outcome {
        Ok(reply) => reply.into_result(),
        Err(error) => error.into_result(get_task::NAME),
    };
    if result.is_error == Some(true) {
        let text = result
            .content
            .first()
            .and_then(|c| c.as_text())
            .map(|t| t.text.clone())
            .unwrap_or_default();
        return Err(not_found(text));
    }
    let body = result.structured_content.unwrap_or(Value::Null);
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(body.to_string(), uri).with_mime_type("application/json"),
    ]))
}

/// `browser-tasks://tasks/{provider}/{task_id}`.
fn parse(uri: &str) -> Option<(Provider, &str)> {
    let (provider, task_id) = uri.strip_prefix(SCHEME)?.split_once('/')?;
    let provider = Provider::ALL.into_iter().find(|p| p.id() == provider)?;
    (!task_id.is_empty() && !task_id.contains('/')).then_some((provider, task_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_uris_are_parsed_strictly() {
        let uri = task_uri(Provider::Anchor, "t1");
        assert_eq!(parse(&uri), Some((Provider::Anchor, "t1")));
        assert_eq!(parse("browser-tasks://tasks/anchor/"), None);
        assert_eq!(parse("browser-tasks://tasks/anchor/a/b"), None);
        assert_eq!(parse("browser-tasks://tasks/nope/t1"), None);
    }
}
