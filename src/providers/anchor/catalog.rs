//! What the catalog should learn from a code task Anchor lists: its parameters are read off its
//! code when nobody declared them.

use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::params::ParamsOrigin;
use crate::providers::anchor::models::Task;
use crate::providers::anchor::{infer, rules};
use crate::runs::TaskKind;

/// What the catalog should know about a listed code task: its parameters are read off its
/// code when nobody declared them.
pub fn code_task_sighting(task: &Task) -> TaskSighting {
    let params = task
        .code
        .as_deref()
        .filter(|code| !code.is_empty())
        .and_then(rules::decode_code)
        .map(|source| {
            (
                infer::inputs_from_code(&source),
                Vec::new(),
                ParamsOrigin::Inferred,
            )
        });
    TaskSighting {
        provider: Provider::Anchor,
        kind: TaskKind::Code,
        task_id: task.id.clone(),
        name: task.name.clone(),
        description: task.description.clone().filter(|d| !d.trim().is_empty()),
        version: task.latest_version.clone(),
        status: None,
        params,
        output_schema: None,
    }
}
