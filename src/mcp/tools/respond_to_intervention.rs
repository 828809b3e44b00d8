//! `respond_to_intervention`: answer a run's pending request for a person (human in the loop)
//! from a client that cannot ask its user through elicitation, or when the person prefers. Only
//! providers whose tasks ask for a person have a part
//! (`providers::*::adapter::respond_to_intervention`); the tool is listed when a shown provider
//! does. This file holds what the tool says, and [`response_to`]: how an answer is checked
//! against the request it answers (every problem named) and what is sent for it.

use std::sync::{Arc, LazyLock};

use rmcp::model::{JsonObject, Tool};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::compose::{self, ToolSpec};
use super::writes;
use crate::mcp::args::{Problem, check_one_of};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::portable;
use crate::runs::{HumanRequest, PersonAnswer};

pub const NAME: &str = "respond_to_intervention";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Run;

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's call takes.
#[derive(Debug, Clone, Deserialize)]
pub struct SharedArgs {
    pub execution_id: Option<String>,
    /// The person's answer: text, a boolean (confirm) or an object of fields.
    pub answer: Option<Value>,
    /// Instead of an answer.
    pub action: Option<Refusal>,
}

/// A person's refusal to answer.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    Decline,
    Cancel,
}

/// The answer of `respond_to_intervention`.
#[derive(Debug, Serialize)]
pub struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    pub session_id: String,
    pub request_id: String,
    /// What was sent: "answer", "decline" or "cancel".
    pub sent: &'static str,
    pub next_step: String,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Answer a run",
    lead: "Send a person's answer to a run's pending request for one.",
    tail: "",
    // `answer` takes text, a boolean or an object: no `type`, so every client accepts it.
    arguments: Arc::new(portable(json!({"type": "object", "properties": {
        "execution_id": {"type": "string"},
        "answer": {"description": "Text, true/false, or {field: value}."},
        "action": {"type": "string", "enum": ["decline", "cancel"]},
    }}))),
    output_schema: None,
    annotations: writes(false, false),
});

/// The tool's definition, as listed by a server with these providers (`None`: no shown
/// provider's tasks ask for a person).
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// Argument rules beyond the schema: an answer or a refusal, then the provider's own.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    check_one_of(args, "answer", "action", true, problems);
    let provider = compose::resolve(&SPEC, env, args, compose::of_named_run(env, args));
    compose::foreign_argument_problems(&SPEC, env, args, provider, problems);
    if let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) {
        part.rules(env, args, problems);
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: JsonObject) -> Result<Reply, ToolError> {
    let provider = compose::resolve(
        &SPEC,
        call.env,
        &args,
        compose::of_named_run(call.env, &args),
    );
    let part = compose::part_for(&SPEC, call.env, provider)?;
    compose::run_part(call, part, args, std::time::Duration::ZERO).await
}

/// What to send for `args` in answer to `request`, or every problem of the answer: its shape
/// per the request's `input_type` (text: a string; confirm: a boolean; fields: an object with
/// each required field, no unknown one, each value of its field's type). A password is never
/// taken: the person types it in the browser.
pub fn response_to(request: &HumanRequest, args: &SharedArgs) -> Result<Value, ToolError> {
    if let Some(refusal) = args.action {
        let answer = match refusal {
            Refusal::Decline => PersonAnswer::Declined,
            Refusal::Cancel => PersonAnswer::Cancelled,
        };
        return Ok(answer.response().unwrap_or_default());
    }
    let passwords: Vec<&str> = request
        .fields
        .iter()
        .filter(|f| f.kind == "password")
        .map(|f| f.name.as_str())
        .collect();
    if !passwords.is_empty() {
        return Err(ToolError::Unsupported {
            message: format!(
                "The request {:?} wants a password ({}), which is never passed through tools.",
                request.message,
                passwords.join(", ")
            ),
            hint: "The person enters it in the run's browser (its live view), or declines with \
                   action \"decline\"."
                .into(),
        });
    }
    let answer = args.answer.clone().unwrap_or_default();
    let mut problems = Vec::new();
    match request.input_type.as_str() {
        "confirm" if !answer.is_boolean() => problems.push(Problem::new(
            "answer",
            format!(
                "the request {:?} wants a confirmation: give true or false",
                request.message
            ),
        )),
        "fields" => check_fields(request, &answer, &mut problems),
        "confirm" => {}
        _ if answer.as_str().is_none_or(|s| s.trim().is_empty()) => problems.push(Problem::new(
            "answer",
            format!(
                "the request {:?} wants text: give a non-empty string",
                request.message
            ),
        )),
        _ => {}
    }
    if problems.is_empty() {
        Ok(answer)
    } else {
        Err(ToolError::InvalidArguments(problems))
    }
}

/// The problems of a `fields` answer.
fn check_fields(request: &HumanRequest, answer: &Value, problems: &mut Vec<Problem>) {
    let names: Vec<&str> = request.fields.iter().map(|f| f.name.as_str()).collect();
    let Some(given) = answer.as_object() else {
        problems.push(Problem::new(
            "answer",
            format!(
                "the request wants fields: give an object with {}",
                names.join(", ")
            ),
        ));
        return;
    };
    for (name, _) in given.iter().filter(|(n, _)| !names.contains(&n.as_str())) {
        problems.push(Problem::new(
            format!("answer.{name}"),
            format!(
                "no such field; the request's fields are {}",
                names.join(", ")
            ),
        ));
    }
    for field in &request.fields {
        let at = format!("answer.{}", field.name);
        let value = given.get(&field.name).filter(|v| !v.is_null());
        let Some(value) = value else {
            if field.required {
                problems.push(Problem::new(at, format!("is required ({})", field.label)));
            }
            continue;
        };
        let text = value.as_str();
        let wrong = match field.kind.as_str() {
            "number" => (!value.is_number()).then_some("a number"),
            "url" => text
                .is_none_or(|t| url::Url::parse(t).is_err())
                .then_some("a URL"),
            "email" => (!text.is_some_and(is_email)).then_some("an email address"),
            _ => text.is_none().then_some("a string"),
        };
        if let Some(wanted) = wrong {
            problems.push(Problem::new(at, format!("give {wanted}, not {value}")));
        }
    }
}

/// Something@domain, as a form's email field takes it.
fn is_email(text: &str) -> bool {
    text.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !domain.contains('@') && !text.contains(' ')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::HumanField;

    fn field(name: &str, kind: &str, required: bool) -> HumanField {
        HumanField {
            name: name.into(),
            label: name.into(),
            description: None,
            required,
            kind: kind.into(),
        }
    }

    fn request(input_type: &str, fields: Vec<HumanField>) -> HumanRequest {
        HumanRequest {
            id: "r".into(),
            message: "Which table?".into(),
            input_type: input_type.into(),
            fields,
        }
    }

    fn answering(answer: Value) -> SharedArgs {
        SharedArgs {
            execution_id: None,
            answer: Some(answer),
            action: None,
        }
    }

    fn problems(result: Result<Value, ToolError>) -> Vec<String> {
        match result {
            Err(ToolError::InvalidArguments(problems)) => {
                problems.iter().map(|p| p.to_string()).collect()
            }
            other => panic!("not invalid arguments: {other:?}"),
        }
    }

    #[test]
    fn an_answer_is_checked_against_its_request() {
        let text = request("text", vec![]);
        assert_eq!(
            response_to(&text, &answering(json!("four"))).unwrap(),
            "four"
        );
        assert_eq!(problems(response_to(&text, &answering(json!(4)))).len(), 1);
        let confirm = request("confirm", vec![]);
        assert_eq!(
            response_to(&confirm, &answering(json!(true))).unwrap(),
            true
        );
        assert_eq!(
            problems(response_to(&confirm, &answering(json!("yes")))).len(),
            1
        );
        let form = request(
            "fields",
            vec![
                field("seats", "number", true),
                field("email", "email", false),
                field("site", "url", false),
            ],
        );
        let ok = json!({"seats": 4, "email": "a@example.com", "site": "https://x.test/"});
        assert_eq!(response_to(&form, &answering(ok.clone())).unwrap(), ok);
        let found = problems(response_to(
            &form,
            &answering(json!({"email": "nobody", "site": "x", "color": "red"})),
        ));
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(
            found.iter().any(|p| p.contains("answer.color")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("answer.seats")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("answer.email")),
            "{found:?}"
        );
        assert!(found.iter().any(|p| p.contains("answer.site")), "{found:?}");
    }

    #[test]
    fn a_password_is_never_taken_but_a_refusal_is_sent_as_such() {
        let login = request("fields", vec![field("password", "password", true)]);
        let refused = response_to(&login, &answering(json!({"password": "hunter2"})));
        assert!(
            matches!(refused, Err(ToolError::Unsupported { .. })),
            "{refused:?}"
        );
        let declined = SharedArgs {
            execution_id: None,
            answer: None,
            action: Some(Refusal::Decline),
        };
        let sent = response_to(&login, &declined).unwrap();
        assert!(sent.as_str().unwrap().starts_with("declined"), "{sent}");
    }
}
