//! `automate_browser_task`: from a goal to a task that works. The model generates a task,
//! runs it on test inputs, inspects the run, refines the task from what it saw until the
//! output matches, then reports the tool name to use from now on. Which clouds generate what
//! comes from their `generate_task` parts.

use serde_json::Value;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::{ArgDef, Arguments, Completes, Facts, PromptDef};
use crate::mcp::args::Problem;
use crate::mcp::context::Access;

pub const PROMPT: PromptDef = PromptDef {
    name: "automate_browser_task",
    title: "Automate a browser task",
    description: "Turn a goal into a reusable task that works: generate it, run it, inspect \
                  the run, refine it until the output matches, then use its tool.",
    arguments: &[
        ArgDef {
            name: "goal",
            description: "What the task does, in plain language: the site, the steps, what \
                          to return.",
            required: true,
            completes: Completes::Nothing,
        },
        ArgDef {
            name: "provider",
            description: "The cloud that makes the task (default: the model chooses).",
            required: false,
            completes: Completes::Provider,
        },
        ArgDef {
            name: "example_inputs",
            description: "Inputs to test with, as a JSON object, e.g. {\"query\": \"rust\"}.",
            required: false,
            completes: Completes::Nothing,
        },
        ArgDef {
            name: "expected_output",
            description: "What a correct run returns, in words or JSON.",
            required: false,
            completes: Completes::Nothing,
        },
    ],
    offered: |facts| !facts.offering("generate_task").is_empty(),
    // It ends in runs, generations or deployments.
    leads_to: Access::Build,
    rules,
    render,
};

fn rules(_facts: &Facts<'_>, args: &Arguments, problems: &mut Vec<Problem>) {
    if let Some(text) = args.get("example_inputs") {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(_)) => {}
            Ok(_) => problems.push(Problem::new(
                "example_inputs",
                "must be a JSON object of input names to values, e.g. {\"query\": \"rust\"}",
            )),
            Err(error) => problems.push(Problem::new(
                "example_inputs",
                format!(
                    "is not JSON ({error}); give an object of input names to values, e.g. \
                     {{\"query\": \"rust\"}}"
                ),
            )),
        }
    }
}

fn render<'a>(facts: &'a Facts<'a>, args: &'a Arguments) -> BoxFuture<'a, String> {
    async move { render_text(facts, args).await }.boxed()
}

async fn render_text(facts: &Facts<'_>, args: &Arguments) -> String {
    let goal = args.get("goal").unwrap_or_default();
    let chosen = args.get("provider").and_then(|id| facts.provider(id));
    let makers = match chosen {
        Some(adapter) => vec![adapter],
        None => facts.offering("generate_task"),
    };
    let provider_arg = match chosen {
        Some(adapter) if facts.several() => format!(", provider \"{}\"", adapter.provider().id()),
        _ => String::new(),
    };
    let mut clouds = String::new();
    if makers.len() > 1 || chosen.is_some() {
        for adapter in &makers {
            if let Some(part) = adapter.tool("generate_task") {
                clouds.push_str(&format!("\n   - {}", part.fragment()));
            }
        }
        if chosen.is_none() {
            clouds.push_str("\n   Pick the one that fits the goal.");
        }
    }
    let inputs = match args.get("example_inputs") {
        Some(inputs) => format!("Test inputs: {inputs}"),
        None => "Test inputs: none given; if the task needs some, pick realistic ones and say \
                 which."
            .to_string(),
    };
    let expected = match args.get("expected_output") {
        Some(expected) => format!("Expected output: {expected}"),
        None => "Expected output: not given; before the first run, write down what a correct \
                 output holds."
            .to_string(),
    };
    format!(
        "Make a reusable browser task for this goal and prove that it works.\n\
         \n\
         Goal: {goal}\n\
         {inputs}\n\
         {expected}\n\
         \n\
         1. Generate: generate_task with a short name{provider_arg} and a prompt that spells \
         out the site, each step and the fields to return; declare the inputs it takes and the \
         outputs it returns where the tool offers that. If it returns before the task can \
         run, get_task with wait_seconds waits for it.{clouds}\n\
         2. Run: run_task with the task_id it returned and the test inputs.\n\
         3. Inspect: compare the output with the expected one. If it failed or differs, read \
         get_execution and the run's resource (its error, the agent's last steps, logs, \
         recording) to see why.\n\
         4. Refine: refine_task with the task_id, feedback saying what went wrong and what to \
         do instead, and the run's execution_id; then run again (step 2). Stop after 3 \
         refinements that do not converge and report what still fails.\n\
         5. Report: the task's tool name (list_tasks shows it; it is a tool of its own from now \
         on, and run_task runs it by task_id), its inputs and the output of the run that \
         matched.\n\
         \n\
         Generations and runs act in the cloud and cost money: never repeat one because it was \
         slow; check get_task or list_executions first."
    )
}
