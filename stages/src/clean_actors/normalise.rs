//! Name normalisation: from a raw spelling to a *family* (what kind of body the words say it is)
//! and a *key* (the distinctive words, legal forms and generic words removed).
//!
//! "Coop. Soc. Il Girasole s.c.s. ONLUS", "IL GIRASOLE cooperativa sociale" and "Girasole" all
//! give the key `girasole`; "C.I.S.S. Valle Sorana" and "Consorzio Intercomunale Servizi Sociali
//! Valle Sorana" give `valle sorana` in the family of public consortia.
use crate::vocab::fold_label;

/// What the words of a name say about the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Consortium of social services (ente gestore).
    ServicesConsortium,
    /// "Consorzio …" with nothing else to tell.
    Consortium,
    /// Consortium of co-operatives.
    CoopConsortium,
    MountainUnion,
    Municipality,
    Health,
    School,
    Housing,
    Employment,
    Cooperative,
    /// Associations, ODV and APS (respondents mix these up).
    Association,
    Foundation,
    BankingFoundation,
    VolunteerCentre,
    Parish,
    Caritas,
    Training,
    Firm,
    BusinessAssociation,
    Committee,
}

impl Family {
    /// Whether two families may name the same body.
    #[must_use]
    pub fn compatible(a: Option<Self>, b: Option<Self>) -> bool {
        use Family::{Consortium, CoopConsortium, ServicesConsortium};
        match (a, b) {
            (None, _) | (_, None) => true,
            (Some(x), Some(y)) if x == y => true,
            (Some(Consortium), Some(ServicesConsortium | CoopConsortium))
            | (Some(ServicesConsortium | CoopConsortium), Some(Consortium)) => true,
            _ => false,
        }
    }

    /// The type code the family implies when nothing better is known.
    #[must_use]
    pub fn default_type(self) -> &'static str {
        match self {
            Family::ServicesConsortium | Family::Consortium => "eg_consortium",
            Family::CoopConsortium => "coop_consortium",
            Family::MountainUnion => "eg_mountain_union",
            Family::Municipality => "municipality",
            Family::Health => "asl",
            Family::School => "school",
            Family::Housing | Family::Employment => "other_public",
            Family::Cooperative => "social_coop_a",
            Family::Association => "association",
            Family::Foundation => "foundation",
            Family::BankingFoundation => "banking_foundation",
            Family::VolunteerCentre => "volunteer_centre",
            Family::Parish | Family::Caritas => "religious_body",
            Family::Training => "training_agency",
            Family::Firm => "firm",
            Family::BusinessAssociation => "business_association",
            Family::Committee => "other",
        }
    }

    /// The family a type code belongs to, for compatibility checks against type labels.
    #[must_use]
    pub fn of_type(code: &str) -> Option<Self> {
        Some(match code {
            "eg_consortium" => Family::ServicesConsortium,
            "coop_consortium" => Family::CoopConsortium,
            "eg_mountain_union" => Family::MountainUnion,
            "eg_municipality" | "municipality" => Family::Municipality,
            "asl" => Family::Health,
            "school" => Family::School,
            "social_coop_a" | "social_coop_b" => Family::Cooperative,
            "odv" | "aps" | "association" => Family::Association,
            "foundation" => Family::Foundation,
            "banking_foundation" => Family::BankingFoundation,
            "volunteer_centre" => Family::VolunteerCentre,
            "training_agency" => Family::Training,
            "firm" => Family::Firm,
            "business_association" => Family::BusinessAssociation,
            _ => return None,
        })
    }
}

/// A normalised name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Normalised {
    /// What the words say the body is, if they say.
    pub family: Option<Family>,
    /// The distinctive words, space-separated.
    pub key: String,
    /// Every significant token (generic words kept), for acronym checks.
    pub tokens: Vec<String>,
    /// The raw name looks like an acronym (one upper-case token, 2–8 letters).
    pub acronym: Option<String>,
}

/// Phrases that mark a family (folded, longest first within each rule).
const FAMILY_RULES: &[(&[&str], Family)] = &[
    (
        &[
            "consorzio intercomunale",
            "servizi sociali",
            "socio assistenziale",
            "ciss",
            "cisa",
            "servizi alla persona",
        ],
        Family::ServicesConsortium,
    ),
    (
        &[
            "consorzio di cooperative",
            "consorzio cooperative",
            "consorzio di coop",
        ],
        Family::CoopConsortium,
    ),
    (
        &["unione montana", "comunita montana"],
        Family::MountainUnion,
    ),
    (
        &[
            "fondazione cassa di risparmio",
            "fondazione cr",
            "fondazione bancaria",
        ],
        Family::BankingFoundation,
    ),
    (
        &[
            "centro servizi per il volontariato",
            "centro servizi volontariato",
            "csv",
        ],
        Family::VolunteerCentre,
    ),
    (
        &[
            "agenzia territoriale per la casa",
            "agenzia per la casa",
            "atc",
        ],
        Family::Housing,
    ),
    (
        &["centro per l impiego", "centro impiego", "cpi"],
        Family::Employment,
    ),
    (
        &["azienda sanitaria", "distretto sanitario", "asl"],
        Family::Health,
    ),
    (
        &["istituto comprensivo", "ic", "scuola", "istituto"],
        Family::School,
    ),
    (
        &["comune", "amministrazione comunale", "citta"],
        Family::Municipality,
    ),
    (&["parrocchia"], Family::Parish),
    (&["caritas"], Family::Caritas),
    (
        &["formazione professionale", "agenzia formativa", "cfp"],
        Family::Training,
    ),
    (
        &["cooperativa", "coop", "scs", "societa cooperativa"],
        Family::Cooperative,
    ),
    (
        &["artigiani", "commercianti", "associazione di categoria"],
        Family::BusinessAssociation,
    ),
    (&["fondazione", "fond"], Family::Foundation),
    (
        &[
            "associazione",
            "ass",
            "odv",
            "aps",
            "volontariato",
            "promozione sociale",
        ],
        Family::Association,
    ),
    (&["comitato"], Family::Committee),
    (&["srl", "snc", "spa", "sas"], Family::Firm),
];

/// Generic words removed from keys: legal forms, family words, articles and prepositions.
const STOP: &[&str] = &[
    "il",
    "lo",
    "la",
    "l",
    "i",
    "gli",
    "le",
    "di",
    "del",
    "della",
    "dello",
    "dei",
    "degli",
    "delle",
    "d",
    "e",
    "ed",
    "per",
    "a",
    "al",
    "alla",
    "da",
    "in",
    "s",
    "san",
    "santo",
    "santa",
    "onlus",
    "ets",
    "scs",
    "srl",
    "snc",
    "spa",
    "sas",
    "cooperativa",
    "coop",
    "soc",
    "sociale",
    "sociali",
    "societa",
    "impresa",
    "consorzio",
    "intercomunale",
    "servizi",
    "servizio",
    "socio",
    "assistenziale",
    "ciss",
    "cisa",
    "associazione",
    "ass",
    "odv",
    "aps",
    "volontariato",
    "promozione",
    "fondazione",
    "fond",
    "comune",
    "amministrazione",
    "comunale",
    "citta",
    "istituto",
    "comprensivo",
    "ic",
    "scuola",
    "unione",
    "montana",
    "comuni",
    "comunita",
    "azienda",
    "sanitaria",
    "locale",
    "distretto",
    "asl",
    "parrocchia",
    "caritas",
    "diocesana",
    "centro",
    "formazione",
    "professionale",
    "agenzia",
    "formativa",
    "cfp",
    "cooperative",
    "territoriale",
    "casa",
    "atc",
    "impiego",
    "cpi",
    "csv",
    "artigiani",
    "commercianti",
    "comitato",
    "quartiere",
    "cassa",
    "risparmio",
    "cr",
    "persona",
    "um",
];

/// Joins runs of single letters: "c i s s" → "ciss", "s c s" → "scs".
fn join_initials(tokens: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut run = String::new();
    for t in tokens {
        if t.chars().count() == 1 && t.chars().all(char::is_alphabetic) {
            run.push_str(&t);
        } else {
            if !run.is_empty() {
                out.push(std::mem::take(&mut run));
            }
            out.push(t);
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

fn contains_phrase(tokens: &[String], phrase: &str) -> bool {
    let words: Vec<&str> = phrase.split(' ').collect();
    tokens
        .windows(words.len())
        .any(|w| w.iter().zip(&words).all(|(a, b)| a == b))
}

/// Normalises a raw name.
#[must_use]
pub fn normalise(raw: &str) -> Normalised {
    let trimmed = raw.trim();
    let acronym = {
        let letters: String = trimmed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect();
        (trimmed.split_whitespace().count() <= 2
            && (2..=8).contains(&letters.chars().count())
            && letters.chars().all(|c| c.is_ascii_uppercase()))
        .then(|| letters.to_lowercase())
    };
    let folded = fold_label(&trimmed.replace('&', " e "));
    let tokens = join_initials(
        folded
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
    );
    let mut family = FAMILY_RULES
        .iter()
        .find(|(phrases, _)| phrases.iter().any(|p| contains_phrase(&tokens, p)))
        .map(|(_, f)| *f);
    // "Consorzio X Società Cooperativa" is a consortium of co-operatives; a bare "Consorzio X"
    // could be either kind (enti_gestori.csv decides).
    if tokens.iter().any(|t| t == "consorzio") {
        family = match family {
            Some(Family::Cooperative) => Some(Family::CoopConsortium),
            None => Some(Family::Consortium),
            other => other,
        };
    }
    let key: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| !STOP.contains(t))
        .collect();
    let key = if key.is_empty() {
        tokens.join(" ")
    } else {
        key.join(" ")
    };
    let significant = tokens
        .iter()
        .filter(|t| {
            ![
                "il", "lo", "la", "l", "i", "di", "del", "della", "dei", "e", "per", "d",
            ]
            .contains(&t.as_str())
        })
        .cloned()
        .collect();
    Normalised {
        family,
        key,
        tokens: significant,
        acronym,
    }
}

/// Initials of the key words: "valle sorana" → "vs".
#[must_use]
pub fn key_initials(key: &str) -> String {
    key.split(' ').filter_map(|w| w.chars().next()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_and_generic_words_go() {
        let n = normalise("Coop. Soc. Il Girasole Verde s.c.s. ONLUS");
        assert_eq!(
            (n.family, n.key.as_str()),
            (Some(Family::Cooperative), "girasole verde")
        );
        assert_eq!(
            normalise("IL GIRASOLE VERDE cooperativa sociale").key,
            "girasole verde"
        );
        assert_eq!(normalise("Il Girasole Verde").key, "girasole verde");
        assert_eq!(normalise("Il Girasole Verde").family, None);
        let eg = normalise("C.I.S.S. Valle Sorana");
        assert_eq!(
            (eg.family, eg.key.as_str()),
            (Some(Family::ServicesConsortium), "valle sorana")
        );
        assert_eq!(
            normalise("Consorzio Intercomunale Servizi Sociali Valle Sorana").key,
            "valle sorana"
        );
        assert_eq!(
            normalise("Unione Montana dei Comuni Valle Sorana").key,
            "valle sorana"
        );
        assert_eq!(normalise("Comune di Mondovì").key, "mondovi");
        assert_eq!(
            normalise("Amministrazione Comunale di Mondovi").family,
            Some(Family::Municipality)
        );
        assert_eq!(normalise("I.C. di Roccaverna").family, Some(Family::School));
        assert_eq!(
            normalise("Consorzio di Cooperative Il Mosaico").family,
            Some(Family::CoopConsortium)
        );
        assert_eq!(
            normalise("Consorzio Il Mosaico Società Cooperativa Sociale").key,
            "mosaico"
        );
        assert_eq!(
            normalise("Bertolazzi Impianti S.r.l.").key,
            "bertolazzi impianti"
        );
        assert_eq!(
            normalise("Bertolazzi Impianti S.r.l.").family,
            Some(Family::Firm)
        );
    }

    #[test]
    fn acronyms_are_recognised() {
        assert_eq!(normalise("CISSVS").acronym.as_deref(), Some("cissvs"));
        assert_eq!(normalise("C.S.V. Valle").acronym, None);
        assert_eq!(normalise("Cooperativa").acronym, None);
        assert_eq!(key_initials("valle sorana"), "vs");
    }

    #[test]
    fn families_that_can_be_one_body() {
        assert!(Family::compatible(
            Some(Family::Consortium),
            Some(Family::ServicesConsortium)
        ));
        assert!(!Family::compatible(
            Some(Family::Municipality),
            Some(Family::School)
        ));
        assert!(Family::compatible(None, Some(Family::School)));
    }
}
