//! `fluxdsl::json!` makes the value `serde_json::json!` makes, for every form of literal
//! data a manifest or Helm values hold and for the Rust expressions it hands to json!.

use serde_json::Value;

/// Both macros on the same tokens: equal values, with numbers of the same kind (an
/// integer is not a float, a negative integer is not an unsigned one).
macro_rules! same {
    ($($tokens:tt)+) => {{
        let ours: Value = fluxdsl::json!($($tokens)+);
        let theirs: Value = serde_json::json!($($tokens)+);
        assert_eq!(ours, theirs, "{}", stringify!($($tokens)+));
        assert_eq!(kinds(&ours), kinds(&theirs), "{}", stringify!($($tokens)+));
    }};
}

/// Each number in `value` with its kind, in order.
fn kinds(value: &Value) -> Vec<String> {
    match value {
        Value::Number(n) => vec![format!(
            "{n} u64={} i64={} f64={}",
            n.is_u64(),
            n.is_i64(),
            n.is_f64()
        )],
        Value::Array(items) => items.iter().flat_map(kinds).collect(),
        Value::Object(map) => map.values().flat_map(kinds).collect(),
        _ => vec![],
    }
}

#[test]
fn literal_data_is_the_value_serde_json_makes() {
    same!(null);
    same!(true);
    same!([false, true, null]);
    same!({});
    same!([]);
    same!({"a": {}, "b": [], "c": [[]], "d": {"e": {}}});
    same!({"trailing": [1, 2,], "comma": {"x": 1,},});
    // Numbers: integers as i32 literals are, negatives, zero and minus zero, floats in
    // every spelling Rust takes without a suffix.
    same!([0, 1, 42, 2147483647, -1, -2147483647, -0, 1_000_000]);
    same!([
        0.0,
        -0.0,
        1.5,
        -1.5,
        1e3,
        1E3,
        2.5e-3,
        1e+30,
        6.02214076e23,
        0.1,
        1_000.5
    ]);
    same!({"replicas": 2, "cpu": 0.25, "offset": -3});
    // Beyond i32, where json! would refuse the literal, JSON's integers.
    let large: Value = fluxdsl::json!([
        3000000000,
        -3000000000,
        18446744073709551615,
        -9223372036854775808
    ]);
    assert_eq!(
        large,
        serde_json::json!([
            3000000000u64,
            -3000000000i64,
            18446744073709551615u64,
            i64::MIN
        ]),
    );
    assert_eq!(
        kinds(&large),
        kinds(&serde_json::json!([
            3000000000u64,
            -3000000000i64,
            18446744073709551615u64,
            i64::MIN
        ]))
    );
    // Strings: Rust's escapes decoded, JSON's written.
    same!([
        "",
        "plain",
        "with \"quotes\"",
        "back\\slash",
        "tab\there",
        "line\nbreak",
        "cr\r"
    ]);
    same!([
        "nul\0",
        "\x41\x7f",
        "\u{1F600}",
        "\u{0}\u{1b}[0m",
        "é ü 中文",
        "it's",
        "\'"
    ]);
    same!([r"raw \n stays", r#"raw "quoted" #"#, r##"two "# hashes"##]);
    same!(
        "continued \
           line"
    );
    same!({"key with spaces": "v", "ключ": "значение", "a.b/c~d": "${VAR}", "": ""});
    // Shapes of real manifests.
    same!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "podinfo", "namespace": "podinfo", "labels": {"app": "x"}},
        "spec": {
            "interval": "50m",
            "values": {
                "ingress": {"enabled": true, "hosts": [{"host": "podinfo.local", "paths": [{"path": "/"}]}]},
                "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m"}},
                "script": "#!/bin/sh\nset -e\necho \"${HOME}\"\n",
                "nothing": null,
            },
        },
    });
}

#[test]
fn rust_expressions_are_serde_json_s() {
    let replicas = 3;
    let name = String::from("podinfo");
    let tags = vec!["a", "b"];
    same!({"replicas": replicas, "name": name, "tags": tags});
    same!({"sum": 1 + 2, "neg": -replicas, "call": name.len()});
    same!({"nested": {"list": [replicas, 4, "x"]}});
    // Literals json! knows and JSON does not spell: suffixes, other bases, chars, large
    // integers (json! types them as it types them).
    same!([1u8, 2i64, 3.5f32, 0x1f, 0o17, 0b101, 'c']);
    same!([3000000000u64, -3000000000i64, 18446744073709551615u64]);
    let key = "dynamic";
    same!({key: 1});
}
