//! The CEL rules of a CRD schema (`x-kubernetes-validations`), evaluated as the API server
//! evaluates them on create: on the object with the schema's defaults applied, each rule
//! with `self` the value at the node that declares it, for every node the object has.
//! Transition rules (those that read `oldSelf`) apply to updates only and are skipped, as
//! is a rule this CEL library cannot compile or a function it does not have; a rule that
//! reads a field the object lacks fails, as on the server.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

/// What the rules of `schema` refuse in `value`: `(field path, message)`.
pub(crate) fn problems(value: &Value, schema: &Value, path: &str, out: &mut Vec<(String, String)>) {
    let mut defaulted = value.clone();
    apply_defaults(&mut defaulted, schema);
    evaluate(&defaulted, schema, path, out);
}

/// `value` with the `default` of every property the schema has and `value` lacks, in
/// every object `value` has, as the API server defaults a structural schema.
fn apply_defaults(value: &mut Value, schema: &Value) {
    match value {
        Value::Object(map) => {
            if let Some(properties) = schema["properties"].as_object() {
                for (key, s) in properties {
                    if !map.contains_key(key)
                        && let Some(default) = s.get("default")
                    {
                        map.insert(key.clone(), default.clone());
                    }
                }
                for (key, v) in map.iter_mut() {
                    if let Some(s) = properties.get(key) {
                        apply_defaults(v, s);
                    }
                }
            } else if schema["additionalProperties"].is_object() {
                for v in map.values_mut() {
                    apply_defaults(v, &schema["additionalProperties"]);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                apply_defaults(v, &schema["items"]);
            }
        }
        _ => {}
    }
}

fn evaluate(value: &Value, schema: &Value, path: &str, out: &mut Vec<(String, String)>) {
    if value.is_null() {
        return;
    }
    for rule in schema["x-kubernetes-validations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(problem) = broken(rule, value) {
            let at = if path.is_empty() { "(root)" } else { path };
            out.push((at.to_owned(), problem));
        }
    }
    match value {
        Value::Object(map) => {
            let properties = schema["properties"].as_object();
            for (key, v) in map {
                let field = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match properties.and_then(|p| p.get(key)) {
                    Some(s) => evaluate(v, s, &field, out),
                    None if schema["additionalProperties"].is_object() => {
                        evaluate(v, &schema["additionalProperties"], &field, out)
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                evaluate(v, &schema["items"], &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Why `rule` (one entry of `x-kubernetes-validations`) refuses `value`, if it does.
fn broken(rule: &Value, value: &Value) -> Option<String> {
    let source = rule["rule"].as_str()?;
    let program = compiled(source)?;
    let mut context = cel::Context::with_env(environment());
    context
        .add_variable("self", cel::to_value(value).ok()?)
        .ok()?;
    let message = rule["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("failed rule: {source}"));
    match program.execute(&context) {
        Ok(cel::Value::Bool(true)) => None,
        Ok(cel::Value::Bool(false)) => Some(message),
        Ok(_) => None,
        Err(cel::ExecutionError::NoSuchKey(key)) => Some(format!(
            "{message} (the rule reads {key}, which is not set: {source})"
        )),
        Err(_) => None,
    }
}

/// The standard CEL environment with the string extension the API server also offers.
fn environment() -> Arc<cel::Env> {
    thread_local! {
        static ENV: Arc<cel::Env> = {
            let mut env = cel::Env::stdlib();
            // The extension only declares functions; declaring them cannot clash here.
            let _ = env.add_extension(cel::extensions::strings);
            Arc::new(env)
        };
    }
    ENV.with(Arc::clone)
}

/// `source` compiled once per thread; `None` for a transition rule (`oldSelf`) or one this
/// library cannot compile.
fn compiled(source: &str) -> Option<Arc<cel::Program>> {
    thread_local! {
        static PROGRAMS: std::cell::RefCell<HashMap<String, Option<Arc<cel::Program>>>> =
            Default::default();
    }
    PROGRAMS.with(|programs| {
        programs
            .borrow_mut()
            .entry(source.to_owned())
            .or_insert_with(|| {
                let program = environment().compile(source).ok()?;
                (!program.references().has_variable("oldSelf")).then(|| Arc::new(program))
            })
            .clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(value: Value, schema: Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        problems(&value, &schema, "", &mut out);
        out
    }

    #[test]
    fn a_rule_sees_the_schema_defaults_and_reports_its_message_at_its_node() {
        let schema = json!({
            "properties": { "spec": {
                "type": "object",
                "properties": {
                    "provider": { "type": "string", "default": "generic" },
                    "sts": { "type": "object" },
                },
                "x-kubernetes-validations": [{
                    "rule": "self.provider == 'aws' || !has(self.sts)",
                    "message": "STS needs the aws provider",
                }, {
                    "rule": "self.provider == oldSelf.provider",
                    "message": "a transition rule, skipped",
                }],
            }},
        });
        assert!(
            refused(
                json!({ "spec": { "provider": "aws", "sts": {} } }),
                schema.clone()
            )
            .is_empty()
        );
        assert_eq!(
            refused(json!({ "spec": { "sts": {} } }), schema.clone()),
            [("spec".to_owned(), "STS needs the aws provider".to_owned())]
        );
        assert!(refused(json!({ "spec": {} }), schema).is_empty());
    }

    #[test]
    fn a_rule_reading_a_missing_field_fails_and_an_unknown_function_is_not_held_against_the_object()
    {
        let schema = json!({
            "properties": { "spec": {
                "type": "object",
                "x-kubernetes-validations": [
                    { "rule": "self.name != ''", "message": "name is empty" },
                    { "rule": "isURL(self.url)", "message": "not a URL" },
                ],
            }},
        });
        let out = refused(json!({ "spec": { "url": "x" } }), schema);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0].1.starts_with("name is empty (the rule reads name"),
            "{out:?}"
        );
    }
}
