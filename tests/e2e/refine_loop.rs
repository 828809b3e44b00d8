//! The generation loop, through a real MCP client against the fakes: a generated task fails
//! on its first run, is refined with feedback naming the failure (and the failed run's
//! execution_id, whose evidence the server adds), succeeds on the next run, is rolled back
//! (and fails again: the bad version is back), and the catalog records every step (get_task's
//! `versions`). For Browser Use skills and for Anchor Task Builder tasks; the fakes' refinement
//! is deterministic (feedback naming the missing step fixes it).

use browser_tasks_fakes::anchor::GenerationScript;
use browser_tasks_fakes::browser_use::{SkillOutcome, SkillScript};
use rmcp::model::CallToolResult;
use serde_json::{Value, json};

use crate::harness::{Harness, is_error, structured, summary, wait_until};

/// What an LLM sees of a result, with the ids and times that change on every run replaced.
fn seen(result: &CallToolResult, ids: &[(&str, &str)]) -> Value {
    let mut value = json!({
        "isError": is_error(result),
        "text": summary(result),
        "structured": result.structured_content.clone().unwrap_or(Value::Null),
    });
    normalize(&mut value, ids);
    value
}

fn normalize(value: &mut Value, ids: &[(&str, &str)]) {
    match value {
        Value::String(text) => {
            for (id, name) in ids {
                *text = text.replace(id, name);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| normalize(v, ids)),
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if [
                    "at",
                    "created_at",
                    "started_at",
                    "finished_at",
                    "updated_at",
                ]
                .contains(&key.as_str())
                    && inner.is_string()
                {
                    *inner = Value::from("<time>");
                } else if key == "execution_time_ms" && inner.is_number() {
                    *inner = Value::from(0);
                } else {
                    normalize(inner, ids);
                }
            }
        }
        _ => {}
    }
}

/// The (version, event) pairs of a task's history as get_task shows it.
fn history(shown: &Value) -> Vec<(String, String)> {
    shown["versions"]
        .as_array()
        .unwrap_or_else(|| panic!("no versions: {shown}"))
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap().to_string(),
                v["event"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

const SKILL_STEP: &str = "accept the cookie banner";

/// Generate a skill for the shop at example.com; its reply, id and tool name.
async fn generate_skill(h: &Harness, name: &str, prompt: &str) -> (CallToolResult, String, String) {
    let generated = h
        .call(
            "generate_task",
            json!({"name": name, "goal": "Search the shop at example.com", "prompt": prompt}),
        )
        .await;
    assert!(!is_error(&generated), "{}", summary(&generated));
    let field = |key: &str| structured(&generated)[key].as_str().unwrap().to_string();
    let (skill_id, tool) = (field("task_id"), field("tool_name"));
    (generated, skill_id, tool)
}

#[tokio::test]
async fn a_skill_is_generated_fails_is_refined_succeeds_and_is_rolled_back() {
    let h = Harness::browser_use_only().await;
    h.bu().set_default_skill_script(SkillScript {
        missing_step: Some(SKILL_STEP.into()),
        ..SkillScript::default()
    });

    // Generate.
    let (generated, skill_id, tool) = generate_skill(
        &h,
        "Shop search",
        "Open shop.example.com, search for the query and return the product titles.",
    )
    .await;
    assert_eq!(
        history(&structured(&generated)),
        pairs(&[("1", "generated")])
    );

    // The first run fails, naming the missing step.
    let failed = h.call(&tool, json!({"query": "lamp"})).await;
    assert!(is_error(&failed), "{}", summary(&failed));
    assert!(
        summary(&failed).contains(SKILL_STEP),
        "{}",
        summary(&failed)
    );
    let failed_run = structured(&failed)["execution_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no execution_id: {}", structured(&failed)))
        .to_string();

    // Refine with feedback naming the failure, and the failed run.
    let refined = h
        .call(
            "refine_task",
            json!({
                "task_id": skill_id,
                "feedback": format!("The run timed out: {SKILL_STEP} first, then search."),
                "execution_id": failed_run,
            }),
        )
        .await;
    assert!(!is_error(&refined), "{}", summary(&refined));
    assert_eq!(structured(&refined)["status"], "ready");
    assert_eq!(structured(&refined)["tool_name"], tool.as_str());
    assert_eq!(h.bu().skill_version(&skill_id), Some(2));
    assert_eq!(h.bu().count("POST /skills/{skill_id}/refine"), 1);
    // The cloud got the feedback with the run's evidence (its error among it).
    let body = h
        .bu()
        .requests()
        .into_iter()
        .find(|r| r.route == "/skills/{skill_id}/refine")
        .and_then(|r| r.body)
        .unwrap();
    let feedback = body["feedback"].as_str().unwrap();
    assert!(
        feedback.starts_with("The run timed out") && feedback.contains(&failed_run),
        "{feedback}"
    );
    assert!(
        feedback.contains("- error: Timed out waiting"),
        "{feedback}"
    );
    let ids = [
        (skill_id.as_str(), "<skill>"),
        (failed_run.as_str(), "<run 1>"),
    ];
    insta::assert_json_snapshot!("skill_refined", seen(&refined, &ids));

    // The next run succeeds, through the same tool.
    h.wait_for_tool(&tool).await;
    let fixed = h.call(&tool, json!({"query": "lamp", "limit": 1})).await;
    assert!(!is_error(&fixed), "{}", summary(&fixed));
    assert_eq!(structured(&fixed)["results"], json!(["lamp #1"]));

    // Roll back: version 1 is back (and fails again).
    let too_far = h
        .call("deploy_task", json!({"task_id": skill_id, "restore": "0"}))
        .await;
    assert!(is_error(&too_far), "{}", summary(&too_far));
    assert!(
        summary(&too_far).contains("\"restore\": \"1\""),
        "{}",
        summary(&too_far)
    );
    assert_eq!(h.bu().count("POST /skills/{skill_id}/rollback"), 0);
    let restored = h
        .call("deploy_task", json!({"task_id": skill_id, "restore": "1"}))
        .await;
    assert!(!is_error(&restored), "{}", summary(&restored));
    assert_eq!(structured(&restored)["version"], "1");
    assert_eq!(h.bu().count("POST /skills/{skill_id}/rollback"), 1);
    insta::assert_json_snapshot!("skill_restored", seen(&restored, &ids));
    let again = h.call(&tool, json!({"query": "lamp"})).await;
    assert!(
        is_error(&again),
        "the bad version is back: {}",
        summary(&again)
    );

    // The catalog recorded every step.
    let shown = h.call("get_task", json!({"task_id": skill_id})).await;
    assert_eq!(
        history(&structured(&shown)),
        pairs(&[("1", "generated"), ("2", "refined"), ("1", "restored")])
    );
    let why = structured(&shown)["versions"][1]["why"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.starts_with("The run timed out"), "{why}");
}

#[tokio::test]
async fn a_failed_refinement_says_to_refine_again_or_restore_and_restore_brings_back_a_working_skill()
 {
    let h = Harness::browser_use_only().await;
    h.bu().set_default_skill_script(SkillScript {
        refinement: SkillOutcome::Failed,
        ..SkillScript::default()
    });
    let (_, skill_id, tool) = generate_skill(
        &h,
        "Price check",
        "Open shop.example.com, search for the query and return the prices.",
    )
    .await;

    let refined = h
        .call(
            "refine_task",
            json!({"task_id": skill_id, "feedback": "Return the prices as numbers, not text."}),
        )
        .await;
    assert!(is_error(&refined), "{}", summary(&refined));
    let text = summary(&refined);
    assert!(
        text.contains("Refine it again with refine_task")
            && text.contains(&format!(
                "deploy_task {{\"task_id\": \"{skill_id}\", \"restore\""
            )),
        "{text}"
    );
    assert_eq!(
        h.bu().count("POST /skills/{skill_id}/refine"),
        1,
        "never retried"
    );

    // The working version comes back, and runs.
    let restored = h
        .call("deploy_task", json!({"task_id": skill_id, "restore": "1"}))
        .await;
    assert!(!is_error(&restored), "{}", summary(&restored));
    assert_eq!(h.bu().skill_version(&skill_id), Some(1));
    h.wait_for_tool(&tool).await;
    let run = h.call(&tool, json!({"query": "lamp", "limit": 1})).await;
    assert!(!is_error(&run), "{}", summary(&run));
    let shown = h.call("get_task", json!({"task_id": skill_id})).await;
    assert_eq!(
        history(&structured(&shown)),
        pairs(&[("1", "generated"), ("2", "refined"), ("1", "restored")])
    );
}

#[tokio::test]
async fn a_skill_refinement_whose_wait_is_cancelled_is_cancelled_in_the_cloud() {
    let h = Harness::browser_use_only().await;
    let skill_id = h.bu().seed_skill(
        "Slow to refine",
        SkillScript {
            generating_checks: 1000,
            ..SkillScript::default()
        },
    );
    let handle = h
        .start_cancellable(
            "refine_task",
            json!({"task_id": skill_id, "feedback": "Return the prices as numbers, not text."}),
        )
        .await;
    wait_until(
        || h.bu().count("GET /skills/{skill_id}") >= 3,
        "refinement polls",
    )
    .await;
    handle.cancel(None).await.unwrap();
    wait_until(
        || h.bu().count("POST /skills/{skill_id}/cancel") == 1,
        "the refinement's cancel",
    )
    .await;
    assert_eq!(
        h.bu().count("POST /skills/{skill_id}/refine"),
        1,
        "never retried"
    );
}

#[tokio::test]
async fn refining_names_every_problem_before_any_request() {
    let h = Harness::browser_use_only().await;
    let before = h.bu().requests().len();
    let bad = h
        .call(
            "refine_task",
            json!({"task_id": "not-a-uuid", "feedback": "short", "execution_id": "nope"}),
        )
        .await;
    assert!(is_error(&bad));
    let text = summary(&bad);
    for named in ["task_id", "feedback", "execution_id"] {
        assert!(text.contains(named), "{named} not named: {text}");
    }
    assert_eq!(h.bu().requests().len(), before, "nothing was sent");

    let empty = h
        .call("refine_task", json!({"task_id": " ", "feedback": ""}))
        .await;
    let text = summary(&empty);
    assert!(
        text.contains("say what failed and what to change") && text.contains("list_tasks"),
        "{text}"
    );
    assert_eq!(h.bu().requests().len(), before, "nothing was sent");
}

const BUILDER_STEP: &str = "close the newsletter popup";

#[tokio::test]
async fn a_task_builder_task_is_generated_fails_is_refined_succeeds_and_is_rolled_back() {
    let h = Harness::start().await;
    h.fake.set_default_generation_script(GenerationScript {
        generating_checks: 1,
        missing_step: Some(BUILDER_STEP.into()),
        ..GenerationScript::default()
    });

    let generated = h
        .call(
            "generate_task",
            json!({
                "name": "price-watch",
                "prompt": "Open shop.example.com, find the product and return its price.",
                "input_parameters": [
                    {"name": "product", "type": "string"},
                    {"name": "password", "type": "secret", "required": false, "defaultValue": "hunter2"}
                ],
                "output_parameters": [{"name": "price", "type": "number"}]
            }),
        )
        .await;
    assert!(!is_error(&generated), "{}", summary(&generated));
    let first_id = structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    let tool = structured(&generated)["tool_name"]
        .as_str()
        .unwrap()
        .to_string();
    h.wait_for_tool(&tool).await;

    let failed = h.call(&tool, json!({"product": "lamp"})).await;
    assert!(is_error(&failed), "{}", summary(&failed));
    assert!(
        summary(&failed).contains(BUILDER_STEP),
        "{}",
        summary(&failed)
    );
    let failed_run = structured(&failed)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();

    let refined = h
        .call(
            "refine_task",
            json!({
                "task_id": first_id,
                "feedback": format!("It never got past the page: {BUILDER_STEP} before reading the price."),
                "execution_id": failed_run,
            }),
        )
        .await;
    assert!(!is_error(&refined), "{}", summary(&refined));
    let second_id = structured(&refined)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(second_id, first_id, "the Task Builder made a new task");
    assert_eq!(
        structured(&refined)["tool_name"],
        tool.as_str(),
        "same tool"
    );
    assert_eq!(structured(&refined)["status"], "ready");
    // Generated again from what was remembered, plus the feedback and the run's evidence; the
    // secret default was never stored, so it is not sent again either.
    let prompts = h.fake.generation_prompts();
    assert_eq!(prompts.len(), 2);
    assert!(prompts[1].starts_with(&prompts[0]), "{}", prompts[1]);
    assert!(prompts[1].contains(BUILDER_STEP) && prompts[1].contains(&failed_run));
    assert!(
        prompts[1].contains("- error: Element not found") && prompts[1].contains("- links: "),
        "the run's error and where its recording is: {}",
        prompts[1]
    );
    let bodies: Vec<Value> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route == "/v2/tasks/generate")
        .filter_map(|r| r.body)
        .collect();
    assert_eq!(bodies[1]["input_schema"][0]["name"], "product");
    assert_eq!(bodies[1]["output_schema"][0]["name"], "price");
    assert!(bodies[1]["input_schema"][1].get("defaultValue").is_none());
    let ids = [
        (second_id.as_str(), "<task v2>"),
        (first_id.as_str(), "<task v1>"),
        (failed_run.as_str(), "<run 1>"),
    ];
    insta::assert_json_snapshot!("builder_refined", seen(&refined, &ids));

    // The same tool now runs the new version, and it works.
    let fixed = h.call(&tool, json!({"product": "lamp"})).await;
    assert!(!is_error(&fixed), "{}", summary(&fixed));

    // Roll back to version 1: the same tool runs the first task again (and fails again).
    let restored = h
        .call("deploy_task", json!({"task_id": second_id, "restore": "1"}))
        .await;
    assert!(!is_error(&restored), "{}", summary(&restored));
    assert_eq!(structured(&restored)["task_id"], first_id.as_str());
    insta::assert_json_snapshot!("builder_restored", seen(&restored, &ids));
    let again = h.call(&tool, json!({"product": "lamp"})).await;
    assert!(is_error(&again), "version 1 is back: {}", summary(&again));

    // Version 2 can come back too, named by its own (now former) id.
    let forward = h
        .call("deploy_task", json!({"task_id": second_id, "restore": "2"}))
        .await;
    assert!(!is_error(&forward), "{}", summary(&forward));
    assert_eq!(structured(&forward)["task_id"], second_id.as_str());
    let missing = h
        .call("deploy_task", json!({"task_id": second_id, "restore": "7"}))
        .await;
    assert!(is_error(&missing));
    assert!(
        summary(&missing).contains("Give one of: 1, 2."),
        "{}",
        summary(&missing)
    );

    let shown = h.call("get_task", json!({"task_id": second_id})).await;
    assert_eq!(
        history(&structured(&shown)),
        pairs(&[
            ("1", "generated"),
            ("2", "refined"),
            ("1", "restored"),
            ("2", "restored")
        ])
    );
    // No secret in anything stored or shown.
    assert!(!structured(&shown).to_string().contains("hunter2"));
}

#[tokio::test]
async fn a_code_task_refinement_answers_with_its_source_and_the_calls_that_fix_it() {
    let h = Harness::start().await;
    let task_id = h
        .fake
        .seed_code_task("stock-check", "export default async () => 'v1';", 1);
    let run = h.call("run_task", json!({"task_id": task_id})).await;
    let run_id = structured(&run)["execution_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", summary(&run)))
        .to_string();
    let writes_before = h
        .fake
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    let answer = h
        .call(
            "refine_task",
            json!({"task_id": task_id, "feedback": "Return the stock level as a number.", "execution_id": run_id}),
        )
        .await;
    assert!(!is_error(&answer), "{}", summary(&answer));
    let content = structured(&answer);
    let feedback = content["feedback"].as_str().unwrap();
    assert!(
        feedback.starts_with("Return the stock level as a number.")
            && feedback.contains(&format!("Evidence from run {run_id}:"))
            && feedback.contains("- status: success"),
        "{feedback}"
    );
    assert_eq!(content["code"], "export default async () => 'v1';");
    assert_eq!(content["kind"], "code");
    let steps: Vec<&str> = content["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        steps[0].starts_with("create_task {\"name\": \"stock-check\""),
        "{steps:?}"
    );
    assert!(steps[1].starts_with(&format!("deploy_task {{\"task_id\": \"{task_id}\"")));
    // The run went in a session the server opened for it, so its evidence (the session's
    // record, its recording) is known; what changes from run to run is named, not shown.
    let sessions = h.fake.sessions();
    let session = sessions[0].0.as_str();
    let between = |start: &str, end: char| {
        let from = feedback
            .find(start)
            .map(|i| i + start.len())
            .unwrap_or_default();
        let to = feedback[from..].find(end).map(|n| from + n).unwrap_or(from);
        feedback[from..to].to_string()
    };
    let (created, signed) = (
        between("\"created_at\":\"", '"'),
        between("X-Amz-Date=", '&'),
    );
    let lasted = format!(
        "\"duration_seconds\":{}",
        between("\"duration_seconds\":", ',')
    );
    insta::assert_json_snapshot!(
        "code_refined",
        seen(
            &answer,
            &[
                (task_id.as_str(), "<task>"),
                (run_id.as_str(), "<run>"),
                (session, "<session>"),
                (created.as_str(), "<time>"),
                (signed.as_str(), "<signed at>"),
                (lasted.as_str(), "\"duration_seconds\":<seconds>"),
            ]
        )
    );
    // A task neither cloud API nor the catalog knows is named as such.
    let unknown = h
        .call(
            "refine_task",
            json!({"task_id": "0b6a1f0e-2c53-4f7e-9d1e-5a6b7c8d9e0f", "feedback": "Make it faster please."}),
        )
        .await;
    assert!(is_error(&unknown));
    assert!(
        summary(&unknown).contains("list_tasks"),
        "{}",
        summary(&unknown)
    );
    // Nothing was changed in the cloud.
    assert_eq!(
        h.fake
            .requests()
            .iter()
            .filter(|r| r.method != "GET")
            .count(),
        writes_before,
        "only reads"
    );

    // Following the calls publishes version 2; restoring version 1 publishes its code as 3.
    h.call(
        "create_task",
        json!({"name": "stock-check", "code": "export default async () => 2;"}),
    )
    .await;
    let published = h
        .call(
            "deploy_task",
            json!({"task_id": task_id, "description": "stock as a number"}),
        )
        .await;
    assert_eq!(
        structured(&published)["version"],
        "2",
        "{}",
        summary(&published)
    );
    let restored = h
        .call("deploy_task", json!({"task_id": task_id, "restore": "1"}))
        .await;
    assert!(!is_error(&restored), "{}", summary(&restored));
    assert_eq!(structured(&restored)["version"], "3");
    let shown = h
        .call("get_task", json!({"task_id": task_id, "version": "latest"}))
        .await;
    let shown = structured(&shown);
    assert_eq!(shown["source"]["code"], "export default async () => 'v1';");
    let events: Vec<(String, String)> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap().to_string(),
                v["event"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(events, pairs(&[("2", "deployed"), ("3", "restored")]));
}
