//! `server.json`, this server's entry for the official MCP registry, checked against the rules
//! of the registry's `server.json` schema version 2025-12-11
//! (<https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json>, generated
//! from modelcontextprotocol/registry's `docs/reference/api/openapi.yaml`, MIT licence), and
//! against the server itself: its version, the environment variables and headers it reads.
//!
//! The rules below are the definitions of that schema this file uses (`ServerDetail`'s
//! required fields and limits, `Package`, `KeyValueInput`/`Input`, the transports and
//! `RemoteTransport`'s `variables`), written out from the published schema's text: the schema
//! file itself is not vendored (see the README's "Listed in the MCP registry").

use serde_json::{Value, json};

/// The 2025-12-11 schema's definitions this file relies on (draft-07, as the schema is).
fn rules() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {
            "Input": {
                "type": "object",
                "properties": {
                    "choices": {"type": "array", "items": {"type": "string"}},
                    "default": {"type": "string"},
                    "description": {"type": "string"},
                    "format": {"type": "string", "enum": ["string", "number", "boolean", "filepath"]},
                    "isRequired": {"type": "boolean"},
                    "isSecret": {"type": "boolean"},
                    "placeholder": {"type": "string"},
                    "value": {"type": "string"}
                }
            },
            "InputWithVariables": {"allOf": [
                {"$ref": "#/definitions/Input"},
                {"type": "object", "properties": {"variables": {"type": "object",
                    "additionalProperties": {"$ref": "#/definitions/Input"}}}}
            ]},
            "KeyValueInput": {"allOf": [
                {"$ref": "#/definitions/InputWithVariables"},
                {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
            ]},
            "StdioTransport": {"type": "object", "required": ["type"],
                "properties": {"type": {"type": "string", "enum": ["stdio"]}}},
            "StreamableHttpTransport": {"type": "object", "required": ["type", "url"],
                "properties": {"type": {"type": "string", "enum": ["streamable-http"]},
                    "url": {"type": "string"},
                    "headers": {"type": "array", "items": {"$ref": "#/definitions/KeyValueInput"}}}},
            "SseTransport": {"type": "object", "required": ["type", "url"],
                "properties": {"type": {"type": "string", "enum": ["sse"]},
                    "url": {"type": "string", "format": "uri"},
                    "headers": {"type": "array", "items": {"$ref": "#/definitions/KeyValueInput"}}}},
            "LocalTransport": {"anyOf": [
                {"$ref": "#/definitions/StdioTransport"},
                {"$ref": "#/definitions/StreamableHttpTransport"},
                {"$ref": "#/definitions/SseTransport"}
            ]},
            "RemoteTransport": {"allOf": [
                {"anyOf": [{"$ref": "#/definitions/StreamableHttpTransport"},
                           {"$ref": "#/definitions/SseTransport"}]},
                {"type": "object", "properties": {"variables": {"type": "object",
                    "additionalProperties": {"$ref": "#/definitions/Input"}}}}
            ]},
            "Package": {
                "type": "object",
                "required": ["registryType", "identifier", "transport"],
                "properties": {
                    "registryType": {"type": "string"},
                    "registryBaseUrl": {"type": "string", "format": "uri"},
                    "identifier": {"type": "string"},
                    "version": {"type": "string", "minLength": 1, "not": {"const": "latest"}},
                    "fileSha256": {"type": "string", "pattern": "^[a-f0-9]{64}$"},
                    "runtimeHint": {"type": "string"},
                    "transport": {"$ref": "#/definitions/LocalTransport"},
                    "environmentVariables": {"type": "array",
                        "items": {"$ref": "#/definitions/KeyValueInput"}}
                }
            }
        },
        "type": "object",
        "required": ["name", "description", "version"],
        "properties": {
            "$schema": {"type": "string", "format": "uri"},
            "name": {"type": "string", "pattern": "^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$",
                     "minLength": 3, "maxLength": 200},
            "description": {"type": "string", "minLength": 1, "maxLength": 100},
            "version": {"type": "string", "maxLength": 255},
            "websiteUrl": {"type": "string", "format": "uri"},
            "packages": {"type": "array", "items": {"$ref": "#/definitions/Package"}},
            "remotes": {"type": "array", "items": {"$ref": "#/definitions/RemoteTransport"}}
        }
    })
}

fn server_json() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("server.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("server.json at the root"))
        .expect("server.json is JSON")
}

#[test]
fn server_json_fits_the_registry_schema() {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&rules())
        .expect("the rules compile");
    let entry = server_json();
    let problems: Vec<String> = validator
        .iter_errors(&entry)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        entry["$schema"],
        "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
    );

    // The rules can fail: a description over the limit, a package version of "latest".
    let mut wrong = entry.clone();
    wrong["description"] = json!("x".repeat(101));
    wrong["packages"][0]["version"] = json!("latest");
    assert_eq!(validator.iter_errors(&wrong).count(), 2);
}

#[test]
fn server_json_says_what_the_server_reads() {
    let entry = server_json();
    assert_eq!(entry["version"], env!("CARGO_PKG_VERSION"));
    let package = &entry["packages"][0];
    assert_eq!(package["identifier"], env!("CARGO_PKG_NAME"));
    assert_eq!(package["version"], env!("CARGO_PKG_VERSION"));
    let variables: Vec<(&str, bool)> = package["environmentVariables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap(),
                v["isSecret"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    for provider in browser_tasks_mcp::cloud::Provider::ALL {
        assert!(
            variables.contains(&(provider.key_env(), true)),
            "{} is listed as a secret: {variables:?}",
            provider.key_env()
        );
    }
    let headers: Vec<(&str, bool)> = entry["remotes"][0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap(),
                h["isSecret"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert!(headers.contains(&("Authorization", true)), "{headers:?}");
    for provider in browser_tasks_mcp::cloud::Provider::ALL {
        assert!(
            headers.contains(&(provider.key_header(), true)),
            "{headers:?}"
        );
    }
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains("](server.json)"),
        "the README links server.json"
    );
}
