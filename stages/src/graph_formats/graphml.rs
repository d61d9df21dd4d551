//! GraphML (graphml.graphdrawing.org): typed `<key>`s (`string`, `long`, `double`, `boolean`)
//! declared in a fixed order — graph keys, then `label` and the node keys, then `weight` and
//! the edge keys — and one `<graph edgedefault="undirected">` per network.
use std::collections::BTreeMap;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use super::{index_of, line_of, AttrType, Edge, FormatError, Key, Network, Node, Value};

const NS: &str = "http://graphml.graphdrawing.org/xmlns";
const SCHEMA: &str =
    "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd";

/// Writes networks as one GraphML document (keys from the first network).
#[must_use]
pub fn write_graphml(nets: &[&Network]) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let Some(first) = nets.first() else {
        return Vec::new();
    };
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let mut root = BytesStart::new("graphml");
    root.push_attribute(("xmlns", NS));
    root.push_attribute(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"));
    root.push_attribute(("xsi:schemaLocation", SCHEMA));
    let _ = w.write_event(Event::Start(root));
    let key = |w: &mut Writer<Vec<u8>>, id: &str, what: &str, k: &Key| {
        let mut e = BytesStart::new("key");
        e.push_attribute(("id", id));
        e.push_attribute(("for", what));
        e.push_attribute(("attr.name", k.name.as_str()));
        e.push_attribute(("attr.type", k.ty.xml_name()));
        let _ = w.write_event(Event::Empty(e));
    };
    for (i, (k, _)) in first.graph_attrs.iter().enumerate() {
        key(&mut w, &format!("g{i}"), "graph", k);
    }
    key(
        &mut w,
        "label",
        "node",
        &Key::new("label", AttrType::String),
    );
    for (i, k) in first.node_keys.iter().enumerate() {
        key(&mut w, &format!("n{i}"), "node", k);
    }
    key(
        &mut w,
        "weight",
        "edge",
        &Key::new("weight", AttrType::Double),
    );
    for (i, k) in first.edge_keys.iter().enumerate() {
        key(&mut w, &format!("e{i}"), "edge", k);
    }
    for net in nets {
        write_graph(&mut w, net);
    }
    let _ = w.write_event(Event::End(BytesEnd::new("graphml")));
    let mut out = w.into_inner();
    out.push(b'\n');
    out
}

fn data(w: &mut Writer<Vec<u8>>, key: &str, value: &str) {
    let mut e = BytesStart::new("data");
    e.push_attribute(("key", key));
    let _ = w.write_event(Event::Start(e));
    let _ = w.write_event(Event::Text(BytesText::new(value)));
    let _ = w.write_event(Event::End(BytesEnd::new("data")));
}

fn write_graph(w: &mut Writer<Vec<u8>>, net: &Network) {
    let mut g = BytesStart::new("graph");
    if !net.name.is_empty() {
        g.push_attribute(("id", net.name.as_str()));
    }
    g.push_attribute(("edgedefault", "undirected"));
    let _ = w.write_event(Event::Start(g));
    for (i, (_, v)) in net.graph_attrs.iter().enumerate() {
        data(w, &format!("g{i}"), &v.to_string());
    }
    for node in &net.nodes {
        let mut e = BytesStart::new("node");
        e.push_attribute(("id", node.id.as_str()));
        let _ = w.write_event(Event::Start(e));
        if let Some(label) = &node.label {
            data(w, "label", label);
        }
        for (i, v) in node.attrs.iter().enumerate() {
            if let Some(v) = v {
                data(w, &format!("n{i}"), &v.to_string());
            }
        }
        let _ = w.write_event(Event::End(BytesEnd::new("node")));
    }
    for edge in &net.edges {
        let mut e = BytesStart::new("edge");
        e.push_attribute(("source", net.nodes[edge.source].id.as_str()));
        e.push_attribute(("target", net.nodes[edge.target].id.as_str()));
        let _ = w.write_event(Event::Start(e));
        if let Some(weight) = edge.weight {
            data(w, "weight", &super::number(weight));
        }
        for (i, v) in edge.attrs.iter().enumerate() {
            if let Some(v) = v {
                data(w, &format!("e{i}"), &v.to_string());
            }
        }
        let _ = w.write_event(Event::End(BytesEnd::new("edge")));
    }
    let _ = w.write_event(Event::End(BytesEnd::new("graph")));
}

/// What a `<data>` element belongs to.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Graph,
    Node(usize),
    Edge(usize),
}

struct KeyDecl {
    domain: String,
    key: Key,
    default: Option<String>,
}

struct PendingEdge {
    source: String,
    target: String,
    data: BTreeMap<String, String>,
    line: u64,
}

#[derive(Default)]
struct GraphState {
    name: String,
    nodes: Vec<(String, BTreeMap<String, String>)>,
    edges: Vec<PendingEdge>,
    data: BTreeMap<String, String>,
}

/// Reads every `<graph>` of a GraphML document.
///
/// # Errors
/// When the text is not well-formed XML, an edge names an unknown node, a value does not fit its
/// key's type, or graphs are nested.
pub fn read_graphml(text: &str) -> Result<Vec<Network>, FormatError> {
    let mut reader = Reader::from_str(text);
    let mut keys: BTreeMap<String, KeyDecl> = BTreeMap::new();
    let mut key_order: Vec<String> = Vec::new();
    let mut graphs: Vec<GraphState> = Vec::new();
    let mut current: Option<GraphState> = None;
    let mut owner = Owner::Graph;
    let mut open_key: Option<String> = None;
    let mut open_data: Option<(Owner, String, String)> = None;
    let mut in_default = false;
    let mut saw_root = false;
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            FormatError::at(line_of(text, pos), format!("not well-formed XML: {e}"))
        })?;
        let line = line_of(text, pos);
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"graphml" => {
                saw_root = true;
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let attrs = attributes(e, line)?;
                let is_empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    b"key" => {
                        let id = attrs.get("id").cloned().unwrap_or_default();
                        let ty = attrs.get("attr.type").map_or("string", String::as_str);
                        let ty = AttrType::from_xml_name(ty).ok_or_else(|| {
                            FormatError::at(line, format!("key `{id}`: unknown attr.type `{ty}`"))
                        })?;
                        let name = attrs
                            .get("attr.name")
                            .cloned()
                            .unwrap_or_else(|| id.clone());
                        let domain = attrs.get("for").cloned().unwrap_or_else(|| "all".into());
                        key_order.push(id.clone());
                        keys.insert(
                            id.clone(),
                            KeyDecl {
                                domain,
                                key: Key { name, ty },
                                default: None,
                            },
                        );
                        if !is_empty {
                            open_key = Some(id);
                        }
                    }
                    b"default" => in_default = open_key.is_some() && !is_empty,
                    b"graph" => {
                        if current.is_some() {
                            return Err(FormatError::at(
                                line,
                                "nested graphs are not supported: give one flat graph per project",
                            ));
                        }
                        current = Some(GraphState {
                            name: attrs.get("id").cloned().unwrap_or_default(),
                            ..GraphState::default()
                        });
                        owner = Owner::Graph;
                    }
                    b"node" => {
                        let g = current
                            .as_mut()
                            .ok_or_else(|| FormatError::at(line, "<node> outside a <graph>"))?;
                        let id = attrs
                            .get("id")
                            .cloned()
                            .ok_or_else(|| FormatError::at(line, "<node> without an `id`"))?;
                        g.nodes.push((id, BTreeMap::new()));
                        owner = Owner::Node(g.nodes.len() - 1);
                        if is_empty {
                            owner = Owner::Graph;
                        }
                    }
                    b"edge" => {
                        let g = current
                            .as_mut()
                            .ok_or_else(|| FormatError::at(line, "<edge> outside a <graph>"))?;
                        let end = |name: &str| {
                            attrs.get(name).cloned().ok_or_else(|| {
                                FormatError::at(line, format!("<edge> without a `{name}`"))
                            })
                        };
                        g.edges.push(PendingEdge {
                            source: end("source")?,
                            target: end("target")?,
                            data: BTreeMap::new(),
                            line,
                        });
                        owner = Owner::Edge(g.edges.len() - 1);
                        if is_empty {
                            owner = Owner::Graph;
                        }
                    }
                    b"data" => {
                        let key = attrs
                            .get("key")
                            .cloned()
                            .ok_or_else(|| FormatError::at(line, "<data> without a `key`"))?;
                        if is_empty {
                            store(current.as_mut(), owner, key, String::new());
                        } else {
                            open_data = Some((owner, key, String::new()));
                        }
                    }
                    b"hyperedge" => {
                        return Err(FormatError::at(line, "hyperedges are not supported"));
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                let s = t
                    .xml10_content()
                    .map_err(|e| FormatError::at(line, e.to_string()))?;
                push_text(&mut open_data, &mut keys, open_key.as_ref(), in_default, &s);
            }
            Event::CData(t) => {
                let s = String::from_utf8_lossy(&t).into_owned();
                push_text(&mut open_data, &mut keys, open_key.as_ref(), in_default, &s);
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let s = quick_xml::escape::unescape(&format!("&{name};"))
                    .map_err(|e| FormatError::at(line, format!("entity `&{name};`: {e}")))?
                    .into_owned();
                push_text(&mut open_data, &mut keys, open_key.as_ref(), in_default, &s);
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"data" => {
                    if let Some((o, key, value)) = open_data.take() {
                        store(current.as_mut(), o, key, value);
                    }
                }
                b"default" => in_default = false,
                b"key" => open_key = None,
                b"node" | b"edge" => owner = Owner::Graph,
                b"graph" => {
                    if let Some(g) = current.take() {
                        graphs.push(g);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(FormatError::whole(
            "no <graphml> element: not a GraphML file",
        ));
    }
    if graphs.is_empty() {
        return Err(FormatError::whole("no <graph> element"));
    }
    graphs
        .into_iter()
        .map(|g| assemble(g, &keys, &key_order))
        .collect()
}

fn attributes(e: &BytesStart<'_>, line: u64) -> Result<BTreeMap<String, String>, FormatError> {
    let mut out = BTreeMap::new();
    for a in e.attributes() {
        let a = a.map_err(|err| FormatError::at(line, format!("bad attribute: {err}")))?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let key = if a.key.as_ref().starts_with(b"attr.") {
            String::from_utf8_lossy(a.key.as_ref()).into_owned()
        } else {
            key
        };
        let value = a
            .unescape_value()
            .map_err(|err| FormatError::at(line, format!("bad attribute value: {err}")))?
            .into_owned();
        out.insert(key, value);
    }
    Ok(out)
}

fn push_text(
    open_data: &mut Option<(Owner, String, String)>,
    keys: &mut BTreeMap<String, KeyDecl>,
    open_key: Option<&String>,
    in_default: bool,
    s: &str,
) {
    if let Some((_, _, value)) = open_data.as_mut() {
        value.push_str(s);
    } else if in_default {
        if let Some(k) = open_key.and_then(|id| keys.get_mut(id)) {
            k.default.get_or_insert_with(String::new).push_str(s);
        }
    }
}

fn store(graph: Option<&mut GraphState>, owner: Owner, key: String, value: String) {
    let Some(g) = graph else { return };
    match owner {
        Owner::Graph => {
            g.data.insert(key, value);
        }
        Owner::Node(i) => {
            g.nodes[i].1.insert(key, value);
        }
        Owner::Edge(i) => {
            g.edges[i].data.insert(key, value);
        }
    }
}

fn domain_keys<'a>(
    keys: &'a BTreeMap<String, KeyDecl>,
    order: &'a [String],
    domain: &'a str,
) -> impl Iterator<Item = (&'a String, &'a KeyDecl)> + 'a {
    order
        .iter()
        .filter_map(move |id| keys.get(id).map(|k| (id, k)))
        .filter(move |(_, k)| k.domain == domain || k.domain == "all")
}

fn typed(text: &str, key: &KeyDecl, what: &str) -> Result<Value, FormatError> {
    Value::parse(text, key.key.ty)
        .map_err(|e| FormatError::whole(format!("{what}, key `{}`: {e}", key.key.name)))
}

fn assemble(
    g: GraphState,
    keys: &BTreeMap<String, KeyDecl>,
    order: &[String],
) -> Result<Network, FormatError> {
    let mut net = Network {
        name: g.name,
        ..Network::default()
    };
    for (id, k) in domain_keys(keys, order, "graph") {
        if let Some(text) = g.data.get(id).or(k.default.as_ref()) {
            net.graph_attrs
                .push((k.key.clone(), typed(text, k, "the graph")?));
        }
    }
    let node_keys: Vec<(&String, &KeyDecl)> = domain_keys(keys, order, "node")
        .filter(|(_, k)| k.key.name != "label")
        .collect();
    let label_key = domain_keys(keys, order, "node")
        .find(|(_, k)| k.key.name == "label")
        .map(|(id, k)| (id.clone(), k.default.clone()));
    net.node_keys = node_keys.iter().map(|(_, k)| k.key.clone()).collect();
    for (id, data) in g.nodes {
        if index_of(&net.nodes, &id).is_some() {
            return Err(FormatError::whole(format!("node `{id}` is declared twice")));
        }
        let label = label_key
            .as_ref()
            .and_then(|(kid, default)| data.get(kid).cloned().or_else(|| default.clone()));
        let attrs = node_keys
            .iter()
            .map(|(kid, k)| {
                data.get(*kid)
                    .or(k.default.as_ref())
                    .map(|t| typed(t, k, &format!("node `{id}`")))
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        net.nodes.push(Node { id, label, attrs });
    }
    let edge_keys: Vec<(&String, &KeyDecl)> = domain_keys(keys, order, "edge")
        .filter(|(_, k)| k.key.name != "weight")
        .collect();
    let weight_key = domain_keys(keys, order, "edge").find(|(_, k)| k.key.name == "weight");
    net.edge_keys = edge_keys.iter().map(|(_, k)| k.key.clone()).collect();
    for e in g.edges {
        let end = |id: &str| {
            index_of(&net.nodes, id).ok_or_else(|| {
                FormatError::at(e.line, format!("edge end `{id}` is not a declared node"))
            })
        };
        let (source, target) = (end(&e.source)?, end(&e.target)?);
        let weight = match weight_key {
            Some((kid, k)) => match e.data.get(kid).or(k.default.as_ref()) {
                Some(t) => match Value::parse(t, AttrType::Double) {
                    Ok(Value::Float(w)) => Some(w),
                    _ => {
                        return Err(FormatError::at(
                            e.line,
                            format!("edge weight `{}` is not a number", t.trim()),
                        ))
                    }
                },
                None => None,
            },
            None => None,
        };
        let attrs = edge_keys
            .iter()
            .map(|(kid, k)| {
                e.data
                    .get(*kid)
                    .or(k.default.as_ref())
                    .map(|t| typed(t, k, &format!("the edge on line {}", e.line)))
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        net.edges.push(Edge {
            source,
            target,
            weight,
            attrs,
            line: e.line,
        });
    }
    Ok(net)
}
