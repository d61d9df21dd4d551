//! Invented Italian organisation names and the ways survey respondents misspell them.
//!
//! Place names are made from invented syllable pairs (never a real town); distinctive parts of
//! third-sector names combine a common noun with an adjective. Any resemblance to a real
//! organisation is coincidental.
use rand::seq::IndexedRandom as _;
use rand::Rng;

/// Invented place names: prefix + suffix.
const PLACE_PREFIX: &[&str] = &[
    "Rocca", "Monte", "Castel", "Pieve", "Borgo", "Villa", "Colle", "Serra", "Valle", "Poggio",
    "Torre", "Campo",
];
const PLACE_SUFFIX: &[&str] = &[
    "verna", "aldina", "lunga", "fiorita", "bruna", "chiara", "sorana", "seccola", "nerina",
    "dorata", "vecchina", "grandola", "ortana", "serena", "falcina", "mirasca", "olmeta",
    "quercina", "bellina", "calvesca", "dorsina", "gavella", "lunetta", "morasca", "pratella",
    "rovesca", "solvina", "tremola",
];
/// Invented surnames (for schools, foundations, firms).
const SURNAMES: &[&str] = &[
    "Bertolazzi",
    "Mainardi",
    "Ghirotto",
    "Cavallero",
    "Sandrone",
    "Pellissero",
    "Marengotti",
    "Arduinetti",
    "Bosconero",
    "Testorelli",
    "Gioannini",
    "Vignolo",
    "Capellaro",
    "Rabbiosi",
    "Olivazzi",
    "Ferrandotti",
    "Garellini",
    "Merlatti",
    "Bonicelli",
    "Chiaborra",
];
const SAINTS: &[&str] = &[
    "Lorenzo",
    "Martino",
    "Giovanni Bosco",
    "Grato",
    "Secondo",
    "Dalmazzo",
    "Evasio",
    "Maurizio",
];
const PRODUCTS: &[&str] = &[
    "Impianti",
    "Servizi",
    "Trasporti",
    "Costruzioni",
    "Forniture",
    "Ristorazione",
    "Pulizie",
    "Grafica",
];
/// Nouns for third-sector names: (article, noun, feminine).
const NOUNS: &[(&str, &str, bool)] = &[
    ("Il", "Girasole", false),
    ("La", "Tela", true),
    ("Il", "Sentiero", false),
    ("L'", "Approdo", false),
    ("Il", "Filo", false),
    ("La", "Bussola", true),
    ("Il", "Mosaico", false),
    ("L'", "Aquilone", false),
    ("Il", "Faro", false),
    ("Il", "Seme", false),
    ("Il", "Cortile", false),
    ("La", "Ginestra", true),
    ("La", "Lanterna", true),
    ("L'", "Orizzonte", false),
    ("Il", "Crocevia", false),
    ("Il", "Nido", false),
    ("La", "Quercia", true),
    ("La", "Riva", true),
    ("La", "Scialuppa", true),
    ("La", "Vela", true),
    ("La", "Zattera", true),
    ("L'", "Alveare", false),
    ("La", "Betulla", true),
    ("Il", "Cammino", false),
    ("Il", "Cerchio", false),
    ("La", "Cometa", true),
    ("L'", "Edera", true),
    ("La", "Fonte", true),
    ("La", "Girandola", true),
    ("Il", "Glicine", false),
    ("L'", "Incontro", false),
    ("La", "Lucerna", true),
    ("L'", "Officina", true),
    ("Il", "Papavero", false),
    ("La", "Pergola", true),
    ("La", "Rondine", true),
    ("La", "Sorgente", true),
    ("La", "Trottola", true),
    ("La", "Vigna", true),
    ("Il", "Mandorlo", false),
    ("La", "Meridiana", true),
    ("Il", "Tralcio", false),
    ("La", "Carovana", true),
    ("Il", "Granaio", false),
    ("La", "Spiga", true),
    ("Il", "Melograno", false),
    ("L'", "Arcipelago", false),
    ("La", "Staffetta", true),
];
/// Adjectives (masculine, feminine).
const ADJECTIVES: &[(&str, &str)] = &[
    ("Nuovo", "Nuova"),
    ("Verde", "Verde"),
    ("Aperto", "Aperta"),
    ("Solidale", "Solidale"),
    ("Chiaro", "Chiara"),
    ("Alto", "Alta"),
    ("Unito", "Unita"),
    ("Lieto", "Lieta"),
    ("Sereno", "Serena"),
    ("Gentile", "Gentile"),
];

/// An invented place name.
pub fn place(rng: &mut impl Rng) -> String {
    let p = PLACE_PREFIX.choose(rng).expect("non-empty");
    let s = PLACE_SUFFIX.choose(rng).expect("non-empty");
    // "Castel" + "aldina" → "Castelaldina"; "Monte" + "verna" → "Monteverna".
    format!("{p}{s}")
}

/// An invented surname.
pub fn surname(rng: &mut impl Rng) -> &'static str {
    SURNAMES.choose(rng).expect("non-empty")
}

/// A distinctive core for a third-sector name: ("Il Girasole Verde", noun "Girasole").
pub fn core(rng: &mut impl Rng) -> (String, &'static str) {
    let (article, noun, fem) = *NOUNS.choose(rng).expect("non-empty");
    let sep = if article.ends_with('\'') { "" } else { " " };
    if rng.random_bool(0.35) {
        (format!("{article}{sep}{noun}"), noun)
    } else {
        let (m, f) = *ADJECTIVES.choose(rng).expect("non-empty");
        (
            format!("{article}{sep}{noun} {}", if fem { f } else { m }),
            noun,
        )
    }
}

/// A saint for a parish name.
pub fn saint(rng: &mut impl Rng) -> &'static str {
    SAINTS.choose(rng).expect("non-empty")
}

/// A product line for a firm name.
pub fn product(rng: &mut impl Rng) -> &'static str {
    PRODUCTS.choose(rng).expect("non-empty")
}

/// Upper-case initials of the significant words: "Valle Ortana" → "VO".
#[must_use]
pub fn initials(words: &str) -> String {
    words
        .split(|c: char| c.is_whitespace() || c == '\'' || c == '-')
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .filter_map(|w| w.chars().next())
        .collect()
}

/// Drops accents: "Società" → "Societa".
#[must_use]
pub fn drop_accents(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    s.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect()
}

/// What a UTF-8 cell looks like after a trip through Windows-1252: "Unità" → "UnitÃ\u{a0}".
#[must_use]
pub fn mojibake(s: &str) -> String {
    let bytes = s.as_bytes();
    let (decoded, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    decoded.into_owned()
}

/// A typo in the longest word: two letters swapped, one dropped or one doubled.
pub fn typo(s: &str, rng: &mut impl Rng) -> String {
    let words: Vec<&str> = s.split(' ').collect();
    let Some((idx, word)) = words
        .iter()
        .enumerate()
        .filter(|(_, w)| w.chars().count() >= 6 && w.chars().all(char::is_alphabetic))
        .max_by_key(|(i, w)| (w.chars().count(), std::cmp::Reverse(*i)))
    else {
        return s.to_string();
    };
    let mut chars: Vec<char> = word.chars().collect();
    let pos = rng.random_range(1..chars.len() - 2);
    match rng.random_range(0..3) {
        0 if chars[pos] != chars[pos + 1] => chars.swap(pos, pos + 1),
        0 => {
            chars.remove(pos);
        }
        1 => {
            chars.remove(pos);
        }
        _ => {
            let c = chars[pos];
            chars.insert(pos, c);
        }
    }
    let mut out: Vec<String> = words.iter().map(ToString::to_string).collect();
    out[idx] = chars.into_iter().collect();
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng as _;

    #[test]
    fn mojibake_looks_like_a_double_encoding() {
        assert_eq!(mojibake("Unità"), "Unit\u{c3}\u{a0}");
        assert_eq!(mojibake("Cuorgnè"), "Cuorgn\u{c3}\u{a8}");
        assert_eq!(mojibake("Alba"), "Alba");
    }

    #[test]
    fn initials_and_accents() {
        assert_eq!(initials("Valle Ortana"), "VO");
        assert_eq!(initials("Servizi alla Persona"), "SP");
        assert_eq!(drop_accents("Società Mondovì"), "Societa Mondovi");
    }

    #[test]
    fn typos_change_one_word_a_little() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..50 {
            let t = typo("Cooperativa Sociale La Ginestra", &mut rng);
            assert_ne!(t, "Cooperativa Sociale La Ginestra");
            assert!(
                strsim::levenshtein(&t, "Cooperativa Sociale La Ginestra") <= 2,
                "{t}"
            );
        }
    }
}
