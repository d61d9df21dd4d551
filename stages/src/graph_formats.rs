//! [`Network`]: one undirected valued network with typed node and edge attributes, and the
//! graph file formats other network tools read — GraphML, GEXF 1.3, Pajek `.net` and UCINET DL
//! (`edgelist1` and `fullmatrix`) — written byte-for-byte deterministically (nodes and edges in
//! the order given, keys in declaration order, no hash order anywhere) and read back.
//!
//! `export_networks` builds networks from the cleaned tables and writes them; `ingest_waves`
//! reads GraphML, Pajek and UCINET DL files as survey waves. The XML formats are written and
//! parsed with `quick-xml`.
use std::fmt;

mod gexf;
mod graphml;
mod pajek;
mod ucinet;

pub use gexf::{read_gexf, write_gexf};
pub use graphml::{read_graphml, write_graphml};
pub use pajek::{read_pajek, write_pajek};
pub use ucinet::{read_ucinet, write_ucinet, DlFormat};

/// The type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// Text.
    String,
    /// A 64-bit integer.
    Int,
    /// A 64-bit float.
    Double,
    /// True or false.
    Boolean,
}

impl AttrType {
    /// The type name GraphML and GEXF use.
    #[must_use]
    pub fn xml_name(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Int => "long",
            AttrType::Double => "double",
            AttrType::Boolean => "boolean",
        }
    }

    /// The type for a GraphML / GEXF type name.
    #[must_use]
    pub fn from_xml_name(name: &str) -> Option<Self> {
        match name {
            "string" | "liststring" | "anyURI" => Some(AttrType::String),
            "int" | "integer" | "long" | "short" | "byte" | "biginteger" => Some(AttrType::Int),
            "double" | "float" | "bigdecimal" => Some(AttrType::Double),
            "boolean" => Some(AttrType::Boolean),
            _ => None,
        }
    }
}

/// One attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl Value {
    /// Parses `text` as a value of type `ty`.
    ///
    /// # Errors
    /// When the text is not a value of that type.
    pub fn parse(text: &str, ty: AttrType) -> Result<Self, String> {
        let t = text.trim();
        match ty {
            AttrType::String => Ok(Value::Str(text.to_string())),
            AttrType::Int => t
                .parse()
                .map(Value::Int)
                .map_err(|_| format!("`{t}` is not an integer")),
            AttrType::Double => match t {
                "INF" | "inf" => Ok(Value::Float(f64::INFINITY)),
                "-INF" | "-inf" => Ok(Value::Float(f64::NEG_INFINITY)),
                _ => t
                    .parse()
                    .map(Value::Float)
                    .map_err(|_| format!("`{t}` is not a number")),
            },
            AttrType::Boolean => match t {
                "true" | "1" | "True" => Ok(Value::Bool(true)),
                "false" | "0" | "False" => Ok(Value::Bool(false)),
                _ => Err(format!("`{t}` is not true or false")),
            },
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => f.write_str(&number(*x)),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A float as XML Schema's `xs:double` writes it: the shortest text that reads back to the same
/// bits (`3`, `0.25`), `NaN`, `INF` or `-INF`.
#[must_use]
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "INF" } else { "-INF" }.into()
    } else {
        format!("{x}")
    }
}

/// A named, typed attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Its name (`type_code`, `degree`, …).
    pub name: String,
    /// Its type.
    pub ty: AttrType,
}

impl Key {
    /// A key.
    #[must_use]
    pub fn new(name: &str, ty: AttrType) -> Self {
        Self {
            name: name.to_string(),
            ty,
        }
    }
}

/// A node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Its id (unique in the network).
    pub id: String,
    /// Its label (the organisation's name); `None` when the file gives none.
    pub label: Option<String>,
    /// One value per node key (`None`: missing).
    pub attrs: Vec<Option<Value>>,
}

/// An undirected edge between two nodes (indices into [`Network::nodes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// One end.
    pub source: usize,
    /// The other end.
    pub target: usize,
    /// Its weight (`None`: the file gives none).
    pub weight: Option<f64>,
    /// One value per edge key (`None`: missing).
    pub attrs: Vec<Option<Value>>,
    /// The line of the file it was read from (0 when built in memory).
    pub line: u64,
}

/// One undirected network.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Network {
    /// Its name (the graph id in GraphML, the `*Network` line in Pajek).
    pub name: String,
    /// Graph-level attributes, in order.
    pub graph_attrs: Vec<(Key, Value)>,
    /// Node attribute keys, in order.
    pub node_keys: Vec<Key>,
    /// Nodes, in order.
    pub nodes: Vec<Node>,
    /// Edge attribute keys, in order (the weight is not one of them).
    pub edge_keys: Vec<Key>,
    /// Edges, in order.
    pub edges: Vec<Edge>,
}

impl Network {
    /// The label of a node, or its id when it has none.
    #[must_use]
    pub fn display_name(&self, node: usize) -> &str {
        let n = &self.nodes[node];
        n.label.as_deref().unwrap_or(&n.id)
    }

    /// The value of node attribute `name` on `node`, if any.
    #[must_use]
    pub fn node_attr(&self, node: usize, name: &str) -> Option<&Value> {
        let i = self.node_keys.iter().position(|k| k.name == name)?;
        self.nodes[node].attrs.get(i)?.as_ref()
    }

    /// The value of edge attribute `name` on edge `edge`, if any.
    #[must_use]
    pub fn edge_attr(&self, edge: usize, name: &str) -> Option<&Value> {
        let i = self.edge_keys.iter().position(|k| k.name == name)?;
        self.edges[edge].attrs.get(i)?.as_ref()
    }

    /// The graph attribute `name`, if any.
    #[must_use]
    pub fn graph_attr(&self, name: &str) -> Option<&Value> {
        self.graph_attrs
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| v)
    }
}

/// A file that cannot be read as the format it was declared to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl FormatError {
    pub(crate) fn at(line: u64, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            message: message.into(),
        }
    }

    pub(crate) fn whole(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The 1-based line of byte offset `pos` in `text`.
pub(crate) fn line_of(text: &str, pos: usize) -> u64 {
    let end = pos.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// Node indices by id, for readers.
pub(crate) fn index_of(nodes: &[Node], id: &str) -> Option<usize> {
    nodes.iter().position(|n| n.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small network with every attribute type, a label with XML specials and an isolate.
    pub(crate) fn sample() -> Network {
        let s = |t: &str| Some(Value::Str(t.into()));
        Network {
            name: "WCR-01".into(),
            graph_attrs: vec![
                (
                    Key::new("project", AttrType::String),
                    Value::Str("WCR-01".into()),
                ),
                (Key::new("wave", AttrType::Int), Value::Int(1)),
            ],
            node_keys: vec![
                Key::new("type_code", AttrType::String),
                Key::new("degree", AttrType::Double),
                Key::new("ente_gestore", AttrType::Boolean),
            ],
            nodes: vec![
                Node {
                    id: "A1".into(),
                    label: Some("Coop. \"Alice\" & <Figli>".into()),
                    attrs: vec![
                        s("social_coop_a"),
                        Some(Value::Float(2.0)),
                        Some(Value::Bool(false)),
                    ],
                },
                Node {
                    id: "A2".into(),
                    label: Some("Comune di Mondovì".into()),
                    attrs: vec![
                        s("eg_municipality"),
                        Some(Value::Float(1.0)),
                        Some(Value::Bool(true)),
                    ],
                },
                Node {
                    id: "A3".into(),
                    label: Some("L'Aquilone".into()),
                    attrs: vec![s("association"), Some(Value::Float(1.0)), None],
                },
                Node {
                    id: "A4".into(),
                    label: Some("Isolato".into()),
                    attrs: vec![s("firm"), Some(Value::Float(0.0)), Some(Value::Bool(false))],
                },
            ],
            edge_keys: vec![Key::new("reports", AttrType::Int)],
            edges: vec![
                Edge {
                    source: 0,
                    target: 1,
                    weight: Some(3.0),
                    attrs: vec![Some(Value::Int(2))],
                    line: 0,
                },
                Edge {
                    source: 0,
                    target: 2,
                    weight: Some(1.0),
                    attrs: vec![Some(Value::Int(1))],
                    line: 0,
                },
            ],
        }
    }

    /// Tie set by label, for comparing networks across formats.
    pub(crate) fn ties(net: &Network) -> Vec<(String, String, Option<f64>)> {
        let mut out: Vec<_> = net
            .edges
            .iter()
            .map(|e| {
                let (a, b) = (net.display_name(e.source), net.display_name(e.target));
                let (a, b) = if a <= b { (a, b) } else { (b, a) };
                (a.to_string(), b.to_string(), e.weight)
            })
            .collect();
        out.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
        out
    }

    #[test]
    fn numbers_are_shortest_round_trip_text() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(f64::INFINITY), "INF");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(
            Value::parse("INF", AttrType::Double),
            Ok(Value::Float(f64::INFINITY))
        );
    }

    #[test]
    fn every_format_round_trips_the_sample() {
        let net = sample();
        let g = read_graphml(&String::from_utf8(write_graphml(&[&net])).unwrap()).unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].nodes, net.nodes);
        assert_eq!(g[0].graph_attrs, net.graph_attrs);
        assert_eq!(ties(&g[0]), ties(&net));
        assert_eq!(g[0].edges[0].attrs, net.edges[0].attrs);
        let x = read_gexf(&String::from_utf8(write_gexf(&net)).unwrap()).unwrap();
        assert_eq!(x.nodes, net.nodes);
        assert_eq!(ties(&x), ties(&net));
        let p = read_pajek(&String::from_utf8(write_pajek(&net)).unwrap()).unwrap();
        assert_eq!(p.nodes.len(), 4);
        assert_eq!(p.name, "WCR-01");
        for fmt in [DlFormat::Edgelist1, DlFormat::Fullmatrix] {
            let u = read_ucinet(&String::from_utf8(write_ucinet(&net, fmt)).unwrap()).unwrap();
            assert_eq!(u.nodes.len(), 4, "{fmt:?}");
            // Double quotes become single quotes in Pajek and DL labels.
            let fix = |t: &Vec<(String, String, Option<f64>)>| {
                t.iter()
                    .map(|(a, b, w)| (a.replace('"', "'"), b.replace('"', "'"), *w))
                    .collect::<Vec<_>>()
            };
            assert_eq!(fix(&ties(&u)), fix(&ties(&net)), "{fmt:?}");
            assert_eq!(fix(&ties(&p)), fix(&ties(&net)));
        }
    }
}
