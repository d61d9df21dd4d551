//! GEXF 1.3 (gexf.net), the format Gephi reads natively: a static undirected graph, node and
//! edge `<attributes>` with typed ids in a fixed order, `label` and `weight` as GEXF's own
//! fields. Graph-level facts (project, wave, layer, …) go into `<meta><description>` and
//! `<keywords>`, since GEXF 1.3 has no graph attributes. No `lastmodifieddate`: the file carries
//! no date, so the same network gives the same bytes.
use std::collections::BTreeMap;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use super::{index_of, line_of, number, AttrType, Edge, FormatError, Key, Network, Node, Value};

const NS: &str = "http://gexf.net/1.3";
const SCHEMA: &str = "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd";

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) {
    let _ = w.write_event(Event::Start(BytesStart::new(name)));
    let _ = w.write_event(Event::Text(BytesText::new(text)));
    let _ = w.write_event(Event::End(BytesEnd::new(name)));
}

fn attribute_decls(w: &mut Writer<Vec<u8>>, class: &str, prefix: &str, keys: &[Key]) {
    if keys.is_empty() {
        return;
    }
    let mut e = BytesStart::new("attributes");
    e.push_attribute(("class", class));
    e.push_attribute(("mode", "static"));
    let _ = w.write_event(Event::Start(e));
    for (i, k) in keys.iter().enumerate() {
        let mut a = BytesStart::new("attribute");
        a.push_attribute(("id", format!("{prefix}{i}").as_str()));
        a.push_attribute(("title", k.name.as_str()));
        a.push_attribute(("type", k.ty.xml_name()));
        let _ = w.write_event(Event::Empty(a));
    }
    let _ = w.write_event(Event::End(BytesEnd::new("attributes")));
}

fn attvalues(w: &mut Writer<Vec<u8>>, prefix: &str, values: &[Option<Value>]) {
    if values.iter().all(Option::is_none) {
        return;
    }
    let _ = w.write_event(Event::Start(BytesStart::new("attvalues")));
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            let mut a = BytesStart::new("attvalue");
            a.push_attribute(("for", format!("{prefix}{i}").as_str()));
            a.push_attribute(("value", v.to_string().as_str()));
            let _ = w.write_event(Event::Empty(a));
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new("attvalues")));
}

/// Writes one network as a GEXF 1.3 document.
#[must_use]
pub fn write_gexf(net: &Network) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let mut root = BytesStart::new("gexf");
    root.push_attribute(("xmlns", NS));
    root.push_attribute(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"));
    root.push_attribute(("xsi:schemaLocation", SCHEMA));
    root.push_attribute(("version", "1.3"));
    let _ = w.write_event(Event::Start(root));
    let _ = w.write_event(Event::Start(BytesStart::new("meta")));
    text_element(&mut w, "creator", "wecare");
    let facts: Vec<String> = net
        .graph_attrs
        .iter()
        .map(|(k, v)| format!("{}={v}", k.name))
        .collect();
    text_element(&mut w, "keywords", &facts.join(", "));
    text_element(&mut w, "description", &net.name);
    let _ = w.write_event(Event::End(BytesEnd::new("meta")));
    let mut g = BytesStart::new("graph");
    g.push_attribute(("defaultedgetype", "undirected"));
    g.push_attribute(("mode", "static"));
    let _ = w.write_event(Event::Start(g));
    attribute_decls(&mut w, "node", "n", &net.node_keys);
    attribute_decls(&mut w, "edge", "e", &net.edge_keys);
    let _ = w.write_event(Event::Start(BytesStart::new("nodes")));
    for node in &net.nodes {
        let mut e = BytesStart::new("node");
        e.push_attribute(("id", node.id.as_str()));
        if let Some(label) = &node.label {
            e.push_attribute(("label", label.as_str()));
        }
        if node.attrs.iter().all(Option::is_none) {
            let _ = w.write_event(Event::Empty(e));
        } else {
            let _ = w.write_event(Event::Start(e));
            attvalues(&mut w, "n", &node.attrs);
            let _ = w.write_event(Event::End(BytesEnd::new("node")));
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new("nodes")));
    let _ = w.write_event(Event::Start(BytesStart::new("edges")));
    for (i, edge) in net.edges.iter().enumerate() {
        let mut e = BytesStart::new("edge");
        e.push_attribute(("id", i.to_string().as_str()));
        e.push_attribute(("source", net.nodes[edge.source].id.as_str()));
        e.push_attribute(("target", net.nodes[edge.target].id.as_str()));
        if let Some(weight) = edge.weight {
            e.push_attribute(("weight", number(weight).as_str()));
        }
        if edge.attrs.iter().all(Option::is_none) {
            let _ = w.write_event(Event::Empty(e));
        } else {
            let _ = w.write_event(Event::Start(e));
            attvalues(&mut w, "e", &edge.attrs);
            let _ = w.write_event(Event::End(BytesEnd::new("edge")));
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new("edges")));
    let _ = w.write_event(Event::End(BytesEnd::new("graph")));
    let _ = w.write_event(Event::End(BytesEnd::new("gexf")));
    let mut out = w.into_inner();
    out.push(b'\n');
    out
}

/// An edge as read: source, target, weight, line, attribute values by attribute id.
type PendingEdge = (String, String, Option<f64>, u64, BTreeMap<String, String>);

/// Reads a static GEXF document (1.2 or 1.3): nodes, labels, edges, weights and static
/// attribute values. Dynamic spells are ignored.
///
/// # Errors
/// When the XML is not well-formed, an edge names an unknown node or a value does not fit.
pub fn read_gexf(text: &str) -> Result<Network, FormatError> {
    let mut reader = Reader::from_str(text);
    let mut class = String::new();
    let mut decls: BTreeMap<(String, String), (usize, Key)> = BTreeMap::new();
    let mut net = Network::default();
    let mut pending: Vec<PendingEdge> = Vec::new();
    let mut node_values: Vec<BTreeMap<String, String>> = Vec::new();
    let mut in_node = false;
    let mut in_edge = false;
    let mut in_description = false;
    let mut saw_root = false;
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            FormatError::at(line_of(text, pos), format!("not well-formed XML: {e}"))
        })?;
        let line = line_of(text, pos);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let mut attrs = BTreeMap::new();
                for a in e.attributes() {
                    let a =
                        a.map_err(|err| FormatError::at(line, format!("bad attribute: {err}")))?;
                    let v = a
                        .unescape_value()
                        .map_err(|err| FormatError::at(line, format!("bad attribute: {err}")))?;
                    attrs.insert(
                        String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                        v.into_owned(),
                    );
                }
                let get = |k: &str| attrs.get(k).cloned();
                match e.local_name().as_ref() {
                    b"gexf" => saw_root = true,
                    b"attributes" => class = get("class").unwrap_or_default(),
                    b"attribute" => {
                        let id = get("id").unwrap_or_default();
                        let title = get("title").unwrap_or_else(|| id.clone());
                        let ty = get("type").unwrap_or_else(|| "string".into());
                        let ty = AttrType::from_xml_name(&ty).ok_or_else(|| {
                            FormatError::at(
                                line,
                                format!("attribute `{title}`: unknown type `{ty}`"),
                            )
                        })?;
                        let keys = if class == "edge" {
                            &mut net.edge_keys
                        } else {
                            &mut net.node_keys
                        };
                        keys.push(Key { name: title, ty });
                        decls.insert(
                            (class.clone(), id),
                            (keys.len() - 1, keys[keys.len() - 1].clone()),
                        );
                    }
                    b"description" => in_description = !empty,
                    b"node" => {
                        let id = get("id")
                            .ok_or_else(|| FormatError::at(line, "<node> without an `id`"))?;
                        net.nodes.push(Node {
                            id,
                            label: get("label"),
                            attrs: Vec::new(),
                        });
                        node_values.push(BTreeMap::new());
                        in_node = !empty;
                    }
                    b"edge" => {
                        let end = |k: &str| {
                            get(k).ok_or_else(|| {
                                FormatError::at(line, format!("<edge> without a `{k}`"))
                            })
                        };
                        let weight = match get("weight") {
                            Some(t) => Some(t.trim().parse::<f64>().map_err(|_| {
                                FormatError::at(line, format!("edge weight `{t}` is not a number"))
                            })?),
                            None => None,
                        };
                        pending.push((
                            end("source")?,
                            end("target")?,
                            weight,
                            line,
                            BTreeMap::new(),
                        ));
                        in_edge = !empty;
                    }
                    b"attvalue" => {
                        let (Some(f), Some(v)) = (get("for"), get("value")) else {
                            return Err(FormatError::at(
                                line,
                                "<attvalue> needs `for` and `value`",
                            ));
                        };
                        if in_edge {
                            if let Some(p) = pending.last_mut() {
                                p.4.insert(f, v);
                            }
                        } else if in_node {
                            if let Some(m) = node_values.last_mut() {
                                m.insert(f, v);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_description => {
                net.name.push_str(
                    &t.xml10_content()
                        .map_err(|e| FormatError::at(line, e.to_string()))?,
                );
            }
            Event::GeneralRef(r) if in_description => {
                let name = String::from_utf8_lossy(&r).into_owned();
                net.name.push_str(
                    &quick_xml::escape::unescape(&format!("&{name};"))
                        .map_err(|e| FormatError::at(line, e.to_string()))?,
                );
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"node" => in_node = false,
                b"edge" => in_edge = false,
                b"description" => in_description = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(FormatError::whole("no <gexf> element: not a GEXF file"));
    }
    let typed = |class: &str, values: &BTreeMap<String, String>, n: usize, what: &str| {
        let mut out: Vec<Option<Value>> = vec![None; n];
        for (id, text) in values {
            let (i, key) = decls.get(&(class.to_string(), id.clone())).ok_or_else(|| {
                FormatError::whole(format!("{what}: undeclared attribute `{id}`"))
            })?;
            out[*i] = Some(
                Value::parse(text, key.ty)
                    .map_err(|e| FormatError::whole(format!("{what}, `{}`: {e}", key.name)))?,
            );
        }
        Ok::<_, FormatError>(out)
    };
    for (node, values) in net.nodes.iter_mut().zip(&node_values) {
        node.attrs = typed(
            "node",
            values,
            net.node_keys.len(),
            &format!("node `{}`", node.id),
        )?;
    }
    for (source, target, weight, line, values) in pending {
        let end = |id: &str| {
            index_of(&net.nodes, id).ok_or_else(|| {
                FormatError::at(line, format!("edge end `{id}` is not a declared node"))
            })
        };
        let edge = Edge {
            source: end(&source)?,
            target: end(&target)?,
            weight,
            attrs: typed(
                "edge",
                &values,
                net.edge_keys.len(),
                &format!("the edge on line {line}"),
            )?,
            line,
        };
        net.edges.push(edge);
    }
    Ok(net)
}
