//! The Browser Use client on its own (no MCP), against the fake: lifecycles, validation and
//! error shapes.

use std::sync::Arc;
use std::time::Duration;

use browser_tasks_fakes::browser_use::{AgentScript, FakeBrowserUse};
use browser_tasks_mcp::cloud::HttpSettings;
use browser_tasks_mcp::providers::browser_use::BrowserUseClient;
use browser_tasks_mcp::providers::browser_use::models::{
    CreateSkill, CreateTask, SkillStatus, TaskFilter, TaskStatus, UpdateSkill,
};

use crate::harness::{BU_KEY, SpecGuard};

/// The fake, a client of it, and the guard that holds their exchanges to Browser Use's spec.
async fn client() -> (Arc<FakeBrowserUse>, BrowserUseClient, SpecGuard) {
    let fake = Arc::new(FakeBrowserUse::start(BU_KEY).await.unwrap());
    let client =
        BrowserUseClient::new(HttpSettings::new(fake.url(), BU_KEY.to_string().into())).unwrap();
    let guard = SpecGuard::of(&fake);
    (fake, client, guard)
}

#[tokio::test]
async fn an_agent_task_runs_through_its_lifecycle_with_steps() {
    let (fake, bu, _spec) = client().await;
    fake.set_default_task_script(AgentScript {
        started_checks: 3,
        output_files: vec!["prices.csv".into()],
        ..AgentScript::default()
    });
    let created = bu
        .create_task(&CreateTask {
            task: "Find the cheapest flight".into(),
            ..CreateTask::default()
        })
        .await
        .unwrap();
    let mut statuses = Vec::new();
    loop {
        let status = bu.task_status(&created.id).await.unwrap();
        statuses.push(status.status.clone());
        if status.status.is_terminal() {
            assert_eq!(status.is_success, Some(true));
            assert!(status.cost.is_some());
            break;
        }
    }
    assert_eq!(
        statuses,
        vec![
            TaskStatus::Started,
            TaskStatus::Started,
            TaskStatus::Started,
            TaskStatus::Finished
        ]
    );
    let view = bu.get_task(&created.id).await.unwrap();
    assert_eq!(view.steps.len(), 3);
    assert_eq!(view.output_files[0].file_name, "prices.csv");
    let link = bu
        .output_file(&created.id, &view.output_files[0].id)
        .await
        .unwrap();
    assert!(link.download_url.starts_with("https://"));
    assert_eq!(fake.count("POST /tasks"), 1);
}

#[tokio::test]
async fn a_task_can_be_stopped_and_a_busy_session_refuses_another() {
    let (fake, bu, _spec) = client().await;
    fake.set_default_task_script(AgentScript::default().lasting(Duration::from_secs(600)));
    let session = fake.create_session();
    let task = CreateTask {
        task: "Long job".into(),
        session_id: Some(session.clone()),
        ..CreateTask::default()
    };
    let first = bu.create_task(&task).await.unwrap();
    bu.task_status(&first.id).await.unwrap();
    let busy = bu.create_task(&task).await.unwrap_err();
    assert_eq!(busy.status(), Some(400));
    assert!(busy.to_string().contains("running task"), "{busy}");
    let stopped = bu.stop_task(&first.id, false).await.unwrap();
    assert_eq!(stopped.status, TaskStatus::Stopped);
    assert_eq!(
        bu.task_status(&first.id).await.unwrap().status,
        TaskStatus::Stopped
    );
    // The session is free again.
    bu.create_task(&task).await.unwrap();
}

#[tokio::test]
async fn validation_errors_come_back_in_the_documented_shapes() {
    let (fake, bu, _spec) = client().await;
    // Invalid on purpose: the fake must refuse what the API would.
    fake.allow_off_spec_requests();
    // POST /tasks documents its 422 as one ValidationError: the first problem, with where.
    let error = bu
        .create_task(&CreateTask {
            task: String::new(),
            max_steps: Some(0),
            structured_output: Some("not json".into()),
            ..CreateTask::default()
        })
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(422));
    assert_eq!(
        error.api_message(),
        "body.task: String should have at least 1 character"
    );
    // Elsewhere FastAPI's list (HTTPValidationError).
    let listed = bu.task_status("not-a-uuid").await.unwrap_err();
    assert_eq!(listed.status(), Some(422));
    assert_eq!(
        listed.api_message(),
        "path.task_id: Input should be a valid UUID"
    );
    let mut off_spec: Vec<String> = fake
        .off_spec_requests()
        .into_iter()
        .map(|v| v.operation)
        .collect();
    off_spec.dedup();
    assert_eq!(off_spec, ["POST /tasks", "GET /tasks/{task_id}/status"]);
    let unknown = bu
        .get_task("3c90c3cc-0d44-4b50-8888-8dd25736052a")
        .await
        .unwrap_err();
    assert_eq!(unknown.status(), Some(404));
    assert_eq!(unknown.api_message(), "Task not found");
    let unauthorized =
        BrowserUseClient::new(HttpSettings::new(bu.base_url(), "wrong".to_string().into()))
            .unwrap()
            .get_skill("3c90c3cc-0d44-4b50-8888-8dd25736052a")
            .await
            .unwrap_err();
    assert_eq!(unauthorized.status(), Some(401));
    assert_eq!(unauthorized.api_message(), "Invalid API key");
}

#[tokio::test]
async fn a_skill_is_generated_enabled_executed_and_deleted() {
    let (fake, bu, _spec) = client().await;
    let created = bu
        .create_skill(&CreateSkill {
            goal: "Search the catalogue".into(),
            agent_prompt: "Go to the shop and search for the query".into(),
            ..CreateSkill::default()
        })
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let skill = loop {
        let skill = bu.get_skill(&created.id).await.unwrap();
        statuses.push(skill.status.clone());
        if skill.status.is_terminal() {
            break skill;
        }
    };
    assert_eq!(
        statuses,
        vec![
            SkillStatus::Recording,
            SkillStatus::Generating,
            SkillStatus::Generating,
            SkillStatus::Finished
        ]
    );
    assert!(skill.is_enabled);
    assert_eq!(skill.parameters.len(), 3);

    let parameters = serde_json::json!({"query": "shoes", "limit": 2});
    let result = bu
        .execute_skill(&created.id, parameters.as_object().unwrap(), None)
        .await
        .unwrap();
    assert!(result.success);
    assert_eq!(
        result.result.unwrap()["results"],
        serde_json::json!(["shoes #1", "shoes #2"])
    );
    // Parameters that do not fit the skill: the spec declares no refusal for them (its
    // `parameters` is any object), so the execution fails.
    let wrong = serde_json::json!({"limit": "two"});
    let invalid = bu
        .execute_skill(&created.id, wrong.as_object().unwrap(), None)
        .await
        .unwrap();
    assert!(!invalid.success);
    let why = invalid.error.unwrap_or_default();
    assert!(
        why.contains("query: Field required") && why.contains("limit:"),
        "{why}"
    );

    let disabled = bu
        .update_skill(
            &created.id,
            &UpdateSkill {
                is_enabled: Some(false),
                ..UpdateSkill::default()
            },
        )
        .await
        .unwrap();
    assert!(!disabled.is_enabled);
    let refused = bu
        .execute_skill(&created.id, parameters.as_object().unwrap(), None)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("not enabled"), "{refused}");
    let executions = bu.skill_executions(&created.id, 1, 10).await.unwrap();
    // The run that succeeded and the one that failed on its parameters.
    assert_eq!(executions.total_items, 2);
    bu.delete_skill(&created.id).await.unwrap();
    assert_eq!(
        bu.get_skill(&created.id).await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(fake.count("DELETE /skills/{skill_id}"), 1);
}

/// Every endpoint the client has, once, so the spec check sees every request it sends and
/// every answer the fake gives.
#[tokio::test]
async fn every_endpoint_once_within_the_spec() {
    let (fake, bu, _spec) = client().await;
    fake.set_default_task_script(AgentScript {
        started_checks: 1,
        output_files: vec!["out.csv".into()],
        ..AgentScript::default()
    });
    let session = fake.create_session();
    let task = bu
        .create_task(&CreateTask {
            task: "Collect the prices".into(),
            session_id: Some(session.clone()),
            llm: Some("gpt-4.1".into()),
            ..CreateTask::default()
        })
        .await
        .unwrap();
    while !bu.task_status(&task.id).await.unwrap().status.is_terminal() {}
    let view = bu.get_task(&task.id).await.unwrap();
    bu.output_file(&task.id, &view.output_files[0].id)
        .await
        .unwrap();
    bu.task_logs(&task.id).await.unwrap();
    bu.stop_task(&task.id, false).await.unwrap();
    let listed = bu
        .list_tasks(&TaskFilter {
            page_size: Some(5),
            page_number: Some(1),
            session_id: Some(session.clone()),
            status: Some(TaskStatus::Finished),
            after: Some("2020-01-01T00:00:00Z".into()),
            before: Some("2999-01-01T00:00:00Z".into()),
        })
        .await
        .unwrap();
    assert_eq!(listed.total_items, 1);
    bu.get_session(&session).await.unwrap();
    bu.stop_session(&session).await.unwrap();

    let skill = bu
        .create_skill(&CreateSkill {
            goal: "Search the catalogue".into(),
            agent_prompt: "Go to the shop and search for the query".into(),
            title: Some("Catalogue search".into()),
            description: Some("Searches.".into()),
        })
        .await
        .unwrap();
    while !bu.get_skill(&skill.id).await.unwrap().status.is_terminal() {}
    bu.list_skills(1, 10, Some(true), Some("catalogue"))
        .await
        .unwrap();
    bu.update_skill(
        &skill.id,
        &UpdateSkill {
            title: Some("Catalogue search 2".into()),
            categories: Some(vec!["e_commerce".into()]),
            domains: Some(vec!["shop.example".into()]),
            ..UpdateSkill::default()
        },
    )
    .await
    .unwrap();
    let parameters = serde_json::json!({"query": "shoes"});
    bu.execute_skill(&skill.id, parameters.as_object().unwrap(), Some(&session))
        .await
        .unwrap();
    let executions = bu.skill_executions(&skill.id, 1, 10).await.unwrap();
    bu.skill_execution_output(&skill.id, &executions.items[0].id)
        .await
        .unwrap();
    bu.delete_skill(&skill.id).await.unwrap();
    let generating = bu
        .create_skill(&CreateSkill {
            goal: "Another".into(),
            agent_prompt: "Go somewhere and do something".into(),
            ..CreateSkill::default()
        })
        .await
        .unwrap();
    bu.cancel_skill(&generating.id).await.unwrap();
}
