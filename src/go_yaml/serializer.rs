//! The emitter as a serde [`Serializer`]: each node is written where it stands, and each
//! mapping is put into go-yaml's key order when it ends.

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::{self, Impossible, Serializer};

use super::{At, BEST_INDENT, EmitError, Emitter, Entry, Key, go_float, go_key_order, go_order};

/// A node of the document, written at `at`.
pub(super) struct Node<'e, 'a> {
    pub(super) e: &'e mut Emitter<'a>,
    pub(super) at: At,
}

type Result<T> = std::result::Result<T, EmitError>;

impl<'e, 'a> Node<'e, 'a> {
    fn scalar(self, text: impl FnOnce(&mut Emitter<'a>, usize)) -> Result<()> {
        self.e.scalar(self.at, text);
        Ok(())
    }

    /// A string scalar with a comment after it on its line (`image: app:1.0 # {...}`):
    /// the value must fit on that line.
    fn commented(self, value: &str, comment: &str) -> Result<()> {
        if let At::MapValue { .. } = self.at {
            self.e.put(' ');
        }
        let start = self.e.out.len();
        self.e.string(value, self.at.scalar_indent(), false);
        if self.e.out[start..].contains('\n') {
            return Err(EmitError(format!(
                "the value {value:?} before the comment `# {comment}` does not fit on one line"
            )));
        }
        self.e.put_str(" # ");
        self.e.put_str(comment);
        self.e.newline();
        Ok(())
    }

    fn plain(self, text: &str) -> Result<()> {
        self.scalar(|e, _| e.put_str(text))
    }

    fn map(self) -> MapNode<'e, 'a> {
        let (indent, inline) = match self.at {
            At::Top => (0, false),
            At::MapValue { indent } => (indent + BEST_INDENT, false),
            At::SeqItem { indent } => (indent + BEST_INDENT, true),
        };
        let base = self.e.entries.len();
        let keys_base = self.e.keys.len();
        MapNode {
            e: self.e,
            at: self.at,
            indent,
            inline,
            base,
            keys_base,
            pending_key: None,
        }
    }

    fn seq(self) -> SeqNode<'e, 'a> {
        let (indent, inline) = match self.at {
            At::Top => (0, false),
            // go-yaml writes a sequence under a mapping key without indenting it
            At::MapValue { indent } => (indent, false),
            At::SeqItem { indent } => (indent + BEST_INDENT, true),
        };
        SeqNode {
            e: self.e,
            at: self.at,
            indent,
            inline,
            count: 0,
        }
    }
}

/// `{}` or `[]` at `at`.
fn empty(e: &mut Emitter<'_>, at: At, text: &str) {
    if let At::MapValue { .. } = at {
        e.put(' ');
    }
    e.put_str(text);
    e.newline();
}

/// A mapping being written.
pub(super) struct MapNode<'e, 'a> {
    e: &'e mut Emitter<'a>,
    at: At,
    /// Where its keys start.
    indent: usize,
    /// Whether the first key continues the current line (after `- `).
    inline: bool,
    /// Its first entry in `e.entries`, its first key in `e.keys`.
    base: usize,
    keys_base: usize,
    /// The key [`SerializeMap::serialize_key`] wrote into `e.keys`.
    pending_key: Option<Key>,
}

impl MapNode<'_, '_> {
    /// Starts the entry whose key is `key`: its indentation, the key and `:`.
    fn begin_entry(&mut self, key: Key) {
        let first = self.e.entries.len() == self.base;
        if first && matches!(self.at, At::MapValue { .. }) {
            self.e.newline();
        }
        let start = self.e.out.len();
        if !(first && self.inline) {
            self.e.indent_to(self.indent);
        }
        match &key {
            Key::Field(name) => self.e.field(name, self.indent),
            Key::Kept(range) => {
                let keys = std::mem::take(&mut self.e.keys);
                self.e.key(&keys[range.clone()], self.indent);
                self.e.keys = keys;
            }
        }
        self.e.entries.push(Entry { key, start });
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(Node {
            e: self.e,
            at: At::MapValue {
                indent: self.indent,
            },
        })
    }

    fn finish(self) -> Result<()> {
        let e = self.e;
        if e.entries.len() == self.base {
            empty(e, self.at, "{}");
            return Ok(());
        }
        let entries = &e.entries[self.base..];
        let keys = &e.keys;
        let key = |i: usize| match &entries[i].key {
            Key::Field(name) => *name,
            Key::Kept(range) => &keys[range.clone()],
        };
        let fields = &mut *e.fields;
        let in_order = (1..entries.len()).all(|i| match (&entries[i - 1].key, &entries[i].key) {
            (Key::Field(a), Key::Field(b)) => fields.before(a, b),
            _ => go_key_order(key(i - 1), key(i)).is_lt(),
        });
        // Taken as written only in byte order too: where go-yaml's order is not
        // transitive, two orders can each look sorted to it (see `go_order`).
        let as_written = in_order && (1..entries.len()).all(|i| key(i - 1) <= key(i));
        if !as_written {
            // Put the entries' text into go-yaml's order. The first written entry of an
            // inline mapping has no indentation; whichever comes first now must have none.
            let mut order = std::mem::take(&mut e.order);
            order.clear();
            order.extend(0..entries.len());
            go_order(&mut order, key);
            let end = |i: usize| entries.get(i + 1).map_or(e.out.len(), |n| n.start);
            let mut text = std::mem::take(&mut e.scratch);
            text.clear();
            for (pos, &i) in order.iter().enumerate() {
                let mut seg = &e.out[entries[i].start..end(i)];
                if self.inline && pos == 0 && i != 0 {
                    seg = &seg[self.indent..];
                }
                if self.inline && pos != 0 && i == 0 {
                    text.extend(std::iter::repeat_n(' ', self.indent));
                }
                text.push_str(seg);
            }
            let start = entries[0].start;
            e.out.truncate(start);
            e.out.push_str(&text);
            e.scratch = text;
            e.order = order;
        }
        e.entries.truncate(self.base);
        e.keys.truncate(self.keys_base);
        e.column = 0;
        Ok(())
    }
}

impl ser::SerializeMap for MapNode<'_, '_> {
    type Ok = ();
    type Error = EmitError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        let start = self.e.keys.len();
        key.serialize(KeyNode {
            out: &mut self.e.keys,
        })?;
        self.pending_key = Some(Key::Kept(start..self.e.keys.len()));
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| EmitError("a mapping value came without its key".into()))?;
        self.begin_entry(key);
        self.value(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStruct for MapNode<'_, '_> {
    type Ok = ();
    type Error = EmitError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.begin_entry(Key::Field(key));
        self.value(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

/// A sequence being written.
pub(super) struct SeqNode<'e, 'a> {
    e: &'e mut Emitter<'a>,
    at: At,
    /// Where its dashes are.
    indent: usize,
    /// Whether the first dash continues the current line (after `- `).
    inline: bool,
    count: usize,
}

impl ser::SerializeSeq for SeqNode<'_, '_> {
    type Ok = ();
    type Error = EmitError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        if self.count == 0 && matches!(self.at, At::MapValue { .. }) {
            self.e.newline();
        }
        if !(self.count == 0 && self.inline) {
            self.e.indent_to(self.indent);
        }
        self.e.put_str("- ");
        self.count += 1;
        value.serialize(Node {
            e: self.e,
            at: At::SeqItem {
                indent: self.indent,
            },
        })
    }

    fn end(self) -> Result<()> {
        if self.count == 0 {
            empty(self.e, self.at, "[]");
        }
        Ok(())
    }
}

impl ser::SerializeTuple for SeqNode<'_, '_> {
    type Ok = ();
    type Error = EmitError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<()> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqNode<'_, '_> {
    type Ok = ();
    type Error = EmitError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<()> {
        ser::SerializeSeq::end(self)
    }
}

fn unsupported(what: &str) -> EmitError {
    EmitError(format!(
        "{what} cannot be written as Kubernetes YAML (it has no JSON form)"
    ))
}

impl<'e, 'a> Serializer for Node<'e, 'a> {
    type Ok = ();
    type Error = EmitError;
    type SerializeSeq = SeqNode<'e, 'a>;
    type SerializeTuple = SeqNode<'e, 'a>;
    type SerializeTupleStruct = SeqNode<'e, 'a>;
    type SerializeTupleVariant = Impossible<(), EmitError>;
    type SerializeMap = MapNode<'e, 'a>;
    type SerializeStruct = MapNode<'e, 'a>;
    type SerializeStructVariant = Impossible<(), EmitError>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.plain(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.scalar(|e, _| {
            let before = e.out.len();
            let _ = write!(e.out, "{v}");
            e.column += e.out.len() - before;
        })
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.scalar(|e, _| {
            let before = e.out.len();
            let _ = write!(e.out, "{v}");
            e.column += e.out.len() - before;
        })
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        // As JSON carries it: the float32's shortest digits, read back as a float64.
        let v: f64 = v.to_string().parse().unwrap_or(f64::NAN);
        self.serialize_f64(v)
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        self.scalar(|e, _| e.put_str(&go_float(v)))
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        if std::mem::take(&mut self.e.comment_next) {
            let (value, comment) = v.split_once('\0').unwrap_or((v, ""));
            return self.commented(value, comment);
        }
        self.scalar(|e, indent| e.string(v, indent, false))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(unsupported("a byte string"))
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<()> {
        // Formatted into the emitter's own buffer, not a new String each time.
        let mut text = std::mem::take(&mut self.e.format);
        text.clear();
        let _ = write!(text, "{value}");
        let e = self.e;
        let result = Node {
            e: &mut *e,
            at: self.at,
        }
        .serialize_str(&text);
        e.format = text;
        result
    }
    fn serialize_none(self) -> Result<()> {
        self.plain("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.plain("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.plain("null")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name == super::LINE_COMMENT {
            self.e.comment_next = true;
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let mut map = self.map();
        ser::SerializeStruct::serialize_field(&mut map, variant, value)?;
        map.finish()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<SeqNode<'e, 'a>> {
        Ok(self.seq())
    }
    fn serialize_tuple(self, _: usize) -> Result<SeqNode<'e, 'a>> {
        Ok(self.seq())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<SeqNode<'e, 'a>> {
        Ok(self.seq())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported(&format!("tuple variant {variant}")))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MapNode<'e, 'a>> {
        Ok(self.map())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<MapNode<'e, 'a>> {
        Ok(self.map())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported(&format!("struct variant {variant}")))
    }
}

/// A mapping key: JSON allows strings only, and writes numbers as their digits.
struct KeyNode<'k> {
    out: &'k mut String,
}

fn not_a_key() -> EmitError {
    EmitError("a mapping key must be a string".into())
}

impl KeyNode<'_> {
    fn digits(self, v: impl std::fmt::Display) -> Result<()> {
        let _ = write!(self.out, "{v}");
        Ok(())
    }
}

impl Serializer for KeyNode<'_> {
    type Ok = ();
    type Error = EmitError;
    type SerializeSeq = Impossible<(), EmitError>;
    type SerializeTuple = Impossible<(), EmitError>;
    type SerializeTupleStruct = Impossible<(), EmitError>;
    type SerializeTupleVariant = Impossible<(), EmitError>;
    type SerializeMap = Impossible<(), EmitError>;
    type SerializeStruct = Impossible<(), EmitError>;
    type SerializeStructVariant = Impossible<(), EmitError>;

    fn serialize_str(self, v: &str) -> Result<()> {
        self.out.push_str(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.out.push(v);
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.digits(v)
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.digits(v)
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.digits(v)
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.digits(v)
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.digits(v)
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.digits(v)
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.digits(v)
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.digits(v)
    }
    fn serialize_bool(self, _: bool) -> Result<()> {
        Err(not_a_key())
    }
    fn serialize_f32(self, _: f32) -> Result<()> {
        Err(not_a_key())
    }
    fn serialize_f64(self, _: f64) -> Result<()> {
        Err(not_a_key())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(not_a_key())
    }
    fn serialize_none(self) -> Result<()> {
        Err(not_a_key())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        Err(not_a_key())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        Err(not_a_key())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(not_a_key())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_a_key())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(not_a_key())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_a_key())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_a_key())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_a_key())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(not_a_key())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_a_key())
    }
}
