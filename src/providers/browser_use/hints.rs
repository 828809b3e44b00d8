//! What a failure means on each Browser Use endpoint, from the vendor's documented responses
//! (`browser-use-v2.json`): a 429 on a start is the plan's concurrent-session limit, not a
//! rate limit; a 403 on `PATCH /skills/{id}` is the plan's enabled-skills limit; a 404 on
//! `POST /tasks` is the session given, not the task; 402 is credits, or the key's monthly
//! spend cap (`api_key_monthly_spend_limit_reached`). Also what can be checked after a write
//! whose answer was lost. Anything not listed here gets the general hint
//! ([`crate::cloud::ApiError::hint`]).

use serde_json::json;

use crate::cloud::hints::Failure;

/// The error code of a 402 that is the key's own monthly cap, not the account's credits.
const SPEND_CAP: &str = "api_key_monthly_spend_limit_reached";

/// The hint for `failure`, when its endpoint gives the status a meaning of its own.
pub fn hint(failure: &Failure<'_>) -> Option<String> {
    let f = failure;
    let id = f.segment(1).unwrap_or_default();
    if f.on("POST /tasks") {
        return task_start(f);
    }
    if f.on("POST /skills/{skill_id}/execute") {
        return skill_start(f, id);
    }
    if f.on("POST /skills") {
        return skill_generation(f);
    }
    if f.on("PATCH /skills/{skill_id}") {
        return skill_update(f, id);
    }
    if f.on("POST /skills/{skill_id}/cancel") {
        return match f.status {
            _ if f.outcome_unknown || f.server_error() => Some(format!(
                "The cancel may have been applied anyway: get_task with {} shows the skill's \
                 state.",
                json!({ "task_id": id })
            )),
            Some(400) => Some(format!(
                "The skill's generation cannot be cancelled (it has ended): get_task with {} \
                 shows its state.",
                json!({ "task_id": id })
            )),
            Some(404) => Some(format!(
                "Skill {id} does not exist or has no generation to cancel: list_tasks shows \
                 the skills."
            )),
            _ => None,
        };
    }
    if f.on("PATCH /tasks/{task_id}") && (f.outcome_unknown || f.server_error()) {
        return Some(format!(
            "The stop may have been applied anyway: get_execution with {} shows the task's \
             status.",
            json!({ "execution_id": id })
        ));
    }
    if f.on("GET /skills/{skill_id}/executions/{execution_id}/output") && f.status_is(404) {
        let run = f.segment(3).unwrap_or_default();
        return Some(format!(
            "Skill {id} has no execution {run}: list_executions with {} shows its executions.",
            json!({ "task_id": id })
        ));
    }
    if f.on("GET /files/tasks/{task_id}/output-files/{file_id}") && f.status_is(404) {
        let task = f.segment(2).unwrap_or_default();
        return Some(format!(
            "That output file is gone or never existed: get_execution with {} lists the \
             task's files.",
            json!({ "execution_id": task })
        ));
    }
    if f.on_any(&[
        "GET /tasks/{task_id}",
        "GET /tasks/{task_id}/status",
        "GET /tasks/{task_id}/logs",
        "PATCH /tasks/{task_id}",
    ]) && f.status_is(404)
    {
        return Some(format!(
            "No Browser Use agent task has the id {id}: list_executions without a task_id \
             lists the account's agent tasks (a skill execution is read with its skill's \
             task_id)."
        ));
    }
    if f.on_any(&[
        "GET /skills/{skill_id}",
        "DELETE /skills/{skill_id}",
        "GET /skills/{skill_id}/executions",
    ]) && f.status_is(404)
    {
        return Some(format!(
            "No skill has the id {id}: list_tasks shows the account's skills."
        ));
    }
    if f.on("DELETE /skills/{skill_id}") && f.status_is(400) {
        return Some(
            "A skill cannot be deleted while it is being generated: wait for it to end, or \
             cancel it first."
                .into(),
        );
    }
    if f.on_any(&["GET /sessions/{session_id}", "PATCH /sessions/{session_id}"]) && f.status_is(404)
    {
        return Some(format!(
            "No browser session has the id {id} (or it is not this account's)."
        ));
    }
    None
}

/// `POST /tasks`: starting an agent task.
fn task_start(f: &Failure<'_>) -> Option<String> {
    if f.outcome_unknown || f.server_error() {
        return Some(
            "The task may have started anyway: list_executions (the account's agent tasks, \
             newest first) shows whether it did; check before starting it again."
                .into(),
        );
    }
    match f.status? {
        400 => Some(
            "If session_id was given, that session is stopped or already runs a task (what a \
             400 means here): wait for its task to end, stop it (cancel_execution), or leave \
             session_id out for a fresh session. No task was started."
                .into(),
        ),
        404 => Some(
            "No session has the id given in session_id (or it is not this account's): leave \
             session_id out for a fresh session. No task was started."
                .into(),
        ),
        402 => Some(credits("No task was started.", f.code)),
        429 => Some(too_many_sessions("No task was started.", f.retry_after)),
        _ => None,
    }
}

/// `POST /skills/{id}/execute`: running a skill.
fn skill_start(f: &Failure<'_>, skill: &str) -> Option<String> {
    let check = format!("list_executions with {}", json!({ "task_id": skill }));
    if f.outcome_unknown || f.server_error() {
        return Some(format!(
            "The skill may have run anyway: {check} shows its executions; check before running \
             it again."
        ));
    }
    match f.status? {
        400 => Some(format!(
            "The skill is not finished or not enabled: get_task with {} shows its state, and \
             deploy_task enables a finished skill. Nothing was run.",
            json!({ "task_id": skill })
        )),
        404 => Some(
            "The skill does not exist, has no code yet, or its project is gone: list_tasks \
             shows the account's skills. Nothing was run."
                .into(),
        ),
        402 => Some(credits("Nothing was run.", f.code)),
        429 => Some(too_many_sessions("Nothing was run.", f.retry_after)),
        _ => None,
    }
}

/// `POST /skills`: generating a skill.
fn skill_generation(f: &Failure<'_>) -> Option<String> {
    if f.outcome_unknown || f.server_error() {
        return Some(
            "A skill generation may have started anyway: list_tasks shows the account's skills \
             (a new one is recording or generating); check before generating it again."
                .into(),
        );
    }
    match f.status? {
        400 => Some(
            "Browser Use generates one skill at a time and another is under way: wait for it \
             (get_task with its task_id and wait_seconds) or cancel it, then generate again."
                .into(),
        ),
        402 => Some(credits("Nothing was generated.", f.code)),
        429 => Some(too_many_sessions("Nothing was generated.", f.retry_after)),
        _ => None,
    }
}

/// `PATCH /skills/{id}`: enabling or disabling a skill.
fn skill_update(f: &Failure<'_>, skill: &str) -> Option<String> {
    let get_task = format!("get_task with {}", json!({ "task_id": skill }));
    if f.outcome_unknown || f.server_error() {
        return Some(format!(
            "The change may have been applied anyway: {get_task} shows whether the skill is \
             enabled."
        ));
    }
    match f.status? {
        403 => Some(
            "The plan's limit of enabled skills is reached: disable a skill you no longer need \
             (deploy_task with its task_id and enabled: false) or upgrade the Browser Use \
             plan, then enable this one."
                .into(),
        ),
        404 => Some(format!(
            "No skill has the id {skill}: list_tasks shows the account's skills."
        )),
        _ => None,
    }
}

/// A 402: the account's credits, or this key's monthly spend cap.
fn credits(nothing: &str, code: Option<&str>) -> String {
    if code == Some(SPEND_CAP) {
        format!(
            "This API key's monthly spend cap is reached: raise it in Browser Use's dashboard \
             or wait for the next month. {nothing}"
        )
    } else {
        format!(
            "The Browser Use account is out of credits: top it up in Browser Use's dashboard. \
             {nothing}"
        )
    }
}

/// A 429 on a start: the plan's concurrent-session limit (the vendor's documented meaning),
/// with the wait the API asked for, if it did.
fn too_many_sessions(nothing: &str, retry_after: Option<std::time::Duration>) -> String {
    let wait = retry_after
        .map(|wait| format!(" (the API asks to wait {} s)", wait.as_secs().max(1)))
        .unwrap_or_default();
    format!(
        "Too many browser sessions are active at once for this Browser Use plan{wait}: wait \
         for a running task to finish, stop one (cancel_execution), or upgrade the plan. \
         {nothing}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Provider;
    use crate::cloud::hints::rendered;

    /// Every documented status of every endpoint the client calls, plus the statuses every
    /// endpoint may meet (401, 402, 403, 429, 5xx) and a lost answer for each write.
    #[test]
    fn each_endpoint_and_status_has_its_hint() {
        let t = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
        let s = "7a1d0c8e-1111-4222-8333-444455556666";
        let e = "9f1c2b3a-0000-4000-8000-000000000001";
        let cases: Vec<String> = [
            (
                "POST /tasks".to_string(),
                "400 401 402 404 422 429 500 unknown",
            ),
            ("GET /tasks".to_string(), "401 422 429 503"),
            (format!("GET /tasks/{t}"), "404 422"),
            (format!("GET /tasks/{t}/status"), "404 502"),
            (format!("GET /tasks/{t}/logs"), "404 500"),
            (format!("PATCH /tasks/{t}"), "404 422 500 unknown"),
            (format!("GET /files/tasks/{t}/output-files/f1"), "404 500"),
            ("GET /skills".to_string(), "401 422"),
            ("POST /skills".to_string(), "400 402 422 429 500 unknown"),
            (format!("GET /skills/{s}"), "404"),
            (format!("PATCH /skills/{s}"), "403 404 422 unknown"),
            (format!("DELETE /skills/{s}"), "400 404"),
            (format!("POST /skills/{s}/cancel"), "400 404 unknown"),
            (
                format!("POST /skills/{s}/execute"),
                "400 402 404 422 429 500 unknown",
            ),
            (format!("GET /skills/{s}/executions"), "404"),
            (format!("GET /skills/{s}/executions/{e}/output"), "404"),
            (format!("GET /sessions/{t}"), "404"),
            (format!("PATCH /sessions/{t}"), "404"),
        ]
        .iter()
        .flat_map(|(route, statuses)| {
            statuses
                .split(' ')
                .map(move |status| format!("{route} {status}"))
                .collect::<Vec<_>>()
        })
        .collect();
        let mut cases: Vec<(&str, Option<&str>)> =
            cases.iter().map(|c| (c.as_str(), None)).collect();
        let capped = "POST /tasks 402 (monthly spend cap)".to_string();
        cases.push((capped.as_str(), Some(SPEND_CAP)));
        insta::assert_snapshot!(rendered(Provider::BrowserUse, hint, &cases));
    }

    #[test]
    fn forbidden_is_not_always_the_key() {
        let text = rendered(
            Provider::BrowserUse,
            hint,
            &[(
                "PATCH /skills/7a1d0c8e-1111-4222-8333-444455556666 403",
                None,
            )],
        );
        assert!(text.contains("enabled skills"), "{text}");
        assert!(!text.contains("BROWSER_USE_API_KEY"), "{text}");
    }
}
