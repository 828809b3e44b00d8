//! What a failure means on each Anchor endpoint, from the vendor's documented responses
//! (`anchor-openapi.yaml`: task endpoints document 400, 404, 409 and 500 per route; 402 and 403
//! are documented where browser sessions are created, "insufficient credits" and "project cost
//! limit reached", which a run's session meets too) and what can be checked after a write
//! whose answer was lost. Anything not listed here gets the general hint
//! ([`crate::cloud::ApiError::hint`]).

use serde_json::json;

use crate::cloud::hints::Failure;

/// The hint for `failure`, when its endpoint gives the status a meaning of its own.
pub fn hint(failure: &Failure<'_>) -> Option<String> {
    let f = failure;
    let task = f.segment(2).unwrap_or_default();
    // Literal routes first: `/v1/task/run/{taskName}` also fits `/v1/task/{taskId}/{version}`.
    if f.on("POST /v1/task/run") || f.on("POST /v1/task/run/{taskName}") {
        return start(f);
    }
    if f.on_any(&["POST /v2/tasks/{taskId}/run", "POST /v2/tasks/generate"]) {
        return generated_write(f);
    }
    if f.on("POST /v1/sessions") {
        return run_session(f);
    }
    if f.on("GET /v1/task/{taskId}/executions/{executionId}") && f.status_is(404) {
        let run = f.segment(4).unwrap_or_default();
        return Some(format!(
            "Task {task} has no run {run} (or the task does not exist): list_executions with \
             {} shows its runs.",
            json!({ "task_id": task })
        ));
    }
    if f.on("GET /v2/tasks/runs/{runId}/status") && f.status_is(404) {
        return Some(
            "No run of a generated task has that id: run ids come from run_task (a code task's \
             run is read with its task_id)."
                .into(),
        );
    }
    if f.on("GET /v2/tasks/{taskId}/generation-status") && f.status_is(404) {
        return Some(
            "No generated task has that id: ids come from generate_task, and list_tasks shows \
             the ones this server knows (Anchor cannot list generated tasks)."
                .into(),
        );
    }
    if f.on_any(&["POST /v1/task", "PUT /v1/task/{taskId}"]) && f.status_is(409) {
        return Some(
            "Another task already has that name. Choose another name (create_task with an \
             existing task's own name updates that task)."
                .into(),
        );
    }
    // Before the versions: `/executions` also fits `/{taskVersion}`.
    if f.on_any(&[
        "GET /v1/task/{taskId}",
        "PUT /v1/task/{taskId}",
        "DELETE /v1/task/{taskId}",
        "GET /v1/task/{taskId}/executions",
        "POST /v1/task/{taskId}/draft",
        "POST /v1/task/{taskId}/deploy",
        "POST /v1/task/{taskId}/{taskVersion}",
    ]) && f.status_is(404)
    {
        return Some(format!(
            "No code task has the id {task} (or it was deleted): list_tasks shows the tasks \
             and their ids."
        ));
    }
    if f.on_any(&[
        "GET /v1/task/{taskId}/versions",
        "GET /v1/task/{taskId}/{taskVersion}",
        "DELETE /v1/task/{taskId}/{taskVersion}",
    ]) && f.status_is(404)
    {
        return Some(format!(
            "Task {task} or that version does not exist: get_task with {} lists its versions \
             (list_tasks, the tasks).",
            json!({ "task_id": task })
        ));
    }
    code_task_write(f, task)
}

/// A start of a code task (`POST /v1/task/run`, by id in the body, or by name in the path).
fn start(f: &Failure<'_>) -> Option<String> {
    let by_name = f.segment(3);
    let check = match by_name {
        Some(name) => format!("with {}", json!({ "task_name": name })),
        None => "with its task_id".to_string(),
    };
    if f.outcome_unknown || f.server_error() {
        return Some(format!(
            "The run may have started anyway: check list_executions first ({check}), and run \
             the task again only if the run is not there."
        ));
    }
    match f.status? {
        404 => Some(match by_name {
            Some(name) => format!(
                "No code task is named {name:?}, or it has no published version: list_tasks \
                 shows the names; deploy_task publishes a version. No run was started."
            ),
            None => "The task, its version or the session_id does not exist (the message \
                     above says which): list_tasks shows the tasks, get_task a task's versions; \
                     a task with only a draft runs with version \"draft\" or after deploy_task. \
                     No run was started."
                .to_string(),
        }),
        402 => Some(
            "The Anchor account is out of credits: top it up in Anchor's dashboard. No run was \
             started."
                .into(),
        ),
        403 => Some(
            "Anchor refused to start the run: the project's cost limit may be reached, or the \
             key lacks access (the message above says which). No run was started."
                .into(),
        ),
        _ => None,
    }
}

/// Opening the browser session a code run is to go in: the run itself was not started.
fn run_session(f: &Failure<'_>) -> Option<String> {
    if f.outcome_unknown || f.server_error() {
        return Some(
            "A browser session may have been opened anyway, but no run was started in it: run \
             the task again. Anchor ends an unused session after its idle timeout (5 minutes \
             unless the task's browser configuration sets another)."
                .into(),
        );
    }
    match f.status? {
        400 => Some(
            "Anchor refused the browser configuration (the message above says which part); \
             fix browser_configuration, or the task's own. No run was started."
                .into(),
        ),
        402 => Some(
            "The Anchor account is out of credits: top it up in Anchor's dashboard. No run was \
             started."
                .into(),
        ),
        429 => Some(
            "Anchor limits how many browser sessions are opened a minute: wait the time the \
             answer gives (Retry-After), then run the task again. No run was started."
                .into(),
        ),
        _ => None,
    }
}

/// A generation or a run of a generated task: Anchor cannot list either, so a lost answer
/// cannot be checked from here.
fn generated_write(f: &Failure<'_>) -> Option<String> {
    let run = f.on("POST /v2/tasks/{taskId}/run");
    if f.outcome_unknown || f.server_error() {
        return Some(if run {
            "The run may have started anyway, and Anchor offers no way to list a generated \
             task's runs: check the task's runs in Anchor's dashboard before running it again."
                .to_string()
        } else {
            "A generation may have started anyway, and Anchor cannot list generated tasks: \
             check Anchor's dashboard before generating it again."
                .to_string()
        });
    }
    match f.status? {
        404 if run => Some(
            "No generated task has that id: ids come from generate_task, and list_tasks shows \
             the ones this server knows. No run was started."
                .into(),
        ),
        402 | 403 => Some(format!(
            "Anchor refused: the account is out of credits or the project's cost limit is \
             reached (the message above says which). {}",
            if run {
                "No run was started."
            } else {
                "Nothing was generated."
            }
        )),
        _ => None,
    }
}

/// Creating, changing or publishing a code task: what may have happened, and where to look.
fn code_task_write(f: &Failure<'_>, task: &str) -> Option<String> {
    if !(f.outcome_unknown || f.server_error()) {
        return None;
    }
    let get_task = format!("get_task with {}", json!({ "task_id": task }));
    if f.on("POST /v1/task") {
        Some(
            "The task may have been created or updated anyway: list_tasks shows it. Calling \
             create_task again is safe (it updates the task of that name)."
                .into(),
        )
    } else if f.on_any(&[
        "POST /v1/task/{taskId}/draft",
        "PUT /v1/task/{taskId}",
        "DELETE /v1/task/{taskId}",
        "DELETE /v1/task/{taskId}/{taskVersion}",
    ]) {
        Some(format!(
            "The change may have been applied anyway: {get_task} shows the task as it is now."
        ))
    } else if f.on_any(&[
        "POST /v1/task/{taskId}/deploy",
        "POST /v1/task/{taskId}/{taskVersion}",
    ]) {
        Some(format!(
            "A new version may have been published anyway: {get_task} lists the versions; \
             deploy again only if it is missing."
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Provider;
    use crate::cloud::hints::rendered;

    const TASK: &str = "550e8400-e29b-41d4-a716-446655440000";

    /// Every documented status of every endpoint the client calls, plus the statuses every
    /// endpoint may meet (401, 402, 403, 429, 5xx) and a lost answer for each write.
    #[test]
    fn each_endpoint_and_status_has_its_hint() {
        let cases: Vec<String> = [
            ("POST /v1/task", "400 401 409 429 500 unknown"),
            ("GET /v1/task", "401 403 429 500"),
            ("GET /v1/task/{t}", "404"),
            ("PUT /v1/task/{t}", "404 409 unknown"),
            ("DELETE /v1/task/{t}", "404 unknown"),
            ("GET /v1/task/{t}/versions", "404"),
            ("GET /v1/task/{t}/latest", "404"),
            ("POST /v1/task/{t}/draft", "404 unknown"),
            ("POST /v1/task/{t}/deploy", "404 500 unknown"),
            ("POST /v1/task/{t}/2", "400 404 unknown"),
            ("DELETE /v1/task/{t}/2", "404 unknown"),
            (
                "POST /v1/task/run",
                "400 401 402 403 404 422 429 500 502 unknown",
            ),
            ("POST /v1/task/run/hn-top", "402 404 500 unknown"),
            ("GET /v1/task/{t}/executions", "404 500"),
            ("GET /v1/task/{t}/executions/{e}", "404 502"),
            ("POST /v2/tasks/generate", "400 402 500 unknown"),
            ("GET /v2/tasks/{t}/generation-status", "404"),
            ("POST /v2/tasks/{t}/run", "402 403 404 500 unknown"),
            ("GET /v2/tasks/runs/{e}/status", "404"),
            ("POST /v1/sessions", "400 402 429 500 unknown"),
        ]
        .iter()
        .flat_map(|(route, statuses)| {
            let route = route
                .replace("{t}", TASK)
                .replace("{e}", "9f1c2b3a-0000-4000-8000-000000000001");
            statuses
                .split(' ')
                .map(move |status| format!("{route} {status}"))
                .collect::<Vec<_>>()
        })
        .collect();
        let cases: Vec<(&str, Option<&str>)> = cases.iter().map(|c| (c.as_str(), None)).collect();
        insta::assert_snapshot!(rendered(Provider::Anchor, hint, &cases));
    }

    #[test]
    fn a_lost_start_never_says_nothing_was_sent() {
        let text = rendered(
            Provider::Anchor,
            hint,
            &[
                ("POST /v1/task/run unknown", None),
                ("POST /v2/tasks/r1/run unknown", None),
            ],
        );
        assert!(!text.contains("nothing was sent"), "{text}");
        assert!(!text.contains("(general)"), "{text}");
        assert_eq!(text.matches("may have started").count(), 2, "{text}");
    }
}
