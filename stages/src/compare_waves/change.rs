//! [`TieChange`]: how the ties of one network changed into another's — the dyad counts N_hk of
//! RSiena's convention and the measures made from them — plus the composition-inclusive tie
//! Jaccard. Pure functions on node and tie sets; ties are unordered pairs written `(a, b)` with
//! `a < b`.
use std::collections::BTreeSet;

/// Dyad counts between a `from` and a `to` network on the actors present in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TieChange {
    /// Actors present in both networks (the dyads counted are theirs).
    pub actors_common: usize,
    /// Dyads counted: N11 + N10 + N01 + N00.
    pub dyads: usize,
    /// Dyads tied in both.
    pub n11: usize,
    /// Dyads tied in `from` only (ties lost).
    pub n10: usize,
    /// Dyads tied in `to` only (ties formed).
    pub n01: usize,
    /// Dyads tied in neither.
    pub n00: usize,
}

#[allow(clippy::cast_precision_loss)]
fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        f64::NAN
    } else {
        num as f64 / den as f64
    }
}

impl TieChange {
    /// Counts the dyads among the actors in both node sets (RSiena: only dyads observed at both
    /// ends of the period); ties touching an actor missing from either wave are left out.
    #[must_use]
    pub fn on_common<T: Ord + Clone>(
        from_nodes: &BTreeSet<T>,
        to_nodes: &BTreeSet<T>,
        from_ties: &BTreeSet<(T, T)>,
        to_ties: &BTreeSet<(T, T)>,
    ) -> Self {
        Self::on_observed(from_nodes, to_nodes, from_ties, to_ties, |_, _| true)
    }

    /// Like [`TieChange::on_common`], counting only the dyads among common actors for which
    /// `observed(a, b)` holds (a < b) — RSiena's missing tie variables: with survey data, a dyad
    /// nobody who answered could report is missing, not absent.
    #[must_use]
    pub fn on_observed<T: Ord + Clone>(
        from_nodes: &BTreeSet<T>,
        to_nodes: &BTreeSet<T>,
        from_ties: &BTreeSet<(T, T)>,
        to_ties: &BTreeSet<(T, T)>,
        observed: impl Fn(&T, &T) -> bool,
    ) -> Self {
        let common: Vec<&T> = from_nodes.intersection(to_nodes).collect();
        let set: BTreeSet<&T> = common.iter().copied().collect();
        let inside = |t: &&(T, T)| set.contains(&t.0) && set.contains(&t.1) && observed(&t.0, &t.1);
        let from: BTreeSet<&(T, T)> = from_ties.iter().filter(inside).collect();
        let to: BTreeSet<&(T, T)> = to_ties.iter().filter(inside).collect();
        let n11 = from.intersection(&to).count();
        let n10 = from.len() - n11;
        let n01 = to.len() - n11;
        let mut dyads = 0;
        for (i, a) in common.iter().enumerate() {
            for b in &common[i + 1..] {
                dyads += usize::from(observed(a, b));
            }
        }
        Self {
            actors_common: common.len(),
            dyads,
            n11,
            n10,
            n01,
            n00: dyads - n11 - n10 - n01,
        }
    }

    /// Tie Jaccard N11/(N11 + N10 + N01); NaN when neither network has a tie.
    #[must_use]
    pub fn jaccard(&self) -> f64 {
        ratio(self.n11, self.n11 + self.n10 + self.n01)
    }

    /// Hamming distance N10 + N01: dyads that changed.
    #[must_use]
    pub fn hamming(&self) -> usize {
        self.n10 + self.n01
    }

    /// Persistence N11/(N11 + N10): the share of `from` ties still present; NaN without `from` ties.
    #[must_use]
    pub fn persistence(&self) -> f64 {
        ratio(self.n11, self.n11 + self.n10)
    }

    /// Formation N01/(N01 + N11): the share of `to` ties that are new; NaN without `to` ties.
    /// (RSiena's tie-formation rate N01/(N01 + N00) follows from the counts.)
    #[must_use]
    pub fn formation(&self) -> f64 {
        ratio(self.n01, self.n01 + self.n11)
    }
}

/// Composition-inclusive tie Jaccard |A ∩ B| / |A ∪ B| on all actors (an actor absent from a
/// wave has no ties there); NaN when both are empty.
#[must_use]
pub fn jaccard_all<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> f64 {
    let both = a.intersection(b).count();
    ratio(both, a.len() + b.len() - both)
}

/// The share of `ties` also in `reference`; NaN when `ties` is empty.
#[must_use]
pub fn share_in<T: Ord>(ties: &BTreeSet<T>, reference: &BTreeSet<T>) -> f64 {
    ratio(ties.intersection(reference).count(), ties.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(s: &str) -> BTreeSet<char> {
        s.chars().collect()
    }

    fn ties(list: &[&str]) -> BTreeSet<(char, char)> {
        list.iter()
            .map(|t| {
                let mut c = t.chars();
                let (a, b) = (c.next().unwrap(), c.next().unwrap());
                (a.min(b), a.max(b))
            })
            .collect()
    }

    /// From {a,b,c,d,e}: ab ac ad bc de; to {a,b,c,d,f}: ab ac cd bd af.
    /// Common actors a b c d (6 dyads). Inside them, from: ab ac ad bc; to: ab ac cd bd.
    /// N11 = 2 (ab ac), N10 = 2 (ad bc), N01 = 2 (cd bd), N00 = 0.
    /// Jaccard 2/6, Hamming 4, persistence 2/4, formation 2/4.
    #[test]
    fn counts_and_measures_on_common_actors_by_hand() {
        let c = TieChange::on_common(
            &nodes("abcde"),
            &nodes("abcdf"),
            &ties(&["ab", "ac", "ad", "bc", "de"]),
            &ties(&["ab", "ac", "cd", "bd", "af"]),
        );
        assert_eq!(
            c,
            TieChange {
                actors_common: 4,
                dyads: 6,
                n11: 2,
                n10: 2,
                n01: 2,
                n00: 0
            }
        );
        assert!((c.jaccard() - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(c.hamming(), 4);
        assert!((c.persistence() - 0.5).abs() < 1e-15);
        assert!((c.formation() - 0.5).abs() < 1e-15);
        // On all actors the lost de and the new af count too: 2 / (5 + 5 − 2) = 0.25.
        let all = jaccard_all(
            &ties(&["ab", "ac", "ad", "bc", "de"]),
            &ties(&["ab", "ac", "cd", "bd", "af"]),
        );
        assert!((all - 0.25).abs() < 1e-15);
    }

    /// A star a–{b,c,d} that keeps ab, loses ac and ad and gains bc, on 5 common actors
    /// (e an isolate in both): N11 1, N10 2, N01 1, N00 10 − 4 = 6.
    #[test]
    fn isolates_present_in_both_waves_add_empty_dyads() {
        let c = TieChange::on_common(
            &nodes("abcde"),
            &nodes("abcde"),
            &ties(&["ab", "ac", "ad"]),
            &ties(&["ab", "bc"]),
        );
        assert_eq!((c.n11, c.n10, c.n01, c.n00), (1, 2, 1, 6));
        assert!((c.jaccard() - 0.25).abs() < 1e-15);
        assert_eq!(c.hamming(), 3);
        assert!((c.persistence() - 1.0 / 3.0).abs() < 1e-15);
        assert!((c.formation() - 0.5).abs() < 1e-15);
    }

    #[test]
    fn identical_disjoint_and_empty_networks() {
        let n = nodes("abc");
        let t = ties(&["ab", "bc"]);
        let same = TieChange::on_common(&n, &n, &t, &t);
        assert_eq!(
            (
                same.jaccard(),
                same.hamming(),
                same.persistence(),
                same.formation()
            ),
            (1.0, 0, 1.0, 0.0)
        );
        let other = TieChange::on_common(&n, &n, &t, &ties(&["ac"]));
        assert_eq!(
            (other.jaccard(), other.persistence(), other.formation()),
            (0.0, 0.0, 1.0)
        );
        let none = TieChange::on_common(&n, &n, &BTreeSet::new(), &BTreeSet::new());
        assert!(
            none.jaccard().is_nan() && none.persistence().is_nan() && none.formation().is_nan()
        );
        assert_eq!(none.n00, 3);
        // No actor in common: nothing to count.
        let apart =
            TieChange::on_common(&nodes("ab"), &nodes("cd"), &ties(&["ab"]), &ties(&["cd"]));
        assert_eq!(apart, TieChange::default());
        assert!(jaccard_all::<u8>(&BTreeSet::new(), &BTreeSet::new()).is_nan());
    }

    /// The first example with respondents a and b only: dyad cd (neither answered) is missing.
    /// Observed dyads ab ac ad bc bd (5): from ab ac ad bc, to ab ac bd → N11 2, N10 2, N01 1,
    /// N00 0; Jaccard 2/5, persistence 2/4, formation 1/3.
    #[test]
    fn dyads_nobody_could_report_are_missing_not_absent() {
        let answered = nodes("ab");
        let c = TieChange::on_observed(
            &nodes("abcde"),
            &nodes("abcdf"),
            &ties(&["ab", "ac", "ad", "bc", "de"]),
            &ties(&["ab", "ac", "cd", "bd", "af"]),
            |x, y| answered.contains(x) || answered.contains(y),
        );
        assert_eq!((c.dyads, c.n11, c.n10, c.n01, c.n00), (5, 2, 2, 1, 0));
        assert!((c.jaccard() - 0.4).abs() < 1e-15);
        assert_eq!(c.hamming(), 3);
        assert!((c.persistence() - 0.5).abs() < 1e-15);
        assert!((c.formation() - 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn share_in_reference_by_hand() {
        let w1 = ties(&["ab", "ac", "bc", "cd"]);
        let prior = ties(&["ab", "cd", "de"]);
        assert!((share_in(&w1, &prior) - 0.5).abs() < 1e-15);
        assert!(share_in(&BTreeSet::new(), &prior).is_nan());
    }
}
