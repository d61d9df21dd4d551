//! The `answers`, `mechanisms` and `evidence` tables, built from the test rows.
use super::{Params, TestRow};

/// Evidence strength of a test row, by the rule in the module docs.
pub(super) fn strength(row: &TestRow, alpha: f64) -> &'static str {
    let null = if row.statistic == "odds_ratio" {
        1.0
    } else {
        0.0
    };
    let excludes =
        (row.ci_low > null && row.ci_high > null) || (row.ci_low < null && row.ci_high < null);
    if !row.p_adjusted.is_finite() {
        return "none";
    }
    if row.p_adjusted < alpha / 5.0 && excludes {
        "strong"
    } else if row.p_adjusted < alpha && excludes {
        "moderate"
    } else if row.p_value < alpha || excludes {
        "weak"
    } else {
        "none"
    }
}

/// The mechanism behind a dyadic coefficient: (id, title, trace).
pub(super) fn mechanism(exposure: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match exposure {
        "project_born" => (
            "persistence_of_project_born_ties",
            "Persistence of project-born ties",
            "a tie born during the project (absent from the prior layer) against a pre-existing tie",
        ),
        "bridging" => (
            "bridging",
            "Bridging across sectors",
            "a pair of organisations of different sectors against a same-sector pair",
        ),
        "closure" => (
            "bonding_closure",
            "Bonding through closure",
            "each common wave-2 neighbour of the pair (top-coded)",
        ),
        "ente_gestore_tie" => (
            "brokerage_ente_gestore",
            "Brokerage by the ente gestore (its own ties)",
            "a tie with an ente gestore at one end",
        ),
        "ente_gestore_two_path" => (
            "brokerage_ente_gestore_two_path",
            "Brokerage by the ente gestore (two-paths)",
            "two other organisations both tied to an ente gestore in wave 2",
        ),
        "protocol" => (
            "institutionalisation_protocol",
            "Institutionalisation through a protocol",
            "a project whose partners signed a protocol after the end",
        ),
        _ => return None,
    })
}

/// Verdict on a mechanism: its trace must point its way (odds ratio above 1) with the interval
/// clear of 1 and the adjusted p below alpha; "contradicted" when it clearly points the other way.
pub(super) fn verdict(row: &TestRow, alpha: f64) -> &'static str {
    let significant = row.p_adjusted.is_finite() && row.p_adjusted < alpha;
    if significant && row.ci_low > 1.0 && row.estimate > 1.0 {
        "supported"
    } else if significant && row.ci_high < 1.0 && row.estimate < 1.0 {
        "contradicted"
    } else {
        "inconclusive"
    }
}

pub(super) fn fmt(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        }
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn fmt_p(p: f64) -> String {
    if p.is_nan() {
        "NaN".into()
    } else if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("= {p:.3}")
    }
}

fn adjusted_name(row: &TestRow) -> &'static str {
    if row.primary {
        "Holm-adjusted"
    } else {
        "BH-adjusted"
    }
}

fn stat_name(row: &TestRow) -> &'static str {
    match row.statistic.as_str() {
        "rho" => "Spearman ρ",
        "tau_b" => "Kendall τ-b",
        "partial_rho" => "partial Spearman ρ",
        "odds_ratio" => "odds ratio",
        _ => "estimate",
    }
}

/// The figures of a row in parentheses.
pub(super) fn figures(row: &TestRow, params: &Params, unit: &str) -> String {
    format!(
        "{} {}, {}% CI {} to {}, {} p {}, N = {} {unit}",
        stat_name(row),
        fmt(row.estimate),
        (params.level * 100.0).round(),
        fmt(row.ci_low),
        fmt(row.ci_high),
        adjusted_name(row),
        fmt_p(row.p_adjusted),
        row.n
    )
}

/// One plain sentence answering a project-level association question from its row.
pub(super) fn correlation_sentence(row: &TestRow, params: &Params) -> String {
    if !row.estimate.is_finite() {
        return format!(
            "Not answerable on these data: {} against {} could not be computed ({}).",
            row.exposure_label, row.outcome_label, row.method
        );
    }
    let more = if row.estimate >= 0.0 { "more" } else { "less" };
    let figs = figures(row, params, "projects");
    match strength(row, params.alpha) {
        "strong" | "moderate" => format!(
            "Yes: projects with a higher {} showed {more} {} ({figs}).",
            row.exposure_label, row.outcome_label
        ),
        "weak" => format!(
            "Only weakly: projects with a higher {} tended to show {more} {}, but the association does not survive the adjustment for multiple tests ({figs}); with N = {} projects a moderate association cannot be told from chance.",
            row.exposure_label, row.outcome_label, row.n
        ),
        _ => format!(
            "No evidence: the {} is not clearly associated with {} ({figs}); with N = {} projects only large associations could have been detected.",
            row.exposure_label, row.outcome_label, row.n
        ),
    }
}

/// One plain sentence on a dyadic mechanism.
pub(super) fn mechanism_sentence(row: &TestRow, params: &Params, kept: bool) -> String {
    let (_, title, trace) =
        mechanism(&row.exposure).unwrap_or(("", "The covariate", "the covariate"));
    let outcome = if kept {
        "kept to wave 3"
    } else {
        "continued in joint initiatives after the end"
    };
    if !row.estimate.is_finite() {
        return format!("{title}: not answerable on these data ({}).", row.method);
    }
    let figs = figures(row, params, "ties");
    match verdict(row, params.alpha) {
        "supported" => format!(
            "{title}: supported — ties were {outcome} more often for {trace} ({figs})."
        ),
        "contradicted" => format!(
            "{title}: contradicted — ties were {outcome} less often for {trace} ({figs})."
        ),
        _ if (row.ci_low > 1.0) || (row.ci_high < 1.0) => format!(
            "{title}: inconclusive — ties were {outcome} {} often for {trace}, but the difference does not survive the adjustment for multiple tests ({figs}).",
            if row.estimate > 1.0 { "more" } else { "less" }
        ),
        _ => format!(
            "{title}: inconclusive — no clear difference in how often ties were {outcome} for {trace} ({figs})."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(statistic: &str, estimate: f64, ci: (f64, f64), p: f64, p_adjusted: f64) -> TestRow {
        TestRow {
            question: "Q2".into(),
            test: "t".into(),
            exposure: "bridging".into(),
            outcome: "o".into(),
            statistic: statistic.into(),
            estimate,
            ci_low: ci.0,
            ci_high: ci.1,
            p_value: p,
            p_adjusted,
            primary: false,
            n: 10,
            method: String::new(),
            sources: Vec::new(),
            exposure_label: "x".into(),
            outcome_label: "y".into(),
        }
    }

    #[test]
    fn evidence_strength_follows_the_documented_rule() {
        assert_eq!(
            strength(&row("rho", 0.6, (0.2, 0.8), 0.001, 0.005), 0.05),
            "strong"
        );
        assert_eq!(
            strength(&row("rho", 0.6, (0.2, 0.8), 0.01, 0.03), 0.05),
            "moderate"
        );
        // The interval excludes 0 but the adjusted p does not pass: weak.
        assert_eq!(
            strength(&row("rho", 0.6, (0.2, 0.8), 0.01, 0.3), 0.05),
            "weak"
        );
        // An odds ratio's "no effect" is 1, not 0.
        assert_eq!(
            strength(&row("odds_ratio", 1.5, (0.8, 2.5), 0.2, 0.4), 0.05),
            "none"
        );
        assert_eq!(
            strength(&row("odds_ratio", 0.5, (0.3, 0.8), 0.001, 0.002), 0.05),
            "strong"
        );
        assert_eq!(
            strength(
                &row("rho", f64::NAN, (f64::NAN, f64::NAN), f64::NAN, f64::NAN),
                0.05
            ),
            "none"
        );
    }

    #[test]
    fn mechanism_verdicts() {
        assert_eq!(
            verdict(&row("odds_ratio", 2.0, (1.2, 3.0), 0.001, 0.01), 0.05),
            "supported"
        );
        assert_eq!(
            verdict(&row("odds_ratio", 0.5, (0.3, 0.8), 0.001, 0.01), 0.05),
            "contradicted"
        );
        assert_eq!(
            verdict(&row("odds_ratio", 2.0, (1.2, 3.0), 0.001, 0.2), 0.05),
            "inconclusive"
        );
        assert_eq!(
            verdict(&row("odds_ratio", 2.0, (0.9, 3.0), 0.001, 0.01), 0.05),
            "inconclusive"
        );
    }
}
