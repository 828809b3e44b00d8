//! Registries for unit tests.

use super::*;
use crate::mcp::context::ToolSettings;
use crate::mcp::selection::Selection;
use crate::waiting::WaitSettings;

/// A registry for unit tests: every provider registered, those named configured (at an address
/// never contacted: argument checks send nothing), an in-memory catalog.
pub(crate) fn test_registry(anchor: bool, browser_use: bool) -> Arc<Registry> {
    let template = crate::cloud::HttpSettings::new("http://127.0.0.1:9", String::new().into());
    let settings = |keyed: bool| crate::config::ProviderSettings {
        connection: keyed.then(|| crate::cloud::HttpSettings {
            api_key: "k".to_string().into(),
            ..template.clone()
        }),
        template: template.clone(),
    };
    let providers = crate::providers::register_with(&settings(anchor), &settings(browser_use))
        .expect("test settings are valid");
    let catalog = Catalog::in_memory().expect("an in-memory catalog opens");
    Registry::over_empty_catalog(
        Setup {
            providers,
            catalog: Arc::new(catalog),
            settings: ToolSettings {
                anchor_run_sessions: true,
                account: String::new(),
                waits: WaitSettings::default(),
                selection: Selection::default(),
                resource_inline_max_bytes: crate::mcp::resources::INLINE_CAP,
                read_only: false,
                first_list_wait: std::time::Duration::ZERO,
            },
            secrets: Secrets::default(),
        },
        Arc::default(),
    )
}

/// A runnable task the catalog learns of (a code task with a published version).
fn sighting(name: &str) -> crate::catalog::TaskSighting {
    crate::catalog::TaskSighting {
        provider: crate::cloud::Provider::Anchor,
        kind: crate::runs::TaskKind::Code,
        task_id: format!("{name}-id"),
        name: name.into(),
        description: None,
        version: Some("1".into()),
        status: None,
        params: None,
        output_schema: None,
    }
}

#[tokio::test]
async fn a_list_rebuilt_early_by_a_listing_is_still_announced() {
    let registry = test_registry(true, false);
    let before = registry.table().await.tools.len();
    assert!(!registry.news().await, "nothing changed yet");
    registry.env().learn(sighting("hn-top")).await;
    // A client's tools/list rebuilds the table before the watcher runs...
    assert_eq!(registry.table().await.tools.len(), before + 1);
    // ...and the change is still news for the clients to be told of, once.
    assert!(registry.news().await);
    assert!(!registry.news().await);
}

/// How long (in the paused test clock) a `tools/list` of `registry` takes to get its table.
async fn time_to_list(registry: &Registry) -> Duration {
    let started = tokio::time::Instant::now();
    registry.listed_table().await;
    started.elapsed()
}

#[tokio::test(start_paused = true)]
async fn a_new_catalog_lists_after_the_startup_listing() {
    let registry = test_registry(true, false);
    registry.begin_first_listing(Duration::from_secs(2)).await;
    let ending = registry.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        ending.env().learn(sighting("hn-top")).await;
        ending.end_first_listing();
    });
    assert_eq!(time_to_list(&registry).await, Duration::from_millis(300));
    assert!(
        registry.table().await.get("hn_top").is_some(),
        "the listed task"
    );
    // Later requests do not wait.
    assert_eq!(time_to_list(&registry).await, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_startup_listing_is_waited_for_up_to_the_bound_only() {
    let registry = test_registry(true, false);
    registry.begin_first_listing(Duration::from_secs(2)).await;
    assert_eq!(time_to_list(&registry).await, Duration::from_secs(2));
    assert_eq!(time_to_list(&registry).await, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_catalog_that_knows_every_configured_cloud_lists_at_once() {
    let registry = test_registry(true, false);
    registry.env().learn(sighting("hn-top")).await;
    registry.begin_first_listing(Duration::from_secs(2)).await;
    assert_eq!(time_to_list(&registry).await, Duration::ZERO);
    // With another cloud configured that the catalog knows nothing of, it waits.
    let both = test_registry(true, true);
    both.env().learn(sighting("hn-top")).await;
    both.begin_first_listing(Duration::from_secs(2)).await;
    assert_eq!(time_to_list(&both).await, Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn no_wait_when_told_not_to_or_without_a_startup_listing() {
    let registry = test_registry(true, false);
    registry.begin_first_listing(Duration::ZERO).await;
    assert_eq!(time_to_list(&registry).await, Duration::ZERO);
    let unsynced = test_registry(true, false);
    assert_eq!(time_to_list(&unsynced).await, Duration::ZERO);
}
