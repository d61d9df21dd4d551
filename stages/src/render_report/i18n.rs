//! The report's two languages: number formatting (decimal point or comma) and every label.
//!
//! Labels are looked up by a stable English key; the Italian table must cover every key the
//! report uses (a unit test checks the keys the English report produced).

/// A report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English: `index.html`, `report.ipynb`.
    En,
    /// Italian: `index.it.html`, `report.it.ipynb`; decimal comma.
    It,
}

impl Lang {
    /// Both languages, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::It];

    /// The `lang` attribute and file-name code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::It => "it",
        }
    }

    /// The file-name infix: `""` for English, `".it"` for Italian.
    #[must_use]
    pub fn suffix(self) -> &'static str {
        match self {
            Lang::En => "",
            Lang::It => ".it",
        }
    }

    /// A number with `digits` decimals, in the language's notation; `–` for NaN or missing.
    #[must_use]
    pub fn num(self, value: Option<f64>, digits: usize) -> String {
        match value {
            Some(v) if v.is_finite() => {
                // -0.00 reads as 0.00.
                let text = format!("{v:.digits$}");
                let text = if text
                    .trim_start_matches('-')
                    .chars()
                    .all(|c| c == '0' || c == '.')
                {
                    text.trim_start_matches('-').to_string()
                } else {
                    text
                };
                match self {
                    Lang::En => text,
                    Lang::It => text.replace('.', ","),
                }
            }
            _ => "–".to_string(),
        }
    }

    /// An interval `[low, high]` in the language's notation.
    #[must_use]
    pub fn interval(self, low: Option<f64>, high: Option<f64>, digits: usize) -> String {
        match self {
            Lang::En => format!("[{}, {}]", self.num(low, digits), self.num(high, digits)),
            Lang::It => format!("[{}; {}]", self.num(low, digits), self.num(high, digits)),
        }
    }

    /// A share as a percentage with no decimals.
    #[must_use]
    pub fn pct(self, value: Option<f64>) -> String {
        match value {
            Some(v) if v.is_finite() => format!("{}%", self.num(Some(v * 100.0), 0)),
            _ => "–".to_string(),
        }
    }

    /// The label for a data code (`third_sector`, `eg_centred`, …): translated where the
    /// tables know it, else the code itself.
    #[must_use]
    pub fn t_owned(self, key: &str) -> String {
        match self {
            Lang::En => english(key).map_or_else(|| key.to_string(), str::to_string),
            Lang::It => italian(key).map_or_else(|| key.to_string(), str::to_string),
        }
    }

    /// The label for `key` (the English text itself).
    #[must_use]
    pub fn t(self, key: &'static str) -> &'static str {
        match self {
            Lang::En => key,
            Lang::It => italian(key).unwrap_or(key),
        }
    }
}

/// Whether the Italian table has `key` (for the coverage test).
#[must_use]
pub fn has_italian(key: &str) -> bool {
    italian(key).is_some()
}

/// English display names of data codes.
fn english(key: &str) -> Option<&'static str> {
    Some(match key {
        "third_sector" => "third sector",
        "eg_centred" => "centred on the ente gestore",
        "third_sector_centred" => "centred on the third sector",
        "other_centred" => "centred on another actor",
        "eg_centred_weak" => "centred on the ente gestore (weak)",
        "third_sector_centred_weak" => "centred on the third sector (weak)",
        "other_centred_weak" => "centred on another actor (weak)",
        "polycentric_weak" => "polycentric (weak)",
        "grey_zone" => "grey zone",
        "not_supported" => "not supported",
        "pre_existing" => "pre-existing",
        "project_born" => "project-born",
        "prior_closure" => "closure of the prior network",
        "prior_density" => "density of the prior network",
        "prior_share_w1" => "pre-existing share of wave-1 ties",
        "problem_reframing" => "problem reframing (0–3)",
        "new_policy_tools" => "new policy tools",
        "prevention_shift" => "prevention shift",
        "new_problem_addressed" => "new problem addressed",
        "implementation_level" => "implementation level",
        "kept_in_wave_3" => "kept in wave 3",
        "after_tie" => "joint initiatives after the end",
        "closure" => "closure (common neighbours)",
        "bridging" => "bridging across sectors",
        "brokerage_ente_gestore" => "brokerage by the ente gestore",
        "brokerage_ente_gestore_two_path" => "brokerage by the ente gestore (two-path)",
        "protocol" => "protocol signed",
        "prior_tie" => "prior tie",
        "ente_gestore_tie" => "tie with the ente gestore",
        "never" => "never (not a tie)",
        "unknown_project" => "unknown project",
        "self_citation" => "self-citation",
        "ente_gestore_two_path" => "two-path via the ente gestore",
        _ => return None,
    })
}

#[allow(clippy::too_many_lines)]
fn italian(key: &str) -> Option<&'static str> {
    Some(match key {
        // Sectors, network types, verdicts, waves.
        "public" => "pubblico",
        "third_sector" => "terzo settore",
        "private" => "privato",
        "other" => "altro",
        "ente gestore" => "ente gestore",
        "eg_centred" => "centrata sull'ente gestore",
        "third_sector_centred" => "centrata sul terzo settore",
        "other_centred" => "centrata su un altro attore",
        "polycentric" => "policentrica",
        "grey_zone" => "zona grigia",
        "eg_centred_weak" => "centrata sull'ente gestore (debole)",
        "third_sector_centred_weak" => "centrata sul terzo settore (debole)",
        "other_centred_weak" => "centrata su un altro attore (debole)",
        "polycentric_weak" => "policentrica (debole)",
        "no_network" => "nessuna rete",
        "supported" => "confermato",
        "not_supported" => "non confermato",
        "inconclusive" => "non conclusivo",
        "none" => "nessuna",
        "weak" => "debole",
        "moderate" => "moderata",
        "strong" => "forte",
        "wave" => "ondata",
        "prior" => "precedente",
        "pre_existing" => "preesistente",
        "project_born" => "nata nel progetto",
        "entrants" => "entrati",
        "exits" => "usciti",
        "stayers" => "rimasti",
        "yes" => "sì",
        "no" => "no",
        // Table headers.
        "stage" => "fase",
        "Stage" => "Fase",
        "ente_gestore_tie" => "legame con l'ente gestore",
        "ente_gestore_two_path" => "due passi tramite l'ente gestore",
        "kind" => "tipo",
        "slot" => "ingresso",
        "source" => "origine",
        "hash" => "hash",
        "param" => "parametro",
        "value" => "valore",
        "output" => "uscita",
        "rows" => "righe",
        "bytes" => "byte",
        "fingerprint" => "impronta",
        "code identity" => "identità del codice",
        "reason" => "motivo",
        "column" => "colonna",
        "example" => "esempio",
        "relation" => "relazione",
        "projects" => "progetti",
        "respondents" => "rispondenti",
        "method" => "metodo",
        "raw names" => "nomi grezzi",
        "mentions" => "menzioni",
        "mean score" => "punteggio medio",
        "sector" => "settore",
        "actors" => "attori",
        "enti gestori" => "enti gestori",
        "decision" => "decisione",
        "pairs" => "coppie",
        "layer" => "livello",
        "ties" => "legami",
        "mean actors" => "attori (media)",
        "mean ties" => "legami (media)",
        "mean density" => "densità (media)",
        "mean degree centralization" => "centralizzazione di grado (media)",
        "network type" => "tipo di rete",
        "from wave" => "da ondata",
        "to wave" => "a ondata",
        "mean tie Jaccard" => "Jaccard dei legami (media)",
        "mean persistence" => "persistenza (media)",
        "origin" => "origine",
        "kept in wave 3" => "mantenuti in ondata 3",
        "share kept" => "quota mantenuta",
        "finding" => "risultato",
        "statement" => "enunciato",
        "interval" => "intervallo",
        "verdict" => "verdetto",
        "confirmed ties: value" => "legami confermati: valore",
        "confirmed ties: verdict" => "legami confermati: verdetto",
        "claim" => "affermazione",
        "estimate" => "stima",
        "evidence" => "evidenza",
        "mechanism" => "meccanismo",
        "outcome" => "esito",
        "exposure" => "esposizione",
        "test" => "test",
        "odds ratio" => "odds ratio",
        "adjusted p" => "p corretto",
        "file" => "file",
        "line" => "riga",
        "wave pair" => "coppia di ondate",
        // Figure texts.
        "The pipeline" => "La pipeline",
        "degree" => "grado",
        "node size = degree" => "dimensione = grado",
        "square = ente gestore" => "quadrato = ente gestore",
        "Network size and density by wave" => "Dimensione e densità delle reti per ondata",
        "actors per network" => "attori per rete",
        "density" => "densità",
        "Tie Jaccard between waves" => "Jaccard dei legami tra ondate",
        "tie Jaccard (common actors)" => "Jaccard dei legami (attori comuni)",
        "project" => "progetto",
        "mean" => "media",
        "Turnover by sector" => "Ricambio per settore",
        "organisations" => "organizzazioni",
        "Survival of ties to wave 3" => "Sopravvivenza dei legami fino all'ondata 3",
        "share of wave-1 ties still present in wave 3" => {
            "quota di legami dell'ondata 1 ancora presenti nell'ondata 3"
        }
        "Network types (wave 1)" => "Tipi di rete (ondata 1)",
        "Q1: prior social capital and change" => "Q1: capitale sociale precedente e cambiamento",
        "Q2: odds ratios of keeping a tie" => "Q2: odds ratio del mantenimento di un legame",
        "odds ratio (log scale), 95% interval" => "odds ratio (scala log.), intervallo al 95%",
        "no network" => "nessuna rete",
        "prior_closure" => "chiusura della rete precedente",
        "prior_density" => "densità della rete precedente",
        "prior_share_w1" => "quota di legami preesistenti (ondata 1)",
        "problem_reframing" => "ridefinizione del problema (0–3)",
        "new_policy_tools" => "nuovi strumenti di policy",
        "prevention_shift" => "spostamento verso la prevenzione",
        "new_problem_addressed" => "nuovo problema affrontato",
        "implementation_level" => "livello di attuazione",
        "persistence_of_project_born_ties" => "persistenza dei legami nati nel progetto",
        "kept_in_wave_3" => "mantenuto nell'ondata 3",
        "after_tie" => "iniziative comuni dopo la fine",
        "empty" => "vuota",
        "project_change" => "cambiamento del capitale sociale nei progetti (ondata 1 → 3)",
        "never" => "mai",
        "unknown_project" => "progetto sconosciuto",
        "self_citation" => "autocitazione",
        "closure" | "bonding_closure" => "chiusura (vicini comuni)",
        "bridging" => "ponte tra settori",
        "brokerage_ente_gestore" => "intermediazione dell'ente gestore",
        "brokerage_ente_gestore_two_path" => "intermediazione dell'ente gestore (due passi)",
        "institutionalisation_protocol" | "protocol" => "protocollo firmato",
        "prior_tie" => "legame precedente",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(Lang::En.num(Some(0.5949), 2), "0.59");
        assert_eq!(Lang::It.num(Some(0.5949), 2), "0,59");
        assert_eq!(Lang::It.num(Some(-0.0001), 2), "0,00");
        assert_eq!(Lang::En.num(Some(f64::NAN), 2), "–");
        assert_eq!(Lang::It.interval(Some(0.1), Some(0.25), 2), "[0,10; 0,25]");
        assert_eq!(Lang::It.pct(Some(0.42)), "42%");
    }
}
