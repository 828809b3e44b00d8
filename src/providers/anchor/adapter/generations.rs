//! Task Builder (v2) generations as Anchor's tool parts watch them: `generating` (or
//! `waiting-for-session`) until `ready` or `failed`. Anchor has no API to cancel one, and
//! none to read a generated task's name or parameters: the catalog keeps what this server
//! was told when it started the generation.

use futures::FutureExt;
use futures::future::BoxFuture;

use crate::catalog::CatalogTask;
use crate::cloud::ApiError;
use crate::mcp::context::work::{Generation, GenerationWatch, Phase};
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::{GenerationState, GenerationStatus};

/// A generation's state as Anchor reports it.
pub fn generation(state: &GenerationState) -> Generation {
    Generation {
        status: state.status.to_string(),
        done: state.status.is_terminal(),
        error: state.error.clone().filter(|e| !e.is_empty()),
        sighting: None,
    }
}

/// Task Builder generations on one Anchor account.
pub struct TaskBuilder<'c> {
    pub client: &'c AnchorClient,
}

impl GenerationWatch for TaskBuilder<'_> {
    fn noun(&self) -> &'static str {
        "Task"
    }

    fn phase(&self, status: &str) -> Phase {
        match GenerationStatus::from(status) {
            GenerationStatus::Ready => Phase::Ready,
            GenerationStatus::Failed => Phase::Failed,
            _ => Phase::InProgress,
        }
    }

    fn check<'a>(&'a self, task: &'a CatalogTask) -> BoxFuture<'a, Result<Generation, ApiError>> {
        async move {
            let state = self.client.generation_status(&task.task_id).await?;
            Ok(generation(&state))
        }
        .boxed()
    }

    /// Anchor cannot cancel a generation: it goes on.
    fn cancel<'a>(&'a self, _task: &'a CatalogTask) -> Option<BoxFuture<'a, Option<Generation>>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::HttpSettings;

    /// Only `ready` and `failed` end a generation; anything else, known or not, is still going.
    #[test]
    fn statuses_read_as_phases() {
        let client = AnchorClient::new(HttpSettings::new(
            "http://127.0.0.1:9",
            "k".to_string().into(),
        ))
        .unwrap();
        let watch = TaskBuilder { client: &client };
        let phases: Vec<Phase> = [
            "ready",
            "failed",
            "generating",
            "waiting-for-session",
            "new",
        ]
        .iter()
        .map(|status| watch.phase(status))
        .collect();
        assert_eq!(
            phases,
            vec![
                Phase::Ready,
                Phase::Failed,
                Phase::InProgress,
                Phase::InProgress,
                Phase::InProgress
            ]
        );
        assert_eq!(watch.noun(), "Task");
        assert!(
            watch
                .cancel(&crate::mcp::context::unrecorded(sighting()))
                .is_none()
        );
    }

    fn sighting() -> crate::catalog::TaskSighting {
        crate::catalog::TaskSighting {
            provider: crate::cloud::Provider::Anchor,
            kind: crate::runs::TaskKind::Generated,
            task_id: "t".into(),
            name: "t".into(),
            description: None,
            version: None,
            status: Some("generating".into()),
            params: None,
            output_schema: None,
        }
    }
}
