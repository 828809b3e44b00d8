//! The vendors' documents as the checker reads them: their known defects worked around (in
//! memory, never by editing the copies in `fakes/openapi/`), and every object schema made
//! strict, so a field, query parameter or path the vendor does not declare is a violation
//! even where its schema leaves `additionalProperties` open (as most do).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// The HTTP methods an OpenAPI path item may hold operations under.
pub(super) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Work around what `shared/api/openapi/SOURCES.md` lists as known defects, then make the
/// schemas strict.
pub(super) fn prepare(doc: &mut Value) {
    define_flat_error_response(doc);
    for_each_schema(doc, &mut |schema, _| widen_nullable(schema));
    make_strict(doc);
}

/// Anchor's `/v1/webhooks*` answers (400, 404, 409, 500) refer to
/// `#/components/schemas/FlatErrorResponse`, which its file never defines, so no validator
/// for them would compile. The definition used is the one Anchor's own reference page for
/// `POST /v2/tasks/generate` (the project's seeds) gives: `{"error": "text", "code": n}`.
/// None of our clients calls those endpoints; this only keeps the whole document usable.
fn define_flat_error_response(doc: &mut Value) {
    const NAME: &str = "FlatErrorResponse";
    let referenced = refers_to(doc, &format!("#/components/schemas/{NAME}"));
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if referenced && !schemas.contains_key(NAME) {
        schemas.insert(
            NAME.into(),
            json!({
                "type": "object",
                "properties": {
                    "error": {"type": "string"},
                    "code": {"type": "integer"}
                },
                "required": ["error"]
            }),
        );
    }
}

/// Whether any `$ref` in `value` points at `target`.
fn refers_to(value: &Value, target: &str) -> bool {
    match value {
        Value::Object(map) => {
            map.get("$ref").and_then(Value::as_str) == Some(target)
                || map.values().any(|v| refers_to(v, target))
        }
        Value::Array(items) => items.iter().any(|v| refers_to(v, target)),
        _ => false,
    }
}

/// Anchor's file says `openapi: 3.1.0` but marks 53 properties with OpenAPI 3.0's
/// `nullable: true`, which 3.1 (plain JSON Schema 2020-12) no longer has: read strictly,
/// `TaskExecutionResult.output` could never be `null`, though the vendor plainly means it
/// can. Each such schema takes `null` as 3.0 would have it: added to its `type` (and to its
/// `enum`). `TaskParameterV2.defaultValue` is `nullable` with no `type` at all (which makes
/// some validators skip the whole body of `POST /v2/tasks/generate`); with no `type` any value
/// is valid already, so it needs nothing.
fn widen_nullable(schema: &mut Map<String, Value>) {
    if schema.get("nullable") != Some(&Value::Bool(true)) {
        return;
    }
    match schema.get_mut("type") {
        Some(Value::String(kind)) => {
            let kind = std::mem::take(kind);
            schema.insert("type".into(), json!([kind, "null"]));
        }
        Some(Value::Array(kinds)) if !kinds.contains(&json!("null")) => kinds.push(json!("null")),
        _ => {}
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

/// Add `unevaluatedProperties: false` to every object schema that declares `properties` (or
/// composes with `allOf`) and says nothing itself about other properties. Members of an
/// `allOf` (inline, or components referenced from one) are left open at their top level:
/// a strict member would refuse the fields its siblings declare; the schema holding the
/// `allOf` is made strict instead, and 2020-12's `unevaluatedProperties` sees the fields
/// every member declares. (`anyOf`/`oneOf` branches are each matched alone, so they are made
/// strict like any schema.)
fn make_strict(doc: &mut Value) {
    let composed = composed_components(doc);
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for (name, schema) in schemas.iter_mut() {
            if let Value::Object(schema) = schema {
                strict_schema(schema, composed.contains(name));
            }
        }
    }
    for_each_operation_schema(doc, &mut |schema| strict_schema(schema, false));
}

/// Components used as `allOf` members (or as a `$ref` beside `properties`, which composes
/// the same way).
fn composed_components(doc: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    collect_composed(doc, &mut names);
    names
}

fn collect_composed(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(members)) = map.get("allOf") {
                names.extend(members.iter().filter_map(component_ref));
            }
            if map.contains_key("properties") {
                names.extend(component_ref(value));
            }
            map.values().for_each(|v| collect_composed(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_composed(v, names)),
        _ => {}
    }
}

fn component_ref(schema: &Value) -> Option<String> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_string)
}

/// Make `schema` strict (unless it is an `allOf` member at this level) and every schema
/// inside it.
fn strict_schema(schema: &mut Map<String, Value>, composed: bool) {
    let open_about_others = !["additionalProperties", "unevaluatedProperties"]
        .iter()
        .any(|k| schema.contains_key(*k));
    let declares = matches!(schema.get("properties"), Some(Value::Object(_)))
        || matches!(schema.get("allOf"), Some(Value::Array(_)));
    if !composed && open_about_others && declares {
        schema.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    let members_composed: &[&str] = &["allOf"];
    for_each_subschema(schema, &mut |keyword, sub| {
        strict_schema(sub, members_composed.contains(&keyword));
    });
}

/// Call `visit` on every schema of the document (components and operations, and every
/// schema inside those), with the keyword it sits under.
pub(super) fn for_each_schema(
    doc: &mut Value,
    visit: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    fn deep(
        schema: &mut Map<String, Value>,
        keyword: &str,
        visit: &mut dyn FnMut(&mut Map<String, Value>, &str),
    ) {
        visit(schema, keyword);
        for_each_subschema(schema, &mut |keyword, sub| deep(sub, keyword, visit));
    }
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for schema in schemas.values_mut() {
            if let Value::Object(schema) = schema {
                deep(schema, "", visit);
            }
        }
    }
    for_each_operation_schema(doc, &mut |schema| deep(schema, "", visit));
}

/// The schemas an operation holds directly: its parameters', request body's and responses'
/// (and its path item's parameters').
fn for_each_operation_schema(doc: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>)) {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut() {
        let Value::Object(item) = item else { continue };
        parameter_schemas(item.get_mut("parameters"), visit);
        for method in METHODS {
            let Some(Value::Object(operation)) = item.get_mut(method) else {
                continue;
            };
            parameter_schemas(operation.get_mut("parameters"), visit);
            if let Some(body) = operation.get_mut("requestBody") {
                content_schemas(body.get_mut("content"), visit);
            }
            if let Some(Value::Object(responses)) = operation.get_mut("responses") {
                for response in responses.values_mut() {
                    content_schemas(response.get_mut("content"), visit);
                }
            }
        }
    }
}

fn parameter_schemas(
    parameters: Option<&mut Value>,
    visit: &mut dyn FnMut(&mut Map<String, Value>),
) {
    if let Some(Value::Array(parameters)) = parameters {
        for parameter in parameters {
            if let Some(Value::Object(schema)) = parameter.get_mut("schema") {
                visit(schema);
            }
        }
    }
}

fn content_schemas(content: Option<&mut Value>, visit: &mut dyn FnMut(&mut Map<String, Value>)) {
    if let Some(Value::Object(content)) = content {
        for media in content.values_mut() {
            if let Some(Value::Object(schema)) = media.get_mut("schema") {
                visit(schema);
            }
        }
    }
}

/// Call `visit` with every direct subschema of `schema` (JSON Schema 2020-12's applicators)
/// and the keyword it sits under.
fn for_each_subschema(
    schema: &mut Map<String, Value>,
    visit: &mut dyn FnMut(&str, &mut Map<String, Value>),
) {
    for (keyword, value) in schema.iter_mut() {
        match (keyword.as_str(), value) {
            (
                "properties" | "patternProperties" | "$defs" | "dependentSchemas",
                Value::Object(map),
            ) => {
                for sub in map.values_mut() {
                    if let Value::Object(sub) = sub {
                        visit(keyword, sub);
                    }
                }
            }
            ("allOf" | "anyOf" | "oneOf" | "prefixItems", Value::Array(items)) => {
                for sub in items {
                    if let Value::Object(sub) = sub {
                        visit(keyword, sub);
                    }
                }
            }
            (
                "items"
                | "additionalProperties"
                | "unevaluatedProperties"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "unevaluatedItems",
                Value::Object(sub),
            ) => visit(keyword, sub),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(doc: Value) -> Value {
        let mut doc = doc;
        prepare(&mut doc);
        doc
    }

    #[test]
    fn nullable_adds_null_to_type_and_enum_and_leaves_typeless_schemas_alone() {
        let doc = prepared(
            json!({"components": {"schemas": {"A": {"type": "object", "properties": {
                "text": {"type": "string", "nullable": true},
                "kind": {"type": "string", "enum": ["a"], "nullable": true},
                "any": {"nullable": true},
                "plain": {"type": "string"}
            }}}}}),
        );
        let props = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(props["text"]["type"], json!(["string", "null"]));
        assert_eq!(props["kind"]["enum"], json!(["a", null]));
        assert!(props["any"].get("type").is_none());
        assert_eq!(props["plain"]["type"], "string");
    }

    #[test]
    fn object_schemas_become_strict_unless_open_or_composed() {
        let doc = prepared(json!({
            "components": {"schemas": {
                "Closed": {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {}}}}},
                "Open": {"type": "object", "properties": {"a": {}}, "additionalProperties": true},
                "Map": {"type": "object", "additionalProperties": {"type": "string"}},
                "Base": {"type": "object", "properties": {"id": {}}},
                "Both": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"more": {}}}]}
            }},
            "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema":
                {"type": "object", "properties": {"inline": {}}}}}}}}}
        }));
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Closed"]["unevaluatedProperties"], false);
        assert_eq!(
            schemas["Closed"]["properties"]["a"]["unevaluatedProperties"],
            false
        );
        assert!(schemas["Open"].get("unevaluatedProperties").is_none());
        assert!(schemas["Map"].get("unevaluatedProperties").is_none());
        // A member of an allOf stays open; the schema composing it is strict instead.
        assert!(schemas["Base"].get("unevaluatedProperties").is_none());
        assert!(
            schemas["Both"]["allOf"][1]
                .get("unevaluatedProperties")
                .is_none()
        );
        assert_eq!(schemas["Both"]["unevaluatedProperties"], false);
        let body =
            &doc["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(body["unevaluatedProperties"], false);
    }

    #[test]
    fn an_undefined_flat_error_response_gets_the_seed_definition() {
        let doc = prepared(json!({
            "components": {"schemas": {}},
            "paths": {"/hooks": {"get": {"responses": {"400": {"content": {"application/json":
                {"schema": {"$ref": "#/components/schemas/FlatErrorResponse"}}}}}}}}
        }));
        assert_eq!(
            doc["components"]["schemas"]["FlatErrorResponse"]["required"],
            json!(["error"])
        );
    }
}
