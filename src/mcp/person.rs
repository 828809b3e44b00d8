//! The person behind the MCP client, asked through elicitation (`elicitation/create`) when a
//! run requests one: the request's message and a form built from its fields (confirm: a
//! boolean; url and email: string formats). A password is never asked through a form, and a
//! client without the elicitation capability is never sent one.

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::RoleServer;
use rmcp::model::{ElicitRequestParams, ElicitationAction, ElicitationSchema};
use rmcp::service::Peer;
use serde_json::{Map, Value, json};

use crate::runs::{HumanRequest, Person, PersonAnswer};

/// The client's user.
pub struct ClientUser {
    pub peer: Peer<RoleServer>,
}

impl ClientUser {
    fn can_elicit(&self) -> bool {
        self.peer
            .peer_info()
            .is_some_and(|info| info.capabilities.elicitation.is_some())
    }
}

/// The form for `request`: `answer` (text), `confirm` (boolean) or one property per field.
pub fn form(request: &HumanRequest) -> Value {
    match request.input_type.as_str() {
        "confirm" => json!({"type": "object", "properties": {"confirm": {"type": "boolean",
            "title": "Confirm"}}, "required": ["confirm"]}),
        "fields" => {
            let mut properties = Map::new();
            let mut required = Vec::new();
            for field in &request.fields {
                let mut property = match field.kind.as_str() {
                    "number" => json!({"type": "number"}),
                    "url" => json!({"type": "string", "format": "uri"}),
                    "email" => json!({"type": "string", "format": "email"}),
                    _ => json!({"type": "string"}),
                };
                property["title"] = Value::from(field.label.clone());
                if let Some(description) = &field.description {
                    property["description"] = Value::from(description.clone());
                }
                if field.required {
                    required.push(Value::from(field.name.clone()));
                }
                properties.insert(field.name.clone(), property);
            }
            json!({"type": "object", "properties": properties, "required": required})
        }
        _ => json!({"type": "object", "properties": {"answer": {"type": "string",
            "title": "Answer"}}, "required": ["answer"]}),
    }
}

/// What the form's content means as the cloud's answer.
pub(crate) fn answer_of(request: &HumanRequest, content: Option<Value>) -> Value {
    let content = content.unwrap_or(Value::Null);
    match request.input_type.as_str() {
        "confirm" => content
            .get("confirm")
            .cloned()
            .unwrap_or(Value::Bool(false)),
        "fields" => content,
        _ => content.get("answer").cloned().unwrap_or_default(),
    }
}

impl Person for ClientUser {
    fn ask<'a>(&'a self, request: &'a HumanRequest) -> BoxFuture<'a, PersonAnswer> {
        async move {
            if !self.can_elicit() {
                return PersonAnswer::Unavailable {
                    why: "this client cannot ask its user (no elicitation)".into(),
                };
            }
            if request.fields.iter().any(|f| f.kind == "password") {
                return PersonAnswer::Unavailable {
                    why: "it wants a password, which is never asked through a form: enter it \
                          in the browser session's live view"
                        .into(),
                };
            }
            let Ok(schema) = ElicitationSchema::from_json_schema(match form(request) {
                Value::Object(map) => map,
                _ => Map::new(),
            }) else {
                return PersonAnswer::Unavailable {
                    why: "its fields cannot be asked as a form; answer it \
                          in the run's browser session"
                        .into(),
                };
            };
            let params = ElicitRequestParams::FormElicitationParams {
                meta: None,
                message: request.message.clone(),
                requested_schema: schema,
            };
            match self.peer.create_elicitation(params).await {
                Ok(result) => match result.action {
                    ElicitationAction::Accept => {
                        PersonAnswer::Answer(answer_of(request, result.content))
                    }
                    ElicitationAction::Decline => PersonAnswer::Declined,
                    _ => PersonAnswer::Cancelled,
                },
                Err(error) => PersonAnswer::Unavailable {
                    why: format!("the client could not ask its user ({error})"),
                },
            }
        }
        .boxed()
    }
}
