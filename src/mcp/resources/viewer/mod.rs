//! The run viewer: an MCP App, the `ui://browser-tasks/run` resource a host shows beside the
//! conversation when it renders MCP Apps, and the `_meta.ui` link from the tools whose answer
//! is a run (`run_task`, `get_execution`, every task tool) to it.
//!
//! Written to the MCP Apps extension `io.modelcontextprotocol/ui` (SEP-1865), stable
//! specification version 2026-01-26 (`specification/2026-01-26/apps.mdx` in the public
//! repository modelcontextprotocol/ext-apps):
//! - the resource: one HTML5 document (`app.html`, CSS and JavaScript inline, built into the
//!   binary: nothing is fetched at run time), `mimeType` `text/html;profile=mcp-app`, with
//!   `_meta.ui.csp` on its contents naming the only origins it loads from (the providers'
//!   live views, in a nested frame);
//! - the link: `_meta.ui.resourceUri` on a tool, given only to a client that declared the
//!   extension with that MIME type in `capabilities.extensions` at `initialize` (the spec's
//!   "Servers SHOULD check client capabilities before registering UI-enabled tools"); every
//!   other client sees the tools exactly as before, byte for byte;
//! - the page speaks the spec's postMessage JSON-RPC to its host (`ui/initialize`,
//!   `ui/notifications/tool-input` and `tool-result`, `tools/call` and `resources/read`
//!   proxied by the host, `ui/notifications/size-changed`, host context and theme, `ui/open-link`).
//!
//! The page works from what any host passes (the tool's arguments and result) and calls only
//! this server's own tools through the host: `get_execution` to follow the run,
//! `cancel_execution` to stop it, `respond_to_intervention` to answer its request for a person,
//! and reads the run's evidence resources. It knows no key and no HTTP detail of a cloud.

use rmcp::ErrorData as McpError;
use rmcp::model::{
    InitializeRequestParams, MetaObject, ReadResourceResult, ResourceContents, Tool,
};
use serde_json::{Value, json};

use crate::cloud::Provider;
use crate::mcp::tools::{get_execution, run_task};

/// The viewer's resource URI (`ui://` is the scheme the spec reserves for MCP Apps).
pub const URI: &str = "ui://browser-tasks/run";

/// Where every UI resource's URI begins.
pub const SCHEME: &str = "ui://";

/// The MIME type of an MCP App's HTML (the spec's `RESOURCE_MIME_TYPE`).
pub const MIME_TYPE: &str = "text/html;profile=mcp-app";

/// The extension's identifier, under `capabilities.extensions`.
pub const EXTENSION: &str = "io.modelcontextprotocol/ui";

/// The page: one document, CSS and JavaScript inline.
const APP: &str = include_str!("app.html");

/// The origins the page loads anything from, for the host's Content Security Policy (the
/// spec's `McpUiResourceCsp`; anything not named here the host blocks, which is the point).
/// The page reaches the server only through the host (no `connectDomains`) and shows images
/// only as `data:` URLs (screenshots read as resources), so all it needs is to frame the
/// providers' live views. Recordings and files are opened by the host (`ui/open-link`), never
/// loaded by the page.
pub fn frame_domains() -> Vec<&'static str> {
    Provider::ALL
        .into_iter()
        .filter_map(Provider::live_view_origin)
        .collect()
}

/// The static tools whose answer is a run, which link the viewer (besides every task tool).
pub const LINKED_TOOLS: &[&str] = &[run_task::NAME, get_execution::NAME];

/// Whether a client declared that it renders MCP Apps in HTML: the extension in
/// `capabilities.extensions`, with our MIME type among its `mimeTypes` (which the spec makes
/// required).
pub fn client_renders(info: Option<&InitializeRequestParams>) -> bool {
    info.and_then(|info| info.capabilities.extensions.as_ref())
        .and_then(|extensions| extensions.get(EXTENSION))
        .and_then(|settings| settings.get("mimeTypes"))
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t.as_str() == Some(MIME_TYPE)))
}

/// `tool` as listed to a client that renders MCP Apps: with `_meta.ui.resourceUri` naming
/// the viewer (any `_meta` it has is kept). Visibility is left to its default (model and
/// app): the tools the page calls are the agent's own.
pub fn linked(mut tool: Tool) -> Tool {
    let mut meta = tool.meta.take().unwrap_or_default();
    meta.0.insert("ui".into(), json!({ "resourceUri": URI }));
    tool.meta = Some(meta);
    tool
}

/// Answer `resources/read` for a `ui://` URI.
pub fn read(uri: &str) -> Result<ReadResourceResult, McpError> {
    if uri != URI {
        return Err(McpError::resource_not_found(
            format!("{uri} is not a resource of this server: its app is {URI}"),
            None,
        ));
    }
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(APP, URI)
            .with_mime_type(MIME_TYPE)
            .with_meta(resource_meta()),
    ]))
}

/// The `_meta` of the page's contents: what the host must allow, and that the page has no
/// frame of its own (the host draws one).
fn resource_meta() -> MetaObject {
    let mut meta = MetaObject::default();
    meta.0.insert(
        "ui".into(),
        json!({
            "csp": { "frameDomains": frame_domains() },
            "prefersBorder": true,
        }),
    );
    meta
}

#[cfg(test)]
mod tests {
    use rmcp::model::{ClientCapabilities, Implementation};

    use super::*;

    fn client(extensions: Option<Value>) -> InitializeRequestParams {
        let mut capabilities = ClientCapabilities::default();
        capabilities.extensions = extensions.map(|e| serde_json::from_value(e).unwrap());
        InitializeRequestParams::new(capabilities, Implementation::new("host", "1"))
    }

    /// Only a client that declared the extension with the HTML profile gets links.
    #[test]
    fn only_a_client_that_renders_html_apps_is_one() {
        let renders = |e: Option<Value>| client_renders(Some(&client(e)));
        assert!(renders(Some(
            json!({EXTENSION: {"mimeTypes": ["text/html;profile=mcp-app"]}})
        )));
        assert!(!renders(None));
        assert!(!renders(Some(json!({EXTENSION: {}}))));
        assert!(!renders(Some(
            json!({EXTENSION: {"mimeTypes": ["text/html"]}})
        )));
        assert!(!renders(Some(
            json!({"io.modelcontextprotocol/apps": {"mimeTypes": [MIME_TYPE]}})
        )));
        assert!(!client_renders(None));
    }

    /// The link keeps whatever `_meta` a tool had.
    #[test]
    fn a_link_is_added_beside_existing_meta() {
        let mut tool = Tool::new("run_task", "Run a task.", rmcp::model::JsonObject::new());
        let mut meta = MetaObject::default();
        meta.0.insert("other".into(), json!(1));
        tool.meta = Some(meta);
        let tool = serde_json::to_value(linked(tool)).unwrap();
        assert_eq!(
            tool["_meta"],
            json!({"other": 1, "ui": {"resourceUri": URI}})
        );
    }

    /// What a host receives for the page: the document, its profile, and the CSP it needs.
    #[test]
    fn the_page_is_read_with_its_profile_and_csp() {
        let read = serde_json::to_value(read(URI).unwrap()).unwrap();
        let contents = &read["contents"][0];
        assert_eq!(contents["uri"], URI);
        assert_eq!(contents["mimeType"], MIME_TYPE);
        assert!(
            contents["text"]
                .as_str()
                .unwrap()
                .starts_with("<!DOCTYPE html>")
        );
        insta::assert_json_snapshot!("viewer_resource_meta", contents["_meta"]);
        assert!(super::read("ui://browser-tasks/other").is_err());
    }

    /// The page is self-contained: it loads nothing from anywhere (no script, style, font or
    /// image URL), so the CSP above is all it needs.
    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        for needle in [
            "<script src",
            "<link",
            "@import",
            "url(",
            "https://cdn",
            "fetch(",
            "XMLHttpRequest",
            "WebSocket",
            "eval(",
        ] {
            assert!(!APP.contains(needle), "app.html contains {needle:?}");
        }
    }
}
