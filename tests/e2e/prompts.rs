//! Prompts and completions through rmcp's client: the capabilities are advertised, the
//! prompts follow the configured providers, a failed run's prompt starts from what the
//! catalog recorded, completions offer its task names and run ids, and bad arguments are one
//! invalid-params error naming each problem.

use browser_tasks_fakes::anchor::{RunOutcome, RunScript};
use rmcp::model::{ErrorCode, GetPromptRequestParams};
use rmcp::service::ServiceError;
use serde_json::json;

use crate::harness::{Harness, Options, structured};

fn arguments(value: serde_json::Value) -> rmcp::model::JsonObject {
    value.as_object().unwrap().clone()
}

#[tokio::test]
async fn prompts_drive_the_loop_from_a_failed_run() {
    let h = Harness::with_browser_use(Options::default()).await;
    let capabilities = h
        .client
        .peer_info()
        .expect("initialized")
        .capabilities
        .clone();
    assert!(capabilities.prompts.is_some(), "prompts advertised");
    assert!(capabilities.completions.is_some(), "completions advertised");

    let names: Vec<String> = h
        .client
        .list_all_prompts()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        [
            "automate_browser_task",
            "debug_failed_run",
            "write_code_task"
        ]
    );

    // A code task whose run fails: the catalog records the run and its error.
    let task_id = h.fake.seed_code_task("price-check", "x", 1);
    h.fake.set_run_script(
        &task_id,
        RunScript::ending(RunOutcome::Failure("Element .price not found".into())),
    );
    // Listing tasks teaches the catalog their names.
    h.call("list_tasks", json!({})).await;
    let failed = h.call("run_task", json!({"task_id": task_id})).await;
    let execution_id = structured(&failed)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();

    let ids = h
        .client
        .complete_prompt_argument("debug_failed_run", "execution_id", "", None)
        .await
        .unwrap();
    assert_eq!(ids.values, std::slice::from_ref(&execution_id));
    assert_eq!((ids.total, ids.has_more), (Some(1), Some(false)));
    let typed = execution_id[..4].to_uppercase();
    let ids = h
        .client
        .complete_prompt_argument("debug_failed_run", "execution_id", typed, None)
        .await
        .unwrap();
    assert_eq!(
        ids.values,
        std::slice::from_ref(&execution_id),
        "prefix, any case"
    );

    // The run resource's template completes the same ids.
    let ids = h
        .client
        .complete_resource_argument(
            "browser-tasks://runs/{provider}/{execution_id}",
            "execution_id",
            "",
            None,
        )
        .await
        .unwrap();
    assert_eq!(ids.values, std::slice::from_ref(&execution_id));

    let names = h
        .client
        .complete_prompt_argument("write_code_task", "task_name", "PRICE", None)
        .await
        .unwrap();
    assert_eq!(names.values, ["price-check"]);
    let providers = h
        .client
        .complete_prompt_argument("automate_browser_task", "provider", "", None)
        .await
        .unwrap();
    assert_eq!(providers.values, ["anchor", "browser_use"]);

    let prompt = h
        .client
        .get_prompt(
            GetPromptRequestParams::new("debug_failed_run")
                .with_arguments(arguments(json!({"execution_id": execution_id}))),
        )
        .await
        .unwrap();
    let text = &prompt.messages[0].content.as_text().unwrap().text;
    for needle in [
        "Element .price not found",
        &format!("task_id \"{task_id}\""),
        &format!("browser-tasks://runs/anchor/{execution_id}"),
        "create_task",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
}

#[tokio::test]
async fn bad_prompt_arguments_are_one_invalid_params_error() {
    let h = Harness::browser_use_only().await;
    let error = h
        .client
        .get_prompt(
            GetPromptRequestParams::new("automate_browser_task")
                .with_arguments(arguments(json!({"example_inputs": "{oops"}))),
        )
        .await
        .expect_err("bad arguments");
    let ServiceError::McpError(error) = error else {
        panic!("not a JSON-RPC error: {error}");
    };
    assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
    assert!(error.message.contains("2 problems"), "{}", error.message);
    assert!(
        error.message.contains("`goal`: missing"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("`example_inputs`: is not JSON"),
        "{}",
        error.message
    );

    // Browser Use runs no code: no write_code_task, and asking for it says so.
    let error = h
        .client
        .get_prompt(
            GetPromptRequestParams::new("write_code_task")
                .with_arguments(arguments(json!({"goal": "x"}))),
        )
        .await
        .expect_err("not offered");
    assert!(error.to_string().contains("not offered"), "{error}");
}

/// The calls write_code_task tells a model to make, in its order, work as told: save the code
/// as a draft, run the draft by task_id, publish it by name, run latest by name.
#[tokio::test]
async fn the_calls_write_code_task_names_work_in_its_order() {
    let h = Harness::start().await;
    let prompt = h
        .client
        .get_prompt(
            GetPromptRequestParams::new("write_code_task")
                .with_arguments(arguments(json!({"goal": "Return the page title"}))),
        )
        .await
        .unwrap();
    let text = &prompt.messages[0].content.as_text().unwrap().text;
    let steps = [
        "create_task with name, code",
        "run_task with the task_id create_task returned, version \"draft\"",
        "deploy_task with task_name",
        "run_task with task_name",
    ];
    let mut at = 0;
    for step in steps {
        let found = text[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing or out of order in:\n{text}"));
        at += found + step.len();
    }

    let code = "export default async function run() {\n  return { title: 'Example Domain' };\n}\n";
    let saved = h
        .call(
            "create_task",
            json!({"name": "page-title", "code": code, "description": "The page title"}),
        )
        .await;
    assert!(!crate::harness::is_error(&saved), "{saved:?}");
    let task_id = structured(&saved)["task_id"].as_str().unwrap().to_string();
    let draft = h
        .call("run_task", json!({"task_id": task_id, "version": "draft"}))
        .await;
    assert!(!crate::harness::is_error(&draft), "{draft:?}");
    let deployed = h
        .call("deploy_task", json!({"task_name": "page-title"}))
        .await;
    assert!(!crate::harness::is_error(&deployed), "{deployed:?}");
    let latest = h.call("run_task", json!({"task_name": "page-title"})).await;
    assert!(!crate::harness::is_error(&latest), "{latest:?}");
    assert_eq!(structured(&latest)["version"], "1", "{latest:?}");
}
