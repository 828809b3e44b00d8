//! The vendors' OpenAPI files (`fakes/openapi/`, byte-identical copies) as a mechanical check of
//! what crosses the wire: every request a fake receives (method, path, query, body) against the
//! operation the vendor declares for it, and every answer a fake gives against that
//! operation's response for the status sent.
//!
//! - `oas3` reads each document and finds the operation for a method and path template
//!   (`matchit`, axum's router, finds the template for a concrete path) with its declared
//!   parameters, body and responses;
//! - `jsonschema` validates values against the schemas where they sit in the document (the
//!   whole document is the registry's one resource, so `$ref`s to `#/components/schemas/…`
//!   resolve as written);
//! - strictly: a body field, query parameter, path, method or status the operation does not
//!   declare is a violation, even where the vendor's schema leaves `additionalProperties`
//!   open (see `prepare.rs`, which also works around the vendors' known defects).
//!
//! The documents are parsed and prepared once per process, and each schema is compiled once,
//! when first needed.

mod prepare;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};

use axum::http::Method;
use jsonschema::{Draft, Validator};
use oas3::spec::{ObjectOrReference, Operation, Parameter, ParameterIn};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use referencing::Registry;
use serde_json::{Value, json};

/// Anchor Browser's file, as the vendor publishes it.
pub const ANCHOR_OPENAPI: &str = include_str!("../../openapi/anchor-openapi.yaml");
/// Browser Use Cloud's v2 file, as the vendor publishes it.
pub const BROWSER_USE_OPENAPI: &str = include_str!("../../openapi/browser-use-v2.json");

/// Which side of an exchange broke the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// What a client sent.
    Request,
    /// What a fake answered.
    Response,
}

/// One way an exchange departs from the vendor's spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub side: Side,
    /// `METHOD /template` as the spec names the operation (the path as sent when the spec has
    /// none for it).
    pub operation: String,
    pub problem: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = match self.side {
            Side::Request => "request",
            Side::Response => "response",
        };
        write!(f, "{side} {}: {}", self.operation, self.problem)
    }
}

/// One vendor's spec, ready to check exchanges against.
pub struct Spec {
    name: &'static str,
    /// The path of the servers' URL (Browser Use's `/api/v2`): requests carry it before the
    /// paths the document lists.
    base_path: String,
    openapi: oas3::Spec,
    /// The prepared document (see [`prepare`]), for the schemas at their JSON pointers.
    doc: Arc<Value>,
    /// Concrete path (without the base path) to the document's path template.
    routes: matchit::Router<String>,
    base_uri: &'static str,
    registry: Registry<'static>,
    /// The schema of a 401 (a request without the right key) where the API documents one.
    unauthorized_schema: Option<&'static str>,
    validators: Mutex<HashMap<String, Result<Arc<Validator>, String>>>,
}

static ANCHOR: LazyLock<Result<Spec, String>> = LazyLock::new(|| {
    let doc = yaml_serde::from_str::<Value>(ANCHOR_OPENAPI).map_err(|e| e.to_string())?;
    // Anchor declares no 401 for its task endpoints, but its other operations do ("Invalid
    // API Key", e.g. `GET /v1/billing`), always as `ErrorResponse`.
    Spec::new(
        "Anchor",
        doc,
        "urn:browser-tasks-fakes:anchor-openapi",
        Some("ErrorResponse"),
    )
});

static BROWSER_USE: LazyLock<Result<Spec, String>> = LazyLock::new(|| {
    let doc = serde_json::from_str::<Value>(BROWSER_USE_OPENAPI).map_err(|e| e.to_string())?;
    // Browser Use documents no 401 body anywhere: only its JSON-ness is checked.
    Spec::new(
        "Browser Use",
        doc,
        "urn:browser-tasks-fakes:browser-use-v2",
        None,
    )
});

/// Anchor Browser's spec (parsed once per process).
pub fn anchor() -> Result<&'static Spec, &'static str> {
    ANCHOR.as_ref().map_err(String::as_str)
}

/// Browser Use Cloud's spec (parsed once per process).
pub fn browser_use() -> Result<&'static Spec, &'static str> {
    BROWSER_USE.as_ref().map_err(String::as_str)
}

/// Characters a JSON pointer may hold that a URI fragment may not.
const FRAGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'%')
    .add(b'#')
    .add(b'[')
    .add(b']');

/// The path of an absolute URL (`https://host/api/v2` → `/api/v2`).
fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or("", |at| &after_scheme[at..])
}

/// One JSON pointer segment (`/` and `~` escaped).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// An operation found for a request: its template, where it sits, and what it declares.
struct Found<'s> {
    /// `METHOD /template`.
    name: String,
    /// JSON pointer of the operation object.
    pointer: String,
    operation: &'s Operation,
    params: matchit::Params<'s, 's>,
}

impl Spec {
    fn new(
        name: &'static str,
        mut doc: Value,
        base_uri: &'static str,
        unauthorized_schema: Option<&'static str>,
    ) -> Result<Self, String> {
        let openapi: oas3::Spec =
            serde_json::from_value(doc.clone()).map_err(|e| format!("{name}: {e}"))?;
        prepare::prepare(&mut doc);
        let base_path = openapi
            .primary_server()
            .map(|server| url_path(&server.url).trim_end_matches('/').to_string())
            .unwrap_or_default();
        let mut routes = matchit::Router::new();
        for template in openapi.paths.iter().flatten().map(|(t, _)| t) {
            routes
                .insert(template.clone(), template.clone())
                .map_err(|e| format!("{name}: path {template}: {e}"))?;
        }
        let doc = Arc::new(doc);
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(base_uri, doc.clone())
            .and_then(|builder| builder.prepare())
            .map_err(|e| format!("{name}: {e}"))?;
        Ok(Self {
            name,
            base_path,
            openapi,
            doc,
            routes,
            base_uri,
            registry,
            unauthorized_schema,
            validators: Mutex::new(HashMap::new()),
        })
    }

    /// The vendor's name, for messages.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The values of the component schema `name`'s `enum` (e.g. Browser Use's
    /// `SupportedLLMs`), as the vendor lists them; empty when it has none.
    pub fn enum_values(&self, name: &str) -> Vec<String> {
        self.doc
            .pointer(&format!("/components/schemas/{}/enum", escape(name)))
            .and_then(Value::as_array)
            .map(|values| {
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The component schema `name`, as the vendor wrote it (with the changes `prepare.rs` makes).
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.doc
            .pointer(&format!("/components/schemas/{}", escape(name)))
    }

    /// The operation for `method` and `path` (as sent, with any base path), or why there is
    /// none.
    fn find<'s>(&'s self, method: &str, path: &'s str) -> Result<Found<'s>, Violation> {
        let undeclared = |problem: String| Violation {
            side: Side::Request,
            operation: format!("{method} {path}"),
            problem,
        };
        let Some(relative) = path.strip_prefix(&self.base_path) else {
            return Err(undeclared(format!(
                "the path is not under the API's base path {}",
                self.base_path
            )));
        };
        let Ok(matched) = self.routes.at(relative) else {
            return Err(undeclared(format!("{} declares no such path", self.name)));
        };
        let template = matched.value.as_str();
        let operation = Method::from_bytes(method.as_bytes())
            .ok()
            .and_then(|m| self.openapi.operation(&m, template));
        let Some(operation) = operation else {
            return Err(undeclared(format!(
                "{} declares no {method} for {template}",
                self.name
            )));
        };
        Ok(Found {
            name: format!("{method} {template}"),
            pointer: format!("/paths/{}/{}", escape(template), method.to_lowercase()),
            operation,
            params: matched.params,
        })
    }

    /// Check a request as a client sent it: the path and method are declared, every path and
    /// query parameter is declared and valid, required ones are present, and the body is the
    /// declared one (no undeclared field at any level).
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: &[u8],
    ) -> Vec<Violation> {
        let found = match self.find(method, path) {
            Ok(found) => found,
            Err(violation) => return vec![violation],
        };
        let mut problems = Vec::new();
        let parameters = self.parameters(&found);
        // Path parameters: present by the template's match; their values must fit.
        for (name, raw) in found.params.iter() {
            let value = percent_decode_str(raw).decode_utf8_lossy();
            match parameters
                .iter()
                .find(|(p, _)| p.location == ParameterIn::Path && p.name == name)
            {
                Some((_, Some(schema))) => self.check_parameter(
                    schema,
                    &value,
                    &format!("path parameter {name}"),
                    &mut problems,
                ),
                Some((_, None)) => {}
                None => problems.push(format!("path parameter {name} is not declared")),
            }
        }
        // Query parameters: each declared and valid, the required ones present.
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        for (name, value) in &pairs {
            match parameters
                .iter()
                .find(|(p, _)| p.location == ParameterIn::Query && &p.name == name)
            {
                Some((_, Some(schema))) => self.check_parameter(
                    schema,
                    value,
                    &format!("query parameter {name}"),
                    &mut problems,
                ),
                Some((_, None)) => {}
                None => problems.push(format!("query parameter {name} is not declared")),
            }
        }
        for (parameter, _) in &parameters {
            if parameter.location == ParameterIn::Query
                && parameter.required == Some(true)
                && !pairs.iter().any(|(k, _)| k == &parameter.name)
            {
                problems.push(format!(
                    "required query parameter {} is missing",
                    parameter.name
                ));
            }
        }
        self.check_request_body(&found, body, &mut problems);
        problems
            .into_iter()
            .map(|problem| Violation {
                side: Side::Request,
                operation: found.name.clone(),
                problem,
            })
            .collect()
    }

    /// The operation's parameters (its path item's too), each with the pointer of its schema.
    fn parameters(&self, found: &Found<'_>) -> Vec<(Parameter, Option<String>)> {
        let item_pointer = found
            .pointer
            .rsplit_once('/')
            .map(|(item, _)| item.to_string())
            .unwrap_or_default();
        let template = found
            .name
            .split_once(' ')
            .map(|(_, t)| t)
            .unwrap_or_default();
        let item_parameters = self
            .openapi
            .paths
            .as_ref()
            .and_then(|paths| paths.get(template))
            .map(|item| item.parameters.as_slice())
            .unwrap_or_default();
        let mut all = Vec::new();
        for (owner, list) in [
            (
                found.pointer.as_str(),
                found.operation.parameters.as_slice(),
            ),
            (item_pointer.as_str(), item_parameters),
        ] {
            for (index, parameter) in list.iter().enumerate() {
                let (pointer, resolved) = match parameter {
                    ObjectOrReference::Object(p) => {
                        (format!("{owner}/parameters/{index}"), Ok(p.clone()))
                    }
                    ObjectOrReference::Ref { ref_path, .. } => (
                        ref_path.trim_start_matches('#').to_string(),
                        parameter.resolve(&self.openapi).map_err(|e| e.to_string()),
                    ),
                };
                if let Ok(resolved) = resolved {
                    let schema = resolved
                        .schema
                        .is_some()
                        .then(|| format!("{pointer}/schema"));
                    all.push((resolved, schema));
                }
            }
        }
        all
    }

    /// A parameter's value (always text on the wire) against its schema: as text, and as the
    /// number or boolean it spells where the schema types it so.
    fn check_parameter(&self, schema: &str, value: &str, what: &str, problems: &mut Vec<String>) {
        let validator = match self.validator(schema) {
            Ok(validator) => validator,
            Err(error) => return problems.push(format!("{what}: {error}")),
        };
        let mut candidates = Vec::new();
        if let Ok(number) = value.parse::<i64>() {
            candidates.push(json!(number));
        } else if let Ok(number) = value.parse::<f64>() {
            candidates.push(json!(number));
        }
        if let Ok(flag) = value.parse::<bool>() {
            candidates.push(json!(flag));
        }
        candidates.push(json!(value));
        if candidates.iter().any(|c| validator.is_valid(c)) {
            return;
        }
        let shown = candidates.first().cloned().unwrap_or(Value::Null);
        problems.extend(
            errors(&validator, &shown)
                .into_iter()
                .map(|e| format!("{what} {value:?}: {e}")),
        );
    }

    fn check_request_body(&self, found: &Found<'_>, body: &[u8], problems: &mut Vec<String>) {
        let declared = match &found.operation.request_body {
            None => None,
            Some(ObjectOrReference::Object(body)) => {
                Some((format!("{}/requestBody", found.pointer), body.clone()))
            }
            Some(reference @ ObjectOrReference::Ref { ref_path, .. }) => reference
                .resolve(&self.openapi)
                .ok()
                .map(|body| (ref_path.trim_start_matches('#').to_string(), body)),
        };
        let Some((pointer, declared)) = declared else {
            if !body.is_empty() {
                problems.push("the operation takes no body, but one was sent".into());
            }
            return;
        };
        if body.is_empty() {
            if declared.required == Some(true) {
                problems.push("the required body is missing".into());
            }
            return;
        }
        let Some(media) = declared.content.keys().find(|m| m.contains("json")) else {
            return problems.push("the operation takes no JSON body".into());
        };
        let value = match serde_json::from_slice::<Value>(body) {
            Ok(value) => value,
            Err(error) => return problems.push(format!("the body is not JSON: {error}")),
        };
        if declared.content[media].schema.is_none() {
            return;
        }
        let schema = format!("{pointer}/content/{}/schema", escape(media));
        match self.validator(&schema) {
            Ok(validator) => problems.extend(
                errors(&validator, &value)
                    .into_iter()
                    .map(|e| format!("body {e}")),
            ),
            Err(error) => problems.push(format!("body: {error}")),
        }
    }

    /// Check an answer to a request (which found its operation): the status is one the
    /// operation declares (or a 401 to a request without the right key), and the body fits
    /// that status's schema.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &[u8],
    ) -> Vec<Violation> {
        let Ok(found) = self.find(method, path) else {
            // The request's own check reported that.
            return Vec::new();
        };
        let mut problems = Vec::new();
        let responses = found.operation.responses.as_ref();
        let key = [
            status.to_string(),
            format!("{}XX", status / 100),
            "default".into(),
        ]
        .into_iter()
        .find(|key| responses.is_some_and(|r| r.contains_key(key)));
        match key {
            Some(key) => self.check_response_body(&found, &key, body, &mut problems),
            None if status == 401 => self.check_unauthorized(body, &mut problems),
            None => {
                let declared: Vec<&str> = responses
                    .map(|r| r.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                problems.push(format!(
                    "status {status} is not declared (the operation declares {})",
                    declared.join(", ")
                ));
            }
        }
        problems
            .into_iter()
            .map(|problem| Violation {
                side: Side::Response,
                operation: found.name.clone(),
                problem,
            })
            .collect()
    }

    fn check_response_body(
        &self,
        found: &Found<'_>,
        key: &str,
        body: &[u8],
        problems: &mut Vec<String>,
    ) {
        let Some(response) = found.operation.responses.as_ref().and_then(|r| r.get(key)) else {
            return;
        };
        let (pointer, response) = match response {
            ObjectOrReference::Object(r) => (
                format!("{}/responses/{}", found.pointer, escape(key)),
                r.clone(),
            ),
            reference @ ObjectOrReference::Ref { ref_path, .. } => {
                match reference.resolve(&self.openapi) {
                    Ok(r) => (ref_path.trim_start_matches('#').to_string(), r),
                    Err(error) => return problems.push(format!("status {key}: {error}")),
                }
            }
        };
        let Some(media) = response
            .content
            .keys()
            .find(|m| m.contains("json"))
            .cloned()
        else {
            if !body.is_empty() && response.content.is_empty() {
                problems.push(format!("status {key} declares no body, but one was sent"));
            }
            return;
        };
        let value = match serde_json::from_slice::<Value>(body) {
            Ok(value) => value,
            Err(error) => {
                return problems.push(format!("status {key}: the body is not JSON: {error}"));
            }
        };
        if response.content[&media].schema.is_none() {
            return;
        }
        let schema = format!("{pointer}/content/{}/schema", escape(&media));
        match self.validator(&schema) {
            Ok(validator) => problems.extend(
                errors(&validator, &value)
                    .into_iter()
                    .map(|e| format!("status {key} body {e}")),
            ),
            Err(error) => problems.push(format!("status {key}: {error}")),
        }
    }

    /// A 401 answers a request without the right key: the operations declare the key as
    /// their security requirement rather than listing 401, so it is accepted wherever a key
    /// is required, its body checked against the API's documented error shape (if any).
    fn check_unauthorized(&self, body: &[u8], problems: &mut Vec<String>) {
        let value = match serde_json::from_slice::<Value>(body) {
            Ok(value) => value,
            Err(error) => {
                return problems.push(format!("status 401: the body is not JSON: {error}"));
            }
        };
        let Some(name) = self.unauthorized_schema else {
            return;
        };
        match self.validator(&format!("/components/schemas/{name}")) {
            Ok(validator) => problems.extend(
                errors(&validator, &value)
                    .into_iter()
                    .map(|e| format!("status 401 body {e}")),
            ),
            Err(error) => problems.push(format!("status 401: {error}")),
        }
    }

    /// The compiled validator of the schema at `pointer` (compiled on first use, then kept).
    fn validator(&self, pointer: &str) -> Result<Arc<Validator>, String> {
        // A panic while the lock was held leaves a cache that is still sound.
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = cache.get(pointer) {
            return known.clone();
        }
        let compiled = if self.doc.pointer(pointer).is_some() {
            let reference = format!(
                "{}#{}",
                self.base_uri,
                utf8_percent_encode(pointer, FRAGMENT)
            );
            jsonschema::options()
                .with_draft(Draft::Draft202012)
                .should_validate_formats(true)
                .with_registry(&self.registry)
                .build(&json!({ "$ref": reference }))
                .map(Arc::new)
                .map_err(|e| format!("the schema at {pointer} does not compile: {e}"))
        } else {
            Err(format!("{} has no schema at {pointer}", self.name))
        };
        cache.insert(pointer.to_string(), compiled.clone());
        compiled
    }
}

/// What `validator` finds wrong with `value`, each with where (a JSON pointer into the
/// value); at most 10.
fn errors(validator: &Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .take(10)
        .map(|error| {
            let at = error.instance_path().as_str().to_string();
            let at = if at.is_empty() {
                "(top)".to_string()
            } else {
                at
            };
            format!("at {at}: {error}")
        })
        .collect()
}

#[cfg(test)]
mod tests;
