//! UCINET DL: a header `DL N=n`, `FORMAT = EDGELIST1` or `FORMAT = FULLMATRIX`, a `LABELS:`
//! block with one double-quoted label per line (UCINET accepts quoted labels with spaces; a
//! double quote inside a name becomes a single quote), and `DATA:`. An undirected tie is written
//! in both directions in `edgelist1` (so UCINET builds a symmetric matrix) and symmetrically in
//! `fullmatrix`; reading merges the two directions into one tie.
use std::collections::BTreeMap;

use super::pajek::{quoted, tokens};
use super::{number, Edge, FormatError, Network, Node};

/// The two DL layouts written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DlFormat {
    /// `i j weight` lines.
    Edgelist1,
    /// An n × n matrix.
    Fullmatrix,
}

/// Writes one network as a UCINET DL file.
#[must_use]
pub fn write_ucinet(net: &Network, format: DlFormat) -> Vec<u8> {
    let n = net.nodes.len();
    let mut out = format!(
        "DL N={n}\nFORMAT = {}\nLABELS:\n",
        match format {
            DlFormat::Edgelist1 => "EDGELIST1",
            DlFormat::Fullmatrix => "FULLMATRIX",
        }
    );
    for node in &net.nodes {
        out.push_str(&quoted(node.label.as_deref().unwrap_or(&node.id)));
        out.push('\n');
    }
    out.push_str("DATA:\n");
    let w = |e: &Edge| e.weight.unwrap_or(1.0);
    match format {
        DlFormat::Edgelist1 => {
            let mut lines: Vec<(usize, usize, f64)> = Vec::new();
            for e in &net.edges {
                lines.push((e.source, e.target, w(e)));
                if e.source != e.target {
                    lines.push((e.target, e.source, w(e)));
                }
            }
            lines.sort_by_key(|a| (a.0, a.1));
            for (a, b, x) in lines {
                out.push_str(&format!("{} {} {}\n", a + 1, b + 1, number(x)));
            }
        }
        DlFormat::Fullmatrix => {
            let mut m = vec![vec![0.0_f64; n]; n];
            for e in &net.edges {
                m[e.source][e.target] = w(e);
                m[e.target][e.source] = w(e);
            }
            for row in m {
                let cells: Vec<String> = row.into_iter().map(number).collect();
                out.push_str(&cells.join(" "));
                out.push('\n');
            }
        }
    }
    out.into_bytes()
}

/// Reads a UCINET DL file in `fullmatrix` or `edgelist1` format (labels in a `LABELS:` block or
/// `LABELS EMBEDDED` in edge lists). Entries in both directions are one undirected tie; they
/// must agree on the weight.
///
/// # Errors
/// When the header, the labels or a data line cannot be read, with its line number.
pub fn read_ucinet(text: &str) -> Result<Network, FormatError> {
    let lines: Vec<(u64, String)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            (
                i as u64 + 1,
                l.trim_start_matches('\u{feff}').trim().to_string(),
            )
        })
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut n: Option<usize> = None;
    let mut format = String::from("fullmatrix");
    let mut embedded = false;
    let mut labels: Vec<String> = Vec::new();
    let mut mode = 0; // 0 header, 1 labels, 2 data
    let mut data: Vec<(u64, Vec<String>)> = Vec::new();
    for (no, line) in &lines {
        let lower = line.to_lowercase();
        if mode < 2 {
            if lower.starts_with("data:") || lower == "data" {
                mode = 2;
                let rest = line[5.min(line.len())..].trim();
                if !rest.is_empty() {
                    data.push((*no, tokens(rest).map_err(|e| FormatError::at(*no, e))?));
                }
                continue;
            }
            if lower.starts_with("labels embedded") {
                embedded = true;
                continue;
            }
            if lower.starts_with("labels:") || lower.starts_with("row labels:") {
                mode = 1;
                let rest = &line[line.find(':').unwrap_or(0) + 1..];
                labels.extend(tokens(rest).map_err(|e| FormatError::at(*no, e))?);
                continue;
            }
            if mode == 1 {
                labels.extend(tokens(line).map_err(|e| FormatError::at(*no, e))?);
                continue;
            }
            // Header words: `dl n=5 format=edgelist1`, possibly over several lines.
            let spaced = lower.replace('=', " = ");
            let words: Vec<&str> = spaced.split_whitespace().collect();
            let mut k = 0;
            while k < words.len() {
                match words[k] {
                    "dl" => {}
                    "n" | "format" if words.get(k + 1) == Some(&"=") => {
                        let v = words.get(k + 2).ok_or_else(|| {
                            FormatError::at(*no, format!("`{}=` needs a value", words[k]))
                        })?;
                        if words[k] == "n" {
                            n = Some(v.trim_end_matches(',').parse().map_err(|_| {
                                FormatError::at(*no, format!("N=`{v}` is not a number"))
                            })?);
                        } else {
                            format = v.trim_end_matches(',').to_string();
                        }
                        k += 2;
                    }
                    other => {
                        return Err(FormatError::at(
                            *no,
                            format!("unexpected `{other}` in the DL header (read: DL N=…, FORMAT=…, LABELS:, DATA:)"),
                        ))
                    }
                }
                k += 1;
            }
            continue;
        }
        data.push((*no, tokens(line).map_err(|e| FormatError::at(*no, e))?));
    }
    if !lines
        .first()
        .is_some_and(|(_, l)| l.to_lowercase().starts_with("dl"))
    {
        return Err(FormatError::whole(
            "the file does not start with `DL`: not a UCINET DL file",
        ));
    }
    let n = n.ok_or_else(|| FormatError::whole("the DL header has no `N=`"))?;
    if !labels.is_empty() && labels.len() != n {
        return Err(FormatError::whole(format!(
            "N={n} but {} labels",
            labels.len()
        )));
    }
    let mut net = Network::default();
    for k in 0..n {
        net.nodes.push(Node {
            id: (k + 1).to_string(),
            label: labels.get(k).cloned(),
            attrs: Vec::new(),
        });
    }
    // (low, high) → (weight, line)
    let mut ties: BTreeMap<(usize, usize), (f64, u64)> = BTreeMap::new();
    let mut add = |a: usize, b: usize, w: f64, no: u64| -> Result<(), FormatError> {
        let key = (a.min(b), a.max(b));
        if let Some((old, _)) = ties.get(&key) {
            if (old - w).abs() > 0.0 {
                return Err(FormatError::at(
                    no,
                    format!("the tie {}–{} has weight {} one way and {} the other: the network must be undirected", key.0 + 1, key.1 + 1, number(*old), number(w)),
                ));
            }
            return Ok(());
        }
        ties.insert(key, (w, no));
        Ok(())
    };
    match format.as_str() {
        "fullmatrix" | "fm" => {
            let cells: Vec<(u64, &String)> = data
                .iter()
                .flat_map(|(no, t)| t.iter().map(move |c| (*no, c)))
                .collect();
            if cells.len() != n * n {
                return Err(FormatError::whole(format!(
                    "a {n} × {n} matrix needs {} values; the data has {}",
                    n * n,
                    cells.len()
                )));
            }
            for (k, (no, c)) in cells.into_iter().enumerate() {
                let w: f64 = c
                    .parse()
                    .map_err(|_| FormatError::at(no, format!("`{c}` is not a number")))?;
                let (i, j) = (k / n, k % n);
                if w != 0.0 && i != j {
                    add(i, j, w, no)?;
                }
            }
        }
        "edgelist1" | "el1" => {
            let mut by_label: BTreeMap<String, usize> = BTreeMap::new();
            for (no, t) in &data {
                if t.len() < 2 {
                    return Err(FormatError::at(*no, "an edge line needs two nodes"));
                }
                let mut node = |tok: &str| -> Result<usize, FormatError> {
                    if embedded {
                        let next = by_label.len();
                        let idx = *by_label.entry(tok.to_string()).or_insert(next);
                        if idx >= n {
                            return Err(FormatError::at(*no, format!("more than N={n} labels")));
                        }
                        net.nodes[idx].label = Some(tok.to_string());
                        Ok(idx)
                    } else {
                        tok.parse::<usize>()
                            .ok()
                            .filter(|&v| v >= 1 && v <= n)
                            .map(|v| v - 1)
                            .ok_or_else(|| {
                                FormatError::at(
                                    *no,
                                    format!("`{tok}` is not a node number between 1 and {n}"),
                                )
                            })
                    }
                };
                let (a, b) = (node(&t[0])?, node(&t[1])?);
                let w = match t.get(2) {
                    Some(w) => w.parse::<f64>().map_err(|_| {
                        FormatError::at(*no, format!("weight `{w}` is not a number"))
                    })?,
                    None => 1.0,
                };
                if a != b {
                    add(a, b, w, *no)?;
                }
            }
        }
        other => {
            return Err(FormatError::whole(format!(
                "DL format `{other}` is not read (read: fullmatrix, edgelist1)"
            )))
        }
    }
    for ((a, b), (w, line)) in ties {
        net.edges.push(Edge {
            source: a,
            target: b,
            weight: Some(w),
            attrs: Vec::new(),
            line,
        });
    }
    Ok(net)
}
