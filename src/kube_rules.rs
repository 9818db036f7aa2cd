//! The rules the Kubernetes API server applies to every object, checked before render so
//! that what renders is what the server accepts: names by kind, label and annotation keys
//! and values, ports, environment variable names, images, resource quantities and replica
//! counts. Each problem
//! is `(field path, what is wrong)`.

use serde_json::Value;

/// Every rule `object` (as the API server's JSON) breaks.
pub(crate) fn check(object: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let kind = object["kind"].as_str().unwrap_or("");
    if let Some(name) = object["metadata"]["name"].as_str()
        && let Some(problem) = name_problem(kind, name)
    {
        out.push(("metadata.name".to_owned(), format!("{name:?}: {problem}")));
    }
    labels_and_annotations(&object["metadata"], "metadata", &mut out);
    let spec = &object["spec"];
    if let Some(replicas) = spec["replicas"].as_i64()
        && replicas < 0
    {
        out.push(("spec.replicas".into(), format!("{replicas} is negative")));
    }
    if kind == "Service" {
        ports(&spec["ports"], "spec.ports", true, &mut out);
    }
    if kind == "PersistentVolumeClaim" {
        quantities(&spec["resources"], "spec.resources", &mut out);
    }
    for (i, claim) in spec["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("spec.volumeClaimTemplates[{i}].spec.resources");
        quantities(&claim["spec"]["resources"], &at, &mut out);
    }
    let pod = if spec["template"]["spec"].is_object() {
        labels_and_annotations(
            &spec["template"]["metadata"],
            "spec.template.metadata",
            &mut out,
        );
        Some((&spec["template"]["spec"], "spec.template.spec"))
    } else if kind == "Pod" {
        Some((spec, "spec"))
    } else {
        None
    };
    if let Some((pod, at)) = pod {
        for list in ["containers", "initContainers"] {
            if let Some(containers) = pod[list].as_array() {
                for (i, c) in containers.iter().enumerate() {
                    container(c, &format!("{at}.{list}[{i}]"), &mut out);
                }
            }
        }
    }
    out
}

fn container(c: &Value, at: &str, out: &mut Vec<(String, String)>) {
    ports(&c["ports"], &format!("{at}.ports"), false, out);
    quantities(&c["resources"], &format!("{at}.resources"), out);
    if let Some(env) = c["env"].as_array() {
        for (i, e) in env.iter().enumerate() {
            if let Some(name) = e["name"].as_str()
                && (name.is_empty() || name.contains('=') || name.chars().any(char::is_control))
            {
                out.push((
                    format!("{at}.env[{i}].name"),
                    format!("{name:?} is not an environment variable name (no '=', not empty)"),
                ));
            }
        }
    }
    if let Some(image) = c["image"].as_str()
        && (image.is_empty()
            || image
                .chars()
                .any(|ch| ch.is_whitespace() || ch.is_control()))
    {
        out.push((
            format!("{at}.image"),
            format!("{image:?} is not an image reference (no spaces)"),
        ));
    }
}

/// `requests` and `limits` of `resources`: each a Kubernetes quantity (`100m`, `1.5Gi`,
/// `2e3`).
fn quantities(resources: &Value, at: &str, out: &mut Vec<(String, String)>) {
    for part in ["requests", "limits"] {
        for (name, q) in resources[part].as_object().into_iter().flatten() {
            if let Some(q) = q.as_str()
                && !is_quantity(q)
            {
                out.push((
                    format!("{at}.{part}.{name}"),
                    format!("{q:?} is not a quantity (a number with an optional suffix: 100m, 512Mi, 2G)"),
                ));
            }
        }
    }
}

/// Kubernetes' quantity grammar: a signed decimal number, then a binary (`Ki`…`Ei`) or
/// decimal (`n`, `u`, `m`, `k`, `M`…`E`) suffix or a decimal exponent.
fn is_quantity(q: &str) -> bool {
    let unsigned = q.strip_prefix(['+', '-']).unwrap_or(q);
    let digits_end = unsigned
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(digits_end);
    let number_ok = !number.is_empty() && number != "." && number.matches('.').count() <= 1;
    let suffix_ok = match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T"
        | "P" | "E" => true,
        exponent => exponent
            .strip_prefix(['e', 'E'])
            .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
            .is_some_and(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())),
    };
    number_ok && suffix_ok
}

fn ports(list: &Value, at: &str, service: bool, out: &mut Vec<(String, String)>) {
    let Some(list) = list.as_array() else {
        return;
    };
    let number_field = if service { "port" } else { "containerPort" };
    for (i, p) in list.iter().enumerate() {
        if let Some(n) = p[number_field].as_i64()
            && !(1..=65535).contains(&n)
        {
            out.push((
                format!("{at}[{i}].{number_field}"),
                format!("{n} is not a port number (1 to 65535)"),
            ));
        }
        if let Some(name) = p["name"].as_str()
            && let Some(problem) = port_name_problem(name)
        {
            out.push((format!("{at}[{i}].name"), format!("{name:?}: {problem}")));
        }
    }
}

/// An IANA service name, as Kubernetes checks port names: at most 15 characters,
/// lowercase letters, digits and '-', at least one letter, no '-' at either end or twice.
fn port_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > 15 {
        return Some("a port name has 1 to 15 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("a port name may contain only lowercase letters, digits and '-'");
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some("a port name needs at least one letter");
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Some("a port name may not start or end with '-' or hold \"--\"");
    }
    None
}

/// The rule for `metadata.name` of `kind`: a DNS-1035 label for Services, a DNS-1123
/// label for Namespaces, a path segment for RBAC kinds (`system:metrics-server`), a
/// DNS-1123 subdomain (at most 253 characters) for the rest.
fn name_problem(kind: &str, name: &str) -> Option<String> {
    match kind {
        "Service" => dns_label(name, true),
        "Namespace" => dns_label(name, false),
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => {
            (name.is_empty() || name == "." || name == ".." || name.contains(['/', '%'])).then(
                || "an RBAC name must not be empty, '.' or '..', nor contain '/' or '%'".into(),
            )
        }
        _ => dns_subdomain(name, 253),
    }
}

fn dns_label(s: &str, letter_first: bool) -> Option<String> {
    if s.is_empty() || s.len() > 63 {
        return Some("must have 1 to 63 characters".into());
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("may contain only lowercase letters, digits and '-' (a DNS label)".into());
    }
    let first = s.as_bytes()[0];
    if letter_first && !first.is_ascii_lowercase() {
        return Some(
            "must start with a lowercase letter (a DNS-1035 label, as Services need)".into(),
        );
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("must start and end with a letter or digit".into());
    }
    None
}

fn dns_subdomain(s: &str, max: usize) -> Option<String> {
    if s.is_empty() || s.len() > max {
        return Some(format!("must have 1 to {max} characters"));
    }
    for label in s.split('.') {
        if label.is_empty()
            || label.starts_with('-')
            || label.ends_with('-')
            || !label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Some(
                "may contain only lowercase letters, digits, '-' and '.', each dot-separated \
                 part starting and ending with a letter or digit (a DNS subdomain)"
                    .into(),
            );
        }
    }
    None
}

/// A qualified name as label and annotation keys are: `[prefix/]name`, the prefix a DNS
/// subdomain, the name 1 to 63 characters of letters, digits, '-', '_' and '.', beginning
/// and ending with a letter or digit.
fn key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && let Some(problem) = dns_subdomain(prefix, 253)
    {
        return Some(format!("its prefix {prefix:?} {problem}"));
    }
    value_problem(name, false)
}

/// A label value: empty, or up to 63 characters as a key's name part.
fn value_problem(v: &str, may_be_empty: bool) -> Option<String> {
    if v.is_empty() {
        return (!may_be_empty).then(|| "must not be empty".into());
    }
    let edge = |b: u8| b.is_ascii_alphanumeric();
    let inner = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let b = v.as_bytes();
    if v.len() > 63 || !edge(b[0]) || !edge(b[b.len() - 1]) || !b.iter().all(|&c| inner(c)) {
        return Some(
            "must be at most 63 characters of letters, digits, '-', '_' and '.', starting and \
             ending with a letter or digit"
                .into(),
        );
    }
    None
}

/// Label and annotation keys and label values of the metadata at `at`.
fn labels_and_annotations(meta: &Value, at: &str, out: &mut Vec<(String, String)>) {
    if let Some(labels) = meta["labels"].as_object() {
        for (k, v) in labels {
            if let Some(p) = key_problem(k) {
                out.push((format!("{at}.labels"), format!("key {k:?} {p}")));
            }
            if let Some(p) = v.as_str().and_then(|v| value_problem(v, true)) {
                out.push((format!("{at}.labels"), format!("value {v} of {k:?} {p}")));
            }
        }
    }
    if let Some(annotations) = meta["annotations"].as_object() {
        for k in annotations.keys() {
            if let Some(p) = key_problem(k) {
                out.push((format!("{at}.annotations"), format!("key {k:?} {p}")));
            }
        }
    }
}

/// The rules for a Flux kind's labels and annotations (its other fields are typed).
pub(crate) fn metadata_maps(
    labels: &std::collections::BTreeMap<String, String>,
    annotations: &std::collections::BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if labels.is_empty() && annotations.is_empty() {
        return out;
    }
    let meta = serde_json::json!({ "labels": labels, "annotations": annotations });
    labels_and_annotations(&meta, "metadata", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::is_quantity;

    #[test]
    fn quantities_as_kubernetes_reads_them() {
        for ok in [
            "1", "100m", "1.5Gi", "512Mi", "2G", "+1", "-0.5", ".5", "1e3", "2E-2", "0",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in [
            "lots", "", "Gi", "1GB", "1.2.3", "1 Gi", "1e", ".", "1Kb", "--1",
        ] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }
}
