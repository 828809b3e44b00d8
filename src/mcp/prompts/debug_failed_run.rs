//! `debug_failed_run`: from a run that failed (or returned the wrong thing) to its fix. The
//! model gathers the evidence, says what went wrong, then refines the task or fixes its code,
//! and checks the fix with a new run. What the catalog recorded of the run (its task, kind,
//! status, error) is in the text, so the model starts from facts.

use futures::FutureExt;
use futures::future::BoxFuture;

use super::{ArgDef, Arguments, Completes, Facts, PromptDef};
use crate::catalog::RunRecord;
use crate::mcp::args::Problem;
use crate::mcp::context::Access;
use crate::mcp::links::run_uri;
use crate::runs::TaskKind;

pub const PROMPT: PromptDef = PromptDef {
    name: "debug_failed_run",
    title: "Debug a failed run",
    description: "Find out why a run failed from its evidence, then refine the task (or fix \
                  its code) and check the fix with a new run.",
    arguments: &[
        ArgDef {
            name: "execution_id",
            description: "The run's execution_id (from run_task, list_executions or a task \
                          tool).",
            required: true,
            completes: Completes::ExecutionId,
        },
        ArgDef {
            name: "provider",
            description: "The run's cloud, for a run this server did not start.",
            required: false,
            completes: Completes::Provider,
        },
    ],
    offered: |facts| !facts.offering("get_execution").is_empty(),
    // It ends in runs, generations or deployments.
    leads_to: Access::Build,
    rules,
    render,
};

fn rules(_facts: &Facts<'_>, args: &Arguments, problems: &mut Vec<Problem>) {
    if let Some(id) = args.get("execution_id")
        && id.chars().any(char::is_whitespace)
    {
        problems.push(Problem::new(
            "execution_id",
            "holds spaces; give the id alone, as run_task or list_executions returned it",
        ));
    }
}

fn render<'a>(facts: &'a Facts<'a>, args: &'a Arguments) -> BoxFuture<'a, String> {
    async move { render_text(facts, args).await }.boxed()
}

async fn render_text(facts: &Facts<'_>, args: &Arguments) -> String {
    let execution_id = args.get("execution_id").unwrap_or_default();
    // Another user's run is, to this caller, a run the catalog does not know.
    let run = facts
        .env
        .catalog
        .run(execution_id)
        .await
        .filter(|run| facts.caller.sees_run_of(run.owner.as_deref()));
    let provider = args
        .get("provider")
        .or(run.as_ref().map(|run| run.provider.id()))
        .or_else(|| (!facts.several()).then(|| facts.provider_ids().first().copied())?);

    let mut call = format!("execution_id \"{execution_id}\"");
    if let Some(id) = provider.filter(|_| facts.several()) {
        call.push_str(&format!(", provider \"{id}\""));
    }
    if let Some(task_id) = run.as_ref().and_then(|run| run.task_id.as_deref()) {
        call.push_str(&format!(", task_id \"{task_id}\""));
    }
    let known = match &run {
        Some(run) => recorded(run),
        None => match provider {
            Some(_) => "This server has no record of the run: get_execution may need the \
                        run's task_id too (list_executions finds it)."
                .to_string(),
            None => format!(
                "This server has no record of the run: name its provider in get_execution \
                 (one of: {}), and its task_id if asked.",
                facts.provider_ids().join(", ")
            ),
        },
    };
    let resource = run_uri(provider.unwrap_or("{provider}"), execution_id);
    let kind = run.as_ref().map(|run| run.kind);
    let mut fixes = Vec::new();
    if kind.is_none_or(|kind| matches!(kind, TaskKind::Generated | TaskKind::Skill)) {
        fixes.push(
            "A generated task: refine_task with its task_id, feedback (the cause and what to \
             do instead, in a few sentences) and execution_id \""
                .to_string()
                + execution_id
                + "\".",
        );
    }
    if kind.is_none_or(|kind| kind == TaskKind::Code)
        && let Some((adapter, _)) = facts.code_runtime()
    {
        fixes.push(format!(
            "A code task ({}): get_task shows its source; fix the code, save it with \
             create_task (its draft), try it with run_task (task_id, version \"draft\", the \
             same inputs), then publish it with deploy_task.",
            adapter.provider()
        ));
    }
    if kind == Some(TaskKind::Agent) {
        fixes.push(
            "A one-off agent run: run_task again with a task text that spells out the step \
             that failed; to make it reusable, generate a task instead."
                .to_string(),
        );
    }
    fixes.push(
        "The inputs, not the task (a wrong value, an expired login): run again with \
         corrected inputs; nothing to refine."
            .to_string(),
    );
    let fixes: String = fixes.iter().map(|fix| format!("\n   - {fix}")).collect();
    format!(
        "Find out why run {execution_id} failed and fix it.\n\
         \n\
         {known}\n\
         \n\
         1. Evidence: get_execution with {call}: its status, error and output. Then read the \
         resource {resource} and the artifacts it lists that bear on the failure (the agent's \
         steps, logs, a screenshot or recording).\n\
         2. Diagnosis: say in two or three sentences what failed and why (the site changed, a \
         login or captcha, a wrong step, bad inputs, a timeout), citing the evidence.\n\
         3. Fix, by what the run was:{fixes}\n\
         4. Check: run again with the same inputs and compare. Report the cause, the fix and \
         the new run's execution_id.\n\
         \n\
         Runs act in the cloud and cost money: never start one again because a call was slow; \
         check get_execution or list_executions first."
    )
}

/// What the catalog recorded of a run, in a sentence or two.
fn recorded(run: &RunRecord) -> String {
    let task = match (&run.task_name, &run.task_id) {
        (Some(name), Some(id)) => format!(" of task \"{name}\" (task_id {id})"),
        (None, Some(id)) => format!(" of task {id}"),
        (Some(name), None) => format!(" of \"{name}\""),
        (None, None) => String::new(),
    };
    let mut text = format!(
        "Recorded here: a {} run{task} on {}, started {}, status {}.",
        run.kind.as_str(),
        run.provider,
        run.started_at,
        run.status
    );
    if let Some(error) = &run.error {
        text.push_str(&format!(
            " Its error: {}",
            crate::cloud::truncate_text(error, 300)
        ));
    }
    text
}
