use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::*;

fn anchor_spec() -> &'static Spec {
    match anchor() {
        Ok(spec) => spec,
        Err(error) => panic!("Anchor's spec: {error}"),
    }
}

fn bu_spec() -> &'static Spec {
    match browser_use() {
        Ok(spec) => spec,
        Err(error) => panic!("Browser Use's spec: {error}"),
    }
}

fn body(value: Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

fn problems(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

const TASK: &str = "550e8400-e29b-41d4-a716-446655440000";

#[test]
fn the_copies_are_the_vendors_files_unchanged() {
    let sha = |text: &str| {
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    };
    assert_eq!(
        sha(ANCHOR_OPENAPI),
        "49ab354ff909853311b419c6d2df7ecfe324caaa77c1ae885fdab1c340ff0ce8"
    );
    assert_eq!(
        sha(BROWSER_USE_OPENAPI),
        "fbe4f4a326c26006a52992e3226b78fde0625f7add10c243f5acb66644b294e4"
    );
}

#[test]
fn every_schema_of_every_operation_compiles() {
    for spec in [anchor_spec(), bu_spec()] {
        let mut checked = 0;
        for (template, method, operation) in spec.openapi.operations() {
            let pointer = format!(
                "/paths/{}/{}",
                escape(&template),
                method.as_str().to_lowercase()
            );
            let op = &spec.doc.pointer(&pointer).cloned().unwrap_or_default();
            let mut schemas = Vec::new();
            if let Some(Value::Array(params)) = op.get("parameters") {
                for i in 0..params.len() {
                    schemas.push(format!("{pointer}/parameters/{i}/schema"));
                }
            }
            for (at, content) in [("requestBody".to_string(), op.get("requestBody"))]
                .into_iter()
                .chain(
                    op.get("responses")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                        .map(|(status, r)| (format!("responses/{status}"), Some(r))),
                )
            {
                if let Some(Value::Object(media)) = content.and_then(|c| c.get("content")) {
                    for (name, m) in media {
                        if m.get("schema").is_some() {
                            schemas.push(format!("{pointer}/{at}/content/{}/schema", escape(name)));
                        }
                    }
                }
            }
            for schema in schemas {
                if spec.doc.pointer(&schema).is_some() {
                    if let Err(error) = spec.validator(&schema) {
                        panic!("{} {template} ({operation:?}): {error}", spec.name());
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "{}: only {checked} schemas", spec.name());
    }
}

#[test]
fn a_request_as_the_spec_describes_it_passes() {
    let spec = anchor_spec();
    let generate = json!({"taskName": "hn-top", "taskPrompt": "Open the page.",
        "input_schema": [{"name": "url", "type": "string", "required": true}]});
    let found = spec.check_request("POST", "/v2/tasks/generate", None, &body(generate));
    assert!(found.is_empty(), "{}", problems(&found));
    let found = spec.check_request(
        "GET",
        &format!("/v1/task/{TASK}/executions"),
        Some("page=2&limit=10&status=success"),
        b"",
    );
    assert!(found.is_empty(), "{}", problems(&found));
    let bu = bu_spec();
    let found = bu.check_request(
        "GET",
        "/api/v2/tasks",
        Some("pageSize=10&filterBy=finished"),
        b"",
    );
    assert!(found.is_empty(), "{}", problems(&found));
}

#[test]
fn an_undeclared_body_field_is_a_violation_even_where_the_schema_is_open() {
    // GenerateTaskV2Request says nothing about additionalProperties.
    let generate = json!({"taskName": "a", "taskPrompt": "b", "name": "a", "user_task": "b"});
    let found = anchor_spec().check_request("POST", "/v2/tasks/generate", None, &body(generate));
    let text = problems(&found);
    assert_eq!(found.len(), 1, "{text}");
    assert!(
        text.contains("'name'") && text.contains("'user_task'"),
        "{text}"
    );
    assert!(
        text.starts_with("request POST /v2/tasks/generate: body"),
        "{text}"
    );
    // Nested too: SessionSettings inside CreateTaskRequest.
    let task = json!({"task": "x", "sessionSettings": {"proxyCountryCode": "us", "colour": "red"}});
    let found = bu_spec().check_request("POST", "/api/v2/tasks", None, &body(task));
    assert!(problems(&found).contains("colour"), "{}", problems(&found));
}

#[test]
fn an_undeclared_or_invalid_query_parameter_is_a_violation() {
    let spec = anchor_spec();
    let found = spec.check_request("GET", "/v1/task", Some("page=1&sort=name"), b"");
    assert_eq!(found.len(), 1, "{}", problems(&found));
    assert!(
        found[0]
            .problem
            .contains("query parameter sort is not declared")
    );
    let found = spec.check_request("GET", "/v1/task", Some("page=0"), b"");
    assert!(
        problems(&found).contains("query parameter page \"0\""),
        "{}",
        problems(&found)
    );
    let found = bu_spec().check_request("GET", "/api/v2/tasks", Some("pageSize=500"), b"");
    assert!(
        problems(&found).contains("pageSize"),
        "{}",
        problems(&found)
    );
}

#[test]
fn a_wrong_type_or_a_missing_required_field_is_a_violation() {
    let spec = bu_spec();
    let found = spec.check_request(
        "POST",
        "/api/v2/tasks",
        None,
        &body(json!({"task": "x", "maxSteps": "ten"})),
    );
    assert!(
        problems(&found).contains("/maxSteps"),
        "{}",
        problems(&found)
    );
    let found = spec.check_request(
        "POST",
        "/api/v2/tasks",
        None,
        &body(json!({"llm": "gpt-4.1"})),
    );
    assert!(
        problems(&found).contains("\"task\" is a required property"),
        "{}",
        problems(&found)
    );
    let found = spec.check_request(
        "POST",
        "/api/v2/tasks",
        None,
        &body(json!({"task": "x", "llm": "gpt-5-turbo"})),
    );
    assert!(problems(&found).contains("/llm"), "{}", problems(&found));
    // A path parameter that is not the UUID the spec asks for.
    let found = spec.check_request("GET", "/api/v2/tasks/not-a-uuid/status", None, b"");
    assert!(
        problems(&found).contains("path parameter task_id"),
        "{}",
        problems(&found)
    );
    // A required body left out.
    let found = anchor_spec().check_request("POST", "/v1/task/run", None, b"");
    assert!(
        problems(&found).contains("required body is missing"),
        "{}",
        problems(&found)
    );
}

#[test]
fn an_undeclared_path_or_method_is_a_violation() {
    let spec = anchor_spec();
    let found = spec.check_request("GET", "/v1/tasks", None, b"");
    assert!(
        problems(&found).contains("declares no such path"),
        "{}",
        problems(&found)
    );
    let found = spec.check_request("PATCH", &format!("/v1/task/{TASK}"), None, b"");
    assert!(
        problems(&found).contains("declares no PATCH"),
        "{}",
        problems(&found)
    );
    let found = bu_spec().check_request("GET", "/tasks", None, b"");
    assert!(
        problems(&found).contains("base path /api/v2"),
        "{}",
        problems(&found)
    );
}

#[test]
fn responses_are_held_to_the_status_and_schema_declared() {
    let spec = anchor_spec();
    let run = format!("/v2/tasks/{TASK}/run");
    let ok = json!({"run_id": "r1", "status": "queued"});
    assert!(spec.check_response("POST", &run, 200, &body(ok)).is_empty());
    // A status the operation does not list.
    let found = spec.check_response(
        "POST",
        &run,
        400,
        &body(json!({"error": {"code": 400, "message": "no"}})),
    );
    assert!(
        problems(&found)
            .contains("status 400 is not declared (the operation declares 200, 404, 500)"),
        "{}",
        problems(&found)
    );
    // The flat error shape where ErrorResponse nests it.
    let found = spec.check_response(
        "POST",
        &run,
        404,
        &body(json!({"error": "Task not found", "code": 404})),
    );
    assert!(
        problems(&found).contains("status 404 body at /error"),
        "{}",
        problems(&found)
    );
    // An undeclared field, and a missing required one.
    let found = spec.check_response(
        "POST",
        &run,
        200,
        &body(json!({"run_id": "r", "status": "queued", "taskId": "t"})),
    );
    assert!(
        problems(&found).contains("'taskId'"),
        "{}",
        problems(&found)
    );
    let found = spec.check_response("POST", &run, 200, &body(json!({"status": "queued"})));
    assert!(
        problems(&found).contains("\"run_id\" is a required property"),
        "{}",
        problems(&found)
    );
    // 3.0's nullable, read as the vendor means it.
    let execution = json!({"data": {"id": TASK, "taskVersionId": TASK, "version": "1", "status": "running",
        "output": null, "errorMessage": null, "startTime": "2026-01-01T00:00:00Z", "executionTime": null}});
    let found = spec.check_response(
        "GET",
        &format!("/v1/task/{TASK}/executions/{TASK}"),
        200,
        &body(execution),
    );
    assert!(found.is_empty(), "{}", problems(&found));
}

#[test]
fn a_401_is_accepted_in_the_apis_documented_error_shape() {
    let spec = anchor_spec();
    let nested = json!({"error": {"code": 401, "message": "Invalid API Key"}});
    assert!(
        spec.check_response("GET", "/v1/task", 401, &body(nested))
            .is_empty()
    );
    let flat = json!({"error": "Invalid API Key"});
    assert!(
        !spec
            .check_response("GET", "/v1/task", 401, &body(flat))
            .is_empty()
    );
    let bu = bu_spec();
    assert!(
        bu.check_response(
            "GET",
            "/api/v2/skills",
            401,
            &body(json!({"detail": "Invalid API key"}))
        )
        .is_empty()
    );
    // Any other undeclared status is not.
    assert!(
        !bu.check_response("GET", "/api/v2/skills", 403, &body(json!({"detail": "no"})))
            .is_empty()
    );
}

#[test]
fn a_204_carries_no_body() {
    let spec = bu_spec();
    let path = format!("/api/v2/skills/{TASK}");
    assert!(spec.check_response("DELETE", &path, 204, b"").is_empty());
    assert!(!spec.check_response("DELETE", &path, 204, b"{}").is_empty());
}
