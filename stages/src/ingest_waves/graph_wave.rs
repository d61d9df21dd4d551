//! Wave files that are networks collected elsewhere — GraphML, GEXF, Pajek `.net`, UCINET DL — mapped
//! onto the canonical schema: one `ties_raw` row per edge (respondent = one end's label,
//! alter = the other's, types from the `type_code` node attribute, intensity = the weight, the
//! relation from the graph's `layer` attribute or `params.graph_relation`), checked like a
//! survey row (unknown project, self citation, unknown relation, intensity not 1–3 → `rejects`).
use std::path::Path;

use crate::graph_formats::{
    number, read_gexf, read_graphml, read_pajek, read_ucinet, Network, Value,
};
use crate::vocab::fold_label;
use crate::{InputFile, StageError};

use super::params::{IntensityValue, WaveFormat};
use super::tables::{Reason, RejectTable, Source, Tally, Tie, TieTable};
use super::{clean_cell, Context};

/// Reads one network wave file. Returns the file's tally and a short description of it.
pub(super) fn read_graph_wave(
    wave: i32,
    file: &InputFile,
    format: WaveFormat,
    ctx: &Context<'_>,
    ties: &mut TieTable,
    rejects: &mut RejectTable,
) -> Result<(Tally, String), StageError> {
    let bytes = std::fs::read(&file.path).map_err(|e| StageError::Input {
        file: file.display.clone(),
        line: None,
        column: None,
        message: format!("cannot read: {e}"),
        hint: Some("check the path in pipeline.toml".into()),
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => encoding_rs::WINDOWS_1252
            .decode(e.as_bytes())
            .0
            .into_owned(),
    };
    let text = text.trim_start_matches('\u{feff}');
    let parsed = match format {
        WaveFormat::Graphml => read_graphml(text),
        WaveFormat::Pajek => read_pajek(text).map(|n| vec![n]),
        WaveFormat::Gexf => read_gexf(text).map(|n| vec![n]),
        WaveFormat::Ucinet => read_ucinet(text).map(|n| vec![n]),
        WaveFormat::Table => unreachable!("table waves are read as sheets"),
    };
    let name = match format {
        WaveFormat::Graphml => "GraphML",
        WaveFormat::Pajek => "Pajek .net",
        WaveFormat::Gexf => "GEXF",
        WaveFormat::Ucinet => "UCINET DL",
        WaveFormat::Table => "table",
    };
    let nets = parsed.map_err(|e| StageError::Input {
        file: file.display.clone(),
        line: e.line,
        column: None,
        message: format!("cannot read as {name}: {}", e.message),
        hint: Some(format!(
            "params.format = \"{}\" says the wave files are {name}; fix the file or the param",
            format_name(format)
        )),
    })?;
    let mut tally = Tally::default();
    for net in &nets {
        read_network(wave, file, net, ctx, ties, rejects, &mut tally);
    }
    let described = format!(
        "{name}, {} network{}",
        nets.len(),
        if nets.len() == 1 { "" } else { "s" }
    );
    Ok((tally, described))
}

fn format_name(format: WaveFormat) -> &'static str {
    match format {
        WaveFormat::Table => "table",
        WaveFormat::Graphml => "graphml",
        WaveFormat::Pajek => "pajek",
        WaveFormat::Gexf => "gexf",
        WaveFormat::Ucinet => "ucinet",
    }
}

/// The project of a network: its `project` attribute, else its name, else the file name up to
/// `_w<N>` (`WCR-01_w2_collaboration.dl` → `WCR-01`).
fn project_of(net: &Network, file: &InputFile) -> String {
    if let Some(Value::Str(p)) = net.graph_attr("project") {
        return p.clone();
    }
    if !net.name.trim().is_empty() {
        return net.name.clone();
    }
    let stem = Path::new(&file.display)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cut = stem.match_indices("_w").find(|(i, _)| {
        stem[i + 2..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    });
    match cut {
        Some((i, _)) => stem[..i].to_string(),
        None => stem,
    }
}

fn read_network(
    wave: i32,
    file: &InputFile,
    net: &Network,
    ctx: &Context<'_>,
    ties: &mut TieTable,
    rejects: &mut RejectTable,
    tally: &mut Tally,
) {
    let repair = ctx.params.repair_mojibake;
    let project = clean_cell(&project_of(net, file), repair).0.to_uppercase();
    let relation_label = match net.graph_attr("layer") {
        Some(v) => v.to_string(),
        None => ctx.params.graph_relation.clone(),
    };
    let relation = ctx.relations.get(&relation_label);
    let type_of = |node: usize| match net.node_attr(node, "type_code") {
        Some(Value::Str(t)) if !t.trim().is_empty() => Some(clean_cell(t, repair).0),
        _ => None,
    };
    for edge in &net.edges {
        let source = Source {
            wave,
            file: &file.display,
            line: edge.line,
        };
        let mut reject = |column: &str, raw: &str, reason: Reason| {
            rejects.push(source, Some(column), Some(raw), reason);
            tally.reject(reason);
        };
        let respondent = clean_cell(net.display_name(edge.source), repair).0;
        let alter = clean_cell(net.display_name(edge.target), repair).0;
        if project.is_empty() {
            reject("project", "", Reason::EmptyName);
            continue;
        }
        if respondent.is_empty() || alter.is_empty() {
            let which = if respondent.is_empty() {
                "source"
            } else {
                "target"
            };
            reject(which, "", Reason::EmptyName);
            continue;
        }
        if ctx
            .projects
            .as_ref()
            .is_some_and(|known| !known.contains(&project))
        {
            reject("project", &project, Reason::UnknownProject);
            continue;
        }
        if fold_label(&respondent) == fold_label(&alter) {
            reject("target", &alter, Reason::SelfCitation);
            continue;
        }
        let Some(rel) = relation else {
            reject("layer", &relation_label, Reason::UnknownRelation);
            continue;
        };
        let weight_text = edge.weight.map(number).unwrap_or_default();
        let (level, missing) = match ctx.intensity.get(&weight_text) {
            Some(IntensityValue::Level(n)) => (Some(i32::from(n)), false),
            Some(IntensityValue::Missing) => (
                ctx.params
                    .missing_intensity
                    .and_then(|v| i32::try_from(v).ok()),
                true,
            ),
            Some(IntensityValue::Never) => {
                reject("weight", &weight_text, Reason::Never);
                continue;
            }
            None => {
                reject("weight", &weight_text, Reason::MalformedIntensity);
                continue;
            }
        };
        tally.keep();
        tally.missing_intensity += usize::from(missing);
        ties.push(
            source,
            Tie {
                project: project.clone(),
                respondent,
                respondent_type: type_of(edge.source),
                alter,
                alter_type: type_of(edge.target),
                relation: rel.as_str(),
                intensity: level,
                intensity_missing: missing,
            },
        );
    }
}
