//! Pajek `.net`: `*Network NAME`, `*Vertices n` with one `i "label"` line per node, and
//! `*Edges` with `i j weight` lines (undirected). Labels are quoted; a double quote inside a name
//! becomes a single quote (Pajek has no escape for it). UTF-8 text, `\r\n`-free.
//! Pajek carries no node attributes: types and metrics travel in GraphML and GEXF.
use super::{number, Edge, FormatError, Network, Node};

/// A label as Pajek and UCINET DL accept it: double-quoted, no double quote or backslash inside.
pub(crate) fn quoted(label: &str) -> String {
    let clean: String = label
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    format!("\"{clean}\"")
}

/// Writes one network as a Pajek `.net` file.
#[must_use]
pub fn write_pajek(net: &Network) -> Vec<u8> {
    let mut out = String::new();
    if !net.name.is_empty() {
        out.push_str(&format!("*Network {}\n", net.name));
    }
    out.push_str(&format!("*Vertices {}\n", net.nodes.len()));
    for (i, n) in net.nodes.iter().enumerate() {
        let label = n.label.as_deref().unwrap_or(&n.id);
        out.push_str(&format!("{} {}\n", i + 1, quoted(label)));
    }
    out.push_str("*Edges\n");
    for e in &net.edges {
        out.push_str(&format!("{} {}", e.source + 1, e.target + 1));
        if let Some(w) = e.weight {
            out.push_str(&format!(" {}", number(w)));
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// Splits a line into tokens; a token may be double-quoted (and then hold spaces).
pub(crate) fn tokens(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == ',' {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let mut t = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => t.push(c),
                    None => return Err("unclosed quote".into()),
                }
            }
            out.push(t);
        } else {
            let mut t = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == ',' {
                    break;
                }
                t.push(c);
                chars.next();
            }
            out.push(t);
        }
    }
    Ok(out)
}

/// Reads a Pajek `.net` file: `*Vertices`, then `*Edges` or `*Arcs` (arcs are read as ties
/// from the first to the second vertex) or `*Edgeslist`/`*Arcslist`. `%` lines are comments.
///
/// # Errors
/// When a section is missing or a line cannot be read, with its line number.
pub fn read_pajek(text: &str) -> Result<Network, FormatError> {
    #[derive(PartialEq)]
    enum Section {
        None,
        Vertices,
        Edges,
        List,
    }
    let mut net = Network::default();
    let mut declared: Option<usize> = None;
    let mut section = Section::None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        let line = raw.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('%') {
            continue;
        }
        let lower = line.to_lowercase();
        if lower.starts_with('*') {
            let word = lower.split_whitespace().next().unwrap_or("");
            match word {
                "*network" => net.name = line[8..].trim().to_string(),
                "*vertices" => {
                    let n = lower
                        .split_whitespace()
                        .nth(1)
                        .and_then(|t| t.parse::<usize>().ok())
                        .ok_or_else(|| FormatError::at(line_no, "`*Vertices` needs a count"))?;
                    declared = Some(n);
                    for k in 0..n {
                        net.nodes.push(Node {
                            id: (k + 1).to_string(),
                            label: None,
                            attrs: Vec::new(),
                        });
                    }
                    section = Section::Vertices;
                }
                "*edges" | "*arcs" => section = Section::Edges,
                "*edgeslist" | "*arcslist" => section = Section::List,
                other => {
                    return Err(FormatError::at(
                        line_no,
                        format!("unsupported Pajek section `{other}` (read: *Vertices, *Edges, *Arcs, *Edgeslist, *Arcslist)"),
                    ))
                }
            }
            continue;
        }
        let t = tokens(line).map_err(|e| FormatError::at(line_no, e))?;
        let n = declared.unwrap_or(0);
        let vertex = |tok: &str| {
            tok.parse::<usize>()
                .ok()
                .filter(|&v| v >= 1 && v <= n)
                .map(|v| v - 1)
                .ok_or_else(|| {
                    FormatError::at(
                        line_no,
                        format!("`{tok}` is not a vertex number between 1 and {n}"),
                    )
                })
        };
        match section {
            Section::None => {
                return Err(FormatError::at(line_no, "data before `*Vertices`"));
            }
            Section::Vertices => {
                let v = vertex(&t[0])?;
                if let Some(label) = t.get(1) {
                    net.nodes[v].label = Some(label.clone());
                }
            }
            Section::Edges => {
                if t.len() < 2 {
                    return Err(FormatError::at(
                        line_no,
                        "an edge line needs two vertex numbers",
                    ));
                }
                let weight = match t.get(2) {
                    Some(w) => Some(w.parse::<f64>().map_err(|_| {
                        FormatError::at(line_no, format!("edge weight `{w}` is not a number"))
                    })?),
                    None => None,
                };
                net.edges.push(Edge {
                    source: vertex(&t[0])?,
                    target: vertex(&t[1])?,
                    weight,
                    attrs: Vec::new(),
                    line: line_no,
                });
            }
            Section::List => {
                let source = vertex(&t[0])?;
                for tok in &t[1..] {
                    net.edges.push(Edge {
                        source,
                        target: vertex(tok)?,
                        weight: None,
                        attrs: Vec::new(),
                        line: line_no,
                    });
                }
            }
        }
    }
    if declared.is_none() {
        return Err(FormatError::whole(
            "no `*Vertices` line: not a Pajek .net file",
        ));
    }
    Ok(net)
}
