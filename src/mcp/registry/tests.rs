//! Registries for unit tests.

use super::*;

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
    Registry::new(Setup {
        providers,
        waits: WaitSettings::default(),
        catalog: Arc::new(catalog),
        selection: Selection::default(),
        secrets: Secrets::default(),
        resource_inline_max_bytes: crate::mcp::resources::INLINE_CAP,
    })
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

#[test]
fn a_list_rebuilt_early_by_a_listing_is_still_announced() {
    let registry = test_registry(true, false);
    let before = registry.table().tools.len();
    assert!(!registry.news(), "nothing changed yet");
    registry.env().learn(sighting("hn-top"));
    // A client's tools/list rebuilds the table before the watcher runs...
    assert_eq!(registry.table().tools.len(), before + 1);
    // ...and the change is still news for the clients to be told of, once.
    assert!(registry.news());
    assert!(!registry.news());
}
