//! The process carrying out an MCP task, and the task in the catalog: what the call's progress
//! says becomes its `statusMessage`, the run it waits on is written down (so another process
//! can finish it), a run's request for a person becomes `input_required` until `tasks/update`
//! answers it, `tasks/cancel` (from any process) cancels the call, and the call's answer ends
//! the task. Every write goes to the catalog at once: `tasks/get` in any process reads it.

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::ErrorData as McpError;
use rmcp::model::{
    CallToolResult, ElicitRequest, ElicitRequestParams, ElicitationSchema, InputRequest,
};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::{CANCELLED, COMPLETED, FAILED, INPUT_REQUIRED, WORKING};
use crate::catalog::{CallTaskState, CatalogStore};
use crate::mcp::person::{answer_of, form};
use crate::mcp::progress::TaskChannel;
use crate::runs::{HumanRequest, Person, PersonAnswer};

/// How often the catalog is read for an answer to an input request, or a cancellation asked
/// in another process.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// How the call behind a task ended.
pub enum Ending {
    /// Its answer (an `isError` result included: the tool answered).
    Answered(CallToolResult),
    /// A protocol error (the call could not be made).
    Failed(McpError),
    /// It stopped because the task was cancelled.
    Cancelled,
}

/// One task being carried out by this process.
pub struct TaskLink {
    catalog: Arc<dyn CatalogStore>,
    task_id: String,
    state: tokio::sync::Mutex<CallTaskState>,
    /// Cancels the call (`tasks/cancel`).
    cancel: CancellationToken,
    /// When the call's time is up: a person is not waited for past it.
    deadline: tokio::time::Instant,
}

impl TaskLink {
    /// Carry out `task_id` (whose state is `state` now) until `time_left` is spent; `cancel`
    /// cancels the call. Cancellations asked in other processes are looked for meanwhile.
    pub fn new(
        catalog: Arc<dyn CatalogStore>,
        task_id: &str,
        state: CallTaskState,
        cancel: CancellationToken,
        time_left: Duration,
    ) -> Arc<Self> {
        let link = Arc::new(Self {
            catalog,
            task_id: task_id.to_string(),
            state: tokio::sync::Mutex::new(state),
            cancel,
            deadline: tokio::time::Instant::now() + time_left,
        });
        if tokio::runtime::Handle::try_current().is_ok() {
            tokio::spawn(Self::watch_cancellation(Arc::downgrade(&link)));
        }
        link
    }

    /// Cancel the call once `tasks/cancel` was asked anywhere; ends with the call.
    async fn watch_cancellation(link: std::sync::Weak<Self>) {
        loop {
            tokio::time::sleep(LOOK_EVERY).await;
            let Some(link) = link.upgrade() else { return };
            if link.cancel.is_cancelled() {
                return;
            }
            if let Ok(Some(task)) = link.catalog.call_task(&link.task_id).await {
                if task.cancel_requested {
                    link.cancel.cancel();
                    return;
                }
                if task.state.is_terminal() {
                    return;
                }
            }
        }
    }

    /// Write the state as it is now.
    async fn write(&self, state: &CallTaskState) {
        match self.catalog.update_call_task(&self.task_id, state).await {
            Ok(true) => {}
            Ok(false) => tracing::debug!(task = %self.task_id, "the task had already ended"),
            Err(error) => {
                tracing::warn!(%error, task = %self.task_id, "could not write a task's state")
            }
        }
    }

    /// Change the state and write it.
    async fn change(&self, change: impl FnOnce(&mut CallTaskState)) {
        let mut state = self.state.lock().await;
        change(&mut state);
        self.write(&state).await;
    }

    /// Say `message` as the task's status now (without waiting for the next progress).
    pub async fn status_now(&self, message: String) {
        self.change(|state| state.status_message = Some(message))
            .await;
    }

    /// End the task as its call ended.
    pub async fn finish(&self, ending: Ending) {
        self.change(|state| {
            state.input_requests = None;
            match ending {
                Ending::Answered(result) => {
                    state.status = COMPLETED.into();
                    state.outcome = serde_json::to_value(&result).ok();
                }
                Ending::Failed(error) => {
                    state.status = FAILED.into();
                    state.status_message = Some(error.message.to_string());
                    state.outcome = serde_json::to_value(&error).ok();
                }
                Ending::Cancelled => {
                    state.status = CANCELLED.into();
                    state.outcome = None;
                }
            }
        })
        .await;
    }

    /// The client's answer to the input request `key`, once `tasks/update` kept one; `None`
    /// when the call is cancelled or its time is up first.
    async fn answer_to(&self, key: &str) -> Option<Value> {
        loop {
            if let Ok(Some(task)) = self.catalog.call_task(&self.task_id).await {
                if let Some(answer) = task.input_responses.get(key) {
                    return Some(answer.clone());
                }
                if task.cancel_requested {
                    self.cancel.cancel();
                    return None;
                }
            }
            tokio::select! {
                () = self.cancel.cancelled() => return None,
                () = tokio::time::sleep_until(self.deadline) => return None,
                () = tokio::time::sleep(LOOK_EVERY) => {}
            }
        }
    }
}

impl TaskChannel for TaskLink {
    fn status(&self, message: String) -> BoxFuture<'_, ()> {
        async move {
            self.change(|state| state.status_message = Some(message))
                .await;
        }
        .boxed()
    }

    fn waits_on(&self, work: Value) -> BoxFuture<'_, ()> {
        async move {
            self.change(|state| state.work = Some(work)).await;
        }
        .boxed()
    }

    fn person(&self) -> &dyn Person {
        self
    }
}

/// A run's request for a person, asked of the task's client: `input_required` with an
/// `elicitation/create` request (the form a client with elicitation would have been shown),
/// until `tasks/update` answers it. A password is never asked through a form.
impl Person for TaskLink {
    fn ask<'a>(&'a self, request: &'a HumanRequest) -> BoxFuture<'a, PersonAnswer> {
        async move {
            if request.fields.iter().any(|f| f.kind == "password") {
                return PersonAnswer::Unavailable {
                    why: "it wants a password, which is never asked through a form: enter it \
                          in the browser session's live view"
                        .into(),
                };
            }
            let schema = match form(request) {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            let Ok(schema) = ElicitationSchema::from_json_schema(schema) else {
                return PersonAnswer::Unavailable {
                    why: "its fields cannot be asked as a form; answer it in the run's browser \
                          session"
                        .into(),
                };
            };
            let asked = InputRequest::Elicitation(ElicitRequest::new(
                ElicitRequestParams::FormElicitationParams {
                    meta: None,
                    message: request.message.clone(),
                    requested_schema: schema,
                },
            ));
            let Ok(asked) = serde_json::to_value(asked) else {
                return PersonAnswer::Unavailable {
                    why: "its request could not be written down".into(),
                };
            };
            let key = request.id.clone();
            let message = format!("waits for a person: {}", request.message);
            self.change(|state| {
                state.status = INPUT_REQUIRED.into();
                state.status_message = Some(message);
                let mut requests = Map::new();
                requests.insert(key.clone(), asked);
                state.input_requests = Some(Value::Object(requests));
            })
            .await;
            let answer = self.answer_to(&key).await;
            self.change(|state| {
                state.status = WORKING.into();
                state.input_requests = None;
            })
            .await;
            let Some(answer) = answer else {
                return PersonAnswer::Unavailable {
                    why: "the task ended before its client answered".into(),
                };
            };
            // The client's `ElicitResult`: its action, and the form's content when accepted.
            match answer.get("action").and_then(Value::as_str) {
                Some("accept") => {
                    PersonAnswer::Answer(answer_of(request, answer.get("content").cloned()))
                }
                Some("decline") => PersonAnswer::Declined,
                _ => PersonAnswer::Cancelled,
            }
        }
        .boxed()
    }
}
