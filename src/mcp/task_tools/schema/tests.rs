use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::mcp::args::ArgsValidator;
use crate::mcp::schema::violations;
use crate::params::inputs::input_text;

fn param(name: &str, kind: ParamType) -> Param {
    Param {
        name: name.into(),
        kind,
        required: true,
        description: None,
        default: None,
        options: Vec::new(),
    }
}

/// The example, plus every type and an odd name.
fn representative() -> Vec<Param> {
    vec![
        Param {
            description: Some("How many posts to return.".into()),
            default: Some(json!(10)),
            required: false,
            ..param("count", ParamType::Number)
        },
        Param {
            options: vec!["news".into(), "ask".into()],
            ..param("section", ParamType::String)
        },
        Param {
            required: false,
            ..param("File Name", ParamType::String)
        },
        Param {
            default: Some(json!("false")),
            ..param("include comments", ParamType::Boolean)
        },
        Param {
            description: Some("The site password.".into()),
            ..param("password", ParamType::Secret)
        },
        param("attachment", ParamType::File),
    ]
}

fn none(_: &Param) -> bool {
    false
}

fn assert_portable(schema: &JsonObject) {
    assert_eq!(violations(schema), Vec::<String>::new(), "{schema:#?}");
    let value = Value::Object(schema.clone());
    assert!(
        jsonschema::draft202012::meta::is_valid(&value),
        "not valid JSON Schema: {value:#}"
    );
}

#[test]
fn representative_input_schema() {
    let signature = Signature::new(&representative(), &none);
    let schema = signature.input_schema();
    assert_portable(&schema);
    insta::assert_json_snapshot!("representative_input_schema", schema);
    assert_eq!(
        signature.describe("hn_top_posts"),
        "hn_top_posts(count?: number = 10, section: \"news\"|\"ask\", file_name?: string, \
         include_comments?: boolean = false, password: secret, attachment: file)"
    );
}

#[test]
fn a_configured_secret_is_not_an_argument_but_is_sent() {
    let signature = Signature::new(&representative(), &|p| p.name == "password");
    let schema = Value::Object(signature.input_schema());
    assert!(schema["properties"].get("password").is_none());
    assert!(
        !schema["required"]
            .as_array()
            .unwrap()
            .contains(&json!("password"))
    );
    let args = json!({"section": "ask", "attachment": "https://x/y.pdf"});
    let inputs = signature
        .to_inputs(
            args.as_object().unwrap(),
            &|p| (p.name == "password").then(|| "hunter2".to_string()),
            InputForm::Text,
        )
        .unwrap();
    assert_eq!(inputs.values["password"], "hunter2");
    assert_eq!(inputs.redacted["password"], REDACTED);
    assert_eq!(inputs.secrets, vec!["hunter2".to_string()]);
    assert!(
        !serde_json::to_string(&inputs.redacted)
            .unwrap()
            .contains("hunter2")
    );
}

#[test]
fn arguments_map_back_with_defaults_filled_and_values_as_text() {
    let signature = Signature::new(&representative(), &none);
    let args = json!({
        "section": "news", "file_name": "a b.pdf", "password": "s3cret",
        "attachment": "file-123", "include_comments": true
    });
    let inputs = signature
        .to_inputs(args.as_object().unwrap(), &|_| None, InputForm::Text)
        .unwrap();
    assert_eq!(
        serde_json::to_value(inputs.text()).unwrap(),
        json!({
            "count": "10", "section": "news", "File Name": "a b.pdf",
            "include comments": "true", "password": "s3cret", "attachment": "file-123"
        })
    );
    let missing = signature
        .to_inputs(json!({}).as_object().unwrap(), &|_| None, InputForm::Text)
        .unwrap_err();
    let fields: Vec<&str> = missing.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, vec!["section", "password", "attachment"]);
}

#[test]
fn the_validator_reports_every_bad_argument() {
    let signature = Signature::new(&representative(), &none);
    let validator = ArgsValidator::new(&signature.input_schema());
    let args = json!({"count": "ten", "section": "jobs", "fileName": "x"});
    let rendered: Vec<String> = validator
        .problems(args.as_object().unwrap())
        .iter()
        .map(ToString::to_string)
        .collect();
    insta::assert_json_snapshot!("representative_bad_arguments", rendered);
}

#[test]
fn output_schema_and_shaped_results() {
    let outputs = vec![
        Param {
            description: Some("Post titles, comma separated.".into()),
            ..param("titles", ParamType::String)
        },
        param("total", ParamType::Number),
        param("complete", ParamType::Boolean),
    ];
    let schema = output_schema(&outputs).unwrap();
    assert_portable(&schema);
    insta::assert_json_snapshot!("output_schema", schema);
    assert_eq!(output_schema(&[]), None);

    let (shaped, fits) = shape_output(
        &outputs,
        &json!({"titles": "a, b", "total": "2", "complete": "true", "extra": [1]}),
    );
    assert!(fits);
    assert_eq!(
        Value::Object(shaped),
        json!({"titles": "a, b", "total": 2, "complete": true, "extra": [1]})
    );
    let (shaped, fits) = shape_output(&outputs, &json!({"total": "many"}));
    assert!(!fits && shaped.is_empty());
    let (_, fits) = shape_output(&outputs, &json!("just text"));
    assert!(!fits);
}

// ---- properties ----------------------------------------------------------------------------

fn kind() -> impl Strategy<Value = ParamType> {
    prop_oneof![
        Just(ParamType::String),
        Just(ParamType::Number),
        Just(ParamType::Boolean),
        Just(ParamType::Secret),
        Just(ParamType::File),
    ]
}

fn any_param() -> impl Strategy<Value = Param> {
    (
        "[a-zA-Z0-9 _.!é-]{0,20}",
        kind(),
        any::<bool>(),
        proptest::option::of("\\PC{0,30}"),
        proptest::option::of(prop_oneof![
            Just(json!(3)),
            Just(json!(2.5)),
            Just(json!("x")),
            Just(json!("7")),
            Just(json!(true)),
            Just(json!("true")),
            Just(json!([1])),
        ]),
        prop::collection::vec("[a-z0-9]{1,6}", 0..4),
    )
        .prop_map(
            |(name, kind, required, description, default, options)| Param {
                name,
                kind,
                required,
                description,
                default,
                options,
            },
        )
}

/// A value the argument's own schema accepts.
fn valid_value(argument: &Argument) -> BoxedStrategy<Value> {
    let schema = property(argument);
    if let Some(Value::Array(choices)) = schema.get("enum") {
        return prop::sample::select(choices.clone()).boxed();
    }
    match argument.param.kind {
        ParamType::Number => prop_oneof![
            any::<i32>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from)
        ]
        .boxed(),
        ParamType::Boolean => any::<bool>().prop_map(Value::from).boxed(),
        _ => "\\PC{0,20}".prop_map(Value::from).boxed(),
    }
}

/// A parameter list with unique names (as providers have) and arguments valid for it
/// (optional ones sometimes left out).
fn params_and_arguments() -> impl Strategy<Value = (Vec<Param>, JsonObject)> {
    prop::collection::vec(any_param(), 0..8)
        .prop_map(|params| {
            let mut seen = std::collections::BTreeSet::new();
            params
                .into_iter()
                .filter(|p| seen.insert(p.name.clone()))
                .collect::<Vec<_>>()
        })
        .prop_flat_map(|params| {
            let signature = Signature::new(&params, &none);
            let per_argument: Vec<BoxedStrategy<Option<(String, Value)>>> = signature
                .visible()
                .map(|argument| {
                    let name = argument.name.clone();
                    let value = valid_value(argument).prop_map(move |v| Some((name.clone(), v)));
                    if argument.param.must_be_given() {
                        value.boxed()
                    } else {
                        prop_oneof![Just(None), value].boxed()
                    }
                })
                .collect();
            (Just(params), per_argument).prop_map(|(params, pairs)| {
                (params, pairs.into_iter().flatten().collect::<JsonObject>())
            })
        })
}

proptest! {
    /// Any parameter list yields input and output schemas in the portable profile that are
    /// valid JSON Schema, with unique identifier argument names.
    #[test]
    fn any_parameter_list_gives_portable_schemas(params in prop::collection::vec(any_param(), 0..10)) {
        let signature = Signature::new(&params, &none);
        let schema = signature.input_schema();
        prop_assert_eq!(violations(&schema), Vec::<String>::new());
        prop_assert!(jsonschema::draft202012::meta::is_valid(&Value::Object(schema.clone())));
        let names: Vec<&str> = signature.arguments.iter().map(|a| a.name.as_str()).collect();
        let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
        prop_assert_eq!(unique.len(), names.len());
        for name in names {
            prop_assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{}", name);
        }
        if let Some(output) = output_schema(&params) {
            prop_assert_eq!(violations(&output), Vec::<String>::new());
            prop_assert!(jsonschema::draft202012::meta::is_valid(&Value::Object(output)));
        }
    }

    /// Arguments the schema accepts convert to the API's input map: every parameter under its
    /// own name, given values as text, usable defaults filled in.
    #[test]
    fn valid_arguments_round_trip_to_api_inputs((params, args) in params_and_arguments()) {
        let signature = Signature::new(&params, &none);
        let validator = ArgsValidator::new(&signature.input_schema());
        prop_assert_eq!(validator.problems(&args), vec![]);
        let inputs = signature.to_inputs(&args, &|_| None, InputForm::Text);
        prop_assert!(inputs.is_ok(), "{:?}", inputs);
        let inputs = inputs.unwrap().text();
        for argument in &signature.arguments {
            let sent = inputs.get(&argument.param.name).cloned();
            let expected = match (args.get(&argument.name), &argument.param.default) {
                (Some(value), _) => Some(input_text(&argument.param, value).unwrap()),
                (None, Some(default)) => input_text(&argument.param, default).ok(),
                (None, None) => None,
            };
            prop_assert_eq!(sent, expected, "argument {}", argument.name);
        }
    }
}

fn skill_params() -> Vec<Param> {
    crate::providers::browser_use::params::params(
        &serde_json::from_value::<Vec<crate::providers::browser_use::models::SkillParameter>>(
            json!([
                {"name": "query", "type": "string", "description": "What to look for"},
                {"name": "limit", "type": "number", "required": false, "default": 3},
                {"name": "filters", "type": "object", "required": false},
                {"name": "tags", "type": "array", "required": false},
                {"name": "session", "type": "cookie", "cookieDomain": "example.com"},
                {"name": "exact", "type": "boolean", "required": false}
            ]),
        )
        .unwrap(),
    )
}

#[test]
fn skill_parameters_become_typed_arguments_and_cookies_stay_secret() {
    let signature = Signature::new(&skill_params(), &none);
    let schema = Value::Object(signature.input_schema());
    assert_eq!(schema["properties"]["filters"]["type"], "object");
    assert_eq!(schema["properties"]["tags"]["items"], json!({}));
    assert_eq!(schema["properties"]["session"]["writeOnly"], true);
    assert!(
        schema["properties"]["session"]["description"]
            .as_str()
            .unwrap()
            .contains("A cookie for example.com")
    );
    assert_eq!(schema["required"], json!(["query", "session"]));
    assert_eq!(
        violations(schema.as_object().unwrap()),
        Vec::<String>::new()
    );

    let args = json!({"query": "rust", "limit": "5", "filters": {"lang": "en"},
                      "tags": "[\"a\"]", "session": "sid=abc123", "exact": "true"});
    let inputs = signature
        .to_inputs(args.as_object().unwrap(), &|_| None, InputForm::Json)
        .unwrap();
    assert_eq!(
        Value::Object(inputs.json()),
        json!({"query": "rust", "limit": 5, "filters": {"lang": "en"}, "tags": ["a"],
               "session": "sid=abc123", "exact": true})
    );
    assert_eq!(inputs.redacted["session"], REDACTED);
    assert_eq!(inputs.secrets, vec!["sid=abc123".to_string()]);

    let bad = json!({"query": "rust", "limit": "many", "filters": [1], "session": "x"});
    let problems = signature
        .to_inputs(bad.as_object().unwrap(), &|_| None, InputForm::Json)
        .unwrap_err();
    let found: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        found,
        vec![
            "`limit`: must be a number, not \"many\"".to_string(),
            "`filters`: must be an object".to_string()
        ]
    );
}

#[test]
fn a_skills_output_schema_keeps_its_fields_optional_beside_execution() {
    let declared = json!({
        "type": "object",
        "properties": {"posts": {"type": "array", "items": {"type": "string"}}, "count": {"type": "integer"}},
        "required": ["posts"],
        "additionalProperties": false
    });
    let schema = skill_output_schema(&declared);
    assert_eq!(schema["required"], json!([EXECUTION_KEY]));
    assert!(schema.get("additionalProperties").is_none());
    assert!(schema["properties"][EXECUTION_KEY].is_object());
    assert_eq!(violations(&schema), Vec::<String>::new());
    let validator = jsonschema::validator_for(&Value::Object(schema.clone())).unwrap();
    let fields = shape_skill_output(&declared, &json!({"posts": ["a"], "count": 1})).unwrap();
    let mut content = fields.clone();
    content.insert(
        EXECUTION_KEY.into(),
        json!({"provider": "browser_use", "kind": "skill",
        "status": "completed", "finished": true, "execution_id": "e"}),
    );
    assert!(validator.is_valid(&Value::Object(content)));
    assert_eq!(
        shape_skill_output(&declared, &json!(["not", "an", "object"])),
        None
    );

    // A schema that is not an object's: the result goes under `result`.
    let list = json!({"type": "array", "items": {"type": "string"}});
    let schema = skill_output_schema(&list);
    assert_eq!(schema["properties"]["result"]["type"], "array");
    assert_eq!(
        shape_skill_output(&list, &json!(["a"])),
        Some(Map::from_iter([("result".to_string(), json!(["a"]))]))
    );
}

/// An argument says which parameter it is only when its name does not plainly spell the
/// parameter's: a renamed one (a leading digit) or a numbered one (a collision).
#[test]
fn arguments_name_their_parameter_only_when_renamed() {
    let params = vec![
        param("File Name", ParamType::String),
        param("file-name", ParamType::String),
        Param {
            description: Some("The second one.".into()),
            ..param("2nd", ParamType::String)
        },
    ];
    let schema = Signature::new(&params, &none).input_schema();
    let about = |name: &str| schema["properties"][name].get("description").cloned();
    assert_eq!(about("file_name"), None);
    assert_eq!(
        about("file_name_2"),
        Some(json!("Task parameter \"file-name\"."))
    );
    assert_eq!(
        about("p_2nd"),
        Some(json!("The second one. (task parameter \"2nd\")"))
    );
}
