//! The Go-compatible emitter on any input: whatever strings an object holds, as keys or as
//! values, the YAML it writes parses back to the same value.

use fluxdsl::render::yaml_document;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn parse(text: &str) -> Value {
    serde_yaml::from_str(text)
        .unwrap_or_else(|e| panic!("emitted YAML does not parse: {e}\n{text}"))
}

fn round_trip(value: &Value) {
    let text = yaml_document(value);
    assert_eq!(&parse(&text), value, "emitted:\n{text}");
}

/// Strings that stress quoting: any unicode, and the characters YAML treats specially.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        prop::collection::vec(
            prop_oneof![
                Just("\u{2028}"),
                Just("\u{2029}"),
                Just("\u{85}"),
                Just("\u{feff}"),
                Just("\t"),
                Just("\n"),
                Just("\r"),
                Just(" "),
                Just("#"),
                Just(": "),
                Just("- "),
                Just("'"),
                Just("\""),
                Just("\\"),
                Just("{"),
                Just("["),
                Just("&"),
                Just("*"),
                Just("!"),
                Just("|"),
                Just(">"),
                Just("%"),
                Just("@"),
                Just("`"),
                Just("yes"),
                Just("null"),
                Just("~"),
                Just("0x1F"),
                Just("1e3"),
                Just("12:30"),
                Just("é"),
                Just("\u{1F600}"),
                Just("\u{7f}"),
                Just("\u{0}"),
            ],
            0..8,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_string_value_parses_back(s in tricky_string()) {
        let mut m = Map::new();
        m.insert("key".into(), Value::String(s.clone()));
        m.insert("list".into(), Value::Array(vec![Value::String(s)]));
        round_trip(&Value::Object(m));
    }

    #[test]
    fn any_string_key_parses_back(k in tricky_string(), v in tricky_string()) {
        let mut m = Map::new();
        m.insert(k, Value::String(v));
        round_trip(&Value::Object(m));
    }
}

#[test]
fn long_keys_parse_back() {
    // YAML allows an implicit key of at most 1024 characters; go-yaml writes longer ones
    // in the explicit `? ` form.
    for len in [1023, 1024, 1025, 3000] {
        let mut m = Map::new();
        m.insert("k".repeat(len), Value::String("v".into()));
        round_trip(&Value::Object(m));
    }
}
