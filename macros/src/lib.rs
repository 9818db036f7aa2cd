//! `fluxdsl::json!` — the literal of a JSON value (a manifest, Helm values), as
//! `serde_json::json!` writes it, for programs with many of them.
//!
//! `serde_json::json!` is a `macro_rules!` macro: every object, array and value becomes
//! code (a map insertion, a conversion), expanded by matching the rest of the literal
//! again at each step. A cluster of a hundred manifests and Helm values spends a third of
//! each edit's build there (README, Performance). This macro reads the same literal once
//! and, when all of it is data — string, number, `true`, `false` and `null` literals in
//! objects and arrays — writes it as one JSON string that fluxdsl parses at run time. Any
//! other token (a Rust expression, a key that is not a string literal, a literal this
//! reader does not know) hands the whole literal to `serde_json::json!`, unchanged: the
//! value is the same either way, only its cost differs.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use std::fmt::Write;

/// A JSON value written as `serde_json::json!` takes it; see the crate's documentation.
#[proc_macro]
pub fn json(input: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = input.clone().into_iter().collect();
    let mut text = String::new();
    let data = match tokens.as_slice() {
        [] => None,
        all => value(all, &mut text).filter(|used| *used == all.len()),
    };
    match data {
        Some(_) => call(
            &["fluxdsl", "__json_text"],
            TokenTree::Literal(Literal::string(&text)).into(),
        ),
        None => {
            let mut path = path(&["fluxdsl", "serde_json", "json"]);
            path.extend([
                TokenTree::Punct(Punct::new('!', Spacing::Alone)),
                TokenTree::Group(Group::new(Delimiter::Parenthesis, input)),
            ]);
            path
        }
    }
}

/// `::a::b` as tokens.
fn path(segments: &[&str]) -> TokenStream {
    let mut out = TokenStream::new();
    for segment in segments {
        out.extend([
            TokenTree::Punct(Punct::new(':', Spacing::Joint)),
            TokenTree::Punct(Punct::new(':', Spacing::Alone)),
            TokenTree::Ident(Ident::new(segment, Span::call_site())),
        ]);
    }
    out
}

/// `::a::b(arguments)` as tokens.
fn call(segments: &[&str], arguments: TokenStream) -> TokenStream {
    let mut out = path(segments);
    out.extend([TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        arguments,
    ))]);
    out
}

/// Writes the JSON value at the start of `tokens` into `out`; how many tokens it took, or
/// `None` if they are not literal data.
fn value(tokens: &[TokenTree], out: &mut String) -> Option<usize> {
    match tokens.first()? {
        TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
            object(group.stream(), out)?;
            Some(1)
        }
        TokenTree::Group(group) if group.delimiter() == Delimiter::Bracket => {
            array(group.stream(), out)?;
            Some(1)
        }
        TokenTree::Ident(ident) => {
            let word = ident.to_string();
            matches!(word.as_str(), "true" | "false" | "null").then(|| out.push_str(&word))?;
            Some(1)
        }
        TokenTree::Punct(minus) if minus.as_char() == '-' => match tokens.get(1)? {
            TokenTree::Literal(literal) => {
                let number = number(&literal.to_string())?;
                let integer = !number.contains(['.', 'e', 'E']);
                if integer && format!("-{number}").parse::<i64>().is_err() {
                    return None;
                }
                // -0 is the integer 0 to json! (an i32), the float -0.0 to a JSON parser.
                if integer && number.bytes().all(|b| b == b'0') {
                    out.push('0');
                } else {
                    out.push('-');
                    out.push_str(&number);
                }
                Some(2)
            }
            _ => None,
        },
        TokenTree::Literal(literal) => {
            let text = literal.to_string();
            match string(&text) {
                Some(decoded) => quote(&decoded, out),
                None => out.push_str(&number(&text)?),
            }
            Some(1)
        }
        _ => None,
    }
}

/// `{ "key": value, … }` (a trailing comma allowed, as json! allows it).
fn object(stream: TokenStream, out: &mut String) -> Option<()> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    out.push('{');
    let mut at = 0;
    while at < tokens.len() {
        if at > 0 {
            out.push(',');
        }
        let TokenTree::Literal(key) = &tokens[at] else {
            return None;
        };
        quote(&string(&key.to_string())?, out);
        match tokens.get(at + 1)? {
            TokenTree::Punct(colon) if colon.as_char() == ':' => {}
            _ => return None,
        }
        out.push(':');
        at += 2 + value(&tokens[at + 2..], out)?;
        at += separator(&tokens, at)?;
    }
    out.push('}');
    Some(())
}

/// `[value, …]`.
fn array(stream: TokenStream, out: &mut String) -> Option<()> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    out.push('[');
    let mut at = 0;
    while at < tokens.len() {
        if at > 0 {
            out.push(',');
        }
        at += value(&tokens[at..], out)?;
        at += separator(&tokens, at)?;
    }
    out.push(']');
    Some(())
}

/// After a value: a comma (1), the end (0), or anything else (not data).
fn separator(tokens: &[TokenTree], at: usize) -> Option<usize> {
    match tokens.get(at) {
        None => Some(0),
        Some(TokenTree::Punct(comma)) if comma.as_char() == ',' => Some(1),
        Some(_) => None,
    }
}

/// A decimal number literal without suffix as JSON writes it: `1_000` → `1000`, `1.5`,
/// `2e10`. Hexadecimal, octal, binary and suffixed literals are left to json!.
fn number(literal: &str) -> Option<String> {
    let digits: String = literal.chars().filter(|c| *c != '_').collect();
    let bytes = digits.as_bytes();
    if !bytes.first()?.is_ascii_digit()
        || (bytes.len() > 1 && bytes[0] == b'0' && bytes[1].is_ascii_digit())
    {
        return None;
    }
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(e) => (&digits[..e], Some(&digits[e + 1..])),
        None => (digits.as_str(), None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    if let Some(exponent) = exponent {
        if !all_digits(exponent.strip_prefix(['+', '-']).unwrap_or(exponent)) {
            return None;
        }
    } else if fraction.is_none() {
        // An integer: JSON text keeps any u64 (json! would type a literal beyond i32 as
        // an i32 and refuse it; a manifest's large numbers are data all the same).
        whole.parse::<u64>().ok()?;
    }
    Some(digits)
}

/// The text of a string literal (`"…"` with Rust's escapes, or `r#"…"#`); `None` for any
/// other literal.
fn string(literal: &str) -> Option<String> {
    if let Some(raw) = literal.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw[hashes..].strip_prefix('"')?;
        return Some(body[..body.len().checked_sub(1 + hashes)?].to_owned());
    }
    let body = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut text = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next()? {
            'n' => text.push('\n'),
            'r' => text.push('\r'),
            't' => text.push('\t'),
            '0' => text.push('\0'),
            '\\' => text.push('\\'),
            '"' => text.push('"'),
            '\'' => text.push('\''),
            'x' => {
                let hex: String = [chars.next()?, chars.next()?].iter().collect();
                text.push(char::from(
                    u8::from_str_radix(&hex, 16).ok().filter(|b| *b < 0x80)?,
                ));
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let mut hex = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        '_' => {}
                        d => hex.push(d),
                    }
                }
                text.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            // A line continuation: the newline and the next line's leading whitespace go.
            '\n' => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            _ => return None,
        }
    }
    Some(text)
}

/// `text` as a JSON string.
fn quote(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
