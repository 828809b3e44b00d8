//! A run's request for a person (human in the loop): what it asks, what they answered, and who
//! can be asked.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

/// A run's request for a person: a message and the kind of answer wanted.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanRequest {
    pub id: String,
    pub message: String,
    /// `text`, `confirm` or `fields`.
    pub input_type: String,
    pub fields: Vec<HumanField>,
}

/// One field of a `fields` request.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanField {
    pub name: String,
    pub label: String,
    pub description: Option<String>,
    pub required: bool,
    /// text, number, url, email or password.
    pub kind: String,
}

/// What the person said.
#[derive(Debug, Clone, PartialEq)]
pub enum PersonAnswer {
    /// Their answer, in the shape the request asked for.
    Answer(Value),
    Declined,
    Cancelled,
    /// They cannot be asked here (no elicitation, or a password is wanted); `why` says what
    /// to do instead.
    Unavailable {
        why: String,
    },
}

impl PersonAnswer {
    /// What the cloud is sent for it (`None`: nothing, the person was not asked). A decline or
    /// cancel is sent as such, never as an invented answer.
    pub fn response(&self) -> Option<Value> {
        match self {
            PersonAnswer::Answer(value) => Some(value.clone()),
            PersonAnswer::Declined => Some(Value::from("declined: the person chose not to answer")),
            PersonAnswer::Cancelled => {
                Some(Value::from("cancelled: the person dismissed the request"))
            }
            PersonAnswer::Unavailable { .. } => None,
        }
    }
}

/// Someone who can answer a run's request for a person (the MCP client's user).
pub trait Person: Send + Sync {
    fn ask<'a>(&'a self, request: &'a HumanRequest) -> BoxFuture<'a, PersonAnswer>;
}

/// Nobody to ask.
pub struct Nobody;

impl Person for Nobody {
    fn ask<'a>(&'a self, _request: &'a HumanRequest) -> BoxFuture<'a, PersonAnswer> {
        async {
            PersonAnswer::Unavailable {
                why: "this client cannot ask its user (no elicitation)".into(),
            }
        }
        .boxed()
    }
}
