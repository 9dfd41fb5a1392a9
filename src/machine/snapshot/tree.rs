//! A JSON document as an ordered tree, and a serde deserializer over it that records where an
//! error happened: each level adds its key or array index to the error as it passes through.
//! The tree keeps the document's member order and repeated members (serde_json's own `Value`
//! sorts members and keeps the last of repeated ones), so a repeated member is an error and the
//! first error found is the first in the text. Unlike serde's derived code reading JSON
//! directly, a struct is only read from an object, never from an array of its fields.

use std::collections::HashSet;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor,
};
use serde::Deserialize;

use super::validate::key_segment;

pub(super) enum Node {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Str(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    /// What the node is, in words, for messages.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Unsigned(_) | Node::Signed(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
        }
    }

    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Node::Null => Unexpected::Other("null"),
            Node::Bool(b) => Unexpected::Bool(*b),
            Node::Unsigned(n) => Unexpected::Unsigned(*n),
            Node::Signed(n) => Unexpected::Signed(*n),
            Node::Float(n) => Unexpected::Float(*n),
            Node::Str(s) => Unexpected::Str(s),
            Node::Array(_) => Unexpected::Seq,
            Node::Object(_) => Unexpected::Map,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Unsigned(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Signed(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            // No size hint is used: lists grow by the elements actually present.
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = a.next_entry::<String, Node>()? {
                    members.push(member);
                }
                Ok(Node::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
}

/// An error and where it happened, innermost segment first.
#[derive(Debug)]
pub(super) struct PathError {
    pub message: String,
    pub path: Vec<Segment>,
}

impl PathError {
    fn within(mut self, segment: Segment) -> Self {
        self.path.push(segment);
        self
    }

    /// `processes[3].modules[0]`.
    pub(crate) fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in self.path.iter().rev() {
            match seg {
                Segment::Index(i) => s.push_str(&format!("[{i}]")),
                Segment::Key(k) => s.push_str(&key_segment(k)),
            }
        }
        s.strip_prefix('.').map(str::to_string).unwrap_or(s)
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PathError {}

impl de::Error for PathError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PathError {
            message: msg.to_string(),
            path: Vec::new(),
        }
    }
}

/// Deserializes from one node of the tree.
pub(super) struct Reader<'a>(pub &'a Node);

impl Reader<'_> {
    fn wrong<'de, V: Visitor<'de>, T>(&self, v: &V) -> Result<T, PathError> {
        Err(de::Error::invalid_type(self.0.unexpected(), v))
    }
}

/// Methods that take anything but null, read as `deserialize_any` reads it.
macro_rules! not_null {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, PathError> {
            match self.0 {
                Node::Null => self.wrong(&v),
                _ => self.deserialize_any(v),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Reader<'_> {
    type Error = PathError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, PathError> {
        match self.0 {
            Node::Null => v.visit_unit(),
            Node::Bool(b) => v.visit_bool(*b),
            Node::Unsigned(n) => v.visit_u64(*n),
            Node::Signed(n) => v.visit_i64(*n),
            Node::Float(n) => v.visit_f64(*n),
            Node::Str(s) => v.visit_str(s),
            Node::Array(items) => v.visit_seq(Items {
                items: items.iter().enumerate(),
            }),
            Node::Object(members) => v.visit_map(Members {
                members: members.iter(),
                value: None,
                seen: HashSet::new(),
            }),
        }
    }

    not_null! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_seq
        deserialize_map deserialize_identifier
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, PathError> {
        match self.0 {
            Node::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, PathError> {
        match self.0 {
            Node::Object(_) => self.deserialize_any(v),
            _ => self.wrong(&v),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, PathError> {
        match self.0 {
            Node::Str(s) => v.visit_enum(s.as_str().into_deserializer()),
            _ => self.wrong(&v),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, PathError> {
        v.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        unit unit_struct tuple tuple_struct ignored_any
    }
}

struct Items<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
}

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = PathError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, PathError> {
        match self.items.next() {
            None => Ok(None),
            Some((i, node)) => seed
                .deserialize(Reader(node))
                .map(Some)
                .map_err(|e| e.within(Segment::Index(i))),
        }
    }
}

struct Members<'a> {
    members: std::slice::Iter<'a, (String, Node)>,
    value: Option<(&'a str, &'a Node)>,
    seen: HashSet<&'a str>,
}

impl<'de> MapAccess<'de> for Members<'_> {
    type Error = PathError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, PathError> {
        let Some((key, node)) = self.members.next() else {
            return Ok(None);
        };
        let within = |e: PathError| e.within(Segment::Key(key.clone()));
        if !self.seen.insert(key) {
            return Err(within(de::Error::custom(format_args!(
                "`{key}` appears twice in one object"
            ))));
        }
        self.value = Some((key, node));
        let name: de::value::StrDeserializer<'_, PathError> = key.as_str().into_deserializer();
        seed.deserialize(name).map(Some).map_err(within)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, PathError> {
        let Some((key, node)) = self.value.take() else {
            return Err(de::Error::custom("a value asked for before its key"));
        };
        seed.deserialize(Reader(node))
            .map_err(|e| e.within(Segment::Key(key.to_string())))
    }
}
