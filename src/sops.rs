//! Secret material and SOPS. Everything render writes is committed and read by everyone
//! with access to the repository, so a secret value may reach it only SOPS-encrypted:
//! what counts as a secret in clear (a Secret's values, a generated Secret's literals and
//! inputs, credentials in an address), and how a SOPS-encrypted file is recognised and
//! checked — its `sops:` metadata (MAC, recipients) and that every value its rules say
//! is encrypted is.
//!
//! The rules follow SOPS (`encrypted_regex`, `unencrypted_regex`, `encrypted_suffix`,
//! `unencrypted_suffix`, matched against every key on a value's path) and
//! kustomize-controller, which decrypts a document only when it is a `v1` Secret with a
//! `sops` field, and a generator's input file when it is SOPS-encrypted.

use regex::Regex;
use serde_json::Value;

/// In every message about a secret value in clear: the object may opt in with
/// `Cluster::allow_secret_in_clear`.
pub(crate) const SECRET_IN_CLEAR: &str = "in clear in Git";

/// In every message about credentials sent over plain HTTP; the same opt-in applies.
pub(crate) const SECRET_OVER_HTTP: &str = "or say you mean it (a test cluster) with \
                                           Cluster::allow_secret_in_clear";

/// Whether `message` refuses a secret that `Cluster::allow_secret_in_clear` lets through.
pub(crate) fn may_opt_in(message: &str) -> bool {
    message.contains(SECRET_IN_CLEAR) || message.contains(SECRET_OVER_HTTP)
}

/// The advice every refusal of a secret in clear ends with.
const INSTEAD: &str = "carry it SOPS-encrypted (Cluster::sops_file), create it out of band \
                       (Ref::existing, or Cluster::bootstrap_secret for apply to create), or \
                       say you mean it with Cluster::allow_secret_in_clear";

/// A Secret's values in clear: `(field, problem)` for `data` and `stringData` when they
/// hold a non-empty value and the document is not SOPS-encrypted. Names the keys, never
/// the values.
pub(crate) fn clear_secret(object: &Value) -> Vec<(String, String)> {
    if object["kind"] != "Secret" || object["apiVersion"] != "v1" || object.get("sops").is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for field in ["data", "stringData"] {
        let keys: Vec<&str> = object[field]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| !(v.is_null() || v.as_str() == Some("")))
            .map(|(k, _)| k.as_str())
            .collect();
        if !keys.is_empty() {
            out.push((
                field.to_owned(),
                format!(
                    "holds {} {SECRET_IN_CLEAR}: every file render writes is committed; {INSTEAD}",
                    quoted(&keys)
                ),
            ));
        }
    }
    out
}

/// Why a secretGenerator's literals are refused.
pub(crate) fn clear_literals(keys: &[&str]) -> String {
    format!(
        "literals {} would be written {SECRET_IN_CLEAR} into kustomization.yaml; generate the \
         Secret from SOPS-encrypted files (kustomize-controller decrypts them), or {INSTEAD}",
        quoted(keys)
    )
}

/// Why a secretGenerator's input file is refused: it is not SOPS-encrypted.
pub(crate) fn clear_input(path: &str) -> String {
    format!(
        "reads {path:?}, which is not SOPS-encrypted, so its values would be committed \
         {SECRET_IN_CLEAR}; encrypt it (`sops --encrypt --in-place {path}`: kustomize-controller \
         decrypts a generator's encrypted inputs), or {INSTEAD}"
    )
}

fn quoted(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `text`, the contents of file `path`, is SOPS-encrypted in a format SOPS
/// writes: YAML or JSON with a top-level `sops` map, a dotenv with `sops_mac=`, an INI
/// file with a `[sops]` section.
pub(crate) fn is_encrypted_file(path: &str, text: &str) -> bool {
    let is = |ext: &[&str]| ext.iter().any(|e| path.ends_with(e));
    if is(&[".env"]) {
        return text.lines().any(|l| l.starts_with("sops_mac=ENC["));
    }
    if is(&[".ini"]) {
        return text.lines().any(|l| l.trim() == "[sops]");
    }
    let docs: Vec<Value> = if is(&[".json"]) {
        serde_json::from_str(text).into_iter().collect()
    } else {
        match yaml_documents(text) {
            Some(docs) => docs,
            None => return false,
        }
    };
    !docs.is_empty()
        && docs.iter().all(|d| {
            d["sops"]["mac"]
                .as_str()
                .is_some_and(|m| m.starts_with("ENC["))
        })
}

/// The documents of a YAML text, `None` if it does not parse (a template, a fragment).
pub(crate) fn yaml_documents(text: &str) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value = <Value as serde::Deserialize>::deserialize(doc).ok()?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Some(out)
}

/// The key kinds SOPS can encrypt a file's data key to.
const RECIPIENTS: [&str; 6] = ["age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault"];

/// Who can decrypt a SOPS document: the kinds of its recipients (`age`, `pgp`, `kms`, …).
pub(crate) fn recipient_kinds(sops: &Value) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = RECIPIENTS
        .iter()
        .copied()
        .filter(|k| sops[*k].as_array().is_some_and(|a| !a.is_empty()))
        .collect();
    for group in sops["key_groups"].as_array().into_iter().flatten() {
        for k in RECIPIENTS {
            if group[k].as_array().is_some_and(|a| !a.is_empty()) && !kinds.contains(&k) {
                kinds.push(k);
            }
        }
    }
    kinds
}

/// Which values of a document SOPS encrypts, from its `sops` metadata.
pub(crate) struct Rules {
    encrypted_regex: Option<Regex>,
    unencrypted_regex: Option<Regex>,
    encrypted_suffix: Option<String>,
    unencrypted_suffix: Option<String>,
}

impl Rules {
    /// The rules a document's `sops` metadata records; `Err` names a regex that does not
    /// compile.
    pub(crate) fn of(sops: &Value) -> Result<Rules, String> {
        let text = |k: &str| {
            sops[k]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let regex = |k: &str| {
            text(k)
                .map(|r| {
                    Regex::new(&r).map_err(|e| format!("sops.{k} {r:?} does not compile: {e}"))
                })
                .transpose()
        };
        let encrypted_regex = regex("encrypted_regex")?;
        let unencrypted_regex = regex("unencrypted_regex")?;
        let encrypted_suffix = text("encrypted_suffix");
        // SOPS's default when no rule is set: everything but keys ending `_unencrypted`.
        let unencrypted_suffix = text("unencrypted_suffix").or_else(|| {
            (encrypted_regex.is_none()
                && unencrypted_regex.is_none()
                && encrypted_suffix.is_none()
                && text("encrypted_comment_regex").is_none()
                && text("unencrypted_comment_regex").is_none())
            .then(|| "_unencrypted".to_owned())
        });
        Ok(Rules {
            encrypted_regex,
            unencrypted_regex,
            encrypted_suffix,
            unencrypted_suffix,
        })
    }

    /// Whether SOPS encrypts the value at `path` (the map keys leading to it).
    fn encrypts(&self, path: &[&str]) -> bool {
        let mut encrypted = true;
        if let Some(suffix) = &self.unencrypted_suffix
            && path.iter().any(|k| k.ends_with(suffix.as_str()))
        {
            encrypted = false;
        }
        if let Some(suffix) = &self.encrypted_suffix {
            encrypted = path.iter().any(|k| k.ends_with(suffix.as_str()));
        }
        if let Some(re) = &self.unencrypted_regex
            && path.iter().any(|k| re.is_match(k))
        {
            encrypted = false;
        }
        if let Some(re) = &self.encrypted_regex {
            encrypted = path.iter().any(|k| re.is_match(k));
        }
        encrypted
    }
}

/// Whether `value` is a value SOPS wrote encrypted.
fn is_ciphertext(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.starts_with("ENC[") && s.ends_with(']'))
}

/// What is wrong with a SOPS-encrypted YAML document (one with a `sops` field) that a
/// Kustomization applies: `(field, problem)`. Names fields, never values.
pub(crate) fn document_problems(doc: &Value) -> Vec<(String, String)> {
    let sops = &doc["sops"];
    let mut out = Vec::new();
    if !sops["mac"].as_str().is_some_and(|m| m.starts_with("ENC[")) {
        out.push((
            "sops.mac".into(),
            "is missing: SOPS did not write this file (or it was edited by hand), and SOPS \
             refuses to decrypt it"
                .into(),
        ));
    }
    if recipient_kinds(sops).is_empty() {
        out.push((
            "sops".into(),
            "names no recipient (age, pgp, kms, gcp_kms, azure_kv, hc_vault): no key can \
             decrypt it"
                .into(),
        ));
    }
    if doc["kind"] != "Secret" || doc["apiVersion"] != "v1" {
        out.push((
            "kind".into(),
            format!(
                "is {} {}: kustomize-controller decrypts only v1 Secrets, so Flux would apply \
                 this document still encrypted; make it a Secret (and refer to it), or keep it \
                 out of the folders Flux applies",
                doc["apiVersion"].as_str().unwrap_or("(no apiVersion)"),
                doc["kind"].as_str().unwrap_or("(no kind)")
            ),
        ));
    }
    for field in ["apiVersion", "kind"] {
        if is_ciphertext(&doc[field]) {
            out.push((
                field.into(),
                "is encrypted: kustomize cannot build a document whose type it cannot read; \
                 encrypt only the values (`sops --encrypted-regex '^(data|stringData)$'`)"
                    .into(),
            ));
        }
    }
    for field in ["name", "namespace"] {
        if is_ciphertext(&doc["metadata"][field]) {
            out.push((
                format!("metadata.{field}"),
                "is encrypted: kustomize cannot build a document whose identity it cannot \
                 read; encrypt only the values (`sops --encrypted-regex '^(data|stringData)$'`)"
                    .into(),
            ));
        }
    }
    let rules = match Rules::of(sops) {
        Ok(rules) => rules,
        Err(problem) => {
            out.push(("sops".into(), problem));
            return out;
        }
    };
    let Some(map) = doc.as_object() else {
        return out;
    };
    let mut clear = Vec::new();
    for (key, value) in map.iter().filter(|(k, _)| *k != "sops") {
        leaves_in_clear(value, &mut vec![key.as_str()], &rules, &mut clear);
    }
    if !clear.is_empty() {
        out.push((
            clear[0].clone(),
            format!(
                "{} in clear although the file's own sops rules say {} encrypted: edited \
                 after encryption? Run `sops --encrypt --in-place` on it again (or `sops edit`)",
                if clear.len() == 1 {
                    "is".to_owned()
                } else {
                    format!("and {} more values are", clear.len() - 1)
                },
                if clear.len() == 1 {
                    "it is"
                } else {
                    "they are"
                }
            ),
        ));
    }
    // A Secret's values are the secret, whatever the rules say.
    for field in ["data", "stringData"] {
        let plain: Vec<&str> = doc[field]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| !(is_ciphertext(v) || v.is_null() || v.as_str() == Some("")))
            .map(|(k, _)| k.as_str())
            .collect();
        if !plain.is_empty() && !clear.iter().any(|c| c.starts_with(field)) {
            out.push((
                field.into(),
                format!(
                    "holds {} {SECRET_IN_CLEAR}: the file's sops rules leave them unencrypted; \
                     encrypt with `--encrypted-regex '^(data|stringData)$'`",
                    quoted(&plain)
                ),
            ));
        }
    }
    out
}

/// The field paths of the scalars below `value` that `rules` encrypt but that are not
/// ciphertext.
fn leaves_in_clear<'v>(
    value: &'v Value,
    path: &mut Vec<&'v str>,
    rules: &Rules,
    out: &mut Vec<String>,
) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(k);
                leaves_in_clear(v, path, rules, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for item in items {
                leaves_in_clear(item, path, rules, out);
            }
        }
        Value::Null => {}
        scalar => {
            if rules.encrypts(path) && !is_ciphertext(scalar) {
                out.push(path.join("."));
            }
        }
    }
}

/// Credentials written into an address (`https://user:token@host/…`, a webhook URL whose
/// path is its token): `Some(what)` says which, never the value.
pub(crate) fn credentials_in_address(address: &str) -> Option<&'static str> {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && userinfo.contains(':')
    {
        return Some("a user name and password (user:password@)");
    }
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let path = &rest[authority.len()..];
    let webhook = [
        ("hooks.slack.com", "/services/", "a Slack webhook token"),
        ("discord.com", "/api/webhooks/", "a Discord webhook token"),
        (
            "discordapp.com",
            "/api/webhooks/",
            "a Discord webhook token",
        ),
        (
            "chat.googleapis.com",
            "/v1/spaces/",
            "a Google Chat webhook key and token",
        ),
    ];
    for (h, p, what) in webhook {
        if host == h && path.starts_with(p) && path.len() > p.len() {
            return Some(what);
        }
    }
    if host.ends_with(".webhook.office.com") || host.ends_with(".logic.azure.com") {
        return Some("a Microsoft Teams webhook token");
    }
    let query = address.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.to_ascii_lowercase()))
        .any(|k| {
            matches!(
                k.as_str(),
                "token" | "access_token" | "api_key" | "apikey" | "key" | "password" | "sig"
            )
        })
        .then_some("a token in the query string")
}

/// Why an address with credentials is refused.
pub(crate) fn address_problem(what: &str) -> String {
    format!(
        "holds {what} {SECRET_IN_CLEAR}: put the address in a Secret (the kind's secretRef, key \
         `address`) and keep it out of the spec"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sops_rules_encrypt_what_sops_would() {
        let regex = Rules::of(&json!({"encrypted_regex": "^(data|stringData)$"})).unwrap();
        assert!(regex.encrypts(&["stringData", "password"]));
        assert!(!regex.encrypts(&["metadata", "name"]));
        let default = Rules::of(&json!({})).unwrap();
        assert!(default.encrypts(&["metadata", "name"]));
        assert!(!default.encrypts(&["metadata", "name_unencrypted"]));
        let suffix = Rules::of(&json!({"encrypted_suffix": "_secret"})).unwrap();
        assert!(suffix.encrypts(&["db_secret", "x"]));
        assert!(!suffix.encrypts(&["db", "x"]));
    }

    #[test]
    fn credentials_in_addresses_are_found_without_their_values() {
        for (address, found) in [
            ("https://user:ghp_abc@github.com/org/repo", true),
            ("https://git@github.com/org/repo", false),
            ("ssh://git@github.com/org/repo", false),
            ("https://hooks.slack.com/services/T000/B000/XXXX", true),
            ("https://slack.com/api/chat.postMessage", false),
            ("https://discord.com/api/webhooks/1/abc", true),
            ("https://org.webhook.office.com/webhookb2/abc", true),
            ("https://example.com/hook?token=abc", true),
            ("https://example.com/hook?channel=ops", false),
        ] {
            assert_eq!(
                credentials_in_address(address).is_some(),
                found,
                "{address}"
            );
        }
    }
}
