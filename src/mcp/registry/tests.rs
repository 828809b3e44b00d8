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
    })
}
