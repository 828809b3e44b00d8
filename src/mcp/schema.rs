//! The portable schema profile: every JSON Schema this server emits (tool inputs and outputs)
//! is rewritten into a shape every major MCP client accepts.
//!
//! Real clients reject or silently drop tools over schema details (see
//! `shared/notes/peers-and-clients.md` §3): the Claude API refuses top-level `oneOf`/`anyOf`/
//! `allOf`; Gemini chokes on `$schema` and `$ref`; OpenAI's strict mode wants `items` on every
//! array and `properties` on every object; TypeScript SDK clients drop all tools when an output
//! schema's root is not `type: object`. The profile, applied by [`portable`]:
//!
//! - root is `type: object` with `properties` (even when empty);
//! - no top-level `oneOf`/`anyOf`/`allOf`, no `$schema`, no `$ref`/`$defs` (inlined);
//! - optional values are plain (`type: "string"`, not `["string", "null"]` or
//!   `anyOf [.., null]`); absence is expressed by leaving the property out of `required`;
//! - every array has `items`; integers stay `integer`; Rust-only numeric `format`s
//!   (`uint32`, `double`, …) are dropped;
//! - a type's own doc comment (the root's, an inlined definition's) is not a description: the
//!   tool's and the fields' descriptions are what the model reads.
//!
//! Output schemas are cut further, to a few top-level fields and their types
//! ([`output_schema_for`]).
//!
//! [`violations`] checks a schema against the profile; tests run it over every emitted tool.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::runs::RunReport;

/// The input schema of `T` (as deserialized from tool arguments), in the portable profile.
///
/// Generated once per type and kept: tool parts answer their arguments' schema on every call
/// (to resolve which provider a call is for), and generating it is not free.
pub fn input_schema_for<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    static MADE: LazyLock<Mutex<HashMap<TypeId, Arc<JsonObject>>>> = LazyLock::new(Mutex::default);
    let made = |schemas: &mut HashMap<TypeId, Arc<JsonObject>>| {
        schemas
            .entry(TypeId::of::<T>())
            .or_insert_with(|| {
                let generator = SchemaSettings::draft2020_12()
                    .for_deserialize()
                    .into_generator();
                Arc::new(portable(generator.into_root_schema_for::<T>().to_value()))
            })
            .clone()
    };
    match MADE.lock() {
        Ok(mut schemas) => made(&mut schemas),
        // A panic elsewhere while holding the lock leaves a usable map.
        Err(poisoned) => made(&mut poisoned.into_inner()),
    }
}

/// The output schema of `T` (as serialized into `structuredContent`), cut to the few top-level
/// `fields` an agent acts on: each with its JSON type only (an array's items with theirs), no
/// descriptions, enums, bounds, nested fields or `required`. Every other field may still appear
/// in a result, and the schema leaves them open: loose, so that it stays true of every result,
/// and small, since every byte of it is in every `tools/list` (with every task tool's). The
/// result itself says the rest.
pub fn output_schema_for<T: JsonSchema>(fields: &[&str]) -> JsonObject {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let full = portable(generator.into_root_schema_for::<T>().to_value());
    let kind_of = |schema: &Value| -> Value {
        match schema.get("type") {
            Some(kind) => json!({ "type": kind }),
            None => json!({}),
        }
    };
    let properties: Map<String, Value> = fields
        .iter()
        .filter_map(|name| {
            let property = full.get("properties")?.get(*name)?;
            let mut brief = kind_of(property);
            if property.get("type").and_then(Value::as_str) == Some("array") {
                brief["items"] = property.get("items").map_or_else(|| json!({}), kind_of);
            }
            Some(((*name).to_string(), brief))
        })
        .collect();
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    schema
}

/// Rewrite `schema` into the portable profile (see the module docs).
pub fn portable(schema: Value) -> JsonObject {
    let defs = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut root = normalize(schema, &defs, 0);
    if let Value::Object(map) = &mut root {
        // A root title is the Rust type's name, and a root description the type's doc
        // comment ("Arguments of `run_task`"): noise for an LLM, which reads the tool's own
        // description.
        map.remove("title");
        map.remove("description");
    }
    let mut map = match root {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.insert("type".into(), json!("object"));
    map.entry("properties").or_insert_with(|| json!({}));
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(variants)) = map.remove(combinator) {
            // Not expected from our own types; keep the variants' properties, merged, so the
            // tool stays usable instead of being rejected.
            for variant in variants {
                if let (Some(Value::Object(props)), Some(Value::Object(target))) =
                    (variant.get("properties"), map.get_mut("properties"))
                {
                    for (k, v) in props {
                        target.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
    }
    map
}

const MAX_DEPTH: usize = 32;

fn normalize(schema: Value, defs: &Map<String, Value>, depth: usize) -> Value {
    let mut map = match schema {
        // `true` = anything; `{}` says the same and every client reads it.
        Value::Bool(true) => return json!({}),
        Value::Object(map) => map,
        other => return other,
    };
    if depth > MAX_DEPTH {
        return json!({});
    }
    map.remove("$schema");
    map.remove("$defs");
    map.remove("definitions");
    if let Some(Value::String(reference)) = map.remove("$ref") {
        let name = reference.rsplit('/').next().unwrap_or_default().to_string();
        let target = defs.get(&name).cloned().unwrap_or_else(|| json!({}));
        let mut inlined = match normalize(target, defs, depth + 1) {
            Value::Object(inner) => inner,
            _ => Map::new(),
        };
        // A type's doc comment speaks to Rust readers ("One run in the list."); the field's
        // own description, a sibling keyword, is what the model reads.
        inlined.remove("description");
        // Sibling keywords (a field's description) win over the definition's.
        for (k, v) in map {
            inlined.insert(k, normalize(v, defs, depth + 1));
        }
        inlined.remove("title");
        return finish(inlined);
    }
    // Option<T>: anyOf [T, null] (or oneOf) → T.
    for combinator in ["anyOf", "oneOf"] {
        if let Some(Value::Array(variants)) = map.get(combinator) {
            let non_null: Vec<&Value> = variants.iter().filter(|v| !is_null_schema(v)).collect();
            if non_null.len() == 1 && variants.len() == 2 {
                let inner = non_null[0].clone();
                map.remove(combinator);
                let mut merged = match normalize(inner, defs, depth + 1) {
                    Value::Object(inner) => inner,
                    _ => Map::new(),
                };
                for (k, v) in map {
                    merged.insert(k, normalize(v, defs, depth + 1));
                }
                return finish(merged);
            }
            // An enum of documented constants: oneOf [{const, description}] → enum.
            if let Some(values) = const_values(variants) {
                map.remove(combinator);
                map.insert("enum".into(), Value::Array(values));
                map.entry("type").or_insert_with(|| json!("string"));
            }
        }
    }
    // type: ["string", "null"] → "string".
    if let Some(Value::Array(types)) = map.get("type") {
        let kept: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if kept.len() == 1 {
            map.insert("type".into(), kept[0].clone());
        } else {
            map.insert("type".into(), Value::Array(kept));
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    let normalized: Map<String, Value> = map
        .into_iter()
        .map(|(key, value)| {
            let value = match key.as_str() {
                "properties" | "patternProperties" => match value {
                    Value::Object(props) => Value::Object(
                        props
                            .into_iter()
                            .map(|(k, v)| (k, normalize(v, defs, depth + 1)))
                            .collect(),
                    ),
                    other => other,
                },
                "items" | "additionalProperties" | "not" | "contains" => {
                    normalize(value, defs, depth + 1)
                }
                "anyOf" | "oneOf" | "allOf" | "prefixItems" => match value {
                    Value::Array(items) => Value::Array(
                        items
                            .into_iter()
                            .map(|v| normalize(v, defs, depth + 1))
                            .collect(),
                    ),
                    other => other,
                },
                _ => value,
            };
            (key, value)
        })
        .collect();
    finish(normalized)
}

fn finish(mut map: Map<String, Value>) -> Value {
    if let Some(Value::String(text)) = map.get_mut("description") {
        *text = unwrap_lines(text);
    }
    // Rust numeric formats (uint32, int64, double, float, uint) are not JSON Schema formats.
    if map.get("format").and_then(Value::as_str).is_some_and(|f| {
        f.starts_with("int") || f.starts_with("uint") || f == "double" || f == "float"
    }) {
        map.remove("format");
    }
    let kind = map.get("type").and_then(Value::as_str).map(str::to_string);
    match kind.as_deref() {
        Some("array") => {
            map.entry("items").or_insert_with(|| json!({}));
        }
        // An object with neither properties nor additionalProperties is "any object": say so
        // explicitly; strict validators require one of them.
        Some("object")
            if !map.contains_key("properties") && !map.contains_key("additionalProperties") =>
        {
            map.insert("additionalProperties".into(), json!({}));
        }
        _ => {}
    }
    Value::Object(map)
}

/// Doc comments arrive with their source line breaks; join wrapped lines (keeping blank-line
/// paragraph breaks) so descriptions read as prose.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema.get("const").is_some_and(Value::is_null)
}

/// The string values of variants that are each a `const` or an `enum` of strings (how
/// schemars renders a Rust enum whose variants carry doc comments); `None` otherwise.
fn const_values(variants: &[Value]) -> Option<Vec<Value>> {
    let mut values = Vec::new();
    for variant in variants {
        match (variant.get("const"), variant.get("enum")) {
            (Some(c @ Value::String(_)), _) => values.push(c.clone()),
            (None, Some(Value::Array(items))) if items.iter().all(Value::is_string) => {
                values.extend(items.iter().cloned())
            }
            _ => return None,
        }
    }
    Some(values)
}

/// Every way `schema` breaks the portable profile (empty when it complies).
pub fn violations(schema: &JsonObject) -> Vec<String> {
    let mut found = Vec::new();
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        found.push("root: type is not \"object\"".to_string());
    }
    if !schema.get("properties").is_some_and(Value::is_object) {
        found.push("root: no properties object".to_string());
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if schema.contains_key(combinator) {
            found.push(format!("root: top-level {combinator}"));
        }
    }
    walk(&Value::Object(schema.clone()), "#", &mut found);
    found
}

fn walk(schema: &Value, path: &str, found: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for key in ["$schema", "$ref", "$defs", "definitions"] {
                if map.contains_key(key) {
                    found.push(format!("{path}: has {key}"));
                }
            }
            if map.get("type").and_then(Value::as_str) == Some("array")
                && !map.contains_key("items")
            {
                found.push(format!("{path}: array without items"));
            }
            if let Some(Value::Array(types)) = map.get("type") {
                found.push(format!("{path}: type is a list {types:?}"));
            }
            for (key, value) in map {
                if matches!(key.as_str(), "properties" | "patternProperties") {
                    if let Value::Object(props) = value {
                        for (name, sub) in props {
                            if sub.is_boolean() {
                                found.push(format!("{path}/{key}/{name}: boolean schema"));
                            }
                            walk(sub, &format!("{path}/{key}/{name}"), found);
                        }
                    }
                } else if matches!(key.as_str(), "default" | "enum" | "const" | "examples") {
                    // Values, not schemas.
                } else {
                    walk(value, &format!("{path}/{key}"), found);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// The output schema of every answer that is a run's report (`run_task`, `get_execution`, a
/// task tool without declared outputs), shared so that it costs little in every `tools/list`:
/// the few fields an agent acts on, typed; the report's other fields (timing, cost, files, how
/// to keep waiting) are left open and read in the result itself.
pub fn report_schema() -> Arc<JsonObject> {
    static SCHEMA: LazyLock<Arc<JsonObject>> =
        LazyLock::new(|| Arc::new(output_schema_for::<RunReport>(&REPORT_FIELDS)));
    SCHEMA.clone()
}

/// The run report's fields [`report_schema`] names.
const REPORT_FIELDS: [&str; 4] = ["execution_id", "status", "finished", "output"];

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(dead_code)]
    #[derive(serde::Deserialize, serde::Serialize, JsonSchema)]
    struct Inner {
        /// Where to go.
        url: String,
        tags: Option<Vec<String>>,
    }

    #[allow(dead_code)]
    #[derive(serde::Deserialize, serde::Serialize, JsonSchema)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        Fast,
        Careful,
    }

    #[allow(dead_code)]
    #[derive(serde::Deserialize, JsonSchema)]
    struct Args {
        /// How many.
        count: Option<u32>,
        mode: Option<Mode>,
        /// The inner thing.
        inner: Option<Inner>,
        anything: Option<serde_json::Value>,
        list: Vec<Inner>,
        map: std::collections::BTreeMap<String, serde_json::Value>,
    }

    #[test]
    fn derived_schemas_come_out_portable() {
        let schema = input_schema_for::<Args>();
        assert_eq!(violations(&schema), Vec::<String>::new(), "{schema:#?}");
        let value = Value::Object((*schema).clone());
        assert_eq!(value["properties"]["count"]["type"], "integer");
        assert_eq!(value["properties"]["count"]["description"], "How many.");
        assert!(value["properties"]["count"].get("format").is_none());
        assert_eq!(
            value["properties"]["mode"]["enum"],
            json!(["fast", "careful"])
        );
        assert_eq!(value["properties"]["inner"]["type"], "object");
        assert_eq!(
            value["properties"]["inner"]["description"],
            "The inner thing."
        );
        assert_eq!(
            value["properties"]["inner"]["properties"]["tags"]["items"]["type"],
            "string"
        );
        assert_eq!(
            value["properties"]["list"]["items"]["required"],
            json!(["url"])
        );
        assert_eq!(value["required"], json!(["list", "map"]));
        assert!(jsonschema::draft202012::meta::is_valid(&value));
        assert!(value.get("description").is_none());
    }

    #[allow(dead_code)]
    #[derive(serde::Serialize, JsonSchema)]
    struct Answer {
        /// The id.
        id: String,
        items: Vec<Inner>,
        mode: Mode,
        note: Option<String>,
        total: u64,
    }

    /// An output schema keeps the fields asked for, each with its type only, and nothing else.
    #[test]
    fn output_schemas_are_the_named_fields_typed() {
        let schema = output_schema_for::<Answer>(&["id", "items", "mode", "absent"]);
        assert_eq!(
            Value::Object(schema.clone()),
            json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "items": {"type": "array", "items": {"type": "object"}},
                    "mode": {"type": "string"}
                }
            })
        );
        assert_eq!(violations(&schema), Vec::<String>::new());
    }

    #[test]
    fn wrapped_doc_lines_are_joined() {
        assert_eq!(unwrap_lines("one\ntwo\n\nthree"), "one two\n\nthree");
    }

    #[test]
    fn violations_are_reported() {
        let bad = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "anyOf": [],
            "properties": {"a": {"type": "array"}, "b": {"type": ["string", "null"]}, "c": true}
        });
        let found = violations(bad.as_object().unwrap());
        assert_eq!(found.len(), 5, "{found:?}");
        let fixed = portable(bad);
        assert_eq!(violations(&fixed), Vec::<String>::new());
    }

    /// The shared schema names fields the report has, with their types, and holds for a report
    /// with every field and for one with the fewest.
    #[test]
    fn the_report_schema_is_small_and_true_of_every_report() {
        let schema = Value::Object((*report_schema()).clone());
        assert_eq!(
            schema["properties"],
            json!({
                "execution_id": {"type": "string"},
                "status": {"type": "string"},
                "finished": {"type": "boolean"},
                "output": {}
            })
        );
        let fewest: RunReport = serde_json::from_value(json!({
            "provider": "anchor", "kind": "code", "status": "running", "finished": false,
            "execution_id": "e-1"
        }))
        .unwrap();
        let every: RunReport = serde_json::from_value(json!({
            "provider": "browser_use", "kind": "agent", "status": "finished", "finished": true,
            "success": true, "execution_id": "t-1", "task_id": "s", "task_name": "n",
            "version": "2", "output": {"a": [1]}, "error": "none", "execution_time_ms": 3.5,
            "started_at": "2026-01-01T00:00:00Z", "session_id": "s-1", "cost": "0.01",
            "steps": 4, "output_files": [{"file_name": "a.csv", "download_url": "https://x"}],
            "next_step": "wait"
        }))
        .unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        for report in [fewest, every] {
            let value = serde_json::to_value(&report).unwrap();
            assert!(validator.is_valid(&value), "{value:#}");
        }
        assert!(!validator.is_valid(&json!({"finished": "yes"})));
    }
}
