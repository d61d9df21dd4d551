//! Name normalisation: from a raw spelling to a *family* (what kind of body the words say it is),
//! a *kind* (a specific kind of body with many namesakes: an ASL, a comprehensive school, a Red
//! Cross committee…), the *numbers* that identify it among its siblings, an office *unit* that
//! does not change the body, and a *key* (the distinctive words, legal forms and generic words
//! removed).
//!
//! "Coop. Soc. Il Girasole s.c.s. ONLUS", "IL GIRASOLE cooperativa sociale" and "Girasole" all
//! give the key `girasole`; "C.I.S.S. Valle Sorana" and "Consorzio Intercomunale Servizi Sociali
//! Valle Sorana" give `valle sorana` in the family of public consortia. "A.S.L. TO 3",
//! "ASLTO3" and "Azienda Sanitaria Locale To3 - Distretto Pinerolo" all give kind `asl`, key
//! `to 3`, number 3 (the last with unit "Distretto Pinerolo"); "I.C. Pinerolo II" and
//! "Istituto Comprensivo Pinerolo 2°" give kind `ic`, key `pinerolo 2`.
//!
//! Numbers are written as Arabic numerals whether the name spells them in Arabic ("2", "2°",
//! "2a"), Roman ("II") or as an ordinal word ("Secondo"). Common Italian bodies are recognised
//! by acronym or by full name from the built-in dictionary [`KINDS`].
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
    /// Città metropolitana (a province-level body, never its capital's municipality).
    MetroCity,
    /// Hospital trusts (AO, AOU, ASO): never the local health authority.
    Hospital,
    /// A diocese (never its Caritas or a parish).
    Diocese,
    /// School offices of the state (USR, UST).
    SchoolOffice,
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
            Family::MetroCity | Family::Hospital => "other_public",
            Family::Diocese => "religious_body",
            Family::SchoolOffice => "other_public",
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
    /// The kind of body from the built-in dictionary (`asl`, `ic`, `cri`, …), if any.
    pub kind: Option<&'static str>,
    /// The distinctive words, space-separated (numbers as Arabic numerals).
    pub key: String,
    /// Every significant token (generic words kept, fillers dropped), for acronym checks.
    pub tokens: Vec<String>,
    /// The raw name looks like an acronym (one upper-case token, 2–8 letters) that the
    /// dictionary does not know.
    pub acronym: Option<String>,
    /// The numbers that tell this body from its numbered siblings, in order of appearance.
    pub numbers: Vec<u32>,
    /// An office, department or seat named after the body ("Distretto Pinerolo", "sede di
    /// Saluzzo"): recorded, not part of the identity.
    pub unit: Option<String>,
    /// The key holds only generic words (a saint's name, "Pro Loco", "Caritas parrocchiale"):
    /// the same spelling in two projects names two bodies.
    pub generic: bool,
    /// The name has no distinctive word at all ("Caritas parrocchiale", "ASL"): its key is
    /// the family or kind words themselves.
    pub bare: bool,
}

/// A kind of body that many namesakes share, recognised by acronym or full name.
#[derive(Debug)]
pub struct Kind {
    /// The acronym, folded: the kind's code.
    pub acronym: &'static str,
    /// Other acronyms for the same kind.
    pub alts: &'static [&'static str],
    /// Full names, folded, without fillers ("di", "per", "l", …).
    pub phrases: &'static [&'static str],
    /// The family the kind belongs to.
    pub family: Option<Family>,
    /// Kept as a word of the key: the kind makes a different body from the same name without
    /// it ("Ufficio Pio della Compagnia di San Paolo" is not the Compagnia).
    pub in_key: bool,
}

macro_rules! kind {
    ($a:literal, [$($alt:literal),*], [$($p:literal),*], $f:expr) => {
        Kind { acronym: $a, alts: &[$($alt),*], phrases: &[$($p),*], family: $f, in_key: false }
    };
    ($a:literal, [$($alt:literal),*], [$($p:literal),*], $f:expr, in_key) => {
        Kind { acronym: $a, alts: &[$($alt),*], phrases: &[$($p),*], family: $f, in_key: true }
    };
}

/// The built-in dictionary of common Italian public and third-sector bodies. Two spellings of
/// different kinds are never one body; an acronym and its full name are the same kind.
pub const KINDS: &[Kind] = &[
    kind!(
        "asl",
        [],
        ["azienda sanitaria locale", "azienda asl"],
        Some(Family::Health)
    ),
    kind!(
        "ao",
        ["aou", "aso"],
        [
            "azienda ospedaliera",
            "azienda ospedaliero universitaria",
            "azienda sanitaria ospedaliera",
            "azienda ospedaliera universitaria"
        ],
        Some(Family::Hospital)
    ),
    kind!(
        "cri",
        [],
        ["croce rossa italiana", "croce rossa"],
        Some(Family::Association)
    ),
    kind!(
        "avo",
        [],
        [
            "associazione volontari ospedalieri",
            "volontari ospedalieri"
        ],
        Some(Family::Association)
    ),
    kind!("auser", [], [], Some(Family::Association)),
    kind!("anffas", [], [], Some(Family::Association)),
    kind!("anteas", [], [], Some(Family::Association)),
    kind!("anpas", [], [], Some(Family::Association)),
    kind!("arci", [], [], Some(Family::Association)),
    kind!("uisp", [], [], Some(Family::Association)),
    kind!(
        "acli",
        [],
        ["associazioni cristiane lavoratori italiani"],
        Some(Family::Association)
    ),
    kind!(
        "cpia",
        [],
        [
            "centro provinciale istruzione adulti",
            "centro provinciale istruzione degli adulti"
        ],
        Some(Family::School)
    ),
    kind!(
        "cpi",
        [],
        ["centro impiego", "centri impiego"],
        Some(Family::Employment)
    ),
    kind!("ic", [], ["istituto comprensivo"], Some(Family::School)),
    kind!(
        "iis",
        [],
        ["istituto istruzione superiore", "istituto superiore"],
        Some(Family::School)
    ),
    kind!(
        "cd",
        ["dd"],
        ["circolo didattico", "direzione didattica"],
        Some(Family::School)
    ),
    kind!(
        "usr",
        [],
        ["ufficio scolastico regionale"],
        Some(Family::SchoolOffice)
    ),
    kind!(
        "ust",
        ["usp"],
        [
            "ufficio scolastico territoriale",
            "ufficio scolastico provinciale",
            "ambito territoriale"
        ],
        Some(Family::SchoolOffice)
    ),
    kind!(
        "atc",
        [],
        ["agenzia territoriale casa", "agenzia territoriale per casa"],
        Some(Family::Housing)
    ),
    kind!(
        "csv",
        [],
        [
            "centro servizi volontariato",
            "centro servizio volontariato",
            "centri servizio volontariato"
        ],
        Some(Family::VolunteerCentre)
    ),
    kind!("caf", [], ["centro assistenza fiscale"], None),
    kind!(
        "cgil",
        [],
        ["confederazione generale italiana lavoro", "camera lavoro"],
        Some(Family::BusinessAssociation)
    ),
    kind!(
        "cisl",
        [],
        ["confederazione italiana sindacati lavoratori"],
        Some(Family::BusinessAssociation)
    ),
    kind!(
        "uil",
        [],
        ["unione italiana lavoro", "unione italiana lavoratori"],
        Some(Family::BusinessAssociation)
    ),
    kind!(
        "enaip",
        [],
        ["ente nazionale acli istruzione professionale"],
        Some(Family::Training)
    ),
    kind!(
        "ciofs",
        [],
        ["centro italiano opere femminili salesiane"],
        Some(Family::Training)
    ),
    kind!("inps", [], ["istituto nazionale previdenza sociale"], None),
    kind!(
        "age",
        [],
        ["associazione genitori"],
        Some(Family::Association)
    ),
    kind!(
        "circoscrizione",
        ["circ"],
        ["circoscrizione"],
        Some(Family::Municipality)
    ),
    kind!(
        "cm",
        ["cmto"],
        ["citta metropolitana"],
        Some(Family::MetroCity),
        in_key
    ),
    kind!(
        "ufficio pio",
        [],
        ["ufficio pio"],
        Some(Family::Foundation),
        in_key
    ),
];

/// Phrases that mark a family (folded, fillers dropped; the first rule that matches wins).
const FAMILY_RULES: &[(&[&str], Family)] = &[
    (&["citta metropolitana"], Family::MetroCity),
    (&["diocesi", "curia"], Family::Diocese),
    (
        &[
            "consorzio intercomunale",
            "servizi sociali",
            "socio assistenziale",
            "socio assistenziali",
            "ciss",
            "cisa",
            "cisas",
            "servizi persona",
        ],
        Family::ServicesConsortium,
    ),
    (
        &["consorzio cooperative", "consorzio coop"],
        Family::CoopConsortium,
    ),
    (
        &["unione montana", "comunita montana"],
        Family::MountainUnion,
    ),
    (
        &[
            "fondazione cassa risparmio",
            "fondazione cr",
            "fondazione bancaria",
            "compagnia san paolo",
            "compagnia paolo",
        ],
        Family::BankingFoundation,
    ),
    (
        &["centro servizi volontariato", "csv"],
        Family::VolunteerCentre,
    ),
    (&["agenzia casa", "atc"], Family::Housing),
    (&["cpi"], Family::Employment),
    (&["azienda ospedaliera", "ospedale", "ao"], Family::Hospital),
    (
        &["azienda sanitaria", "distretto sanitario", "asl"],
        Family::Health,
    ),
    (
        &["ic", "scuola", "istituto", "liceo", "cpia", "iis", "cd"],
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
        &[
            "artigiani",
            "commercianti",
            "associazione categoria",
            "sindacato",
        ],
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
    (&["srl", "snc", "spa", "sas", "srls"], Family::Firm),
];

/// Articles and prepositions: never distinctive, dropped before phrases are matched.
const FILLERS: &[&str] = &[
    "il", "lo", "la", "l", "i", "gli", "le", "di", "del", "della", "dello", "dei", "degli",
    "delle", "dell", "d", "e", "ed", "per", "a", "al", "alla", "allo", "ai", "agli", "alle", "da",
    "in", "nel", "nella", "con", "presso",
];

/// Generic words removed from keys: legal forms and family words.
const STOP: &[&str] = &[
    "s",
    "san",
    "santo",
    "santa",
    "sant",
    "onlus",
    "ets",
    "scs",
    "srl",
    "srls",
    "snc",
    "spa",
    "sas",
    "arl",
    "scarl",
    "scrl",
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
    "assistenziali",
    "ciss",
    "cisa",
    "cisas",
    "associazione",
    "ass",
    "assoc",
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
    "scuola",
    "unione",
    "montana",
    "comuni",
    "comunita",
    "azienda",
    "sanitaria",
    "locale",
    "distretto",
    "parrocchia",
    "caritas",
    "diocesana",
    "diocesi",
    "centro",
    "formazione",
    "professionale",
    "agenzia",
    "formativa",
    "cfp",
    "cooperative",
    "territoriale",
    "casa",
    "artigiani",
    "commercianti",
    "comitato",
    "quartiere",
    "cassa",
    "risparmio",
    "persona",
    "um",
    "ospedale",
    "ente",
    "tipo",
    "c",
    "sindacato",
    "ospedaliera",
    "cons",
    "fne",
    "fondaz",
    "assle",
    "provinciale",
    "provinciali",
    "patronato",
    "circolo",
    "parrocchiale",
    "parrocchiali",
    "chiesa",
    "rl",
    "pa",
    "pubblica",
    "assistenza",
];

/// Abbreviations survey respondents type, and the word they stand for.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("ist", "istituto"),
    ("istit", "istituto"),
    ("ass", "associazione"),
    ("assoc", "associazione"),
    ("cons", "consorzio"),
    ("fond", "fondazione"),
    ("fondaz", "fondazione"),
    ("fne", "fondazione"),
    ("parr", "parrocchia"),
    ("confcoop", "confcooperative"),
    ("az", "azienda"),
    ("amm", "amministrazione"),
    ("comp", "compagnia"),
];

/// Words that on their own do not tell one body from its namesakes in another town.
const GENERIC: &[&str] = &[
    "giovanni",
    "battista",
    "maria",
    "assunta",
    "pietro",
    "paolo",
    "giuseppe",
    "martino",
    "lorenzo",
    "michele",
    "francesco",
    "antonio",
    "grato",
    "rocco",
    "carlo",
    "luigi",
    "secondo",
    "donato",
    "mauro",
    "maurizio",
    "remigio",
    "stefano",
    "andrea",
    "giacomo",
    "marco",
    "matteo",
    "nicola",
    "bartolomeo",
    "bernardo",
    "defendente",
    "vittore",
    "ambrogio",
    "anna",
    "caterina",
    "chiara",
    "lucia",
    "margherita",
    "teresa",
    "rita",
    "agostino",
    "benedetto",
    "biagio",
    "cristoforo",
    "domenico",
    "eusebio",
    "filippo",
    "giorgio",
    "grato",
    "ilario",
    "lazzaro",
    "pancrazio",
    "quirico",
    "sebastiano",
    "silvestro",
    "vincenzo",
    "evangelista",
    "apostolo",
    "apostoli",
    "nostra",
    "signora",
    "madonna",
    "sacro",
    "cuore",
    "gesu",
    "spirito",
    "santi",
    "ss",
    "beata",
    "vergine",
    "immacolata",
    "annunziata",
    "natività",
    "nativita",
    "parrocchiale",
    "parrocchiali",
    "pro",
    "loco",
    "genitori",
    "croce",
    "verde",
    "bianca",
    "azzurra",
    "misericordia",
    "oratorio",
    "banca",
    "tempo",
    "gruppo",
    "volontari",
    "anziani",
    "giovani",
    "amici",
    "famiglie",
    "unitaria",
    "pastorale",
];

/// Words that open an office or department of the body named before them.
const UNIT_WORDS: &[&str] = &[
    "sede",
    "distretto",
    "divisione",
    "servizio",
    "servizi",
    "ufficio",
    "settore",
    "area",
    "sportello",
    "presidio",
    "filiale",
    "sezione",
    "dipartimento",
    "direzione",
    "struttura",
    "sedi",
    "uffici",
    "polo",
    "assessorato",
    "sportelli",
];

/// Piedmont's province codes (and the common Italian two-letter ones that follow ASL acronyms).
const PROVINCES: &[&str] = &["to", "cn", "al", "at", "bi", "no", "vc", "vco", "vb"];

const ORDINALS: &[(&str, u32)] = &[
    ("primo", 1),
    ("prima", 1),
    ("secondo", 2),
    ("seconda", 2),
    ("terzo", 3),
    ("terza", 3),
    ("quarto", 4),
    ("quarta", 4),
    ("quinto", 5),
    ("quinta", 5),
    ("sesto", 6),
    ("sesta", 6),
    ("settimo", 7),
    ("settima", 7),
    ("ottavo", 8),
    ("ottava", 8),
    ("nono", 9),
    ("nona", 9),
    ("decimo", 10),
    ("decima", 10),
    ("uno", 1),
    ("due", 2),
    ("tre", 3),
    ("quattro", 4),
    ("cinque", 5),
    ("sei", 6),
    ("sette", 7),
    ("otto", 8),
    ("nove", 9),
    ("dieci", 10),
];

/// Words that make a different body of the same name: "Alta Valle Susa" is not "Valle Susa".
pub const MODIFIERS: &[&str] = &[
    "alta",
    "alto",
    "bassa",
    "basso",
    "media",
    "medio",
    "nord",
    "sud",
    "est",
    "ovest",
    "centro",
    "centrale",
    "superiore",
    "inferiore",
    "nuova",
    "nuovo",
    "vecchia",
    "vecchio",
    "orientale",
    "occidentale",
    "settentrionale",
    "meridionale",
    "giovani",
    "donne",
    "provinciale",
    "regionale",
    "nazionale",
];

/// Province capitals → the code an ASL name uses.
const PROVINCE_TOWNS: &[(&str, &str)] = &[
    ("torino", "to"),
    ("cuneo", "cn"),
    ("alessandria", "al"),
    ("asti", "at"),
    ("biella", "bi"),
    ("novara", "no"),
    ("vercelli", "vc"),
    ("verbania", "vco"),
    ("vb", "vco"),
];

/// The value of a Roman numeral between 2 and 39 ("ii" … "xxxix"); single letters are left to
/// the caller.
fn roman(t: &str) -> Option<u32> {
    if t.len() < 2 || !t.bytes().all(|b| matches!(b, b'i' | b'v' | b'x')) {
        return None;
    }
    let value = |b: u8| match b {
        b'i' => 1,
        b'v' => 5,
        _ => 10,
    };
    let bytes = t.as_bytes();
    let mut total = 0i64;
    for (i, &b) in bytes.iter().enumerate() {
        let v = value(b);
        if bytes.get(i + 1).is_some_and(|&n| value(n) > v) {
            total -= v;
        } else {
            total += v;
        }
    }
    let total = u32::try_from(total).ok()?;
    // Only canonical spellings ("iiii", "vv" are not numbers).
    let canonical = to_roman(total);
    (canonical == t && total >= 2).then_some(total)
}

fn to_roman(mut n: u32) -> String {
    let mut s = String::new();
    for (v, r) in [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")] {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

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

fn contains_words(tokens: &[String], words: &[&str]) -> bool {
    tokens
        .windows(words.len())
        .any(|w| w.iter().zip(words).all(|(a, b)| a == b))
}

/// The dictionary kinds' full names as words, longest first (stable: dictionary order within a
/// length), split once for every name normalised.
fn kind_phrases() -> &'static [(Vec<&'static str>, &'static Kind)] {
    static PHRASES: std::sync::OnceLock<Vec<(Vec<&'static str>, &'static Kind)>> =
        std::sync::OnceLock::new();
    PHRASES.get_or_init(|| {
        let mut phrases: Vec<(Vec<&'static str>, &'static Kind)> = KINDS
            .iter()
            .flat_map(|k| k.phrases.iter().map(move |p| (p.split(' ').collect(), k)))
            .collect();
        phrases.sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
        phrases
    })
}

/// A family's phrases, each as its words.
type FamilyWords = (Vec<Vec<&'static str>>, Family);

/// [`FAMILY_RULES`] with every phrase split into words once.
fn family_rules() -> &'static [FamilyWords] {
    static RULES: std::sync::OnceLock<Vec<FamilyWords>> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        FAMILY_RULES
            .iter()
            .map(|(phrases, f)| (phrases.iter().map(|p| p.split(' ').collect()).collect(), *f))
            .collect()
    })
}

/// Every acronym the dictionary knows, folded (codes and alternatives).
fn known_acronym(t: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| !k.acronym.contains(' ') && (k.acronym == t || k.alts.contains(&t)))
}

/// Splits letters from digits ("to3" → "to", "3"; "2a" → "2") and a known acronym glued to a
/// province code ("aslto" → "asl", "to").
fn split_codes(tokens: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let mut parts: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut digit = None;
        for c in t.chars() {
            let d = c.is_ascii_digit();
            if digit.is_some_and(|p| p != d) {
                parts.push(std::mem::take(&mut cur));
            }
            digit = Some(d);
            cur.push(c);
        }
        parts.push(cur);
        for (i, p) in parts.iter().enumerate() {
            let after_number = i > 0 && parts[i - 1].bytes().all(|b| b.is_ascii_digit());
            // "2a", "1o" (ordinal endings) and "3bis"-like tails.
            if after_number && matches!(p.as_str(), "a" | "o" | "ma" | "mo") {
                continue;
            }
            let glued = (p.len() > 3 && !p.bytes().any(|b| b.is_ascii_digit()))
                .then(|| {
                    PROVINCES.iter().find_map(|prov| {
                        p.strip_suffix(prov)
                            .filter(|head| known_acronym(head).is_some())
                            .map(|head| (head.to_string(), (*prov).to_string()))
                    })
                })
                .flatten();
            match glued {
                Some((head, prov)) => {
                    out.push(head);
                    out.push(prov);
                }
                None => out.push(p.clone()),
            }
        }
    }
    out
}

/// Writes every number as an Arabic numeral without leading zeros: "02", "ii", "secondo" →
/// "2". A lone "i", "v" or "x" counts only as the last word of a longer name ("I.C. Pinerolo
/// I"); an ordinal word after "san" is a saint ("San Secondo").
fn numbers_to_arabic(tokens: Vec<String>) -> Vec<String> {
    let n = tokens.len();
    let mut out: Vec<String> = Vec::with_capacity(n);
    for (i, t) in tokens.iter().enumerate() {
        let prev = if i > 0 { tokens[i - 1].as_str() } else { "" };
        let saint = matches!(prev, "san" | "s" | "santo" | "santa");
        let value = if t.bytes().all(|b| b.is_ascii_digit()) {
            t.trim_start_matches('0').parse::<u32>().ok().or(Some(0))
        } else if let Some(v) = roman(t) {
            Some(v)
        } else if matches!(t.as_str(), "i" | "v" | "x")
            && ((i + 1 == n && n >= 3 && !FILLERS.contains(&prev))
                || (i == 0
                    && tokens.get(1).is_some_and(|w| {
                        matches!(
                            w.as_str(),
                            "circolo" | "circoscrizione" | "municipio" | "distretto"
                        )
                    })))
        {
            Some(match t.as_str() {
                "i" => 1,
                "v" => 5,
                _ => 10,
            })
        } else if saint {
            None
        } else {
            ORDINALS.iter().find(|(w, _)| w == t).map(|(_, v)| *v)
        };
        out.push(value.map_or_else(|| t.clone(), |v| v.to_string()));
    }
    out
}

/// Drops leftover words of legal forms: "a r.l.", "di tipo B", "& C.".
fn drop_leftovers(tokens: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        let next = tokens.get(i + 1).map(String::as_str);
        let after = tokens.get(i + 2).map(String::as_str);
        match (t, next, after) {
            ("a", Some("r"), Some("l")) => i += 3,
            ("a", Some("rl"), _) => i += 2,
            ("tipo", Some("a" | "b" | "c" | "ab" | "plurimo" | "misto"), Some("b"))
                if next == Some("a") =>
            {
                i += 3;
            }
            ("tipo", Some("a" | "b" | "c" | "ab" | "plurimo" | "misto"), _) => i += 2,
            ("e", Some("c"), None)
            | ("e", Some("c"), Some("srl" | "snc" | "sas" | "spa" | "s")) => {
                i += 2;
            }
            _ => {
                out.push(tokens[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// A glued saint's name: "sanpaolo" → "paolo".
fn unglue_saint(t: &str) -> &str {
    for prefix in ["san", "santa", "santo"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            if rest.len() >= 4 && GENERIC.contains(&rest) {
                return rest;
            }
        }
    }
    t
}

/// Tokens of a name: folded, legal-form leftovers dropped, letters split from digits, initials
/// joined, numbers written in Arabic.
fn tokenise(raw: &str) -> Vec<String> {
    let words: Vec<String> = raw
        .split_whitespace()
        .map(|w| {
            let lower = w.to_lowercase();
            if lower.starts_with("f.lli") {
                return format!("fratelli{}", &w[5..]);
            }
            // "Co.Al.A.", "In.Rete", "Vol.To": dotted pieces of one word.
            let pieces: Vec<&str> = w.split('.').filter(|p| !p.is_empty()).collect();
            if pieces.len() >= 2
                && pieces
                    .iter()
                    .all(|p| p.chars().count() <= 4 && p.chars().all(char::is_alphabetic))
            {
                pieces.concat()
            } else {
                w.to_string()
            }
        })
        .collect();
    let folded = fold_label(
        &words
            .join(" ")
            .replace('&', " e ")
            .replace(['°', 'º', 'ª'], " "),
    );
    let tokens: Vec<String> = folded
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let tokens = drop_leftovers(tokens);
    let tokens = split_codes(tokens);
    let tokens = drop_leftovers(join_initials(tokens));
    let tokens = split_codes(tokens);
    numbers_to_arabic(tokens)
}

/// Family, kind and key words of a token list.
struct Core {
    family: Option<Family>,
    kind: Option<&'static Kind>,
    content: Vec<String>,
    key: Vec<String>,
}

fn core(tokens: &[String]) -> Core {
    let mut content: Vec<String> = tokens
        .iter()
        .filter(|t| !FILLERS.contains(&t.as_str()))
        .map(|t| {
            let t = unglue_saint(t);
            ABBREVIATIONS
                .iter()
                .find(|(a, _)| *a == t)
                .map_or(t, |(_, full)| full)
                .to_string()
        })
        .collect();
    // "Cassa di Risparmio di Cuneo", "CR Cuneo" → "crcuneo"; the acronym "CRC" is matched to it
    // within a project (see `resolve::similarity`).
    let mut i = 0;
    while i < content.len() {
        let town = |j: usize| {
            content
                .get(j)
                .filter(|t| t.len() >= 4 && t.chars().all(char::is_alphabetic))
                .cloned()
        };
        if content[i] == "cassa" && content.get(i + 1).is_some_and(|t| t == "risparmio") {
            if let Some(t) = town(i + 2) {
                content.splice(i..i + 3, [format!("cr{t}")]);
            }
        } else if content[i] == "cr" {
            if let Some(t) = town(i + 1) {
                content.splice(i..i + 2, [format!("cr{t}")]);
            }
        }
        i += 1;
    }
    // Full names of dictionary kinds become their acronym, longest phrase first.
    let mut contracted = content.clone();
    let mut kind: Option<&'static Kind> = None;
    for (words, k) in kind_phrases() {
        if let Some(pos) = contracted
            .windows(words.len())
            .position(|w| w.iter().zip(words.iter()).all(|(a, b)| a == b))
        {
            contracted.splice(pos..pos + words.len(), [k.acronym.to_string()]);
        }
    }
    let mut key: Vec<String> = Vec::new();
    for t in &contracted {
        if let Some(k) = KINDS
            .iter()
            .find(|k| k.acronym == t.as_str())
            .or_else(|| known_acronym(t))
        {
            if kind.is_none() {
                kind = Some(k);
                if k.in_key {
                    key.push(k.acronym.to_string());
                }
            } else if kind.is_some_and(|first| first.acronym != k.acronym) {
                // A second kind names the body ("CAF CISL"): a word of the key.
                key.push(k.acronym.to_string());
            }
            continue;
        }
        if !STOP.contains(&t.as_str()) {
            key.push(t.clone());
        }
    }
    // An ASL is its province code and number: "ASL Asti" = "ASL AT", "ASL TO 3 Collegno" = "ASL TO3".
    if kind.is_some_and(|k| k.acronym == "asl" || k.acronym == "cm") {
        let code_at = key.iter().position(|t| PROVINCES.contains(&t.as_str()));
        let town = key.iter().find_map(|t| {
            PROVINCE_TOWNS
                .iter()
                .find(|(n, _)| n == t)
                .map(|(_, c)| (*c).to_string())
        });
        let mut ids: Vec<String> = match (code_at, town) {
            (Some(_), _) => key
                .iter()
                .filter(|t| PROVINCES.contains(&t.as_str()))
                .map(|t| {
                    PROVINCE_TOWNS
                        .iter()
                        .find(|(n, _)| n == t)
                        .map_or(t.clone(), |(_, c)| (*c).to_string())
                })
                .collect(),
            (None, Some(code)) => vec![code],
            (None, None) => Vec::new(),
        };
        if !ids.is_empty() {
            ids.extend(
                key.iter()
                    .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
                    .cloned(),
            );
            key = ids;
        }
    }
    let mut family = kind.and_then(|k| k.family).or_else(|| {
        family_rules()
            .iter()
            .find(|(phrases, _)| phrases.iter().any(|p| contains_words(&contracted, p)))
            .map(|(_, f)| *f)
    });
    if content
        .iter()
        .any(|t| matches!(t.as_str(), "fondazione" | "fne" | "fondaz"))
        && content.iter().any(|t| t.len() >= 3 && t.starts_with("cr"))
    {
        family = Some(Family::BankingFoundation);
    } else if family.is_none()
        && content
            .iter()
            .any(|t| matches!(t.as_str(), "fne" | "fondaz"))
    {
        family = Some(Family::Foundation);
    }
    // "Consorzio X Società Cooperativa" is a consortium of co-operatives; a bare "Consorzio X"
    // could be either kind (enti_gestori.csv decides).
    if content.iter().any(|t| t == "consorzio") {
        family = match family {
            Some(Family::Cooperative) => Some(Family::CoopConsortium),
            None => Some(Family::Consortium),
            other => other,
        };
    }
    Core {
        family,
        kind,
        content,
        key,
    }
}

/// The part of a raw name after a separator or a unit word, when it names an office of the
/// body before it: (head, unit).
fn split_unit(raw: &str) -> Option<(String, String)> {
    // "Body - Fossano", "Body – Distretto Pinerolo", "Body (sede di Saluzzo)", "Body, Servizi Sociali".
    for sep in [" - ", " – ", " — ", " -", "- ", "(", ", "] {
        if let Some(pos) = raw.find(sep) {
            let head = raw[..pos].trim();
            let tail = raw[pos + sep.len()..].trim().trim_end_matches(')').trim();
            if head.is_empty() || tail.is_empty() {
                continue;
            }
            let tail_tokens = tokenise(tail);
            let tail_core = core(&tail_tokens);
            let starts_with_unit = tail_tokens
                .first()
                .is_some_and(|t| UNIT_WORDS.contains(&t.as_str()))
                && tail_core.kind.is_none_or(|k| !k.in_key);
            let place = (1..=3).contains(&tail_core.content.len())
                && tail_core.family.is_none()
                && tail_core.kind.is_none()
                && tail_tokens
                    .iter()
                    .all(|t| !t.bytes().any(|b| b.is_ascii_digit()));
            let province = tail_tokens.len() == 1 && PROVINCES.contains(&tail_tokens[0].as_str());
            let place = place && sep != ", ";
            if tail_core.kind.is_some() {
                return None;
            }
            if (starts_with_unit || place || province) && distinctive(head) {
                return Some((head.to_string(), tail.to_string()));
            }
            return None;
        }
    }
    // "Body sede di Saluzzo", "Comune di Pinerolo Servizi Sociali".
    let words: Vec<&str> = raw.split_whitespace().collect();
    for i in 1..words.len() {
        let w = fold_label(words[i]);
        if UNIT_WORDS.contains(&w.as_str()) {
            let head = words[..i].join(" ");
            let tail = words[i..].join(" ");
            let tail_core = core(&tokenise(&tail));
            if tail_core.kind.is_some() {
                continue;
            }
            if distinctive(&head) {
                return Some((head, tail));
            }
        }
    }
    None
}

/// Whether a name says which body it is without help: its key has a word that is neither
/// generic, a number nor a dictionary kind, and the name is not a bare place after a kind word
/// alone ("Azienda Sanitaria Locale" is not distinctive; "Consorzio Monviso Solidale" is).
fn distinctive(name: &str) -> bool {
    let c = core(&tokenise(name));
    c.key.iter().any(|t| {
        !GENERIC.contains(&t.as_str()) && !t.bytes().all(|b| b.is_ascii_digit()) && t.len() >= 3
    }) || ((c.kind.is_some() || c.family.is_some())
        && c.key.iter().any(|t| t.bytes().all(|b| b.is_ascii_digit())))
}

/// Removes an acronym in brackets that repeats the name ("Associazione Volontari Ospedalieri
/// (AVO) Pinerolo"): the full name says the same.
fn drop_parenthesised_acronyms(raw: &str) -> String {
    let mut out = raw.to_string();
    while let (Some(open), Some(close)) = (out.find('('), out.find(')')) {
        if close < open {
            break;
        }
        let inner = &out[open + 1..close];
        let letters: String = inner
            .chars()
            .filter(|c| *c != '.' && !c.is_whitespace())
            .collect();
        let acronym = (2..=8).contains(&letters.chars().count())
            && letters.chars().all(|c| c.is_ascii_uppercase());
        if !acronym || close + 1 == out.len() && out[..open].trim().is_empty() {
            break;
        }
        out = format!(
            "{} {}",
            out[..open].trim_end(),
            out[close + 1..].trim_start()
        );
        out = out.trim().to_string();
    }
    out
}

/// Normalises a raw name.
#[must_use]
pub fn normalise(raw: &str) -> Normalised {
    let trimmed = drop_parenthesised_acronyms(raw.trim());
    let trimmed = trimmed.as_str();
    let (body, unit) = match split_unit(trimmed) {
        Some((head, tail)) => (head, Some(tail)),
        None => (trimmed.to_string(), None),
    };
    let tokens = tokenise(&body);
    let c = core(&tokens);
    let acronym = {
        let letters: String = body
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect();
        let folded = letters.to_lowercase();
        (body.split_whitespace().count() <= 2
            && (2..=8).contains(&letters.chars().count())
            && letters.chars().all(|c| c.is_ascii_uppercase())
            && known_acronym(&folded).is_none()
            && c.kind.is_none())
        .then_some(folded)
    };
    let numbers: Vec<u32> = c
        .key
        .iter()
        .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|t| t.parse().ok())
        .collect();
    let generic = !c.key.is_empty()
        && c.key
            .iter()
            .all(|t| GENERIC.contains(&t.as_str()) || t.bytes().all(|b| b.is_ascii_digit()))
        && c.kind.is_none_or(|k| !k.in_key);
    let key = if c.key.is_empty() {
        match c.kind {
            Some(k) => k.acronym.to_string(),
            None => c.content.join(" "),
        }
    } else {
        c.key.join(" ")
    };
    Normalised {
        family: c.family,
        kind: c.kind.map(|k| k.acronym),
        key,
        tokens: c.content,
        acronym,
        numbers,
        unit,
        generic: generic || (c.key.is_empty() && (c.kind.is_some() || c.family.is_some())),
        bare: c.key.is_empty(),
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
    fn numbers_agree_however_they_are_written() {
        for name in [
            "I.C. Pinerolo II",
            "IC Pinerolo 2",
            "Istituto Comprensivo Pinerolo Secondo",
            "I.C. Pinerolo 2°",
        ] {
            let n = normalise(name);
            assert_eq!(
                (n.kind, n.key.as_str(), n.numbers.as_slice()),
                (Some("ic"), "pinerolo 2", &[2][..]),
                "{name}"
            );
        }
        assert_eq!(normalise("I.C. Torino 11").numbers, vec![11]);
        assert_eq!(normalise("IIS XXV Aprile").numbers, vec![25]);
        assert_eq!(normalise("Circoscrizione IV").numbers, vec![4]);
        assert_eq!(normalise("I Circolo Didattico Alba").numbers, vec![1]);
        assert_eq!(
            normalise("Il Girasole").numbers,
            Vec::<u32>::new(),
            "an article is not a number"
        );
        assert_eq!(
            normalise("Parrocchia San Secondo").numbers,
            Vec::<u32>::new(),
            "a saint is not a number"
        );
    }

    #[test]
    fn codes_ignore_spacing_and_punctuation() {
        for name in [
            "ASL TO3",
            "A.S.L. TO 3",
            "ASLTO3",
            "Asl To 3",
            "Azienda Sanitaria Locale TO3",
            "ASL TO 3 Collegno",
        ] {
            let n = normalise(name);
            assert_eq!((n.kind, n.key.as_str()), (Some("asl"), "to 3"), "{name}");
        }
        assert_eq!(normalise("ASL Asti").key, normalise("A.S.L. AT").key);
        assert_ne!(normalise("ASL CN1").key, normalise("ASL CN2").key);
        assert_eq!(normalise("CISA 12").key, normalise("C.I.S.A. 12").key);
    }

    #[test]
    fn office_suffixes_become_units() {
        let n = normalise("Consorzio Monviso Solidale - Fossano");
        assert_eq!(
            (n.key.as_str(), n.unit.as_deref()),
            ("monviso solidale", Some("Fossano"))
        );
        let n = normalise("Consorzio Monviso Solidale sede di Saluzzo");
        assert_eq!(
            (n.key.as_str(), n.unit.as_deref()),
            ("monviso solidale", Some("sede di Saluzzo"))
        );
        let n = normalise("Comune di Pinerolo - Divisione Servizi Sociali");
        assert_eq!(
            (n.family, n.key.as_str()),
            (Some(Family::Municipality), "pinerolo")
        );
        // A generic body's place is its identity, not a unit.
        assert_eq!(normalise("Caritas - Pinerolo").unit, None);
        assert_eq!(
            normalise("Azienda Sanitaria Locale - Distretto di Borgoverna").unit,
            None
        );
    }

    #[test]
    fn parents_and_namesakes_keep_apart() {
        assert_ne!(
            normalise("Città Metropolitana di Torino").key,
            normalise("Città di Torino").key
        );
        assert_ne!(
            normalise("Ufficio Pio della Compagnia di San Paolo").key,
            normalise("Compagnia di San Paolo").key
        );
        assert_eq!(
            normalise("Compagnia di Sanpaolo").key,
            normalise("Compagnia di S. Paolo").key
        );
        assert!(normalise("Parrocchia San Giovanni Battista").generic);
        assert!(!normalise("Parrocchia San Giovanni Battista di Saluzzo").generic);
    }

    #[test]
    fn leftover_words_go() {
        let key = |n: &str| normalise(n).key;
        assert_eq!(key("Il Sogno soc. coop. soc. di tipo B"), "sogno");
        assert_eq!(key("Coop. Il Sogno a r.l."), "sogno");
        assert_eq!(
            key("Tipografia Ferraris & C. s.n.c."),
            "tipografia ferraris"
        );
        assert_eq!(
            key("Lanificio F.lli Cerruti spa"),
            key("Lanificio Fratelli Cerruti S.p.A.")
        );
        assert_eq!(
            key("Consorzio Co.Al.A."),
            key("Coala Consorzio di Cooperative Sociali")
        );
        assert_eq!(
            key("Fondazione Cassa di Risparmio di Cuneo"),
            key("Fondazione CR Cuneo")
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

#[cfg(test)]
mod debug {
    #[test]
    #[ignore = "prints normalised forms of WECARE_NAMES (one per line)"]
    fn print_names() {
        let names = std::fs::read_to_string(std::env::var("WECARE_NAMES").unwrap()).unwrap();
        for n in names.lines() {
            println!("{n:?} => {:?}", super::normalise(n));
        }
    }
}
