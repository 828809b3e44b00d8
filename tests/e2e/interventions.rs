//! Human in the loop: an Anchor run's request for a person is asked through elicitation (the
//! client's user sees the message and a form), and what they said is sent to the cloud as
//! given: an answer, or a decline.

use browser_tasks_fakes::anchor::{GenerationScript, RunScript};
use rmcp::model::{ElicitRequestParams, ElicitResult, ElicitationAction};
use serde_json::{Value, json};

use crate::harness::{Harness, Options, is_error, structured, summary};

async fn run_asking(h: &Harness) -> rmcp::model::CallToolResult {
    h.fake.set_default_generation_script(GenerationScript {
        generating_checks: 0,
        ..GenerationScript::default()
    });
    let generated = h
        .call(
            "generate_task",
            json!({"name": "needs-approval", "prompt": "Book the table, asking before paying.",
                   "human_intervention": true}),
        )
        .await;
    let task_id = structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    h.fake.set_session_script(
        &task_id,
        Vec::new(),
        Some(
            json!({"requestId": "req-1", "message": "Which table size?", "inputType": "fields",
            "fields": [{"name": "seats", "label": "Seats", "type": "number", "required": true},
                       {"name": "email", "label": "Email", "type": "email"}]}),
        ),
    );
    h.fake
        .set_default_run_script(RunScript::succeeding_with(json!({"booked": true})));
    h.call("run_task", json!({"task_id": task_id})).await
}

fn elicited(h: &Harness) -> Vec<(String, Value)> {
    h.recorder
        .elicited
        .lock()
        .unwrap()
        .iter()
        .map(|r| match r {
            ElicitRequestParams::FormElicitationParams {
                message,
                requested_schema,
                ..
            } => (
                message.clone(),
                serde_json::to_value(requested_schema).unwrap(),
            ),
            other => panic!("not a form: {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn an_intervention_is_answered_through_elicitation() {
    let answer = ElicitResult::new(ElicitationAction::Accept)
        .with_content(json!({"seats": 4, "email": "a@example.com"}));
    let h = Harness::with(Options {
        elicitation: Some(answer),
        ..Options::default()
    })
    .await;
    let run = run_asking(&h).await;
    assert!(!is_error(&run), "{}", summary(&run));
    let asked = elicited(&h);
    assert_eq!(asked.len(), 1, "asked once");
    assert_eq!(asked[0].0, "Which table size?");
    assert_eq!(asked[0].1["properties"]["seats"]["type"], "number");
    assert_eq!(asked[0].1["properties"]["email"]["format"], "email");
    assert_eq!(asked[0].1["required"], json!(["seats"]));
    assert_eq!(
        h.fake.intervention_answers(),
        vec![(
            "req-1".to_string(),
            json!({"seats": 4, "email": "a@example.com"})
        )]
    );
    assert_eq!(structured(&run)["output"], json!({"booked": true}));
}

#[tokio::test]
async fn a_declined_intervention_is_sent_as_declined() {
    let h = Harness::with(Options {
        elicitation: Some(ElicitResult::new(ElicitationAction::Decline)),
        ..Options::default()
    })
    .await;
    let run = run_asking(&h).await;
    assert!(!is_error(&run), "{}", summary(&run));
    let answers = h.fake.intervention_answers();
    assert_eq!(answers.len(), 1);
    assert!(
        answers[0].1.as_str().unwrap().starts_with("declined"),
        "{answers:?}"
    );
}

#[tokio::test]
async fn without_elicitation_nobody_answers_for_the_user() {
    let h = Harness::with(Options::default().env("BROWSER_TASKS_WAIT_SECONDS", "1")).await;
    let run = run_asking(&h).await;
    assert!(!is_error(&run), "{}", summary(&run));
    assert_eq!(structured(&run)["status"], "running");
    assert!(h.fake.intervention_answers().is_empty());
    assert!(
        h.progress()
            .iter()
            .filter_map(|p| p.message.clone())
            .any(|m| m.contains("waits for a person: Which table size?")),
        "{:?}",
        h.progress()
    );
}

#[tokio::test]
async fn without_elicitation_respond_to_intervention_answers_for_the_person() {
    let h = Harness::with(Options::default().env("BROWSER_TASKS_WAIT_SECONDS", "1")).await;
    let run = run_asking(&h).await;
    let report = structured(&run);
    assert_eq!(report["status"], "running");
    let execution_id = report["execution_id"].as_str().unwrap().to_string();
    // Progress and the result point to the exact call.
    let call = format!("respond_to_intervention {{\"execution_id\":\"{execution_id}\"");
    assert!(
        h.progress()
            .iter()
            .filter_map(|p| p.message.clone())
            .any(|m| m.contains(&call)),
        "{:?}",
        h.progress()
    );
    let next_step = report["next_step"].as_str().unwrap();
    assert!(
        next_step.contains("waits for a person: Which table size?"),
        "{next_step}"
    );
    assert!(next_step.contains(&call), "{next_step}");

    // An answer that does not fit the request names each problem, and nothing is sent.
    let wrong = h
        .call(
            "respond_to_intervention",
            json!({"execution_id": execution_id, "answer": {"email": "nobody", "color": "red"}}),
        )
        .await;
    assert!(is_error(&wrong));
    let text = summary(&wrong);
    for named in ["answer.seats", "answer.email", "answer.color"] {
        assert!(text.contains(named), "{text}");
    }
    assert!(h.fake.intervention_answers().is_empty());

    let answered = h
        .call(
            "respond_to_intervention",
            json!({"execution_id": execution_id, "answer": {"seats": 2}}),
        )
        .await;
    assert!(!is_error(&answered), "{}", summary(&answered));
    assert_eq!(structured(&answered)["sent"], "answer");
    assert_eq!(
        h.fake.intervention_answers(),
        vec![("req-1".to_string(), json!({"seats": 2}))]
    );
    let done = h
        .call(
            "get_execution",
            json!({"execution_id": execution_id, "wait_seconds": 30}),
        )
        .await;
    assert_eq!(
        structured(&done)["output"],
        json!({"booked": true}),
        "{}",
        summary(&done)
    );

    // Nothing is pending any more: said so, nothing sent.
    let again = h
        .call(
            "respond_to_intervention",
            json!({"execution_id": execution_id, "action": "decline"}),
        )
        .await;
    assert!(is_error(&again));
    assert_eq!(h.fake.intervention_answers().len(), 1);
}
