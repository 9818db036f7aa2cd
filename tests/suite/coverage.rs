//! Every Flux kind's `spec` is reachable: every leaf field path of the schema of Flux
//! v2.9.3's CRDs is written by objects built with every typed setter, or is one of the few
//! fields left on purpose to `extra_spec`, merged into a typed field (checked by the same
//! schema). README's coverage table is this test's output.

use std::collections::{BTreeMap, BTreeSet};

use fluxdsl::*;
use serde_json::Value;

/// Every leaf field path of `schema` below `path`: scalars, maps (`path.*`), lists of
/// scalars (`path[]`), and free-form objects.
fn leaves(schema: &Value, path: &str, out: &mut BTreeSet<String>) {
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        out.insert(path.to_owned());
        return;
    }
    if let Some(props) = schema["properties"].as_object() {
        for (k, s) in props {
            leaves(s, &format!("{path}.{k}"), out);
        }
    } else if schema["additionalProperties"].is_object() {
        out.insert(format!("{path}.*"));
    } else if schema["type"] == "array" {
        let items = &schema["items"];
        if items["properties"].is_object() {
            leaves(items, &format!("{path}[]"), out);
        } else {
            out.insert(format!("{path}[]"));
        }
    } else {
        out.insert(path.to_owned());
    }
}

/// The leaf paths of `schema` that `value` writes.
fn reached(value: &Value, schema: &Value, path: &str, out: &mut BTreeSet<String>) {
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        out.insert(path.to_owned());
        return;
    }
    match value {
        Value::Object(map) if schema["properties"].is_object() => {
            for (k, v) in map {
                if let Some(s) = schema["properties"].get(k) {
                    reached(v, s, &format!("{path}.{k}"), out);
                }
            }
        }
        Value::Object(_) if schema["additionalProperties"].is_object() => {
            out.insert(format!("{path}.*"));
        }
        Value::Array(items) if schema["items"]["properties"].is_object() => {
            for v in items {
                reached(v, &schema["items"], &format!("{path}[]"), out);
            }
        }
        Value::Array(_) => {
            out.insert(format!("{path}[]"));
        }
        _ => {
            out.insert(path.to_owned());
        }
    }
}

/// Spec fields left to `extra_spec` on purpose: the `apiVersion` of a reference to a
/// source. The handle decides the kind, and Flux looks the source up by kind at the version
/// it serves; a written version would have to change with Flux upgrades. `extra_spec`
/// merges it into the typed reference.
const THROUGH_EXTRA_SPEC: &[(&str, &str)] = &[
    ("HelmChart", "spec.sourceRef.apiVersion"),
    ("HelmRelease", "spec.chart.spec.sourceRef.apiVersion"),
    ("HelmRelease", "spec.chartRef.apiVersion"),
    ("ImageUpdateAutomation", "spec.sourceRef.apiVersion"),
    ("Kustomization", "spec.sourceRef.apiVersion"),
];

/// The leaf spec paths, by kind, that the objects of `cluster` write.
fn written_paths(
    cluster: Cluster,
    schemas: &BTreeMap<String, Value>,
) -> BTreeMap<String, BTreeSet<String>> {
    let listing = cluster
        .render()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_listing();
    let mut written: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for o in super::parse_yaml_stream(
        &super::listing_files(&listing)
            .into_iter()
            .map(|(_, t)| t)
            .collect::<String>(),
    ) {
        let kind = o["kind"].as_str().unwrap().to_owned();
        if let Some(schema) = schemas.get(&kind) {
            reached(&o["spec"], schema, "spec", written.entry(kind).or_default());
        }
    }
    written
}

#[test]
fn every_spec_field_of_the_14_kinds_is_typed_or_merged_into_a_typed_field() {
    let components = super::read_fixture("flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml");
    let mut schemas: BTreeMap<String, Value> = BTreeMap::new();
    for crd in super::parse_yaml_stream(&components) {
        if crd["kind"] != "CustomResourceDefinition" {
            continue;
        }
        let kind = crd["spec"]["names"]["kind"].as_str().unwrap().to_owned();
        let version = crd["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["storage"] == true)
            .unwrap();
        schemas.insert(
            kind,
            version["schema"]["openAPIV3Schema"]["properties"]["spec"].clone(),
        );
    }
    assert_eq!(schemas.len(), 14, "the 14 kinds of Flux v2.9.3's install");
    let api = FluxApi::from_crds("Flux v2.9.3", &components).unwrap();
    let typed = written_paths(super::all_fields::maximal(&api), &schemas);
    let extra = written_paths(super::all_fields::through_extra_spec(&api), &schemas);
    let mut table = String::from(
        "| kind | spec fields | set by typed setters | merged with `extra_spec` |\n| --- | --- | --- | --- |\n",
    );
    let (mut all, mut all_typed) = (0, 0);
    let mut missing = Vec::new();
    for (kind, schema) in &schemas {
        let mut fields = BTreeSet::new();
        leaves(schema, "spec", &mut fields);
        let typed = typed.get(kind).cloned().unwrap_or_default();
        let chosen: BTreeSet<String> = THROUGH_EXTRA_SPEC
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, p)| p.to_string())
            .collect();
        // What the extra_spec objects write beyond the required fields (which typed
        // setters write too) is exactly the chosen fields.
        let merged: BTreeSet<String> = extra
            .get(kind)
            .into_iter()
            .flatten()
            .filter(|p| !typed.contains(*p))
            .cloned()
            .collect();
        assert_eq!(merged, chosen, "{kind}: the fields extra_spec writes");
        let covered = fields.intersection(&typed).count();
        missing.extend(
            fields
                .iter()
                .filter(|p| !typed.contains(*p) && !chosen.contains(*p))
                .map(|p| format!("{kind} {p}")),
        );
        all += fields.len();
        all_typed += covered;
        table.push_str(&format!(
            "| {kind} | {} | {covered} | {} |\n",
            fields.len(),
            fields.len() - covered
        ));
    }
    assert!(
        missing.is_empty(),
        "spec fields no typed setter writes and THROUGH_EXTRA_SPEC does not list: {missing:#?}"
    );
    table.push_str(&format!(
        "| all 14 kinds | {all} | {all_typed} | {} |\n",
        all - all_typed
    ));
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    assert!(
        readme.contains(&table),
        "README lacks the coverage table this test computes:\n{table}"
    );
}

/// The spec schema of `kind` at `version` in the CRDs of `fixture`.
fn spec_schema(fixture: &str, kind: &str, version: &str) -> Value {
    super::parse_yaml_stream(&super::read_fixture(fixture))
        .into_iter()
        .find(|d| d["kind"] == "CustomResourceDefinition" && d["spec"]["names"]["kind"] == kind)
        .and_then(|crd| {
            crd["spec"]["versions"]
                .as_array()?
                .iter()
                .find(|v| v["name"] == version)
                .map(|v| v["schema"]["openAPIV3Schema"]["properties"]["spec"].clone())
        })
        .unwrap_or_else(|| panic!("{kind} {version} in {fixture}"))
}

/// README says the older versions fluxdsl writes Provider, Alert and ImageUpdateAutomation
/// at (for Flux v2.0.1) have no spec field the newest lacks: the typed builders, made for
/// the newest, can write every one of their fields.
#[test]
fn the_older_notification_and_automation_versions_have_no_field_the_newest_lacks() {
    let newest = "flux-v2.9.3-bootstrap/flux-system/gotk-components.yaml";
    for (kind, old, new) in [
        ("Provider", "v1beta2", "v1beta3"),
        ("Alert", "v1beta2", "v1beta3"),
        ("ImageUpdateAutomation", "v1beta1", "v1"),
    ] {
        let (mut old_fields, mut new_fields) = (BTreeSet::new(), BTreeSet::new());
        leaves(
            &spec_schema("flux-crds/v2.0.1/crds.yaml", kind, old),
            "spec",
            &mut old_fields,
        );
        leaves(&spec_schema(newest, kind, new), "spec", &mut new_fields);
        let only_old: Vec<&String> = old_fields.difference(&new_fields).collect();
        assert!(
            only_old.is_empty(),
            "{kind} {old} has {only_old:?}, which {new} lacks"
        );
        assert!(!old_fields.is_empty(), "{kind} {old} has fields");
    }
}
