//! Values that Kubernetes and Flux constrain: object names, namespace names and durations.
//!
//! Each type has a `const fn` checker, so a literal written with [`name!`](crate::name),
//! [`namespace!`](crate::namespace) or [`duration!`](crate::duration) is validated by the
//! compiler, and a fallible parser for values built at run time.

use std::borrow::Cow;
use std::fmt;

/// A name or namespace built at run time that is not a valid Kubernetes name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: {problem}")]
pub struct InvalidName {
    /// `name` or `namespace`.
    pub what: &'static str,
    /// The text given.
    pub value: String,
    /// Why it is invalid.
    pub problem: &'static str,
}

/// A duration built at run time that is not one Flux accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {value:?}: {problem}")]
pub struct InvalidDuration {
    /// The text given.
    pub value: String,
    /// Why it is invalid.
    pub problem: &'static str,
}

/// The longest name a Flux object may have: Flux copies it into label values
/// (`kustomize.toolkit.fluxcd.io/name`), which Kubernetes limits to 63 characters.
pub const MAX_NAME_LEN: usize = 63;

/// Why a string is not a valid name; the checkers return it, the macros turn it into a
/// compile error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// The name is longer than 63 characters.
    TooLong,
    /// A character other than `a-z`, `0-9`, `-` and `.` in a name.
    InvalidCharacter,
    /// A character other than `a-z`, `0-9` and `-` in a namespace name (a DNS label).
    InvalidLabelCharacter,
    /// A `.` in a namespace name, which is a single DNS label.
    Dot,
    /// The name, or a dot-separated part of it, starts or ends with something other than
    /// a lowercase letter or digit.
    BadEdge,
}

impl NameProblem {
    /// One sentence describing the problem.
    pub const fn describe(self) -> &'static str {
        match self {
            NameProblem::Empty => "it is empty",
            NameProblem::TooLong => "it is longer than 63 characters",
            NameProblem::InvalidCharacter => {
                "it may contain only lowercase letters, digits, '-' and '.' (RFC 1123)"
            }
            NameProblem::InvalidLabelCharacter => {
                "it may contain only lowercase letters, digits and '-' (RFC 1123 label)"
            }
            NameProblem::Dot => {
                "it contains '.': a namespace name is a single DNS label (RFC 1123), without dots"
            }
            NameProblem::BadEdge => {
                "it must start and end with a lowercase letter or digit (RFC 1123)"
            }
        }
    }
}

const fn is_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// Checks an RFC 1123 name of at most 63 characters; with `dots`, a DNS subdomain
/// (dot-separated labels), without, a single DNS label.
const fn check_rfc1123(s: &str, dots: bool) -> Option<NameProblem> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Some(NameProblem::Empty);
    }
    if b.len() > MAX_NAME_LEN {
        return Some(NameProblem::TooLong);
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let edge = i == 0 || i == b.len() - 1 || (dots && (b[i - 1] == b'.' || b[i + 1] == b'.'));
        if c == b'.' && dots {
            if i == 0 || i == b.len() - 1 || b[i - 1] == b'.' {
                return Some(NameProblem::BadEdge);
            }
        } else if c == b'-' {
            if edge {
                return Some(NameProblem::BadEdge);
            }
        } else if c == b'.' {
            return Some(NameProblem::Dot);
        } else if !is_alnum(c) {
            return Some(if dots {
                NameProblem::InvalidCharacter
            } else {
                NameProblem::InvalidLabelCharacter
            });
        }
        i += 1;
    }
    None
}

/// The name of a Flux object or of an object it refers to: an RFC 1123 subdomain of at
/// most 63 characters.
///
/// ```
/// use fluxdsl::{name, Name};
/// let literal = name!("flux-system"); // checked by the compiler
/// let built = Name::new(format!("app-{}", 7)).unwrap(); // checked at run time
/// assert_eq!(literal.as_str(), "flux-system");
/// assert_eq!(built.as_str(), "app-7");
/// assert!(Name::new("Not_Valid").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Cow<'static, str>);

impl Name {
    /// Checks a name without allocating; used by [`name!`](crate::name) at compile time.
    pub const fn check(s: &str) -> Option<NameProblem> {
        check_rfc1123(s, true)
    }

    /// A name from a static string already checked (by [`name!`](crate::name)).
    #[doc(hidden)]
    pub const fn from_checked_static(s: &'static str) -> Name {
        Name(Cow::Borrowed(s))
    }

    /// Parses a name built at run time.
    pub fn new(s: impl Into<String>) -> Result<Name, InvalidName> {
        let s = s.into();
        match Self::check(&s) {
            None => Ok(Name(Cow::Owned(s))),
            Some(problem) => Err(InvalidName {
                what: "name",
                value: s,
                problem: problem.describe(),
            }),
        }
    }

    /// A name holding postBuild variables, which kustomize-controller fills in for each
    /// Kustomization that applies the object (`${cluster_name}-podinfo`): `${var}`,
    /// `${var:=default}`, `${var:-default}`, `${var=default}`, or an operator of
    /// kustomize-controller's substitution (`${domain/./-}`; there is no `${var-default}`).
    /// Checked now with each variable as `x` (or its default), and again with the values
    /// of every Kustomization that applies it; a name without variables is refused here (write
    /// [`name!`](crate::name) or [`Name::new`]).
    ///
    /// ```
    /// use fluxdsl::Name;
    /// let name = Name::with_variables("${cluster_name}-podinfo").unwrap();
    /// assert_eq!(name.as_str(), "${cluster_name}-podinfo");
    /// assert!(name.has_variables());
    /// assert!(Name::with_variables("${1st}-web").is_err()); // not a variable name
    /// assert!(Name::with_variables("${env}_web").is_err()); // `_` is never in a name
    /// assert!(Name::with_variables("web").is_err()); // no variable: use name!
    /// ```
    pub fn with_variables(template: impl Into<String>) -> Result<Name, InvalidName> {
        let template = template.into();
        match placeholder_form(&template) {
            Ok(form) => match Self::check(&form) {
                None => Ok(Name(Cow::Owned(template))),
                Some(problem) => Err(InvalidName {
                    what: "name",
                    value: template,
                    problem: problem.describe(),
                }),
            },
            Err(problem) => Err(InvalidName {
                what: "name",
                value: template,
                problem,
            }),
        }
    }

    /// Whether it holds postBuild variables ([`Name::with_variables`]).
    pub fn has_variables(&self) -> bool {
        self.0.contains("${")
    }

    /// Whether `s` holds `${`: what [`name!`](crate::name) refuses with a pointer to
    /// [`Name::with_variables`].
    #[doc(hidden)]
    pub const fn names_a_variable(s: &str) -> bool {
        let b = s.as_bytes();
        let mut i = 0;
        while i + 1 < b.len() {
            if b[i] == b'$' && b[i + 1] == b'{' {
                return true;
            }
            i += 1;
        }
        false
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `text` holds a postBuild variable expression (`${name…}`, not `$${…}`).
pub(crate) fn holds_variable(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let escaped = at > 0 && rest.as_bytes()[at - 1] == b'$';
        if !escaped
            && rest[at + 2..]
                .chars()
                .next()
                .is_some_and(|c| c == '_' || c == '#' || c.is_ascii_alphabetic())
        {
            return true;
        }
        rest = &rest[at + 2..];
    }
    false
}

/// Whether any string (or key) of `value` holds a postBuild variable.
pub(crate) fn holds_variables(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => holds_variable(s),
        serde_json::Value::Array(items) => items.iter().any(holds_variables),
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, v)| holds_variable(k) || holds_variables(v)),
        _ => false,
    }
}

/// Whether `name` is a variable name kustomize-controller accepts
/// (`^[_[:alpha:]][_[:alpha:][:digit:]]*$`).
pub(crate) fn is_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

/// `template` with each postBuild variable written as `x` (through its operator:
/// `${v/./-}` is `x`, `${#v}` is `1`), or as its default when it has one; why it is not a
/// template of variables otherwise.
pub(crate) fn placeholder_form(template: &str) -> Result<String, &'static str> {
    use crate::envsubst::{self, Node, ParseError};
    const VARIABLE_NAME: &str = "a variable name starts with a letter or `_` and holds only \
                                 letters, digits and `_` (kustomize-controller: \
                                 `^[_[:alpha:]][_[:alpha:][:digit:]]*$`)";
    let parsed = envsubst::parse(template).map_err(|e| match e {
        ParseError::MissingClosingBrace => {
            "kustomize-controller cannot parse a variable here (missing closing brace): it \
             is `${name}`, `${name:=default}`, `${name:-default}`, `${name=default}`, or \
             an operator such as `${name/./-}` (no `${name-default}`)"
        }
        ParseError::VariableName => VARIABLE_NAME,
        _ => "kustomize-controller cannot parse a variable here (bad substitution)",
    })?;
    fn form(template: &[Node], found: &mut bool) -> Result<String, &'static str> {
        let mut out = String::new();
        for node in template {
            match node {
                Node::Text(t) if t.contains('$') => {
                    return Err("a `$` stands only in a variable, `${name}`");
                }
                Node::Text(t) => out.push_str(t),
                Node::Expr(e) => {
                    if !is_variable_name(&e.param) {
                        return Err(VARIABLE_NAME);
                    }
                    *found = true;
                    let args = e
                        .args
                        .iter()
                        .map(|a| form(a, found))
                        .collect::<Result<Vec<String>, _>>()?;
                    match e.has_default() && !args.is_empty() {
                        true => out.push_str(&args.concat()),
                        false => out.push_str(&envsubst::apply(&e.op, "x", &args)),
                    }
                }
            }
        }
        Ok(out)
    }
    let mut found = false;
    let out = form(&parsed, &mut found)?;
    if found {
        Ok(out)
    } else {
        Err("it holds no `${variable}`: a fixed name is written with name!, namespace! or new")
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// The name of a namespace: an RFC 1123 label (no dots) of at most 63 characters.
///
/// ```
/// use fluxdsl::{namespace, NamespaceName};
/// assert_eq!(namespace!("flux-system").as_str(), "flux-system");
/// assert!(NamespaceName::new("kube.system").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NamespaceName(Cow<'static, str>);

impl NamespaceName {
    /// Checks a namespace name without allocating; used by
    /// [`namespace!`](crate::namespace) at compile time.
    pub const fn check(s: &str) -> Option<NameProblem> {
        check_rfc1123(s, false)
    }

    /// A namespace name from a static string already checked.
    #[doc(hidden)]
    pub const fn from_checked_static(s: &'static str) -> NamespaceName {
        NamespaceName(Cow::Borrowed(s))
    }

    /// Parses a namespace name built at run time.
    pub fn new(s: impl Into<String>) -> Result<NamespaceName, InvalidName> {
        let s = s.into();
        match Self::check(&s) {
            None => Ok(NamespaceName(Cow::Owned(s))),
            Some(problem) => Err(InvalidName {
                what: "namespace",
                value: s,
                problem: problem.describe(),
            }),
        }
    }

    /// A namespace name holding postBuild variables (`${tenant}-apps`), as
    /// [`Name::with_variables`]: checked now with each variable as `x` (or its default),
    /// and again with the values of every Kustomization that applies the object.
    ///
    /// ```
    /// use fluxdsl::NamespaceName;
    /// assert!(NamespaceName::with_variables("${tenant}-apps").unwrap().has_variables());
    /// assert!(NamespaceName::with_variables("${tenant}.apps").is_err()); // a label: no dots
    /// ```
    pub fn with_variables(template: impl Into<String>) -> Result<NamespaceName, InvalidName> {
        let template = template.into();
        let problem = match placeholder_form(&template) {
            Ok(form) => Self::check(&form).map(NameProblem::describe),
            Err(problem) => Some(problem),
        };
        match problem {
            None => Ok(NamespaceName(Cow::Owned(template))),
            Some(problem) => Err(InvalidName {
                what: "namespace",
                value: template,
                problem,
            }),
        }
    }

    /// Whether it holds postBuild variables ([`NamespaceName::with_variables`]).
    pub fn has_variables(&self) -> bool {
        self.0.contains("${")
    }

    /// The name, shared when it is a literal.
    pub(crate) fn to_cow(&self) -> Cow<'static, str> {
        self.0.clone()
    }

    /// The namespace `flux-system`, where Flux runs.
    pub const FLUX_SYSTEM: NamespaceName = NamespaceName(Cow::Borrowed("flux-system"));

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NamespaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for NamespaceName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl fmt::Debug for NamespaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// A literal object name, checked at compile time: an RFC 1123 subdomain of at most
/// 63 characters (Flux copies object names into label values).
///
/// ```
/// let name = fluxdsl::name!("certmanager");
/// ```
///
/// ```compile_fail
/// let name = fluxdsl::name!("Cert_Manager"); // uppercase and '_' are not allowed
/// ```
#[macro_export]
macro_rules! name {
    ($name:literal) => {{
        const NAME: $crate::Name = match $crate::Name::check($name) {
            None => $crate::Name::from_checked_static($name),
            // `{}`: the name's braces are no format arguments.
            Some(_) if $crate::Name::names_a_variable($name) => panic!("{}", concat!(
                "name \"", $name, "\" holds a postBuild variable: a literal name is fixed; write \
                 Name::with_variables(\"", $name, "\"), checked with each Kustomization's values"
            )),
            Some($crate::NameProblem::Empty) => panic!("an object name cannot be empty"),
            Some($crate::NameProblem::TooLong) => panic!("{}", concat!(
                "name \"", $name, "\" is longer than 63 characters, the limit for Flux object names"
            )),
            Some($crate::NameProblem::InvalidCharacter) => panic!("{}", concat!(
                "name \"", $name,
                "\" is not a valid Kubernetes name: only lowercase letters, digits, '-' and '.' (RFC 1123)"
            )),
            Some($crate::NameProblem::BadEdge) => panic!("{}", concat!(
                "name \"", $name,
                "\" is not a valid Kubernetes name: it must start and end with a lowercase letter or digit (RFC 1123)"
            )),
            // only namespace names are single labels
            Some(_) => panic!("{}", concat!("name \"", $name, "\" is not a valid Kubernetes name")),
        };
        NAME
    }};
}

/// A literal namespace name, checked at compile time: an RFC 1123 label (no dots) of at
/// most 63 characters.
///
/// ```
/// let ns = fluxdsl::namespace!("kube-system");
/// ```
///
/// ```compile_fail
/// let ns = fluxdsl::namespace!("kube.system"); // a namespace name has no dots
/// ```
#[macro_export]
macro_rules! namespace {
    ($name:literal) => {{
        const NAMESPACE: $crate::NamespaceName = match $crate::NamespaceName::check($name) {
            None => $crate::NamespaceName::from_checked_static($name),
            Some($crate::NameProblem::Empty) => panic!("a namespace name cannot be empty"),
            Some($crate::NameProblem::TooLong) => panic!("{}", concat!(
                "namespace \"",
                $name,
                "\" is longer than 63 characters"
            )),
            Some($crate::NameProblem::Dot) => panic!("{}", concat!(
                "namespace \"",
                $name,
                "\" contains '.': a namespace name is a single DNS label (RFC 1123), without dots"
            )),
            Some($crate::NameProblem::BadEdge) => panic!("{}", concat!(
                "namespace \"",
                $name,
                "\" must start and end with a lowercase letter or digit (RFC 1123 label)"
            )),
            Some(_) => panic!("{}", concat!(
                "namespace \"",
                $name,
                "\" may contain only lowercase letters, digits and '-' (RFC 1123 label)"
            )),
        };
        NAMESPACE
    }};
}

/// A Flux duration (`interval`, `timeout`, `retryInterval`), printed as Go prints a
/// `time.Duration` (`1m0s`, `10m0s`, `1h0m0s`, `30s`, `1m30s`).
///
/// It accepts exactly what Flux's CRDs accept: one or more `<number>[.<fraction>]<unit>`
/// with unit `ms`, `s`, `m` or `h` (pattern `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`).
///
/// ```
/// use fluxdsl::{duration, Duration};
/// assert_eq!(duration!("1m").to_string(), "1m0s");
/// assert_eq!(Duration::parse("1.5h").unwrap().to_string(), "1h30m0s");
/// assert_eq!(Duration::minutes(10).to_string(), "10m0s");
/// assert!(Duration::parse("5 minutes").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: u64,
}

/// Why a string is not a Flux duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationProblem {
    /// Nothing was given.
    Empty,
    /// Something other than `<digits>[.<digits>]<unit>` repeated.
    Malformed,
    /// A unit other than `ms`, `s`, `m`, `h` (Flux accepts no `ns`, `us` or `d`).
    UnknownUnit,
    /// The value does not fit in a Go `time.Duration`.
    Overflow,
    /// Under a second with a part of a millisecond: Go writes it in `µs` or `ns`, units
    /// Flux's schema rejects.
    BelowMillisecond,
}

impl DurationProblem {
    /// One sentence describing the problem.
    pub const fn describe(self) -> &'static str {
        match self {
            DurationProblem::Empty => "it is empty",
            DurationProblem::Malformed => {
                "Flux expects numbers each followed by a unit, like 1m, 30s, 1h30m or 1.5s"
            }
            DurationProblem::UnknownUnit => "the unit must be ms, s, m or h",
            DurationProblem::Overflow => "it is longer than a Go time.Duration can hold",
            DurationProblem::BelowMillisecond => {
                "under 1s it must be whole milliseconds: Go would write it in µs or ns, which Flux's schema rejects"
            }
        }
    }
}

const NANOS_PER_MS: u64 = 1_000_000;
const NANOS_PER_S: u64 = 1_000_000_000;
const MAX_GO_DURATION: u64 = i64::MAX as u64;

impl Duration {
    /// A duration of whole milliseconds.
    ///
    /// # Panics
    /// When it is longer than a Go `time.Duration` holds (about 2,562,047 hours); in a
    /// `const`, that is a compile error.
    #[track_caller]
    pub const fn millis(n: u64) -> Duration {
        Duration::of(
            n,
            NANOS_PER_MS,
            "Duration::millis: longer than a Go time.Duration holds (at most 9223372036854 ms, about 2562047h)",
        )
    }
    /// A duration of whole seconds; panics as [`Duration::millis`] does, at the caller's
    /// line.
    #[track_caller]
    pub const fn seconds(n: u64) -> Duration {
        Duration::of(
            n,
            NANOS_PER_S,
            "Duration::seconds: longer than a Go time.Duration holds (at most 9223372036 s, about 2562047h)",
        )
    }
    /// A duration of whole minutes; panics as [`Duration::millis`] does, at the caller's
    /// line.
    #[track_caller]
    pub const fn minutes(n: u64) -> Duration {
        Duration::of(
            n,
            60 * NANOS_PER_S,
            "Duration::minutes: longer than a Go time.Duration holds (at most 153722867 minutes, about 2562047h)",
        )
    }
    /// A duration of whole hours; panics as [`Duration::millis`] does, at the caller's
    /// line.
    #[track_caller]
    pub const fn hours(n: u64) -> Duration {
        Duration::of(
            n,
            3600 * NANOS_PER_S,
            "Duration::hours: longer than a Go time.Duration holds (at most 2562047 hours)",
        )
    }

    #[track_caller]
    const fn of(n: u64, unit: u64, too_long: &'static str) -> Duration {
        match n.checked_mul(unit) {
            Some(nanos) if nanos <= MAX_GO_DURATION => Duration { nanos },
            _ => panic!("{}", too_long),
        }
    }

    /// The duration in nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.nanos
    }

    /// Parses a duration as Flux's CRD schema accepts it; `const`, so that
    /// [`duration!`](crate::duration) checks literals at compile time.
    pub const fn parse_const(s: &str) -> std::result::Result<Duration, DurationProblem> {
        let b = s.as_bytes();
        if b.is_empty() {
            return Err(DurationProblem::Empty);
        }
        let mut i = 0;
        let mut total: u64 = 0;
        while i < b.len() {
            // integer part
            let start = i;
            let mut whole: u64 = 0;
            while i < b.len() && b[i].is_ascii_digit() {
                whole = match whole.checked_mul(10) {
                    Some(v) => match v.checked_add((b[i] - b'0') as u64) {
                        Some(v) => v,
                        None => return Err(DurationProblem::Overflow),
                    },
                    None => return Err(DurationProblem::Overflow),
                };
                i += 1;
            }
            if i == start {
                return Err(DurationProblem::Malformed);
            }
            // fraction
            let mut frac: u64 = 0;
            let mut scale: u64 = 1;
            if i < b.len() && b[i] == b'.' {
                i += 1;
                let fstart = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    // digits beyond nanosecond precision cannot change the result
                    if scale < 1_000_000_000_000_000_000 {
                        frac = frac * 10 + (b[i] - b'0') as u64;
                        scale *= 10;
                    }
                    i += 1;
                }
                if i == fstart {
                    return Err(DurationProblem::Malformed);
                }
            }
            // unit
            if i >= b.len() {
                return Err(DurationProblem::Malformed);
            }
            let unit: u64 = if b[i] == b'm' && i + 1 < b.len() && b[i + 1] == b's' {
                i += 2;
                NANOS_PER_MS
            } else if b[i] == b's' {
                i += 1;
                NANOS_PER_S
            } else if b[i] == b'm' {
                i += 1;
                60 * NANOS_PER_S
            } else if b[i] == b'h' {
                i += 1;
                3600 * NANOS_PER_S
            } else if b[i].is_ascii_alphabetic() {
                return Err(DurationProblem::UnknownUnit);
            } else {
                return Err(DurationProblem::Malformed);
            };
            let part = match whole.checked_mul(unit) {
                Some(v) => v,
                None => return Err(DurationProblem::Overflow),
            };
            // fraction * unit / scale without overflow: unit <= 3.6e12, frac < scale <= 1e18
            let frac_nanos = ((frac as u128 * unit as u128) / scale as u128) as u64;
            total = match total.checked_add(part) {
                Some(v) => match v.checked_add(frac_nanos) {
                    Some(v) => v,
                    None => return Err(DurationProblem::Overflow),
                },
                None => return Err(DurationProblem::Overflow),
            };
            if total > MAX_GO_DURATION {
                return Err(DurationProblem::Overflow);
            }
        }
        if total < NANOS_PER_S && !total.is_multiple_of(NANOS_PER_MS) {
            return Err(DurationProblem::BelowMillisecond);
        }
        Ok(Duration { nanos: total })
    }

    /// Parses a duration built at run time.
    pub fn parse(s: &str) -> Result<Duration, InvalidDuration> {
        Self::parse_const(s).map_err(|problem| InvalidDuration {
            value: s.to_owned(),
            problem: problem.describe(),
        })
    }
}

/// Writes `v`'s fractional digits (of `prec` places) without trailing zeros, returning the
/// integer part: Go's `fmtFrac`.
/// Go's 32-byte buffer of `time.Duration.String`, filled back to front.
struct Reversed {
    bytes: [u8; 32],
    len: usize,
}

impl Reversed {
    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }
    fn extend_from_slice(&mut self, bs: &[u8]) {
        for &b in bs {
            self.push(b);
        }
    }
}

fn go_frac(out: &mut Reversed, mut v: u64, prec: u32) -> u64 {
    let mut print = false;
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            out.push(b'0' + digit as u8);
        }
        v /= 10;
    }
    if print {
        out.push(b'.');
    }
    v
}

fn go_int(out: &mut Reversed, mut v: u64) {
    if v == 0 {
        out.push(b'0');
    }
    while v > 0 {
        out.push(b'0' + (v % 10) as u8);
        v /= 10;
    }
}

impl Duration {
    /// Go's `time.Duration.String`, built back to front as Go does, in a 32-byte buffer.
    fn go_text(&self) -> Reversed {
        let mut rev = Reversed {
            bytes: [0; 32],
            len: 0,
        };
        let mut u = self.nanos;
        if u == 0 {
            rev.extend_from_slice(b"s0");
        } else {
            rev.push(b's');
            if u < NANOS_PER_S {
                let prec = if u < 1_000 {
                    rev.push(b'n');
                    0
                } else if u < NANOS_PER_MS {
                    // "µ" (U+00B5) in UTF-8, reversed like everything else here
                    rev.extend_from_slice(&[0xB5, 0xC2]);
                    3
                } else {
                    rev.push(b'm');
                    6
                };
                u = go_frac(&mut rev, u, prec);
                go_int(&mut rev, u);
            } else {
                u = go_frac(&mut rev, u, 9);
                go_int(&mut rev, u % 60);
                u /= 60;
                if u > 0 {
                    rev.push(b'm');
                    go_int(&mut rev, u % 60);
                    u /= 60;
                    if u > 0 {
                        rev.push(b'h');
                        go_int(&mut rev, u);
                    }
                }
            }
        }
        rev.bytes[..rev.len].reverse();
        rev
    }
}

impl Reversed {
    /// The text, once reversed into reading order.
    fn as_str(&self) -> &str {
        // Only ASCII digits, unit letters and the whole two bytes of "µ" were written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl fmt::Display for Duration {
    /// Go's `time.Duration.String`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.go_text().as_str())
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Duration({self})")
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.go_text().as_str())
    }
}

/// A literal Flux duration, checked at compile time.
///
/// ```
/// assert_eq!(fluxdsl::duration!("1h").to_string(), "1h0m0s");
/// ```
///
/// ```compile_fail
/// let d = fluxdsl::duration!("1d"); // Flux has no day unit
/// ```
#[macro_export]
macro_rules! duration {
    ($d:literal) => {{
        const DURATION: $crate::Duration = match $crate::Duration::parse_const($d) {
            Ok(d) => d,
            Err($crate::DurationProblem::Empty) => panic!("a duration cannot be empty"),
            Err($crate::DurationProblem::UnknownUnit) => panic!(concat!(
                "duration \"", $d, "\" is not one Flux accepts: the unit must be ms, s, m or h"
            )),
            Err($crate::DurationProblem::Overflow) => panic!(concat!(
                "duration \"", $d, "\" is longer than a Go time.Duration can hold"
            )),
            Err($crate::DurationProblem::Malformed) => panic!(concat!(
                "duration \"", $d,
                "\" is not one Flux accepts: write numbers each followed by a unit, like 1m, 30s, 1h30m or 1.5s"
            )),
            Err($crate::DurationProblem::BelowMillisecond) => panic!(concat!(
                "duration \"", $d,
                "\" is not one Flux accepts: under 1s it must be whole milliseconds (Go would write it in µs or ns)"
            )),
        };
        DURATION
    }};
}

/// What a name setter takes: a checked [`Name`]. A plain string is refused with a message
/// that says how to make one.
#[diagnostic::on_unimplemented(
    message = "a name here is a checked `Name`, not `{Self}`",
    label = "write `name!(\"...\")` for a literal, or `Name::new(text)?` for text built at run time",
    note = "names are checked against Kubernetes' rules (lowercase RFC 1123, at most 63 characters) before they can be used"
)]
pub trait IntoName {
    /// The name.
    fn into_name(self) -> Name;
}

impl IntoName for Name {
    fn into_name(self) -> Name {
        self
    }
}

/// What a duration setter takes: a [`Duration`] Flux accepts. A plain string is refused
/// with a message that says how to make one.
#[diagnostic::on_unimplemented(
    message = "a duration here is a checked `Duration`, not `{Self}`",
    label = "write `duration!(\"5m\")` for a literal, or `Duration::parse(text)?` for text built at run time",
    note = "durations are checked against Flux's pattern (units h, m, s, ms) before they can be used"
)]
pub trait IntoDuration {
    /// The duration.
    fn into_duration(self) -> Duration;
}

impl IntoDuration for Duration {
    fn into_duration(self) -> Duration {
        self
    }
}

/// `(key, value)` pairs as the map of strings a label set or an options field is.
pub(crate) fn string_map(entries: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go() {
        for (input, go) in [
            ("1m", "1m0s"),
            ("10m", "10m0s"),
            ("1h", "1h0m0s"),
            ("30s", "30s"),
            ("90s", "1m30s"),
            ("1m30s", "1m30s"),
            ("1.5h", "1h30m0s"),
            ("1.5s", "1.5s"),
            ("500ms", "500ms"),
            ("1500ms", "1.5s"),
            ("0s", "0s"),
            ("2h45m10s", "2h45m10s"),
            ("1.0005s", "1.0005s"),
            ("48h", "48h0m0s"),
        ] {
            assert_eq!(Duration::parse(input).unwrap().to_string(), go, "{input}");
        }
        // Go's units below a millisecond, which parsing refuses for Flux.
        assert_eq!(Duration { nanos: 100 }.to_string(), "100ns");
        assert_eq!(Duration { nanos: 500_000 }.to_string(), "500µs");
    }

    #[test]
    fn durations_go_would_write_in_microseconds_are_refused() {
        for bad in ["0.5ms", "0.0001ms", "1.5ms", "0.0000001s"] {
            assert_eq!(
                Duration::parse_const(bad),
                Err(DurationProblem::BelowMillisecond),
                "{bad}"
            );
        }
    }

    #[test]
    #[should_panic(
        expected = "Duration::hours: longer than a Go time.Duration holds (at most 2562047 hours)"
    )]
    fn hours_beyond_go_range_panic_with_the_reason() {
        let _ = Duration::hours(3_000_000);
    }

    #[test]
    fn durations_flux_rejects_are_rejected() {
        for bad in [
            "", "1", "m", "1d", "1ns", "1us", "-1m", "1.m", ".5m", "1 m", "1m ", "1M",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            Duration::parse_const("1d"),
            Err(DurationProblem::UnknownUnit)
        );
        assert_eq!(
            Duration::parse_const("99999999999h"),
            Err(DurationProblem::Overflow)
        );
    }

    #[test]
    fn names() {
        assert_eq!(Name::check("flux-system"), None);
        assert_eq!(Name::check("v1beta1.metrics.k8s.io"), None);
        assert_eq!(Name::check(""), Some(NameProblem::Empty));
        assert_eq!(Name::check("-a"), Some(NameProblem::BadEdge));
        assert_eq!(Name::check("a-"), Some(NameProblem::BadEdge));
        assert_eq!(Name::check("a.-b"), Some(NameProblem::BadEdge));
        assert_eq!(Name::check("a..b"), Some(NameProblem::BadEdge));
        assert_eq!(Name::check("A"), Some(NameProblem::InvalidCharacter));
        assert_eq!(Name::check("a_b"), Some(NameProblem::InvalidCharacter));
        assert_eq!(Name::check(&"a".repeat(63)), None);
        assert_eq!(Name::check(&"a".repeat(64)), Some(NameProblem::TooLong));
        assert_eq!(NamespaceName::check("a.b"), Some(NameProblem::Dot));
        assert_eq!(
            NamespaceName::check("a_b"),
            Some(NameProblem::InvalidLabelCharacter)
        );
        let err = NamespaceName::new("kube.system").unwrap_err().to_string();
        assert!(err.contains("without dots"), "{err}");
        assert!(!err.contains("'-' and '.'"), "{err}");
        let err = Name::new("Bad_Name").unwrap_err().to_string();
        assert!(err.contains("Bad_Name"), "{err}");
    }
}
