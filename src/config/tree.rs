//! A YAML tree whose every node remembers its origin; the layers are merged as such trees.

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::source::Origin;

/// One step of a config path: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A config path such as `spec.thanos.query.remoteEndpoints[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Path(pub Vec<Segment>);

impl Path {
    pub fn root() -> Self {
        Self(Vec::new())
    }

    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Key(key.to_owned()));
        next
    }

    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    /// Parses the dot/index syntax of `--set` (`spec.a.b[0].c`).
    pub fn parse(text: &str) -> Result<Self, String> {
        // Deeper than any config goes; bounds the work (and the stack) a path can cost.
        const MAX_SEGMENTS: usize = 32;
        if text.matches(['.', '[']).count() >= MAX_SEGMENTS {
            return Err(format!(
                "the path has more than {MAX_SEGMENTS} steps; no setting is that deep"
            ));
        }
        let mut segments = Vec::new();
        for part in text.split('.') {
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if key.is_empty() {
                return Err(format!("empty key in path `{text}`"));
            }
            segments.push(Segment::Key(key.to_owned()));
            while !rest.is_empty() {
                let close = rest
                    .find(']')
                    .filter(|_| rest.starts_with('['))
                    .ok_or_else(|| format!("malformed list index in `{text}`"))?;
                let index = rest[1..close].parse().map_err(|_| {
                    format!(
                        "list index `{}` in `{text}` is not a number",
                        &rest[1..close]
                    )
                })?;
                segments.push(Segment::Index(index));
                rest = &rest[close + 1..];
            }
        }
        Ok(Self(segments))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A YAML value with the origin of the value and, inside a map, of its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub origin: Origin,
    /// Where the key naming this node was written; unknown-key errors point there.
    pub key_origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    Map(IndexMap<String, Node>),
}

impl Value {
    /// The YAML/JSON type name users see in "expected X, found Y".
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::String(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "map",
        }
    }
}

impl Node {
    pub fn new(value: Value, origin: Origin) -> Self {
        Self {
            value,
            origin,
            key_origin: None,
        }
    }

    /// Parses one YAML document, every node tagged with its line and column in `name`.
    pub fn parse(text: &str, source: usize, name: &Arc<str>) -> Result<Self, serde_saphyr::Error> {
        let raw: Spanned<Raw> = crate::yaml::from_str(text)?;
        Ok(Self::from_raw(raw, source, name))
    }

    fn from_raw(raw: Spanned<Raw>, source: usize, name: &Arc<str>) -> Self {
        let origin = origin_of(&raw.referenced, source, name);
        let value = match raw.value {
            Raw::Null => Value::Null,
            Raw::Bool(b) => Value::Bool(b),
            Raw::Int(i) => Value::Int(i),
            Raw::Float(f) => Value::Float(f),
            Raw::String(s) => Value::String(s),
            Raw::Seq(items) => Value::Seq(
                items
                    .into_iter()
                    .map(|item| Self::from_raw(item, source, name))
                    .collect(),
            ),
            Raw::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(key, value)| {
                        let mut node = Self::from_raw(value, source, name);
                        node.key_origin = Some(origin_of(&key.referenced, source, name));
                        (key.value, node)
                    })
                    .collect(),
            ),
        };
        Self::new(value, origin)
    }

    /// Builds a tree from JSON, every node attributed to `origin` (the built-in defaults).
    pub fn from_json(json: &serde_json::Value, origin: &Origin) -> Self {
        let value = match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or_default()),
            },
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::Seq(items.iter().map(|i| Self::from_json(i, origin)).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| {
                        let mut node = Self::from_json(v, origin);
                        node.key_origin = Some(origin.clone());
                        (k.clone(), node)
                    })
                    .collect(),
            ),
        };
        Self::new(value, origin.clone())
    }

    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(map) => serde_json::Value::Object(
                map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
            ),
        }
    }

    /// Whether this node and everything under it are the built-in defaults, which no layer
    /// touched. A map's own origin does not tell: `--set` writes below a map and leaves it
    /// with the origin it had.
    pub fn is_default(&self) -> bool {
        self.origin == Origin::Default
            && self
                .key_origin
                .as_ref()
                .is_none_or(|o| *o == Origin::Default)
            && match &self.value {
                Value::Seq(items) => items.iter().all(Node::is_default),
                Value::Map(map) => map.values().all(Node::is_default),
                _ => true,
            }
    }

    /// Layers `overlay` over `self`: maps merge key by key, anything else is replaced. A null
    /// replaces too, so `credentialsSecret: null` turns an optional default off.
    pub fn merge(&mut self, overlay: Node) {
        match (&mut self.value, overlay.value) {
            (Value::Map(base), Value::Map(over)) => {
                for (key, value) in over {
                    match base.get_mut(&key) {
                        Some(existing) => {
                            existing.key_origin.clone_from(&value.key_origin);
                            existing.merge(value);
                        }
                        None => {
                            base.insert(key, value);
                        }
                    }
                }
                self.origin = overlay.origin;
            }
            (_, value) => {
                self.value = value;
                self.origin = overlay.origin;
            }
        }
    }

    /// The node at `path`, if the merged config has one.
    pub fn get(&self, path: &Path) -> Option<&Node> {
        path.0
            .iter()
            .try_fold(self, |node, segment| match (segment, &node.value) {
                (Segment::Key(key), Value::Map(map)) => map.get(key),
                (Segment::Index(i), Value::Seq(items)) => items.get(*i),
                _ => None,
            })
    }

    /// The origin of the deepest node that exists along `path`: a missing field of a
    /// section still points at the section.
    pub fn origin_of(&self, path: &Path) -> Origin {
        let mut node = self;
        for segment in &path.0 {
            let next = match (segment, &node.value) {
                (Segment::Key(key), Value::Map(map)) => map.get(key),
                (Segment::Index(i), Value::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.origin.clone()
    }

    /// Removes the node at `path`, if any (list items shift down, as in any list).
    pub fn remove(&mut self, path: &Path) {
        let Some((last, parents)) = path.0.split_last() else {
            return;
        };
        let mut node = self;
        for segment in parents {
            let next = match (segment, &mut node.value) {
                (Segment::Key(key), Value::Map(map)) => map.get_mut(key),
                (Segment::Index(i), Value::Seq(items)) => items.get_mut(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return,
            }
        }
        match (last, &mut node.value) {
            (Segment::Key(key), Value::Map(map)) => {
                map.shift_remove(key);
            }
            (Segment::Index(i), Value::Seq(items)) if *i < items.len() => {
                items.remove(*i);
            }
            _ => {}
        }
    }

    /// Writes `value` at `path`, creating maps on the way; used by `--set`.
    pub fn set(&mut self, path: &Path, value: Node) -> Result<(), String> {
        let Some((last, parents)) = path.0.split_last() else {
            *self = value;
            return Ok(());
        };
        let origin = value.origin.clone();
        let mut node = self;
        for (depth, segment) in parents.iter().enumerate() {
            node = step_mut(node, segment, &origin, &Path(path.0[..=depth].to_vec()))?;
        }
        if node.value == Value::Null {
            node.value = match last {
                Segment::Key(_) => Value::Map(IndexMap::new()),
                Segment::Index(_) => Value::Seq(Vec::new()),
            };
        }
        match (last, &mut node.value) {
            (Segment::Key(key), Value::Map(map)) => {
                let mut value = value;
                value.key_origin = Some(origin);
                if let Some(existing) = map.get_mut(key) {
                    *existing = value;
                } else {
                    map.insert(key.clone(), value);
                }
                Ok(())
            }
            (Segment::Index(i), Value::Seq(items)) => match items.len() {
                len if *i < len => {
                    items[*i] = value;
                    Ok(())
                }
                len if *i == len => {
                    items.push(value);
                    Ok(())
                }
                _ => Err(format!(
                    "index {i} is past the end of `{}`, which has {} item(s)",
                    Path(parents.to_vec()),
                    items.len()
                )),
            },
            (_, other) => Err(format!(
                "`{}` is a {}, so `{}` cannot be set inside it",
                Path(parents.to_vec()),
                other.type_name(),
                Path(path.0.clone())
            )),
        }
    }
}

fn step_mut<'a>(
    node: &'a mut Node,
    segment: &Segment,
    origin: &Origin,
    so_far: &Path,
) -> Result<&'a mut Node, String> {
    if node.value == Value::Null {
        node.value = match segment {
            Segment::Key(_) => Value::Map(IndexMap::new()),
            Segment::Index(_) => Value::Seq(Vec::new()),
        };
    }
    let type_name = node.value.type_name();
    match (segment, &mut node.value) {
        (Segment::Key(key), Value::Map(map)) => Ok(map.entry(key.clone()).or_insert_with(|| {
            let mut n = Node::new(Value::Null, origin.clone());
            n.key_origin = Some(origin.clone());
            n
        })),
        (Segment::Index(i), Value::Seq(items)) => {
            let len = items.len();
            if *i == len {
                items.push(Node::new(Value::Null, origin.clone()));
            }
            items.get_mut(*i).ok_or_else(|| {
                format!("index {i} is past the end of `{so_far}`, which has {len} item(s)")
            })
        }
        _ => Err(format!("`{so_far}` is a {type_name}, not a container")),
    }
}

fn origin_of(location: &serde_saphyr::Location, source: usize, name: &Arc<str>) -> Origin {
    Origin::File {
        name: name.clone(),
        source,
        line: location.line() as usize,
        column: location.column() as usize,
    }
}

/// The untyped YAML that serde-saphyr hands us, with spans on every node and key.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        i64::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom(format!("integer {v} is too large")))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}
