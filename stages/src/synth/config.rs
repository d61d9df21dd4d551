//! `data/synth.toml`: every number the generator uses, with its source in a comment.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The default configuration, written to `data/synth.toml` when it does not exist.
pub const DEFAULT_CONFIG: &str = include_str!("default_synth.toml");

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SynthConfig {
    pub synth: General,
    pub programme: Programme,
    pub network_types: NetworkTypes,
    pub dynamics: Dynamics,
    pub survey: Survey,
    pub mess: Mess,
    pub effects: Effects,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct General {
    pub seed: u64,
    pub projects: usize,
    pub scenario: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    pub territories: Vec<String>,
    pub budget_min_eur: f64,
    pub budget_max_eur: f64,
    pub formal_partners_mean: f64,
    pub enti_gestori_mean: f64,
    pub max_projects_per_third_sector_org: usize,
    pub network_size_min: usize,
    pub network_size_max: usize,
    pub cited_non_partners_mean: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkTypes {
    pub eg_centred: f64,
    pub third_sector_centred: f64,
    pub polycentric: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dynamics {
    pub prior_share_w1: [f64; 2],
    pub prior_density_base: f64,
    pub prior_density_slope: f64,
    pub w2_keep: f64,
    pub w2_new_ties_per_entrant: f64,
    pub w2_entrants_mean: f64,
    pub w2_entrant_sector_mix: BTreeMap<String, f64>,
    pub w3_keep: f64,
    pub w3_reactivate_prior: f64,
    pub after_share_target: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    pub response_rates: [f64; 3],
    /// Response rate of a network's centres in waves 1 and 2 (the lead partners the evaluators
    /// chase while the project runs; in wave 3 they answer like everyone else).
    #[serde(default = "default_centre_response_rate")]
    pub centre_response_rate: f64,
    pub report_probability: f64,
    pub intensity_weights: [f64; 3],
    pub information_given_collaboration: f64,
    pub resources_given_collaboration: f64,
    pub information_only_ties: f64,
}

fn default_centre_response_rate() -> f64 {
    0.97
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mess {
    pub name_variant: f64,
    pub typo: f64,
    pub acronym: f64,
    pub mojibake: f64,
    pub duplicate_row: f64,
    pub self_citation: f64,
    pub non_so: f64,
    pub mai: f64,
    pub unknown_project: f64,
    pub alias_confirmed: f64,
    pub missing_type: f64,
}

impl Mess {
    /// Every rate multiplied by `factor` (capped at 1), for robustness tests.
    #[must_use]
    pub fn scaled(&self, factor: f64) -> Self {
        let s = |x: f64| (x * factor).min(1.0);
        Self {
            name_variant: s(self.name_variant),
            typo: s(self.typo),
            acronym: self.acronym,
            mojibake: s(self.mojibake),
            duplicate_row: s(self.duplicate_row),
            self_citation: s(self.self_citation),
            non_so: s(self.non_so),
            mai: s(self.mai),
            unknown_project: s(self.unknown_project),
            alias_confirmed: self.alias_confirmed,
            missing_type: s(self.missing_type),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Effects {
    pub outcome_on_social_capital: f64,
    pub persistence_project_born: f64,
    pub persistence_bridging: f64,
    pub persistence_protocol: f64,
    pub persistence_via_ente_gestore: f64,
    pub persistence_closure: f64,
}

impl Effects {
    /// Every effect zero: the `null` scenario.
    #[must_use]
    pub fn null() -> Self {
        Self {
            outcome_on_social_capital: 0.0,
            persistence_project_born: 0.0,
            persistence_bridging: 0.0,
            persistence_protocol: 0.0,
            persistence_via_ente_gestore: 0.0,
            persistence_closure: 0.0,
        }
    }
}

impl SynthConfig {
    /// Parses a config.
    ///
    /// # Errors
    /// The TOML error, with its line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        let p = &self.programme;
        if p.territories.is_empty() {
            return Err("programme.territories is empty".into());
        }
        if p.network_size_min < 4 || p.network_size_min > p.network_size_max {
            return Err("need 4 ≤ network_size_min ≤ network_size_max".into());
        }
        if !["default", "null"].contains(&self.synth.scenario.as_str()) {
            return Err(format!(
                "unknown scenario `{}`: use \"default\" or \"null\"",
                self.synth.scenario
            ));
        }
        let sv = &self.survey;
        for (name, v) in [
            ("survey.centre_response_rate", sv.centre_response_rate),
            ("survey.report_probability", sv.report_probability),
            ("survey.response_rates[1]", sv.response_rates[0]),
            ("survey.response_rates[2]", sv.response_rates[1]),
            ("survey.response_rates[3]", sv.response_rates[2]),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!(
                    "{name} = {v} must be a probability between 0 and 1"
                ));
            }
        }
        let t = &self.network_types;
        if (t.eg_centred + t.third_sector_centred + t.polycentric - 1.0).abs() > 1e-6 {
            return Err("network_types shares must sum to 1".into());
        }
        Ok(())
    }

    /// The effects in force for the configured scenario.
    #[must_use]
    pub fn effects_in_force(&self) -> Effects {
        if self.synth.scenario == "null" {
            Effects::null()
        } else {
            self.effects.clone()
        }
    }
}
