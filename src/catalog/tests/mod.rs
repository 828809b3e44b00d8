//! The catalog's tests: `contract` holds the behaviour every [`CatalogStore`] must have, run
//! against the SQLite store, the PostgreSQL store and `memory`, a store written from the trait's
//! docs alone; `sqlite` and `postgres` test what only that store does (files and sharing them;
//! migrations; change push, lost connections).

mod contract;
mod memory;
pub(crate) mod postgres;
mod sqlite;

use serde_json::json;

use super::*;
use crate::params::{Param, ParamType, ParamsOrigin};

fn param(name: &str) -> Param {
    Param {
        name: name.into(),
        kind: ParamType::String,
        required: true,
        description: None,
        default: None,
        options: Vec::new(),
    }
}

fn sighting(id: &str, name: &str) -> TaskSighting {
    TaskSighting {
        provider: Provider::Anchor,
        kind: TaskKind::Generated,
        task_id: id.into(),
        name: name.into(),
        description: Some("does things".into()),
        version: None,
        status: Some("ready".into()),
        params: Some((vec![param("url")], Vec::new(), ParamsOrigin::Declared)),
        output_schema: None,
    }
}

/// Names tools after the task, with a suffix when taken (the real namer lives in the MCP layer).
fn namer(s: &TaskSighting, taken: &dyn Fn(&str) -> bool) -> String {
    let base = s.name.replace('-', "_");
    if taken(&base) {
        format!("{base}_{}", &s.task_id[..4])
    } else {
        base
    }
}

fn run(id: &str, task: &str, started_at: &str) -> RunRecord {
    RunRecord {
        provider: Provider::Anchor,
        run_id: id.into(),
        kind: TaskKind::Generated,
        task_id: Some(task.into()),
        task_name: Some("t".into()),
        version: None,
        inputs: json!({"password": "[secret]"}),
        started_at: started_at.into(),
        status: "queued".into(),
        finished: false,
        summary: None,
        error: None,
        report: None,
        detail: None,
        updated_at: started_at.into(),
        owner: None,
    }
}
