//! The language of kustomize-controller's postBuild substitution: fluxcd/pkg/envsubst
//! (Flux's fork of drone/envsubst), parsed and evaluated as it parses and evaluates —
//! `${var}`, `${#var}`, `${var^}`, `${var^^}`, `${var,}`, `${var,,}`, `${var:pos}`,
//! `${var:pos:len}`, `${var#glob}`, `${var##glob}`, `${var%glob}`, `${var%%glob}`,
//! `${var/old/new}`, `${var//old/new}`, `${var/#old/new}`, `${var/%old/new}`, the defaults
//! `${var=d}`, `${var:=d}`, `${var:-d}` (and `:?`, `:+`, which it also reads as defaults),
//! nested expressions in arguments, and `$$` for `$`. What it cannot parse fails the
//! Kustomization there (`${var-d}` among them: the fork has no `-` without `:`).
//!
//! A leaf module: the name checks (`values`) and substitution (`model::substitution`)
//! both read it.

use std::fmt;

/// A parsed text: literal text and expressions, in order.
pub(crate) type Template = Vec<Node>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Text(String),
    Expr(Expr),
}

/// `${param<op>args…}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expr {
    /// The variable.
    pub param: String,
    /// The operator: `""` (the value), `#` (with no argument: the length), `^`, `^^`, `,`,
    /// `,,`, `:`, `#`, `##`, `%`, `%%`, `/`, `//`, `/#`, `/%`, `=`, `:=`, `:-`, `:?`, `:+`.
    pub op: String,
    /// Its arguments, each a template of its own.
    pub args: Vec<Template>,
    /// The expression as written, `${` to `}`.
    pub source: String,
}

impl Expr {
    /// Whether a missing variable takes the default instead of failing strict
    /// substitution (fluxcd/pkg/envsubst `isDefaultOp`).
    pub(crate) fn has_default(&self) -> bool {
        matches!(
            self.op.as_str(),
            "-" | "+" | "=" | "?" | ":-" | ":+" | ":=" | ":?"
        )
    }
}

/// Why a text does not parse, as envsubst names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseError {
    BadSubstitution,
    MissingClosingBrace,
    VariableName,
    FuncSubstitution,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::BadSubstitution => "bad substitution",
            ParseError::MissingClosingBrace => "missing closing brace",
            ParseError::VariableName => "unable to parse variable name",
            ParseError::FuncSubstitution => "unable to parse substitution within function",
        })
    }
}

/// `text` parsed as kustomize-controller parses a document before substituting it.
pub(crate) fn parse(text: &str) -> Result<Template, ParseError> {
    let mut p = Parser { s: text, pos: 0 };
    let mut out = Vec::new();
    loop {
        if p.s[p.pos..].starts_with("${") {
            p.pos += 2;
            out.push(Node::Expr(p.expr(p.pos - 2)?));
            continue;
        }
        // Text up to the next `${`; `$$` is one `$`.
        let mut text = String::new();
        while let Some(c) = p.peek() {
            if p.s[p.pos..].starts_with("${") {
                break;
            }
            p.pos += c.len_utf8();
            if c == '$' && p.peek() == Some('$') {
                p.pos += 1;
            }
            text.push(c);
        }
        if text.is_empty() {
            return Ok(out);
        }
        out.push(Node::Text(text));
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

/// How a parameter's text ends and what it unescapes.
#[derive(Clone, Copy)]
enum Stop {
    /// At `}` (defaults, the second argument of `:` and `/`, `#`/`%` patterns).
    Closing,
    /// At `:` or `}` (the position of `:`).
    ColonOrClosing,
    /// At `/` (the pattern of `/`).
    Slash,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        let yes = self.peek() == Some(c);
        if yes {
            self.pos += c.len_utf8();
        }
        yes
    }

    /// The expression after `${` (which starts at `start`).
    fn expr(&mut self, start: usize) -> Result<Expr, ParseError> {
        let mut e = Expr {
            param: String::new(),
            op: String::new(),
            args: Vec::new(),
            source: String::new(),
        };
        if self.eat('#') {
            e.op.push('#');
            e.param = self.ident();
            if e.param.is_empty() {
                return Err(ParseError::BadSubstitution);
            }
            return self.close(e, start);
        }
        e.param = self.ident();
        if e.param.is_empty() {
            return Err(ParseError::VariableName);
        }
        match self.peek() {
            Some(':') => {
                let after = self.s[self.pos + 1..].chars().next();
                if matches!(after, Some('=' | '-' | '?' | '+')) {
                    e.op = self.s[self.pos..self.pos + 2].to_owned();
                    self.pos += 2;
                    self.defaults(e, start)
                } else {
                    self.pos += 1;
                    e.op.push(':');
                    e.args.push(self.param(Stop::ColonOrClosing, false)?);
                    if self.eat('}') {
                        return Ok(self.finish(e, start));
                    }
                    if !self.eat(':') {
                        return Err(ParseError::BadSubstitution);
                    }
                    while self.eat(':') {}
                    e.args.push(self.param(Stop::Closing, false)?);
                    self.close(e, start)
                }
            }
            Some('=') => {
                self.pos += 1;
                e.op.push('=');
                self.defaults(e, start)
            }
            Some(c @ (',' | '^')) => {
                // Up to two of `,` and `^`, in any mix (a mix is the value as it is).
                e.op.push(c);
                self.pos += 1;
                if let Some(d @ (',' | '^')) = self.peek() {
                    e.op.push(d);
                    self.pos += 1;
                }
                self.close(e, start)
            }
            Some('/') => {
                self.pos += 1;
                e.op.push('/');
                if let Some(d @ ('/' | '#' | '%')) = self.peek() {
                    e.op.push(d);
                    self.pos += 1;
                }
                e.args.push(self.param(Stop::Slash, true)?);
                // The separator: one `/` or more.
                if !self.eat('/') {
                    return Err(ParseError::BadSubstitution);
                }
                while self.eat('/') {}
                if self.eat('}') {
                    return Ok(self.finish(e, start));
                }
                e.args.push(self.param(Stop::Closing, true)?);
                self.close(e, start)
            }
            Some(c @ ('#' | '%')) => {
                e.op.push(c);
                self.pos += 1;
                if self.eat(c) {
                    e.op.push(c);
                }
                e.args.push(self.param(Stop::Closing, false)?);
                self.close(e, start)
            }
            _ => {
                if self.eat('}') {
                    Ok(self.finish(e, start))
                } else {
                    Err(ParseError::MissingClosingBrace)
                }
            }
        }
    }

    /// A default's arguments: text and expressions up to `}`.
    fn defaults(&mut self, mut e: Expr, start: usize) -> Result<Expr, ParseError> {
        loop {
            if self.eat('}') {
                return Ok(self.finish(e, start));
            }
            let arg = self.param(Stop::Closing, false)?;
            e.args.push(arg);
        }
    }

    /// `}`, or the error envsubst gives.
    fn close(&mut self, e: Expr, start: usize) -> Result<Expr, ParseError> {
        match self.eat('}') {
            true => Ok(self.finish(e, start)),
            false => Err(ParseError::BadSubstitution),
        }
    }

    fn finish(&self, mut e: Expr, start: usize) -> Expr {
        e.source = self.s[start..self.pos].to_owned();
        e
    }

    /// A variable name: letters, digits and `_` (as the fork's scanner takes them).
    fn ident(&mut self) -> String {
        let rest = &self.s[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        self.pos += len;
        rest[..len].to_owned()
    }

    /// One argument: a nested `${…}`, or text (at least a character) up to `stop` or a
    /// `${`; with `escapes`, `\/`, `\\` and `$$` stand for `/`, `\` and `$`.
    fn param(&mut self, stop: Stop, escapes: bool) -> Result<Template, ParseError> {
        if self.s[self.pos..].starts_with("${") {
            let start = self.pos;
            self.pos += 2;
            return Ok(vec![Node::Expr(self.expr(start)?)]);
        }
        let mut text = String::new();
        while let Some(c) = self.peek() {
            if self.s[self.pos..].starts_with("${") {
                break;
            }
            let next = self.s[self.pos + c.len_utf8()..].chars().next();
            let escaped = escapes
                && ((c == '$' && next == Some('$'))
                    || (c == '\\' && matches!(next, Some('/' | '\\'))));
            if escaped {
                self.pos += 1;
                let n = next.unwrap_or_default();
                self.pos += n.len_utf8();
                text.push(n);
                continue;
            }
            let ends = match stop {
                Stop::Closing => c == '}',
                Stop::ColonOrClosing => c == ':' || c == '}',
                Stop::Slash => c == '/',
            };
            if ends {
                break;
            }
            self.pos += c.len_utf8();
            text.push(c);
        }
        if text.is_empty() {
            return Err(ParseError::FuncSubstitution);
        }
        Ok(vec![Node::Text(text)])
    }
}

/// `template` evaluated as envsubst evaluates it: each expression through `lookup`
/// (`None`: the variable is not set). An unset variable in an expression without a
/// default is `on_unset`'s: `Err(expr)` stops (strict substitution fails there),
/// `Ok(text)` writes `text`.
pub(crate) fn eval<'t>(
    template: &'t Template,
    lookup: &dyn Fn(&str) -> Option<String>,
    on_unset: &dyn Fn(&'t Expr) -> Result<String, &'t Expr>,
) -> Result<String, &'t Expr> {
    let mut out = String::new();
    for node in template {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Expr(e) => out.push_str(&eval_expr(e, lookup, on_unset)?),
        }
    }
    Ok(out)
}

fn eval_expr<'t>(
    e: &'t Expr,
    lookup: &dyn Fn(&str) -> Option<String>,
    on_unset: &dyn Fn(&'t Expr) -> Result<String, &'t Expr>,
) -> Result<String, &'t Expr> {
    let mut args = Vec::with_capacity(e.args.len());
    for a in &e.args {
        args.push(eval(a, lookup, on_unset)?);
    }
    let value = match lookup(&e.param) {
        Some(v) => v,
        None if e.has_default() => String::new(),
        None => return on_unset(e),
    };
    Ok(apply(&e.op, &value, &args))
}

/// The function `op` of fluxcd/pkg/envsubst over `s`.
pub(crate) fn apply(op: &str, s: &str, args: &[String]) -> String {
    let arg = |i: usize| args.get(i).map(String::as_str);
    match op {
        "," => first_char(s, false),
        ",," => s.chars().map(|c| simple_case(c, false)).collect(),
        "^" => first_char(s, true),
        "^^" => s.chars().map(|c| simple_case(c, true)).collect(),
        "#" if args.is_empty() => s.len().to_string(),
        "#" => trim_prefix(s, arg(0).unwrap_or_default(), false),
        "##" => trim_prefix(s, arg(0).unwrap_or_default(), true),
        "%" => trim_suffix(s, arg(0).unwrap_or_default(), false),
        "%%" => trim_suffix(s, arg(0).unwrap_or_default(), true),
        ":" => substring(s, args),
        "/" => match args {
            [] => s.to_owned(),
            [old] => s.replacen(old.as_str(), "", 1),
            [old, new, ..] => s.replacen(old.as_str(), new, 1),
        },
        "//" => match args {
            [] => s.to_owned(),
            [old] => s.replace(old.as_str(), ""),
            [old, new, ..] => s.replace(old.as_str(), new),
        },
        "/#" => match args {
            [old, new] if s.starts_with(old.as_str()) => format!("{new}{}", &s[old.len()..]),
            _ => s.to_owned(),
        },
        "/%" => match args {
            [old, new] if s.ends_with(old.as_str()) => {
                format!("{}{new}", &s[..s.len() - old.len()])
            }
            _ => s.to_owned(),
        },
        // `toDefault`, for the defaults and any other operator.
        _ => match s.is_empty() && !args.is_empty() {
            true => args.concat(),
            false => s.to_owned(),
        },
    }
}

/// Go's `unicode.ToUpper`/`ToLower`: one character for one.
fn simple_case(c: char, upper: bool) -> char {
    let mut mapped: Vec<char> = match upper {
        true => c.to_uppercase().collect(),
        false => c.to_lowercase().collect(),
    };
    match mapped.len() {
        1 => mapped.remove(0),
        _ => c,
    }
}

fn first_char(s: &str, upper: bool) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => format!("{}{}", simple_case(c, upper), chars.as_str()),
        None => String::new(),
    }
}

/// `toSubstr`: byte offsets, as Go slices strings.
fn substring(s: &str, args: &[String]) -> String {
    let Some(Ok(mut pos)) = args.first().map(|a| a.parse::<i64>()) else {
        return s.to_owned();
    };
    let len = s.len() as i64;
    if pos < 0 {
        pos = (len + pos).max(0);
    }
    let slice = |from: i64, to: i64| {
        String::from_utf8_lossy(
            s.as_bytes()
                .get(from as usize..to as usize)
                .unwrap_or_default(),
        )
        .into_owned()
    };
    let Some(length) = args.get(1) else {
        return if pos < len {
            slice(pos, len)
        } else {
            String::new()
        };
    };
    let Ok(length) = length.parse::<i64>() else {
        return s.to_owned();
    };
    if pos + length >= len {
        return if pos < len {
            slice(pos, len)
        } else {
            String::new()
        };
    }
    slice(pos, pos + length)
}

/// `trimShortest`/`trimLongest`: the shortest or longest prefix of `s` that `pattern`
/// matches, removed.
fn trim_prefix(s: &str, pattern: &str, longest: bool) -> String {
    let mut shortest = None;
    for i in 0..s.len() {
        let end = s.len() - i;
        let Some(prefix) = s.get(..end) else {
            continue;
        };
        match glob(pattern, prefix) {
            Err(()) => return s.to_owned(),
            Ok(true) if longest => return s[end..].to_owned(),
            Ok(true) => shortest = Some(end),
            Ok(false) => {}
        }
    }
    match shortest {
        Some(end) => s[end..].to_owned(),
        None => s.to_owned(),
    }
}

/// The suffix forms: the prefix forms over both strings reversed.
fn trim_suffix(s: &str, pattern: &str, longest: bool) -> String {
    let reverse = |t: &str| t.chars().rev().collect::<String>();
    reverse(&trim_prefix(&reverse(s), &reverse(pattern), longest))
}

/// fluxcd/pkg/envsubst/path `Match`: Go's `path.Match`, with `*` and `?` matching `/`
/// too. `Err` for a malformed pattern.
pub(crate) fn glob(pattern: &str, name: &str) -> Result<bool, ()> {
    let mut pattern = pattern;
    let mut name = name;
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(true);
        }
        let first = match_chunk(chunk, name);
        if let Ok(Some(t)) = first
            && (t.is_empty() || !pattern.is_empty())
        {
            name = t;
            continue;
        }
        first?;
        if star {
            for (i, _) in name.char_indices().chain([(name.len(), ' ')]).skip(1) {
                // Go steps by byte; a chunk cannot match from inside a character.
                match match_chunk(chunk, &name[i..]) {
                    Ok(Some(t)) => {
                        if pattern.is_empty() && !t.is_empty() {
                            continue;
                        }
                        name = t;
                        continue 'pattern;
                    }
                    Ok(None) => {}
                    Err(()) => return Err(()),
                }
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(pattern: &str) -> (bool, &str, &str) {
    let trimmed = pattern.trim_start_matches('*');
    let star = trimmed.len() != pattern.len();
    let b = trimmed.as_bytes();
    let mut in_range = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &trimmed[..i], &trimmed[i..])
}

/// What is left of `s` after `chunk` matched its start (`None`: it does not).
fn match_chunk<'s>(chunk: &str, s: &'s str) -> Result<Option<&'s str>, ()> {
    let mut chunk = chunk;
    let mut s = s;
    while !chunk.is_empty() {
        let Some(r) = s.chars().next() else {
            return Ok(None);
        };
        match chunk.as_bytes()[0] {
            b'[' => {
                s = &s[r.len_utf8()..];
                chunk = &chunk[1..];
                let negated = chunk.starts_with('^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.starts_with(']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = escaped_char(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if let Some(rest) = chunk.strip_prefix('-') {
                        (hi, chunk) = escaped_char(rest)?;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    return Ok(None);
                }
            }
            b'?' => {
                s = &s[r.len_utf8()..];
                chunk = &chunk[1..];
            }
            b => {
                let b = match b {
                    b'\\' => {
                        chunk = &chunk[1..];
                        *chunk.as_bytes().first().ok_or(())?
                    }
                    b => b,
                };
                if s.as_bytes()[0] != b {
                    return Ok(None);
                }
                // Byte for byte, as Go compares; both sides stay on character
                // boundaries where the pattern's bytes are a character's.
                let step = chunk[..].chars().next().map_or(1, char::len_utf8);
                if !s.is_char_boundary(step) || s.as_bytes()[..step] != chunk.as_bytes()[..step] {
                    return Ok(None);
                }
                s = &s[step..];
                chunk = &chunk[step..];
            }
        }
    }
    Ok(Some(s))
}

/// `getEsc`: a character of a `[…]` class, `\` escaping it.
fn escaped_char(chunk: &str) -> Result<(char, &str), ()> {
    if chunk.is_empty() || chunk.starts_with(['-', ']']) {
        return Err(());
    }
    let chunk = chunk.strip_prefix('\\').unwrap_or(chunk);
    let c = chunk.chars().next().ok_or(())?;
    let rest = &chunk[c.len_utf8()..];
    if rest.is_empty() {
        return Err(());
    }
    Ok((c, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// fluxcd/pkg/envsubst's TestExpand and TestExpandStrict cases (eval_test.go, itself
    /// from tldp.org's parameter substitution): input, variables, output (`None`: strict
    /// substitution fails).
    fn run(vars: &[(&str, &str)], input: &str, strict: bool) -> Result<String, String> {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let template = parse(input).map_err(|e| e.to_string())?;
        let lookup = |v: &str| match strict {
            true => vars.get(v).cloned(),
            false => Some(vars.get(v).cloned().unwrap_or_default()),
        };
        eval(&template, &lookup, &|e| Err(e)).map_err(|e| format!("unset {}", e.param))
    }

    #[test]
    fn expands_as_fluxcd_pkg_envsubst_does() {
        type Case = (
            &'static [(&'static str, &'static str)],
            &'static str,
            &'static str,
        );
        let cases: &[Case] = &[
            (&[], "abcdEFGH28ij", "abcdEFGH28ij"),
            (&[("var01", "abcdEFGH28ij")], "${#var01}", "12"),
            (&[("var01", "abcdEFGH28ij")], "${var01^}", "AbcdEFGH28ij"),
            (&[("var01", "abcdEFGH28ij")], "${var01^^}", "ABCDEFGH28IJ"),
            (&[("var01", "ABCDEFGH28IJ")], "${var01,}", "aBCDEFGH28IJ"),
            (&[("var01", "ABCDEFGH28IJ")], "${var01,,}", "abcdefgh28ij"),
            (
                &[("path_name", "/home/bozo/ideas/thoughts.for.today")],
                "${path_name:11}",
                "ideas/thoughts.for.today",
            ),
            (
                &[("path_name", "/home/bozo/ideas/thoughts.for.today")],
                "${path_name:11:5}",
                "ideas",
            ),
            (&[("var", "abc")], "${var=xyz}", "abc"),
            (&[], "${var=xyz}", "xyz"),
            (
                &[("default_var", "foo")],
                "something ${var=${default_var}}",
                "something foo",
            ),
            (
                &[("default_var", "foo1")],
                "foo: ${var=${default_var}-suffix}",
                "foo: foo1-suffix",
            ),
            (
                &[("default_var", "foo1")],
                "foo: ${var=prefix${default_var}-suffix}",
                "foo: prefixfoo1-suffix",
            ),
            (&[], "${var:=xyz}", "xyz"),
            (
                &[("stringZ", "abcABC123ABCabc")],
                "${stringZ/%abc/XYZ}",
                "abcABC123ABCXYZ",
            ),
            (
                &[("stringZ", "abcABC123ABCabc")],
                "${stringZ/#abc/XYZ}",
                "XYZABC123ABCabc",
            ),
            (
                &[("stringZ", "abcABC123ABCabc")],
                "${stringZ//abc/xyz}",
                "xyzABC123ABCxyz",
            ),
            (
                &[("stringZ", "abcABC123ABCabc")],
                "${stringZ/abc/xyz}",
                "xyzABC123ABCabc",
            ),
            (
                &[("filename", "bash.string.txt")],
                "${filename#*.}",
                "string.txt",
            ),
            (&[("filename", "path/to/file")], "${filename#*/}", "to/file"),
            (
                &[("filename", "/path/to/file")],
                "${filename#*/}",
                "path/to/file",
            ),
            (&[("filename", "bash.string.txt")], "${filename##*.}", "txt"),
            (&[("filename", "path/to/file")], "${filename##*/}", "file"),
            (&[("filename", "/path/to/file")], "${filename##*/}", "file"),
            (
                &[("filename", "bash.string.txt")],
                "${filename%.*}",
                "bash.string",
            ),
            (
                &[("filename", "bash.string.txt")],
                "${filename%%.*}",
                "bash",
            ),
            (
                &[("var01", "abcdEFGH28ij")],
                "${var=${var01^^}}",
                "ABCDEFGH28IJ",
            ),
            (&[("var01", "abcdEFGH28ij")], "$${var01}", "${var01}"),
            (
                &[("var01", "abcdEFGH28ij")],
                "some text ${var01}$${var$${var01}$var01${var01}",
                "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij",
            ),
            (
                &[("default_var", "foo")],
                "something $${var=${default_var}}",
                "something ${var=foo}",
            ),
            (&[("stringZ", "foo/bar")], r"${stringZ/\//-}", "foo-bar"),
            (
                &[("stringZ", "foo/bar/baz")],
                r"${stringZ//\//-}",
                "foo-bar-baz",
            ),
            (
                &[("default_var", "foo")],
                r"\\something ${var=${default_var}}",
                r"\\something foo",
            ),
            (&[("stringZ", "foo.bar")], "${stringZ/./}", "foobar"),
            // flux-local's cluster: a domain as a name.
            (
                &[("SECRET_DOMAIN", "example.com")],
                "${SECRET_DOMAIN/./-}-staging",
                "example-com-staging",
            ),
        ];
        for (vars, input, output) in cases {
            assert_eq!(run(vars, input, false).as_deref(), Ok(*output), "{input}");
        }
    }

    #[test]
    fn strict_substitution_fails_on_an_unset_variable_without_a_default() {
        assert_eq!(run(&[("foo", "")], "${foo}", true).as_deref(), Ok(""));
        assert_eq!(
            run(&[("foo", "bar")], "${missing:=default}", true).as_deref(),
            Ok("default")
        );
        for input in [
            "${missing}",
            "${#missing}",
            "${missing^}",
            "${missing^^}",
            "${missing,}",
            "${missing,,}",
            "${missing:0}",
            "${missing:0:10}",
            "${missing/pattern/replacement}",
            "${missing//pattern/replacement}",
            "${missing/#pattern/replacement}",
            "${missing/%pattern/replacement}",
            "${missing#pattern}",
            "${missing##pattern}",
            "${missing%pattern}",
            "${missing%%pattern}",
        ] {
            assert_eq!(
                run(&[], input, true),
                Err("unset missing".into()),
                "{input}"
            );
        }
        for (input, output) in [
            ("${missing:-fallback}", "fallback"),
            ("${missing:=assigned}", "assigned"),
            ("${missing=assigned}", "assigned"),
        ] {
            assert_eq!(run(&[], input, true).as_deref(), Ok(output), "{input}");
        }
    }

    #[test]
    fn what_the_fork_does_not_parse_fails() {
        for (input, error) in [
            ("${var-default}", ParseError::MissingClosingBrace),
            ("${var+x}", ParseError::MissingClosingBrace),
            ("${var", ParseError::MissingClosingBrace),
            ("${}", ParseError::VariableName),
            ("${var/x}", ParseError::BadSubstitution),
            ("${var:=x", ParseError::FuncSubstitution),
            ("${var#}", ParseError::FuncSubstitution),
        ] {
            assert_eq!(parse(input), Err(error), "{input}");
        }
        // An empty default is the value, and a lone `$` is text.
        assert_eq!(
            run(&[("v", "x")], "${v:=}$ a$b", false).as_deref(),
            Ok("x$ a$b")
        );
    }

    #[test]
    fn globs_match_as_the_fork_matches() {
        for (pattern, name, matched) in [
            ("*", "a/b", true),
            ("a?c", "a/c", true),
            ("[a-c]x", "bx", true),
            ("[^a-c]x", "bx", false),
            ("*.txt", "x.y.txt", true),
            ("a*b*c", "aXbYc", true),
            ("a*b", "aXbY", false),
            (r"\*", "*", true),
        ] {
            assert_eq!(glob(pattern, name), Ok(matched), "{pattern} {name}");
        }
        assert_eq!(glob("[", "a"), Err(()));
    }
}
