//! Version ranges and tag filters as Flux's controllers read them: semver constraints
//! parsed as Masterminds semver v3 does (image-reflector-controller's ImagePolicy,
//! source-controller's semver refs), tag patterns compiled as RE2 and the `extract`
//! template expanded as Go's `regexp.Expand`. A range or pattern the controller would
//! refuse, or an `extract` naming no group (which Go expands to an empty string, so every
//! tag compares equal), is refused here with the field.

use std::sync::OnceLock;

use regex::Regex;

/// A version in a constraint (Masterminds' `cvRegex`: `x`, `X` and `*` as wildcards).
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

/// The operators, the empty one first (leftmost-first, as in Go).
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

/// `(valid segment, hyphen range)` as Masterminds compiles them.
fn regexes() -> &'static (Regex, Regex) {
    static RE: OnceLock<(Regex, Regex)> = OnceLock::new();
    RE.get_or_init(|| {
        let valid = Regex::new(&format!(
            r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$"
        ))
        .expect("the constraint pattern compiles");
        let range =
            Regex::new(&format!(r"\s*({CV})\s+-\s+({CV})\s*")).expect("the range pattern compiles");
        (valid, range)
    })
}

/// What Masterminds semver (`semver.NewConstraint`) says of `range`: `None` when it
/// parses, else its error (`improper constraint: latest`).
pub(crate) fn constraint_error(range: &str) -> Option<String> {
    let (valid, hyphen) = regexes();
    // `1.2 - 1.4` is rewritten to `>= 1.2, <= 1.4` first.
    let rewritten = hyphen.replace_all(range, |c: &regex::Captures| {
        format!(">= {}, <= {} ", &c[1], &c[11])
    });
    rewritten
        .split("||")
        .find(|segment| !valid.is_match(segment))
        .map(|segment| format!("improper constraint: {segment}"))
}

/// Why `range` is refused in `field`'s kind, or `None`.
pub(crate) fn range_problem(range: &str) -> Option<String> {
    if range.trim().is_empty() {
        return Some("is an empty semver range".to_owned());
    }
    constraint_error(range).map(|e| {
        format!(
            "{range:?} is not a semver range the controller accepts ({e}); write one such as \
             \">=1.0.0 <2.0.0\", \"1.x\", \"~1.2\" or \"^1.2.3\""
        )
    })
}

/// Why a `filterTags` `pattern` and `extract` are refused: the pattern does not compile
/// as RE2, or `extract` names a group the pattern does not have.
pub(crate) fn filter_problem(
    pattern: &str,
    extract: Option<&str>,
) -> Option<(&'static str, String)> {
    let re = match Regex::new(pattern) {
        Ok(re) => re,
        Err(e) => {
            let why = e.to_string();
            let last = why.lines().last().unwrap_or(&why).trim().to_owned();
            return Some((
                "spec.filterTags.pattern",
                format!("{pattern:?} is not a regular expression Go's regexp compiles: {last}"),
            ));
        }
    };
    let extract = extract?;
    for group in template_groups(extract) {
        let known = match group.parse::<usize>() {
            Ok(n) => n < re.captures_len(),
            Err(_) => re.capture_names().flatten().any(|n| n == group),
        };
        if !known {
            return Some((
                "spec.filterTags.extract",
                format!(
                    "{extract:?} names group {group:?}, which pattern {pattern:?} does not have: \
                     Go expands it to an empty string, so every tag would compare equal"
                ),
            ));
        }
    }
    None
}

/// The groups a Go `regexp.Expand` template names: `$name` (as long as possible),
/// `${name}`; `$$` is a literal `$`.
fn template_groups(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            rest = r;
            continue;
        }
        let (name, after) = match rest.strip_prefix('{') {
            Some(r) => match r.find('}') {
                Some(end) => (&r[..end], &r[end + 1..]),
                None => break,
            },
            None => {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        if !name.is_empty() {
            out.push(name);
        }
        rest = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_as_masterminds_semver_does() {
        for ok in [
            ">=1.0.0 <2.0.0",
            ">=1.0.0, <2.0.0",
            "1.x",
            "*",
            "^1.2.3",
            "~1.2",
            "1.2 - 1.4.5",
            ">=1.0.0-0",
            "v1.2.3",
            "1.0.0 || >=2.1.0",
            ">= 6.0.0",
        ] {
            assert_eq!(constraint_error(ok), None, "{ok}");
        }
        for bad in ["latest", "stable", ">=1.0.0 &&<2", "1.0.0 ||", "main-*"] {
            assert!(constraint_error(bad).is_some(), "{bad}");
        }
        assert_eq!(
            constraint_error("latest").as_deref(),
            Some("improper constraint: latest")
        );
    }

    #[test]
    fn extract_templates_name_the_groups_go_would_expand() {
        assert_eq!(template_groups("$ts"), ["ts"]);
        assert_eq!(template_groups("${ts}-x$1"), ["ts", "1"]);
        assert_eq!(template_groups("$$ts"), Vec::<&str>::new());
        assert!(filter_problem("^main-(?P<ts>[0-9]+)$", Some("$ts")).is_none());
        assert!(filter_problem("^main-(?P<ts>[0-9]+)$", Some("$1")).is_none());
        assert_eq!(
            filter_problem("^main-(?P<ts>[0-9]+)$", Some("$time")).map(|p| p.0),
            Some("spec.filterTags.extract")
        );
        assert_eq!(
            filter_problem("^main-([0-9]+", None).map(|p| p.0),
            Some("spec.filterTags.pattern")
        );
    }
}
