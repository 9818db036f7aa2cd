//! The rules the Kubernetes API server applies to every object, checked before render so
//! that what renders is what the server accepts: names by kind, label and annotation keys
//! and values, ports, environment variable names, images, resource quantities and replica
//! counts. Each problem
//! is `(field path, what is wrong)`.

use serde_json::Value;

/// Every rule `object` (as the API server's JSON) breaks, and a Secret in clear.
pub(crate) fn check(object: &Value) -> Vec<(String, String)> {
    let mut out = api_rules(object);
    out.extend(crate::sops::clear_secret(object));
    out
}

/// Every rule of the API server `object` breaks. (A built Secret's data may be a SOPS
/// file a generator read: whether it is in clear is checked where it is declared.)
pub(crate) fn api_rules(object: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let kind = object["kind"].as_str().unwrap_or("");
    if let Some(name) = object["metadata"]["name"].as_str() {
        // A name of postBuild variables is checked as far as it is known here (each
        // variable as `x`), and in full with each applying Kustomization's values.
        let problem = match name.contains("${") {
            false => name_problem(kind, name),
            true => match crate::values::placeholder_form(name) {
                Ok(form) => name_problem(kind, &form)
                    .map(|p| format!("{p} (with each variable as `x` or its default)")),
                Err(problem) => Some(problem.to_owned()),
            },
        };
        if let Some(problem) = problem {
            out.push(("metadata.name".to_owned(), format!("{name:?}: {problem}")));
        }
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
    if kind == "StatefulSet"
        && let Some(name) = object["metadata"]["name"].as_str()
        && name.len() > 52
    {
        out.push((
            "metadata.name".into(),
            format!(
                "{name:?} has {} characters; a StatefulSet's name has at most 52: its pods carry \
                 the label controller-revision-hash = the name, '-' and a 10-character hash, \
                 and a label value over 63 characters means no pod is ever created",
                name.len()
            ),
        ));
    }
    if kind == "Ingress" {
        ingress(spec, &mut out);
    }
    if matches!(kind, "ConfigMap" | "Secret") && object["apiVersion"] == "v1" {
        for field in ["data", "binaryData", "stringData"] {
            for key in object[field].as_object().into_iter().flat_map(|m| m.keys()) {
                if let Some(problem) = config_key_problem(key) {
                    out.push((field.to_owned(), format!("key {key:?} {problem}")));
                }
            }
        }
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
        if let Some(name) = claim["metadata"]["name"].as_str()
            && let Some(problem) = dns_label(name, false)
        {
            out.push((
                format!("spec.volumeClaimTemplates[{i}].metadata.name"),
                format!("{name:?}: the name of a claim template names the pods' volume, and a volume name {problem}"),
            ));
        }
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
        for (i, v) in pod["volumes"].as_array().into_iter().flatten().enumerate() {
            if let Some(name) = v["name"].as_str()
                && let Some(problem) = dns_label(name, false)
            {
                out.push((
                    format!("{at}.volumes[{i}].name"),
                    format!("{name:?}: a volume name {problem}"),
                ));
            }
        }
        for list in ["containers", "initContainers"] {
            if let Some(containers) = pod[list].as_array() {
                for (i, c) in containers.iter().enumerate() {
                    container(c, &format!("{at}.{list}[{i}]"), &mut out);
                }
            }
        }
    }
    strings(object, &mut String::new(), &mut out);
    out
}

/// What is wrong with a manifest's `apiVersion` and `kind`: a kind is letters and digits
/// starting with a letter (`HelmRelease`); an apiVersion is a version (`v1`) or
/// `group/version`, the group a DNS subdomain and the version a DNS-1035 label.
pub(crate) fn type_problem(api_version: &str, kind: &str) -> Option<String> {
    let mut kind_chars = kind.chars();
    let kind_ok = kind_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && kind_chars.all(|c| c.is_ascii_alphanumeric());
    if !kind_ok {
        return Some(format!(
            "kind {kind:?} is not a kind: letters and digits, starting with a letter"
        ));
    }
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (Some(group), version),
        None => (None, api_version),
    };
    if let Some(group) = group
        && let Some(problem) = dns_subdomain(group, 253)
    {
        return Some(format!(
            "apiVersion {api_version:?} is not group/version: the group {problem}"
        ));
    }
    dns_label(version, true).map(|problem| {
        format!("apiVersion {api_version:?} is not [group/]version: the version {problem}")
    })
}

/// What is wrong with a `namePrefix` or `nameSuffix`: it becomes part of every name it is
/// put on, so it holds only what names may (lowercase letters, digits, '-' and '.').
pub(crate) fn name_affix_problem(affix: &str) -> Option<String> {
    (!affix
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'))
    .then(|| {
        format!(
            "{affix:?} is put into every name, so it may contain only lowercase letters, \
             digits, '-' and '.'"
        )
    })
}

/// What is wrong with the characters of a path in a source (`spec.path`, a component): a
/// control character (a newline) or a YAML document separator `---` would be read as
/// something else.
pub(crate) fn path_text_problem(path: &str) -> Option<String> {
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Some(format!(
            "{path:?} contains the control character {c:?}; a path is one line of printable \
             characters"
        ));
    }
    path.contains("---")
        .then(|| format!("{path:?} contains \"---\", which YAML reads as a document separator"))
}

/// The start of the message for an image that names no fixed version (no tag, or
/// `latest`): refused unless the cluster allows it for the object
/// (`Cluster::allow_floating_image`).
pub(crate) const FLOATING_IMAGE: &str = "names no fixed version";

/// Characters YAML parsers refuse in a document ("control characters are not allowed"):
/// C0 and C1 controls other than tab and line feed (so also CR and NEL), and U+FFFE, U+FFFF.
/// The emitter asks the same when it writes for kustomize.
pub(crate) fn unreadable_char(s: &str) -> Option<char> {
    s.chars()
        .find(|&c| (c.is_control() && c != '\t' && c != '\n') || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// Every key and string value of `value`, for characters kustomize will not read; `at`
/// is the path so far.
fn strings(value: &Value, at: &mut String, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            if let Some(c) = unreadable_char(s) {
                out.push((
                    at.clone(),
                    format!(
                        "the value holds the control character {c:?}, which kustomize and the \
                         Kubernetes YAML reader refuse (\"control characters are not allowed\"); \
                         only tab and newline may appear"
                    ),
                ));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                strings(item, at, out);
                at.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if let Some(c) = unreadable_char(key) {
                    out.push((
                        at.clone(),
                        format!(
                            "key {key:?} holds the control character {c:?}, which kustomize \
                             and the Kubernetes YAML reader refuse; only printable characters \
                             may appear in a key"
                        ),
                    ));
                    continue;
                }
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(key);
                strings(item, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// A ConfigMap or Secret key as the API server takes it: 1 to 253 characters of letters,
/// digits, '-', '_' and '.', not `.` or `..` and not starting with `..` (a key becomes a
/// file name when the object is mounted).
fn config_key_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() || key.len() > 253 {
        return Some("must have 1 to 253 characters");
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Some(
            "may contain only letters, digits, '-', '_' and '.' (it becomes a file name when \
             mounted)",
        );
    }
    if key == "." || key == ".." || key.starts_with("..") {
        return Some("must not be '.' or '..' nor start with '..'");
    }
    None
}

/// An Ingress: each rule's host is a DNS name (a leading `*.` allowed), never a URL; each
/// path of type Prefix or Exact is absolute; TLS hosts likewise.
fn ingress(spec: &Value, out: &mut Vec<(String, String)>) {
    let host_problem = |host: &str| -> Option<String> {
        if host.contains(['/', ':']) {
            return Some(format!(
                "{host:?} is not a host name: give the name alone, without scheme, port or \
                 path ({:?})",
                bare_host(host)
            ));
        }
        let name = host.strip_prefix("*.").unwrap_or(host);
        if name.parse::<std::net::Ipv4Addr>().is_ok() {
            return Some(format!(
                "{host:?}: an Ingress host must be a name, not an IP address"
            ));
        }
        dns_subdomain(name, 253).map(|p| format!("{host:?}: a host {p}"))
    };
    for (i, rule) in spec["rules"].as_array().into_iter().flatten().enumerate() {
        if let Some(host) = rule["host"].as_str()
            && let Some(p) = host_problem(host)
        {
            out.push((format!("spec.rules[{i}].host"), p));
        }
        for (j, path) in rule["http"]["paths"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let typed = matches!(path["pathType"].as_str(), Some("Prefix" | "Exact"));
            if let Some(p) = path["path"].as_str()
                && typed
                && !p.starts_with('/')
            {
                out.push((
                    format!("spec.rules[{i}].http.paths[{j}].path"),
                    format!("{p:?} must be an absolute path (start with '/': \"/{p}\")"),
                ));
            }
        }
    }
    for (i, tls) in spec["tls"].as_array().into_iter().flatten().enumerate() {
        for (j, host) in tls["hosts"].as_array().into_iter().flatten().enumerate() {
            if let Some(p) = host.as_str().and_then(host_problem) {
                out.push((format!("spec.tls[{i}].hosts[{j}]"), p));
            }
        }
    }
}

/// What a URL-like host would be as a host name: no scheme, port or path, lowercase.
fn bare_host(host: &str) -> String {
    let rest = host.split_once("://").map_or(host, |(_, r)| r);
    let rest = rest.split(['/', '?', '#']).next().unwrap_or("");
    rest.rsplit_once(':')
        .map_or(rest, |(h, _)| h)
        .to_ascii_lowercase()
}

fn container(c: &Value, at: &str, out: &mut Vec<(String, String)>) {
    ports(&c["ports"], &format!("{at}.ports"), false, out);
    for (i, m) in c["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(sub) = m["subPath"].as_str()
            && (sub.starts_with('/') || sub.split('/').any(|part| part == ".."))
        {
            out.push((
                format!("{at}.volumeMounts[{i}].subPath"),
                format!(
                    "{sub:?} must be a relative path inside the volume (no leading '/', no '..')"
                ),
            ));
        }
    }
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
    if let Some(image) = c["image"].as_str() {
        if image.is_empty() {
            out.push((
                format!("{at}.image"),
                "is empty: give an image reference with a tag or digest (nginx:1.27.3)".into(),
            ));
        } else if let Some(ch) = image
            .chars()
            .find(|ch| ch.is_whitespace() || ch.is_control())
        {
            out.push((
                format!("{at}.image"),
                format!("{image:?} is not an image reference: it contains {ch:?}"),
            ));
        } else if let Some(why) = floating(image) {
            out.push((
                format!("{at}.image"),
                format!(
                    "{image:?} {FLOATING_IMAGE} ({why}): every restart may run another image; \
                     pin a tag or digest, or say you mean it with Cluster::allow_floating_image"
                ),
            ));
        }
    }
}

/// Why `image` floats: it has neither tag nor digest, or its tag is `latest`.
fn floating(image: &str) -> Option<&'static str> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        None => Some("no tag, so `latest`"),
        Some((_, "latest")) => Some("the tag `latest`"),
        Some(_) => None,
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
    let mut names: Vec<(&str, usize)> = Vec::new();
    let mut numbers: Vec<(i64, &str, usize)> = Vec::new();
    for (i, p) in list.iter().enumerate() {
        if service {
            let protocol = p["protocol"].as_str().unwrap_or("TCP");
            if let Some(name) = p["name"].as_str() {
                if let Some((_, first)) = names.iter().find(|(n, _)| *n == name) {
                    out.push((
                        format!("{at}[{i}].name"),
                        format!("{name:?} is already the name of {at}[{first}]; each port of a Service needs its own name"),
                    ));
                }
                names.push((name, i));
            }
            if let Some(n) = p["port"].as_i64() {
                if let Some((_, _, first)) =
                    numbers.iter().find(|(m, pr, _)| *m == n && *pr == protocol)
                {
                    out.push((
                        format!("{at}[{i}].port"),
                        format!("{n}/{protocol} is already the port of {at}[{first}]; the API server refuses a Service with one port and protocol twice"),
                    ));
                }
                numbers.push((n, protocol, i));
            }
        }
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
pub(crate) fn name_problem(kind: &str, name: &str) -> Option<String> {
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

/// Whether kustomize's `namePrefix`/`nameSuffix` leave an object's name alone: Namespaces
/// (a kustomization's `namespace` renames them instead), CustomResourceDefinitions and
/// APIServices, whose names the API server derives from what they serve.
pub(crate) fn keeps_name_under_prefix(api_version: &str, kind: &str) -> bool {
    kind == "CustomResourceDefinition"
        || kind == "Namespace"
        || (kind == "APIService" && api_version.starts_with("apiregistration.k8s.io/"))
}

/// The names kustomize reads a folder's configuration from, in the order it looks.
pub(crate) const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

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
