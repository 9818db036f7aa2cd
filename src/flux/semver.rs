//! Version ranges and tag filters as Flux's controllers read them: semver constraints
//! parsed as Masterminds semver v3 does (image-reflector-controller's ImagePolicy,
//! source-controller's semver refs), tag patterns compiled as RE2 and the `extract`
//! template expanded as Go's `regexp.Expand`. A range or pattern the controller would
//! refuse, or an `extract` naming no group (which Go expands to an empty string, so every
//! tag compares equal), is refused here with the field.

use std::cmp::Ordering;
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

/// A version as Masterminds semver's `NewVersion` reads it: `v` allowed, minor and patch
/// optional (`1.2` is `1.2.0`), no leading zeros, prerelease and build metadata kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
}

/// Masterminds' `semVerRegex`, anchored.
fn version_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?",
            r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?",
            r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
        ))
        .expect("the version pattern compiles")
    })
}

impl Version {
    /// The version `text` is, or `None` where `NewVersion` returns an error (the
    /// image-reflector-controller then leaves the tag out).
    pub(crate) fn parse(text: &str) -> Option<Version> {
        let c = version_regex().captures(text)?;
        let number = |i: usize| c.get(i).map_or(Some(0), |m| m.as_str().parse().ok());
        Some(Version {
            major: number(1)?,
            minor: number(2)?,
            patch: number(3)?,
            pre: c.get(4).map_or(String::new(), |m| m.as_str().to_owned()),
        })
    }

    /// Precedence as `Version.Compare`: numbers, then a release above its prereleases,
    /// prereleases part by part (numeric parts below alphanumeric ones).
    fn compare(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &other.pre),
            })
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..a.len().max(b.len()) {
        let (s, o) = (
            a.get(i).copied().unwrap_or(""),
            b.get(i).copied().unwrap_or(""),
        );
        let order = match (s, o) {
            _ if s == o => Ordering::Equal,
            ("", _) => Ordering::Less,
            (_, "") => Ordering::Greater,
            _ => match (s.parse::<u64>(), o.parse::<u64>()) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                (Ok(_), Err(_)) => Ordering::Less,
                (Err(_), Ok(_)) => Ordering::Greater,
                (Err(_), Err(_)) => s.cmp(o),
            },
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// One comparison of a constraint (`>=1.2`, `~1.x`): its operator, its version with the
/// wildcards as zeros, and which parts were wildcards or left out.
struct Comparison {
    op: String,
    version: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

fn is_x(part: &str) -> bool {
    matches!(part, "x" | "X" | "*")
}

impl Comparison {
    /// Masterminds' `parseConstraint` of one `op version`.
    fn parse(text: &str) -> Option<Comparison> {
        static RE: OnceLock<Regex> = OnceLock::new();
        let re = RE.get_or_init(|| {
            Regex::new(&format!(r"^\s*({OPS})\s*({CV})\s*$")).expect("the pattern compiles")
        });
        let c = re.captures(text)?;
        let part = |i: usize| c.get(i).map_or("", |m| m.as_str());
        let (major, minor, patch) = (
            part(3),
            part(4).trim_start_matches('.'),
            part(5).trim_start_matches('.'),
        );
        let pre = part(6);
        let (text, dirty, minor_dirty, patch_dirty) = if is_x(major) || major.is_empty() {
            (format!("0.0.0{pre}"), true, false, false)
        } else if is_x(minor) || minor.is_empty() {
            (format!("{major}.0.0{pre}"), true, true, false)
        } else if is_x(patch) || patch.is_empty() {
            (format!("{major}.{minor}.0{pre}"), true, false, true)
        } else {
            (format!("{major}.{minor}.{patch}{pre}"), false, false, false)
        };
        Some(Comparison {
            op: part(1).to_owned(),
            version: Version::parse(&text)?,
            dirty,
            minor_dirty,
            patch_dirty,
        })
    }

    /// Masterminds' constraint functions, prereleases admitted when `include_pre`.
    fn admits(&self, v: &Version, include_pre: bool) -> bool {
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.version;
        let order = v.compare(c);
        match self.op.as_str() {
            "" | "=" if self.dirty => self.tilde(v),
            "" | "=" => order == Ordering::Equal,
            "!=" => {
                if self.dirty {
                    if c.major != v.major {
                        return true;
                    }
                    if self.minor_dirty {
                        return false;
                    }
                    if c.minor != v.minor {
                        return true;
                    }
                    if self.patch_dirty {
                        return (!v.pre.is_empty() || !c.pre.is_empty())
                            && compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                    }
                }
                order != Ordering::Equal
            }
            ">" => {
                if !self.dirty {
                    return order == Ordering::Greater;
                }
                if v.major != c.major {
                    return v.major > c.major;
                }
                if self.minor_dirty {
                    return false;
                }
                if self.patch_dirty {
                    return v.minor > c.minor;
                }
                order == Ordering::Greater
            }
            "<" => order == Ordering::Less,
            ">=" | "=>" => order != Ordering::Less,
            "<=" | "=<" => {
                if !self.dirty {
                    return order != Ordering::Greater;
                }
                !(v.major > c.major
                    || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            "~" | "~>" => self.tilde(v),
            "^" => {
                if order == Ordering::Less {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                v.patch == c.patch
            }
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.version;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if (c.major, c.minor, c.patch) == (0, 0, 0) && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        v.major == c.major && (v.minor == c.minor || self.minor_dirty)
    }
}

/// Whether `version` satisfies `range` as Masterminds' `Constraints.Check` decides (a
/// prerelease only where its `||` group names one); `false` when either does not parse.
pub(crate) fn admits(range: &str, version: &str) -> bool {
    let Some(version) = Version::parse(version) else {
        return false;
    };
    if constraint_error(range).is_some() {
        return false;
    }
    static FIND: OnceLock<Regex> = OnceLock::new();
    let find = FIND
        .get_or_init(|| Regex::new(&format!(r"({OPS})\s*({CV})")).expect("the pattern compiles"));
    let (_, hyphen) = regexes();
    let rewritten = hyphen.replace_all(range, |c: &regex::Captures| {
        format!(">= {}, <= {} ", &c[1], &c[11])
    });
    rewritten.split("||").any(|group| {
        let mut found: Vec<&str> = find.find_iter(group).map(|m| m.as_str()).collect();
        if found.is_empty() {
            found.push(group);
        }
        let comparisons: Option<Vec<Comparison>> = found
            .iter()
            .map(|text| {
                if text.is_empty() {
                    Comparison::parse("*")
                } else {
                    Comparison::parse(text)
                }
            })
            .collect();
        let Some(comparisons) = comparisons else {
            return false;
        };
        let include_pre = comparisons.iter().any(|c| !c.version.pre.is_empty());
        comparisons.iter().all(|c| c.admits(&version, include_pre))
    })
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

    #[test]
    fn versions_satisfy_ranges_as_masterminds_semver_checks_them() {
        // Each operator, with and without wildcards and prereleases.
        for (range, version, want) in [
            ("=2.0.0", "1.2.3", false),
            ("=2.0.0", "2.0.0", true),
            ("4.1", "4.1.0", true),
            ("!=4.1", "4.1.0", false),
            ("!=4.1", "5.1.0", true),
            (">1.1", "4.1.0", true),
            (">1.1", "1.1.0", false),
            ("<1.1", "0.1.0", true),
            ("<1.1", "1.1.0", false),
            (">=1.1", "1.1.0", true),
            ("<=1.1", "1.1.1", true),
            ("<=1.1", "1.2.0", false),
            (">0", "0.1.0", false),
            (">0", "1.0.0", true),
            ("~1.2.3", "1.2.4", true),
            ("~1.2.3", "1.3.0", false),
            ("~1", "1.9.0", true),
            ("~1", "2.0.0", false),
            ("^1.2.3", "1.8.9", true),
            ("^1.2.3", "2.0.0", false),
            ("^0.2.3", "0.2.9", true),
            ("^0.2.3", "0.3.0", false),
            ("^0.0.3", "0.0.4", false),
            ("1.x", "1.9.9", true),
            ("1.x", "2.0.0", false),
            ("*", "7.0.0", true),
            (">=1.0.0 <2.0.0", "1.5.0", true),
            (">=1.0.0, <2.0.0", "2.0.0", false),
            ("1.2 - 1.4.5", "1.4.5", true),
            ("1.2 - 1.4.5", "1.4.6", false),
            ("1.0.0 || >=2.1.0", "2.0.0", false),
            ("1.0.0 || >=2.1.0", "2.2.0", true),
            (">=6.0.0", "v6.1.0", true),
            // A prerelease only where the range names one.
            (">=1.0.0", "1.1.0-rc.1", false),
            (">=1.0.0-0", "1.1.0-rc.1", true),
            (">=1.2.3-beta.2", "1.2.3-beta.10", true),
            (">=1.2.3-beta.10", "1.2.3-beta.2", false),
            // Not versions.
            (">=1.0.0", "latest", false),
            (">=1.0.0", "01.2.3", false),
        ] {
            assert_eq!(admits(range, version), want, "{version} in {range}");
        }
    }

    #[test]
    fn versions_satisfy_ranges_as_in_masterminds_own_tests() {
        // TestConstraintsCheck of Masterminds/semver v3 (constraints_test.go, MIT).
        for (range, version, want) in [
            ("*", "1.2.3", true),
            ("~0.0.0", "1.2.3", true),
            ("0.x.x", "1.2.3", false),
            ("0.0.x", "1.2.3", false),
            ("0.0.0", "1.2.3", false),
            ("*", "1.2.3", true),
            ("^0.0.0", "1.2.3", false),
            ("= 2.0", "1.2.3", false),
            ("= 2.0", "2.0.0", true),
            ("4.1", "4.1.0", true),
            ("4.1.x", "4.1.3", true),
            ("1.x", "1.4", true),
            ("!=4.1", "4.1.0", false),
            ("!=4.1-alpha", "4.1.0-alpha", false),
            ("!=4.1-alpha", "4.1.1-alpha", false),
            ("!=4.1-alpha", "4.1.0", true),
            ("!=4.1", "5.1.0", true),
            ("!=4.x", "5.1.0", true),
            ("!=4.x", "4.1.0", false),
            ("!=4.1.x", "4.2.0", true),
            ("!=4.2.x", "4.2.3", false),
            (">1.1", "4.1.0", true),
            (">1.1", "1.1.0", false),
            ("<1.1", "0.1.0", true),
            ("<1.1", "1.1.0", false),
            ("<1.1", "1.1.1", false),
            ("<1.x", "1.1.1", false),
            ("<1.x", "0.1.1", true),
            ("<1.x", "2.0.0", false),
            ("<1.1.x", "1.2.1", false),
            ("<1.1.x", "1.1.500", false),
            ("<1.1.x", "1.0.500", true),
            ("<1.2.x", "1.1.1", true),
            (">=1.1", "4.1.0", true),
            (">=1.1", "4.1.0-beta", false),
            (">=1.1", "1.1.0", true),
            (">=1.1", "0.0.9", false),
            ("<=1.1", "0.1.0", true),
            ("<=1.1", "0.1.0-alpha", false),
            ("<=1.1-a", "0.1.0-alpha", true),
            ("<=1.1", "1.1.0", true),
            ("<=1.x", "1.1.0", true),
            ("<=2.x", "3.0.0", false),
            ("<=1.1", "1.1.1", true),
            ("<=1.1.x", "1.2.500", false),
            ("<=4.5", "3.4.0", true),
            ("<=4.5", "3.7.0", true),
            ("<=4.5", "4.6.3", false),
            (">1.1, <2", "1.1.1", false),
            (">1.1, <2", "1.2.1", true),
            (">1.1, <3", "4.3.2", false),
            (">=1.1, <2, !=1.2.3", "1.2.3", false),
            (">1.1 <2", "1.1.1", false),
            (">1.1 <2", "1.2.1", true),
            (">1.1    <3", "4.3.2", false),
            (">=1.1    <2    !=1.2.3", "1.2.3", false),
            (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
            (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", false),
            (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", true),
            (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
            (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
            (">=1.1 <2 !=1.2.3", "1.2.3", false),
            (">=1.1 <2 !=1.2.3 || > 3", "4.1.2", true),
            (">=1.1 <2 !=1.2.3 || > 3", "3.1.2", false),
            (">=1.1 <2 !=1.2.3 || >= 3", "3.0.0", true),
            (">=1.1 <2 !=1.2.3 || > 3", "3.0.0", false),
            (">=1.1 <2 !=1.2.3 || > 3", "1.2.3", false),
            ("> 1.1, <     2", "1.1.1", false),
            (">   1.1, <2", "1.2.1", true),
            (">1.1, <  3", "4.3.2", false),
            (">= 1.1, <     2, !=1.2.3", "1.2.3", false),
            ("> 1.1 < 2", "1.1.1", false),
            (">1.1 < 2", "1.2.1", true),
            ("> 1.1    <3", "4.3.2", false),
            (">=1.1    < 2    != 1.2.3", "1.2.3", false),
            (">= 1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
            (">= 1.1, <2, != 1.2.3 || > 3", "3.1.2", false),
            (">= 1.1, <2, != 1.2.3 || >= 3", "3.0.0", true),
            (">= 1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
            (">= 1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
            (">= 1.1 <2 != 1.2.3", "1.2.3", false),
            (">= 1.1 <2 != 1.2.3 || > 3", "4.1.2", true),
            (">= 1.1 <2 != 1.2.3 || > 3", "3.1.2", false),
            (">= 1.1 <2 != 1.2.3 || >= 3", "3.0.0", true),
            (">= 1.1 < 2 !=1.2.3 || > 3", "3.0.0", false),
            (">=1.1 < 2 !=1.2.3 || > 3", "1.2.3", false),
            (">= 1.0.0  <= 2.0.0-beta", "1.0.1-beta", true),
            (">= 1.0.0  <= 2.0.0-beta", "1.0.1", true),
            (">= 1.0.0  <= 2.0.0-beta", "3.0.0", false),
            (">= 1.0.0  <= 2.0.0-beta || > 3", "1.0.1-beta", true),
            (">= 1.0.0  <= 2.0.0-beta || > 3", "3.0.1-beta", false),
            (
                ">= 1.0.0  <= 2.0.0-beta != 1.0.1 || > 3",
                "1.0.1-beta",
                true,
            ),
            (
                ">= 1.0.0  <= 2.0.0-beta != 1.0.1-beta || > 3",
                "1.0.1-beta",
                false,
            ),
            (">= 1.0.0-0  <= 2.0.0", "1.0.1-beta", true),
            ("1.1 - 2", "1.1.1", true),
            ("1.5.0 - 4.5", "3.7.0", true),
            ("1.1-3", "4.3.2", false),
            ("^1.1", "1.1.1", true),
            ("^1.1", "4.3.2", false),
            ("^1.x", "1.1.1", true),
            ("^2.x", "1.1.1", false),
            ("^1.x", "2.1.1", false),
            ("^1.x", "1.1.1-beta1", false),
            ("^1.1.2-alpha", "1.2.1-beta1", true),
            ("^1.2.x-alpha", "1.1.1-beta1", false),
            ("^0.0.1", "0.0.1", true),
            ("^0.0.1", "0.3.1", false),
            ("~*", "2.1.1", true),
            ("~1", "2.1.1", false),
            ("~1", "1.3.5", true),
            ("~1", "1.4", true),
            ("~1.x", "2.1.1", false),
            ("~1.x", "1.3.5", true),
            ("~1.x", "1.4", true),
            ("~1.1", "1.1.1", true),
            ("~1.1", "1.1.1-alpha", false),
            ("~1.1-alpha", "1.1.1-beta", true),
            ("~1.1.1-beta", "1.1.1-alpha", false),
            ("~1.1.1-beta", "1.1.1", true),
            ("~1.2.3", "1.2.5", true),
            ("~1.2.3", "1.2.2", false),
            ("~1.2.3", "1.3.2", false),
            ("~1.1", "1.2.3", false),
            ("~1.3", "2.4.5", false),
            ("1.0.0 - 2.0.0 <=2.0.0", "1.5.0", true),
            ("1.0.0 - 2.0.0, <=2.0.0", "1.5.0", true),
        ] {
            assert_eq!(admits(range, version), want, "{version} in {range}");
        }
    }
}
