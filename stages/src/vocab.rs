//! The controlled vocabulary of organisation types: an English code and a sector for each, the
//! Italian label a survey export uses, and the label variants that map onto it.
//!
//! Public enti gestori (the consortium, mountain union or municipality that runs the social
//! services of a territory) are kept apart from other public bodies because the network-type
//! rule (DESIGN.md §5) asks whether a network is centred on the ente gestore.
use std::fmt;

/// The four sectors of DESIGN.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sector {
    /// Public bodies, enti gestori included.
    Public,
    /// Third-sector organisations.
    ThirdSector,
    /// Firms and private funders.
    Private,
    /// Anything else.
    Other,
}

impl Sector {
    /// The code written in tables: `public`, `third_sector`, `private`, `other`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Public => "public",
            Sector::ThirdSector => "third_sector",
            Sector::Private => "private",
            Sector::Other => "other",
        }
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One organisation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgType {
    /// English code written in tables.
    pub code: &'static str,
    /// Its sector.
    pub sector: Sector,
    /// Whether organisations of this type are enti gestori.
    pub ente_gestore: bool,
    /// The label an Italian survey export uses.
    pub label_it: &'static str,
    /// An English description.
    pub label_en: &'static str,
    /// Other spellings seen in exports (compared after [`fold_label`]).
    pub variants: &'static [&'static str],
}

macro_rules! t {
    ($code:literal, $sector:ident, $eg:literal, $it:literal, $en:literal, [$($v:literal),* $(,)?]) => {
        OrgType { code: $code, sector: Sector::$sector, ente_gestore: $eg, label_it: $it, label_en: $en, variants: &[$($v),*] }
    };
}

/// Every type, public first, then third sector, private, other.
pub const TYPES: &[OrgType] = &[
    t!(
        "eg_consortium",
        Public,
        true,
        "Ente gestore - consorzio socio-assistenziale",
        "ente gestore: inter-municipal social-services consortium",
        [
            "ente gestore consorzio",
            "consorzio socio assistenziale",
            "consorzio servizi sociali",
            "ente gestore (consorzio)",
            "consorzio intercomunale servizi socio assistenziali"
        ]
    ),
    t!(
        "eg_mountain_union",
        Public,
        true,
        "Ente gestore - unione montana",
        "ente gestore: mountain union",
        [
            "ente gestore unione montana",
            "unione montana",
            "unione montana di comuni",
            "comunita montana"
        ]
    ),
    t!(
        "eg_municipality",
        Public,
        true,
        "Ente gestore - comune",
        "ente gestore: municipality running the social services",
        [
            "ente gestore comune",
            "comune ente gestore",
            "comune (ente gestore)",
            "comune capofila ente gestore"
        ]
    ),
    t!(
        "municipality",
        Public,
        false,
        "Comune",
        "municipality",
        ["comune", "amministrazione comunale", "citta", "municipio"]
    ),
    t!(
        "asl",
        Public,
        false,
        "ASL",
        "local health authority",
        [
            "asl",
            "azienda sanitaria locale",
            "azienda sanitaria",
            "distretto sanitario",
            "asl distretto"
        ]
    ),
    t!(
        "school",
        Public,
        false,
        "Scuola",
        "school",
        [
            "scuola",
            "istituto comprensivo",
            "istituto scolastico",
            "scuola pubblica",
            "istituto superiore"
        ]
    ),
    t!(
        "other_public",
        Public,
        false,
        "Altro ente pubblico",
        "other public body",
        [
            "altro ente pubblico",
            "ente pubblico",
            "provincia",
            "regione",
            "centro per l impiego",
            "tribunale",
            "prefettura",
            "atc",
            "agenzia territoriale per la casa"
        ]
    ),
    t!(
        "social_coop_a",
        ThirdSector,
        false,
        "Cooperativa sociale di tipo A",
        "social co-operative, type A (care services)",
        [
            "cooperativa sociale di tipo a",
            "cooperativa sociale tipo a",
            "coop sociale a",
            "coop soc tipo a",
            "cooperativa sociale a",
            "cooperativa sociale"
        ]
    ),
    t!(
        "social_coop_b",
        ThirdSector,
        false,
        "Cooperativa sociale di tipo B",
        "social co-operative, type B (work integration)",
        [
            "cooperativa sociale di tipo b",
            "cooperativa sociale tipo b",
            "coop sociale b",
            "coop soc tipo b",
            "cooperativa sociale b",
            "cooperativa di inserimento lavorativo"
        ]
    ),
    t!(
        "coop_consortium",
        ThirdSector,
        false,
        "Consorzio di cooperative sociali",
        "consortium of social co-operatives",
        [
            "consorzio di cooperative sociali",
            "consorzio di cooperative",
            "consorzio cooperative",
            "consorzio di coop"
        ]
    ),
    t!(
        "odv",
        ThirdSector,
        false,
        "Organizzazione di volontariato",
        "volunteer organisation (ODV)",
        [
            "organizzazione di volontariato",
            "odv",
            "associazione di volontariato",
            "volontariato"
        ]
    ),
    t!(
        "aps",
        ThirdSector,
        false,
        "Associazione di promozione sociale",
        "social promotion association (APS)",
        [
            "associazione di promozione sociale",
            "aps",
            "promozione sociale"
        ]
    ),
    t!(
        "association",
        ThirdSector,
        false,
        "Associazione",
        "association",
        [
            "associazione",
            "associazione culturale",
            "associazione sportiva",
            "associazione di famiglie",
            "comitato"
        ]
    ),
    t!(
        "foundation",
        ThirdSector,
        false,
        "Fondazione",
        "foundation",
        [
            "fondazione",
            "fondazione di partecipazione",
            "ente filantropico"
        ]
    ),
    t!(
        "volunteer_centre",
        ThirdSector,
        false,
        "Centro servizi per il volontariato",
        "volunteer service centre (CSV)",
        [
            "centro servizi per il volontariato",
            "centro servizi volontariato",
            "csv"
        ]
    ),
    t!(
        "religious_body",
        ThirdSector,
        false,
        "Ente religioso",
        "religious body (parish, Caritas, oratory)",
        [
            "ente religioso",
            "parrocchia",
            "caritas",
            "oratorio",
            "diocesi",
            "ente ecclesiastico"
        ]
    ),
    t!(
        "training_agency",
        ThirdSector,
        false,
        "Agenzia formativa",
        "vocational training agency",
        [
            "agenzia formativa",
            "ente di formazione",
            "ente formativo",
            "centro di formazione professionale"
        ]
    ),
    t!(
        "firm",
        Private,
        false,
        "Impresa",
        "firm",
        [
            "impresa",
            "azienda",
            "impresa privata",
            "ditta",
            "societa",
            "impresa locale"
        ]
    ),
    t!(
        "banking_foundation",
        Private,
        false,
        "Fondazione di origine bancaria",
        "banking foundation",
        [
            "fondazione di origine bancaria",
            "fondazione bancaria",
            "fondazione cassa di risparmio"
        ]
    ),
    t!(
        "business_association",
        Private,
        false,
        "Associazione di categoria",
        "trade or business association",
        [
            "associazione di categoria",
            "associazione datoriale",
            "sindacato",
            "confcooperative",
            "associazione di imprese"
        ]
    ),
    t!(
        "other",
        Other,
        false,
        "Altro",
        "other",
        [
            "altro",
            "altra organizzazione",
            "non classificato",
            "gruppo informale"
        ]
    ),
];

/// The type with this English code.
#[must_use]
pub fn by_code(code: &str) -> Option<&'static OrgType> {
    TYPES.iter().find(|t| t.code == code)
}

/// Folds a label for comparison: lowercase, accents dropped, punctuation to spaces, spaces
/// collapsed. `"Coop. Soc. – Tipo A"` → `"coop soc tipo a"`.
#[must_use]
pub fn fold_label(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    let mut out = String::with_capacity(raw.len());
    for c in raw.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every accepted spelling, folded, with its type (built once).
fn label_index() -> &'static std::collections::BTreeMap<String, &'static OrgType> {
    static INDEX: std::sync::OnceLock<std::collections::BTreeMap<String, &'static OrgType>> =
        std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = std::collections::BTreeMap::new();
        // Later entries never override earlier ones: codes, then Italian labels, then variants.
        for t in TYPES {
            index.entry(t.code.replace('_', " ")).or_insert(t);
        }
        for t in TYPES {
            index.entry(fold_label(t.label_it)).or_insert(t);
        }
        for t in TYPES {
            for v in t.variants {
                index.entry(fold_label(v)).or_insert(t);
            }
        }
        index
    })
}

/// The type a raw label (Italian label, variant, or English code) stands for.
#[must_use]
pub fn from_label(raw: &str) -> Option<&'static OrgType> {
    let folded = fold_label(raw);
    if folded.is_empty() {
        return None;
    }
    label_index().get(&folded).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_map_onto_codes() {
        assert_eq!(
            from_label("Cooperativa sociale di tipo A").map(|t| t.code),
            Some("social_coop_a")
        );
        assert_eq!(
            from_label("COOP. SOC. TIPO B").map(|t| t.code),
            Some("social_coop_b")
        );
        assert_eq!(
            from_label("Comunità montana").map(|t| t.code),
            Some("eg_mountain_union")
        );
        assert_eq!(
            from_label("odv").map(|t| t.sector),
            Some(Sector::ThirdSector)
        );
        assert_eq!(
            from_label("banking_foundation").map(|t| t.sector),
            Some(Sector::Private)
        );
        assert_eq!(from_label(""), None);
        assert_eq!(from_label("astronave"), None);
    }

    #[test]
    fn every_label_and_variant_is_unambiguous() {
        for t in TYPES {
            for label in std::iter::once(t.label_it).chain(t.variants.iter().copied()) {
                assert_eq!(from_label(label).map(|x| x.code), Some(t.code), "{label}");
            }
        }
    }
}
