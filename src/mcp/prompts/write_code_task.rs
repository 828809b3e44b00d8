//! `write_code_task`: write the code of a task by hand, then save it as a draft, try it,
//! publish it and run it. Offered only when a configured provider runs code tasks; how the
//! code must be written (the runtime's contract) comes from that provider's adapter.

use futures::FutureExt;
use futures::future::BoxFuture;

use super::{ArgDef, Arguments, Completes, Facts, PromptDef};
use crate::mcp::args::Problem;
use crate::mcp::context::Access;
use crate::runs::TaskKind;

pub const PROMPT: PromptDef = PromptDef {
    name: "write_code_task",
    title: "Write a code task",
    description: "Write TypeScript for a code task, save it as a draft, try it, publish it \
                  and run it.",
    arguments: &[
        ArgDef {
            name: "goal",
            description: "What the code does: the site, the steps, what to return.",
            required: true,
            completes: Completes::Nothing,
        },
        ArgDef {
            name: "task_name",
            description: "The task's name: a new one, or an existing code task's to replace \
                          its code (default: the model picks one).",
            required: false,
            completes: Completes::TaskName(Some(TaskKind::Code)),
        },
    ],
    offered: |facts| facts.code_runtime().is_some(),
    // It ends in runs, generations or deployments.
    leads_to: Access::Build,
    rules,
    render,
};

fn rules(_facts: &Facts<'_>, args: &Arguments, problems: &mut Vec<Problem>) {
    // The name every code task API accepts; create_task checks the provider's own rules.
    if let Some(name) = args.get("task_name")
        && !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        problems.push(Problem::new(
            "task_name",
            format!(
                "{name:?} has other characters than letters, digits, - and _; e.g. \"{}\"",
                suggested_name(name)
            ),
        ));
    }
}

/// `name` with every run of other characters turned into one `-`.
fn suggested_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn render<'a>(facts: &'a Facts<'a>, args: &'a Arguments) -> BoxFuture<'a, String> {
    async move { render_text(facts, args).await }.boxed()
}

async fn render_text(facts: &Facts<'_>, args: &Arguments) -> String {
    let goal = args.get("goal").unwrap_or_default();
    let Some((adapter, runtime)) = facts.code_runtime() else {
        return format!(
            "No configured provider runs code tasks, so this goal cannot become one: {goal}"
        );
    };
    let name = match args.get("task_name") {
        Some(name) => match facts
            .env
            .catalog
            .task_by_name(name, Some(TaskKind::Code))
            .await
        {
            Some(task) => format!(
                "Task name: {name} (exists, task_id {}: get_task shows its current source; \
                 your code replaces it)",
                task.task_id
            ),
            None => format!("Task name: {name} (new)"),
        },
        None => "Task name: pick a short one (letters, digits, - and _).".to_string(),
    };
    let provider = adapter.provider();
    format!(
        "Write a code task for {provider} that does this, then publish and run it.\n\
         \n\
         Goal: {goal}\n\
         {name}\n\
         \n\
         How the runtime runs the code: {runtime}\n\
         \n\
         1. Write: the smallest code that reaches the goal. Wait for elements instead of \
         sleeping, return only the fields the goal asks for.\n\
         2. Save: create_task with name, code, a one-line description and input_parameters \
         for each input; it saves the code as the task's draft.\n\
         3. Try: run_task with the task_id create_task returned, version \"draft\" and \
         realistic inputs (a run by task_name always takes latest). If it fails, read \
         get_execution and the run's resource, fix the code and save it again (step 2).\n\
         4. Publish: deploy_task with task_name; the draft becomes the next version, \
         \"latest\".\n\
         5. Run: run_task with task_name and the same inputs, on latest. Report the task's \
         name, its tool name (list_tasks), its inputs and the output.\n\
         \n\
         Runs act in the cloud and cost money: never start one again because a call was slow; \
         check list_executions first."
    )
}
