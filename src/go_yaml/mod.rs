//! YAML text exactly as the Flux CLI writes it.
//!
//! Flux serializes with `sigs.k8s.io/yaml`: the object goes to JSON, back into generic
//! maps, and out through go-yaml v2. That fixes everything that makes the bytes differ
//! from other emitters: keys sorted by go-yaml's "natural" order, two-space indent,
//! sequences not indented under their key, strings that would read back as another type
//! double-quoted, strings with indicators single-quoted, multi-line strings as literal
//! blocks, and long plain strings folded at column 80. This module reproduces that
//! emitter's decisions (libyaml's `analyze_scalar` and `select_scalar_style`, go-yaml's
//! `resolve` and key sorter) for the JSON data model only.

use std::cmp::Ordering;

use std::fmt;

use serde::Serialize;
use serde::ser;

mod serializer;
use serializer::Node;

const BEST_WIDTH: usize = 80;
const BEST_INDENT: usize = 2;

/// The name of a newtype struct whose value, a string `value\0comment`, is written as the
/// scalar `value` followed by `# comment` on its line (image automation's setter markers).
pub(crate) const LINE_COMMENT: &str = "$fluxdsl::line-comment";

/// One YAML document (without `---`) for `value`, as Flux writes it.
pub(crate) fn document<T: Serialize + ?Sized>(value: &T) -> Result<String, EmitError> {
    let mut s = String::new();
    write_document(&mut s, value)?;
    Ok(s)
}

/// Appends one YAML document (no `---`) for `value`: the emitter is a serde
/// [`Serializer`](serde::Serializer), so a typed object goes to text in one pass, with no
/// tree in between. On error, `out` is left as it was.
pub(crate) fn write_document<T: Serialize + ?Sized>(
    out: &mut String,
    value: &T,
) -> Result<(), EmitError> {
    Scratch::default().write_document(out, value)
}

/// The emitter's working memory, kept between documents so that writing many objects
/// allocates it once.
#[derive(Default)]
pub(crate) struct Scratch {
    keys: String,
    entries: Vec<Entry>,
    reorder: String,
    format: String,
    order: Vec<usize>,
    fields: Box<FieldCache>,
    /// Refuse strings that kustomize would not read back (control characters): what
    /// render writes for Flux. The emitter itself writes any string.
    refuse_unreadable: bool,
}

impl Scratch {
    /// Working memory for documents kustomize will read: a string with a control character
    /// other than tab and newline is an error naming it.
    pub(crate) fn for_kustomize() -> Scratch {
        Scratch {
            refuse_unreadable: true,
            ..Scratch::default()
        }
    }

    /// [`write_document`] with this working memory.
    pub(crate) fn write_document<T: Serialize + ?Sized>(
        &mut self,
        out: &mut String,
        value: &T,
    ) -> Result<(), EmitError> {
        let before = out.len();
        let mut e = Emitter {
            out,
            column: 0,
            keys: std::mem::take(&mut self.keys),
            entries: std::mem::take(&mut self.entries),
            scratch: std::mem::take(&mut self.reorder),
            format: std::mem::take(&mut self.format),
            order: std::mem::take(&mut self.order),
            fields: &mut self.fields,
            unreadable: None,
            refuse_unreadable: self.refuse_unreadable,
            comment_next: false,
        };
        let mut result = value.serialize(Node {
            e: &mut e,
            at: At::Top,
        });
        if let (Ok(()), Some(problem)) = (&result, e.unreadable.take()) {
            result = Err(EmitError(problem));
        }
        self.keys = e.keys;
        self.entries = e.entries;
        self.reorder = e.scratch;
        self.format = e.format;
        self.order = e.order;
        self.keys.clear();
        self.entries.clear();
        if result.is_err() {
            out.truncate(before);
        }
        result
    }
}

/// Why a value cannot be written as YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmitError(String);

impl EmitError {
    /// An error that says `message`.
    pub(crate) fn from_message(message: String) -> EmitError {
        EmitError(message)
    }
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmitError {}

impl ser::Error for EmitError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        EmitError(msg.to_string())
    }
}

struct Emitter<'a> {
    out: &'a mut String,
    column: usize,
    /// The keys of the mappings being written, innermost last (see [`Entry`]).
    keys: String,
    /// The entries of the mappings being written, innermost last.
    entries: Vec<Entry>,
    /// Room to put a mapping's entries in order.
    scratch: String,
    /// Room for a value serialized through `Display` (`collect_str`).
    format: String,
    /// Room to sort a mapping's entries.
    order: Vec<usize>,
    /// What is known of struct field names.
    fields: &'a mut FieldCache,
    /// The first string that YAML readers would refuse (a control character), described.
    unreadable: Option<String>,
    /// Whether to look for one ([`Scratch::for_kustomize`]).
    refuse_unreadable: bool,
    /// The next string is `value\0comment` ([`LINE_COMMENT`]).
    comment_next: bool,
}

/// One written entry of a mapping: its key and where its text starts in the output. A
/// mapping's entries are written in the order they come and put into go-yaml's key order
/// when the mapping ends.
struct Entry {
    key: Key,
    start: usize,
}

/// A mapping key: a struct's field name, or a map key kept in [`Emitter::keys`].
#[derive(Clone)]
enum Key {
    Field(&'static str),
    Kept(std::ops::Range<usize>),
}

/// What the emitter learnt about struct field names, which are `&'static str` and so the
/// same text at the same address for the life of the process: which are written as they
/// are, and which pairs are in go-yaml's order. Direct-mapped, keyed by address and
/// length; a miss only means deciding again.
struct FieldCache {
    plain: [(usize, usize); SLOTS],
    ordered: [(usize, usize, usize, usize); SLOTS],
}

const SLOTS: usize = 256;

impl Default for FieldCache {
    fn default() -> FieldCache {
        FieldCache {
            plain: [(0, 0); SLOTS],
            ordered: [(0, 0, 0, 0); SLOTS],
        }
    }
}

/// A slot for `address` (Fibonacci hashing: nearby addresses land far apart).
fn slot(address: usize) -> usize {
    (address as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) as usize >> (usize::BITS - 8)
}

impl FieldCache {
    /// Whether `key` is written as it is (decided by [`is_simple_plain`] the first time).
    fn is_plain(&mut self, key: &'static str) -> bool {
        let id = (key.as_ptr() as usize, key.len());
        let at = slot(id.0);
        if self.plain[at] == id {
            return true;
        }
        let plain = key.len() <= 128 && is_simple_plain(key);
        if plain {
            self.plain[at] = id;
        }
        plain
    }

    /// Whether `a` comes before `b` in go-yaml's order.
    fn before(&mut self, a: &'static str, b: &'static str) -> bool {
        let id = (a.as_ptr() as usize, a.len(), b.as_ptr() as usize, b.len());
        let at = slot(id.0 ^ id.2.rotate_left(7));
        if self.ordered[at] == id {
            return true;
        }
        let before = go_key_order(a, b).is_lt();
        if before {
            self.ordered[at] = id;
        }
        before
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// Where a node is written, which decides how it starts and ends.
#[derive(Clone, Copy, Debug)]
enum At {
    /// The whole document.
    Top,
    /// After `key:` of a mapping whose keys are at `indent`.
    MapValue { indent: usize },
    /// After `- ` of a sequence whose dashes are at `indent`.
    SeqItem { indent: usize },
}

impl At {
    /// Where continuation lines and block content of a scalar here go.
    fn scalar_indent(self) -> usize {
        match self {
            At::Top => 0,
            At::MapValue { indent } | At::SeqItem { indent } => indent + BEST_INDENT,
        }
    }
}

impl Emitter<'_> {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_str(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }

    fn newline(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// A line break of the text itself: `\n` as a newline, any other (U+2028, U+2029) as
    /// the character, as libyaml's `write_break` does.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.newline();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn indent_to(&mut self, indent: usize) {
        const SPACES: &str = "                                                                ";
        let mut left = indent;
        while left > 0 {
            let n = left.min(SPACES.len());
            self.out.push_str(&SPACES[..n]);
            left -= n;
        }
        self.column = indent;
    }

    /// A scalar (`text` writes it) at `at`, with what goes before and after it there.
    fn scalar(&mut self, at: At, text: impl FnOnce(&mut Self, usize)) {
        if let At::MapValue { .. } = at {
            self.put(' ');
        }
        text(self, at.scalar_indent());
        if self.column > 0 || matches!(at, At::Top) {
            self.newline();
        }
    }

    /// A struct's field name at `indent` and its `:`.
    fn field(&mut self, key: &'static str, indent: usize) {
        if self.fields.is_plain(key) {
            self.out.push_str(key);
            self.out.push(':');
            self.column += key.len() + 1;
        } else {
            self.key(key, indent);
        }
    }

    /// A mapping key at `indent` and its `:`; the value follows.
    fn key(&mut self, key: &str, indent: usize) {
        if key.len() <= 128 && is_simple_plain(key) {
            // The common case (field names): written as it is.
            self.out.push_str(key);
            self.out.push(':');
            self.column += key.len() + 1;
            return;
        }
        if is_simple_key(key) {
            self.string(key, indent + BEST_INDENT, true);
        } else {
            // libyaml's check_simple_key: a key over 128 bytes or one spanning lines is
            // written in the explicit form, `? key` then `: value` on a line of its own.
            self.put_str("? ");
            self.string(key, indent + BEST_INDENT, false);
            if self.column > 0 {
                self.newline();
            }
            self.indent_to(indent);
        }
        self.put(':');
    }

    fn string(&mut self, s: &str, indent: usize, simple_key: bool) {
        if is_simple_plain(s) {
            // The common case (names, paths, kinds): nothing to quote, nowhere to fold.
            self.out.push_str(s);
            self.column += s.len();
            return;
        }
        if self.refuse_unreadable
            && self.unreadable.is_none()
            && let Some(c) = crate::kube_rules::unreadable_char(s)
        {
            let excerpt: String = s.chars().take(60).collect();
            let more = if excerpt.len() < s.len() { "…" } else { "" };
            self.unreadable = Some(format!(
                "the {} {excerpt:?}{more} holds the control character {c:?}, which kustomize and \
                 the Kubernetes YAML reader refuse (\"control characters are not allowed\"); \
                 only tab and newline may appear",
                if simple_key { "key" } else { "string" }
            ));
        }
        let style = select_style(s, simple_key);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.plain(s, indent, allow_breaks),
            Style::Single => self.single_quoted(s, indent, allow_breaks),
            Style::Double => self.double_quoted(s, indent, allow_breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        if !s.contains(' ') {
            // nowhere to fold
            self.put_str(s);
            return;
        }
        let mut spaces = false;
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == ' ' {
                let next_space = chars.peek() == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.newline();
                    self.indent_to(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
    }

    fn single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put('\'');
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                    && !next_space
                {
                    self.newline();
                    self.indent_to(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.newline();
                }
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.indent_to(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                spaces = false;
                breaks = false;
            }
        }
        self.put('\'');
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put('"');
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{B}' => self.put('v'),
                    '\u{C}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1B}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let escaped = if v <= 0xFF {
                            format!("x{v:02X}")
                        } else if v <= 0xFFFF {
                            format!("u{v:04X}")
                        } else {
                            format!("U{v:08X}")
                        };
                        self.put_str(&escaped);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                {
                    self.newline();
                    self.indent_to(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
            i += 1;
        }
        self.put('"');
    }

    fn literal(&mut self, s: &str, indent: usize) {
        let chars: Vec<char> = s.chars().collect();
        self.put('|');
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.put_str(&BEST_INDENT.to_string());
        }
        match chars.last() {
            Some(&last) if is_break(last) => {
                if chars.len() == 1 || is_break(chars[chars.len() - 2]) {
                    self.put('+');
                }
            }
            _ => self.put('-'),
        }
        self.newline();
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.indent_to(indent);
                    breaks = false;
                }
                self.put(c);
            }
        }
    }
}

/// Text that every rule above leaves plain and unfolded: ASCII letters, digits and
/// `-./_`, not starting with `-`, that YAML 1.1 reads as a string (not a bool, null,
/// number or timestamp). A fast path only; [`select_style`] decides the same for these
/// strings.
fn is_simple_plain(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        Some(&c) if PLAIN[usize::from(c)] && c != b'-' => {}
        _ => return false,
    }
    b.iter().all(|&c| PLAIN[usize::from(c)]) && resolves_to_string(s)
}

/// The bytes [`is_simple_plain`] takes: ASCII letters, digits and `-./_`.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'/' | b'_');
        c += 1;
    }
    table
};

/// Whether a key can be written as `key: value` (libyaml's `check_simple_key` for a
/// scalar: at most 128 bytes and on one line).
fn is_simple_key(key: &str) -> bool {
    key.len() <= 128 && !key.chars().any(is_break)
}

/// libyaml's `is_printable`, which go-yaml uses with unicode output on.
fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0A
        || (0x20..=0x7E).contains(&v)
        || (0xA0..=0xD7FF).contains(&v)
        || ((0xE000..=0xFFFD).contains(&v) && v != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<&char>) -> bool {
    match c {
        None => true,
        Some(&c) => c == ' ' || c == '\t' || is_break(c) || c == '\0',
    }
}

/// The style go-yaml ends with for a string: its encoder's request, then libyaml's
/// checks of what that style allows for this text.
fn select_style(s: &str, simple_key: bool) -> Style {
    let requested = if !resolves_to_string(s) || is_base60_float(s) {
        Style::Double
    } else if s.contains('\n') {
        Style::Literal
    } else {
        Style::Plain
    };
    if requested == Style::Double {
        return Style::Double;
    }
    let a = analyze(s);
    let mut style = requested;
    if style == Style::Plain && (!a.block_plain_allowed || (simple_key && a.multiline)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::Double;
    }
    style
}

struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// libyaml's `yaml_emitter_analyze_scalar`, for block context.
fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) =
        (false, false, false, false);
    let (mut line_breaks, mut special_characters) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut chars = s.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        let next = chars.peek();
        let is_last = next.is_none();
        let followed_by_whitespace = is_blankz(next);
        if first {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' if followed_by_whitespace => block_indicators = true,
                '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= first;
            trailing_space |= is_last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= first;
            trailing_break |= is_last;
            space_break |= previous_space;
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(Some(&c));
        first = false;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// go-yaml v2's `resolve`: would this text, written plain, read back as a string?
fn resolves_to_string(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return false; // empty reads as null
    };
    match first {
        // the first bytes of go-yaml's bool, null, merge and special-float words
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' | b'<' => {
            !is_special_word(s)
        }
        b'.' => !(is_special_word(s) || go_parse_float(s)),
        b'0'..=b'9' | b'+' | b'-' => {
            if is_special_word(s) || first.is_ascii_digit() && is_timestamp(s) {
                return false;
            }
            let number =
                |plain: &str| go_parse_int(plain) || is_yaml_float(plain) && go_parse_float(plain);
            if s.contains('_') {
                let plain: String = s.chars().filter(|&c| c != '_').collect();
                !number(&plain)
            } else {
                !number(s)
            }
        }
        _ => true,
    }
}

/// go-yaml's bool, null, merge and special-float words.
fn is_special_word(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | ""
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | "<<"
    )
}

/// `strconv.ParseInt(s, 0, 64)` / `ParseUint` succeed (overflow aside).
fn go_parse_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (digits, radix) = if let Some(r) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (r, 8)
    } else if let Some(r) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (r, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    !digits.is_empty() && u64::from_str_radix(digits, radix).is_ok()
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` succeeds: decimal or special forms Go accepts.
fn go_parse_float(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if ["inf", "infinity", "nan"]
        .iter()
        .any(|w| body.eq_ignore_ascii_case(w))
    {
        return true;
    }
    is_yaml_float(s) && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let mut i = 0;
    if b[i] == b'+' || b[i] == b'-' {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        match i - start {
            1 => {}
            2 if b[start] <= b'5' => {}
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml's timestamp forms: `2006-1-2`, and with a time `T15:4:5[.999999999]Z07:00`,
/// `t…`, or ` 15:4:5[.999999999]` without a zone.
fn is_timestamp(s: &str) -> bool {
    fn number(b: &[u8], i: &mut usize, min: usize, max: usize) -> bool {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        *i - start >= min
    }
    let b = s.as_bytes();
    let mut i = 0;
    if !(number(b, &mut i, 4, 4)
        && b.get(i) == Some(&b'-')
        && {
            i += 1;
            number(b, &mut i, 1, 2)
        }
        && b.get(i) == Some(&b'-')
        && {
            i += 1;
            number(b, &mut i, 1, 2)
        })
    {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    for part in 0..3 {
        if part > 0 {
            if b.get(i) != Some(&b':') {
                return false;
            }
            i += 1;
        }
        if !number(b, &mut i, 1, 2) {
            return false;
        }
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !number(b, &mut i, 1, 9) {
            return false;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+') | Some(b'-') => {
            i += 1;
            number(b, &mut i, 2, 2)
                && b.get(i) == Some(&b':')
                && {
                    i += 1;
                    number(b, &mut i, 2, 2)
                }
                && i == b.len()
        }
        _ => false,
    }
}

fn go_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Shortest round-trip digits and decimal exponent, e.g. 1.5e3 -> ("15", 3).
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        // Go decides with precision 6 when printing the shortest representation
        // %e with the shortest digits: d.ddde±XX
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    // %f with the shortest digits
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let s = if dp <= 0 {
        format!("0.{}{}", "0".repeat((-dp) as usize), digits)
    } else if dp >= nd {
        format!("{}{}", digits, "0".repeat((dp - nd) as usize))
    } else {
        format!("{}.{}", &digits[..dp as usize], &digits[dp as usize..])
    };
    format!("{sign}{s}")
}

/// `order` (indices whose keys `key` gives) put into go-yaml's order, the same whatever
/// order the keys came in. go-yaml's order is not transitive for some keys (`"1"` before
/// `"02"`, `"02"` before `"0a"`, `"0a"` before `"1"`), so Go itself writes such a map in
/// whichever order its insertion sort meets them. Here they are met in byte order (a
/// JSON object's, as serde_json keeps it) and inserted one by one: never a sort that
/// needs a total order (Rust's may panic without one), and for keys go-yaml does order
/// totally, exactly its order.
pub(crate) fn go_order<'k>(order: &mut Vec<usize>, key: impl Fn(usize) -> &'k str) {
    order.sort_by(|&a, &b| key(a).cmp(key(b)));
    if (1..order.len()).all(|i| go_key_order(key(order[i - 1]), key(order[i])).is_le()) {
        return;
    }
    let met = std::mem::take(order);
    for i in met {
        let at = order.partition_point(|&x| go_key_order(key(x), key(i)).is_le());
        order.insert(at, i);
    }
}

/// go-yaml v2's map key order (`keyList.Less`): runs of digits compare as numbers,
/// letters compare by code point, and any non-letter sorts before a letter.
pub(crate) fn go_key_order(a: &str, b: &str) -> Ordering {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    // The common case, decided on bytes: one key is a prefix of the other (shorter first),
    // or they first differ in two ASCII letters (code point order). An ASCII byte is never
    // inside a multi-byte character, so the characters before it are equal too.
    match ab.iter().zip(bb).position(|(x, y)| x != y) {
        None => return ab.len().cmp(&bb.len()),
        Some(i) if ab[i].is_ascii_alphabetic() && bb[i].is_ascii_alphabetic() => {
            return ab[i].cmp(&bb[i]);
        }
        Some(_) => {}
    }
    if a.is_ascii() && b.is_ascii() {
        key_order(ab, bb, |c| char::from(*c))
    } else {
        let ar: Vec<char> = a.chars().collect();
        let br: Vec<char> = b.chars().collect();
        key_order(&ar, &br, |c| *c)
    }
}

fn key_order<T: PartialEq>(ar: &[T], br: &[T], ch: impl Fn(&T) -> char) -> Ordering {
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = ch(&ar[i]).is_alphabetic();
        let bl = ch(&br[i]).is_alphabetic();
        if al && bl {
            return ch(&ar[i]).cmp(&ch(&br[i]));
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ch(&ar[i]) == '0' || ch(&br[i]) == '0' {
            let mut j = i;
            while j > 0 && ch(&ar[j - 1]).is_ascii_digit() {
                j -= 1;
                if ch(&ar[j]) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ch(&ar[ai]).is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(ch(&ar[ai]) as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && ch(&br[bi]).is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(ch(&br[bi]) as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ch(&ar[i]).cmp(&ch(&br[i]));
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn yaml(v: Value) -> String {
        document(&v).expect("JSON values have a YAML form")
    }

    #[test]
    fn quoting_follows_go_yaml() {
        let out = yaml(json!({
            "a": "plain text",
            "b": "true",
            "c": "8080",
            "d": "",
            "e": "*star",
            "f": "key: value",
            "g": "1:20",
            "h": "2024-01-02",
            "i": "yes",
            "j": "0.5",
            "k": "- item",
            "l": "trailing ",
            "m": "tab\there",
            "n": "it's",
            "o": "a # comment",
            "p": "a#b",
            "q": "système",
            "r": "1e3",
            "s": "0x1F",
            "t": "v1.2.3",
            "u": "~",
        }));
        assert_eq!(
            out,
            "a: plain text\nb: \"true\"\nc: \"8080\"\nd: \"\"\ne: '*star'\nf: 'key: value'\n\
             g: \"1:20\"\nh: \"2024-01-02\"\ni: \"yes\"\nj: \"0.5\"\nk: '- item'\nl: 'trailing '\n\
             m: \"tab\\there\"\n\"n\": it's\no: 'a # comment'\np: a#b\nq: système\nr: \"1e3\"\n\
             s: \"0x1F\"\nt: v1.2.3\nu: \"~\"\n"
        );
    }

    #[test]
    fn blocks_sequences_and_empties() {
        let out = yaml(json!({
            "spec": {
                "ignore": ".cosign\nnon-existent-dir/",
                "args": ["--a", {"name": "x", "value": "y"}, [1, 2]],
                "empty": {},
                "none": [],
                "keep": "line\n",
                "null": null,
            }
        }));
        assert_eq!(
            out,
            "spec:\n  args:\n  - --a\n  - name: x\n    value: \"y\"\n  - - 1\n    - 2\n  empty: {}\n  \
             ignore: |-\n    .cosign\n    non-existent-dir/\n  keep: |\n    line\n  none: []\n  \"null\": null\n"
        );
    }

    #[test]
    fn long_plain_strings_fold_at_80_columns() {
        // The shape of gotk-components.yaml's Bucket CRD: a description at column 16.
        let nested = json!({"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"description":
            "Endpoint is the object storage address the BucketName is located at."}}}}}}}}});
        let out = yaml(nested);
        assert!(
            out.ends_with(
                "                description: Endpoint is the object storage address the BucketName\n                  is located at.\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn the_fast_path_takes_only_what_the_full_rules_leave_plain() {
        // (text, taken by the fast path): every string the fast path takes is one the full
        // rules leave plain, and YAML 1.1's booleans and nulls are never taken.
        for (s, fast) in [
            ("flux-system", true),
            ("main", true),
            ("./x", true),
            ("./apps/12", true),
            ("-x", false),
            ("0.5", false),
            ("1e3", false),
            ("0x1F", false),
            ("2024-01-02", false),
            (".5", false),
            (".inf", false),
            ("1_000", false),
            ("/livez", true),
            ("_x", true),
            ("v1beta1.metrics.k8s.io", true),
            ("nodes/metrics", true),
            ("ab-", true),
            ("a", true),
            ("y", false),
            ("yes", false),
            ("Yes", false),
            ("no", false),
            ("on", false),
            ("Off", false),
            ("null", false),
            ("NULL", false),
            ("true", false),
            ("False", false),
            ("1m0s", true),
            ("", false),
        ] {
            assert_eq!(is_simple_plain(s), fast, "{s:?}");
            if fast {
                assert_eq!(select_style(s, false), Style::Plain, "{s:?}");
                assert_eq!(select_style(s, true), Style::Plain, "{s:?}");
            }
        }
        assert_eq!(select_style("yes", false), Style::Double);
        assert_eq!(select_style("1m0s", false), Style::Plain);
    }

    /// A tree whose mappings serialize their entries in the order given, as a struct's
    /// fields do (not sorted, as a JSON object's are).
    #[derive(Debug, Clone)]
    enum Tree {
        Leaf(String),
        Seq(Vec<Tree>),
        Map(Vec<(String, Tree)>),
    }

    impl Serialize for Tree {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Tree::Leaf(v) => s.serialize_str(v),
                Tree::Seq(items) => s.collect_seq(items),
                Tree::Map(entries) => s.collect_map(entries.iter().map(|(k, v)| (k, v))),
            }
        }
    }

    fn tree() -> impl proptest::strategy::Strategy<Value = Tree> {
        use proptest::prelude::*;
        let leaf = "[a-z0-9 :-]{0,6}".prop_map(Tree::Leaf);
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Tree::Seq),
                // unique keys in a random order, some mixing letters and digits
                prop::collection::btree_map("[a-zA-Z0-9_.]{1,5}", inner, 0..5)
                    .prop_map(|m| m.into_iter().collect::<Vec<_>>())
                    .prop_shuffle()
                    .prop_map(Tree::Map),
            ]
        })
    }

    /// Struct fields out of go-yaml's order, inside sequences and nested, written many
    /// times (the field cache must not change the answer).
    #[test]
    fn struct_fields_in_any_order_emit_as_their_json_would() {
        #[derive(Serialize)]
        #[allow(non_snake_case)]
        struct Inner {
            zeta: u8,
            B: &'static str,
            a10: bool,
            a9: Option<u8>,
            #[serde(rename = "a-b")]
            a_b: Vec<u8>,
        }
        #[derive(Serialize)]
        struct Outer {
            spec: Inner,
            items: Vec<Inner>,
            kind: &'static str,
            #[serde(rename = "apiVersion")]
            api_version: u8,
        }
        let inner = || Inner {
            zeta: 1,
            B: "b",
            a10: true,
            a9: None,
            a_b: vec![1, 2],
        };
        let outer = Outer {
            spec: inner(),
            items: vec![inner(), inner()],
            kind: "K",
            api_version: 0,
        };
        let json = yaml(serde_json::to_value(&outer).unwrap());
        let mut scratch = Scratch::default();
        for _ in 0..3 {
            let mut out = String::new();
            scratch.write_document(&mut out, &outer).unwrap();
            assert_eq!(out, json);
        }
    }

    #[test]
    fn keys_go_yaml_orders_in_a_cycle_come_out_the_same_in_any_order() {
        // go-yaml puts "1" before "02", "02" before "0a" and "0a" before "1": no total
        // order, which a sort may panic on. Every order of them writes one text, the
        // order Go's insertion sort makes of them met as a JSON object keeps them.
        let keys = ["02", "1", "0a"];
        let want = "\"02\": \"\"\n0a: \"\"\n\"1\": \"\"\n";
        for order in [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ] {
            let map = Tree::Map(
                order
                    .iter()
                    .map(|&i| (keys[i].to_owned(), Tree::Leaf(String::new())))
                    .collect(),
            );
            assert_eq!(document(&map).unwrap(), want, "{order:?}");
        }
        assert_eq!(yaml(json!({"1": "", "02": "", "0a": ""})), want);
    }

    proptest::proptest! {
        /// Entries written in any order come out as go-yaml orders a JSON object's keys,
        /// inside sequences and nested mappings alike.
        #[test]
        fn entries_in_any_order_emit_as_their_json_would(t in tree()) {
            let direct = document(&t).expect("a tree of strings has a YAML form");
            let json = serde_json::to_value(&t).expect("a tree of strings is JSON");
            proptest::prop_assert_eq!(direct, yaml(json));
        }

        /// The byte shortcuts of the key order agree with go-yaml's rules on characters.
        #[test]
        fn the_byte_key_order_agrees_with_the_full_rules(
            a in "[a-zA-Z0-9_.é中ß-]{0,6}",
            b in "[a-zA-Z0-9_.é中ß-]{0,6}",
        ) {
            let ac: Vec<char> = a.chars().collect();
            let bc: Vec<char> = b.chars().collect();
            proptest::prop_assert_eq!(go_key_order(&a, &b), key_order(&ac, &bc, |c| *c));
        }

        /// Whatever the fast path takes, the full rules leave plain.
        #[test]
        fn the_fast_path_agrees_with_the_full_rules(s in "[-A-Za-z0-9./_+:~<]{0,10}") {
            if is_simple_plain(&s) {
                proptest::prop_assert_eq!(select_style(&s, false), Style::Plain);
                proptest::prop_assert_eq!(select_style(&s, true), Style::Plain);
            }
        }
    }

    #[test]
    fn long_and_multi_line_keys_take_the_explicit_form() {
        // libyaml's check_simple_key: over 128 bytes, or spanning lines, is not simple.
        let k128 = "k".repeat(128);
        assert_eq!(yaml(json!({ k128.clone(): "v" })), format!("{k128}: v\n"));
        let k129 = "k".repeat(129);
        assert_eq!(
            yaml(json!({ k129.clone(): "v" })),
            format!("? {k129}\n: v\n")
        );
        assert_eq!(yaml(json!({"a\nb": "v"})), "? |-\n  a\n  b\n: v\n");
        assert_eq!(
            yaml(json!({"a\nb": {"c": 1}})),
            "? |-\n  a\n  b\n:\n  c: 1\n"
        );
    }

    #[test]
    fn unicode_line_separators_stay_themselves() {
        // U+2028 is printable but a line break: single-quoted, written as itself, and the
        // next line indented (libyaml's write_break then write_indent).
        assert_eq!(yaml(json!({"k": "a\u{2028}b"})), "k: 'a\u{2028}  b'\n");
        // NEL and the BOM are not printable: double-quoted and escaped.
        assert_eq!(yaml(json!({"k": "a\u{85}b"})), "k: \"a\\Nb\"\n");
        assert_eq!(yaml(json!({"k": "\u{feff}"})), "k: \"\\uFEFF\"\n");
    }

    #[test]
    fn keys_sort_as_go_yaml_does() {
        let mut keys = vec!["b", "a10", "a9", "_x", "B", "a-b", "ab", "a"];
        keys.sort_by(|a, b| go_key_order(a, b));
        // letters compare by code point, so uppercase first; non-letters before letters
        assert_eq!(keys, ["_x", "B", "a", "a-b", "a9", "a10", "ab", "b"]);
        let mut wide = vec!["é2", "é10", "éa"];
        wide.sort_by(|a, b| go_key_order(a, b));
        assert_eq!(wide, ["é2", "é10", "éa"]);
    }

    #[test]
    fn floats_print_as_go() {
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(1234567.5), "1.2345675e+06");
        assert_eq!(go_float(0.00001), "1e-05");
    }
}
