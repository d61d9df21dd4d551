//! Entity resolution: which raw spellings name the same organisation.
//!
//! Every distinct raw spelling is a record. Records are joined, in order of confidence:
//! hand-confirmed aliases and the enti gestori list (`alias`), equal normalised keys (`normalised`),
//! acronyms that spell a unique organisation of the same project (`acronym`), and similar keys
//! within one project (`fuzzy`, Jaro–Winkler from strsim above a threshold). Two records whose
//! words or type labels say they are different kinds of body are never joined.
use std::collections::{BTreeMap, BTreeSet};

use super::normalise::{key_initials, normalise, Family, Normalised};
use crate::vocab;

/// One distinct raw spelling and what is known about it.
#[derive(Debug, Clone)]
pub struct Record {
    pub raw: String,
    pub norm: Normalised,
    pub projects: BTreeSet<String>,
    /// Type code → weighted votes from the type labels next to this spelling.
    pub type_votes: BTreeMap<&'static str, u32>,
    pub mentions: u32,
    /// Virtual records (alias targets, enti gestori) never appear in the data.
    pub virtual_: bool,
    /// Set for names from `enti_gestori.csv`.
    pub eg_type: Option<&'static str>,
    /// Set when an alias row names this spelling as its canonical form.
    pub alias_target: bool,
}

impl Record {
    /// The family the words say, or else the one the type labels say.
    #[must_use]
    pub fn family(&self) -> Option<Family> {
        self.norm.family.or_else(|| {
            let best = self
                .type_votes
                .iter()
                .max_by_key(|(code, n)| (**n, std::cmp::Reverse(**code)))?;
            Family::of_type(best.0)
        })
    }
}

/// How a record joined its organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Exact,
    Alias,
    Normalised,
    Acronym,
    Fuzzy,
}

impl Method {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Alias => "alias",
            Method::Normalised => "normalised",
            Method::Acronym => "acronym",
            Method::Fuzzy => "fuzzy",
        }
    }
}

/// The records and the partition being built over them.
#[derive(Debug, Default)]
pub struct Resolver {
    pub records: Vec<Record>,
    index: BTreeMap<String, usize>,
    parent: Vec<usize>,
    families: Vec<BTreeSet<Family>>,
    /// Records reached through an alias or the enti gestori list.
    pub aliased: BTreeSet<usize>,
    /// Records joined through an acronym.
    pub acronyms: BTreeSet<usize>,
    /// Merges refused because the families disagreed (for the stage summary).
    pub refused: usize,
    /// Folded spelling → records (built by `seal_mentions`).
    folded: BTreeMap<String, Vec<usize>>,
    /// Acronym → records spelling it (built by `seal_mentions`).
    by_acronym_text: BTreeMap<String, Vec<usize>>,
    /// Members of each cluster, kept at its root (empty elsewhere).
    member_lists: Vec<Vec<usize>>,
}

impl Resolver {
    /// Adds a mention of `raw` in `project` with the type label next to it.
    pub fn mention(&mut self, raw: &str, project: &str, type_label: &str, weight: u32) {
        let i = self.record(raw, false);
        let r = &mut self.records[i];
        r.virtual_ = false;
        r.mentions += 1;
        r.projects.insert(project.to_string());
        if let Some(t) = vocab::from_label(type_label) {
            *r.type_votes.entry(t.code).or_default() += weight;
        }
    }

    /// Fixes every record's family once all mentions are in (words first, then labels).
    pub fn seal_mentions(&mut self) {
        for i in 0..self.records.len() {
            self.families[i] = self.records[i].family().into_iter().collect();
            self.folded
                .entry(vocab::fold_label(&self.records[i].raw))
                .or_default()
                .push(i);
            if let Some(a) = &self.records[i].norm.acronym {
                self.by_acronym_text.entry(a.clone()).or_default().push(i);
            }
        }
    }

    /// The record for `raw`, created if new.
    pub fn record(&mut self, raw: &str, virtual_: bool) -> usize {
        if let Some(&i) = self.index.get(raw) {
            return i;
        }
        let norm = normalise(raw);
        let i = self.records.len();
        self.records.push(Record {
            raw: raw.to_string(),
            norm: norm.clone(),
            projects: BTreeSet::new(),
            type_votes: BTreeMap::new(),
            mentions: 0,
            virtual_,
            eg_type: None,
            alias_target: false,
        });
        self.parent.push(i);
        self.member_lists.push(vec![i]);
        self.families.push(norm.family.into_iter().collect());
        self.index.insert(raw.to_string(), i);
        i
    }

    /// The record of a raw spelling, if any.
    #[must_use]
    pub fn find_raw(&self, raw: &str) -> Option<usize> {
        self.index.get(raw).copied()
    }

    /// The cluster representative.
    pub fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn compatible(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        let fa = &self.families[ra];
        let fb = &self.families[rb];
        fa.iter()
            .all(|x| fb.iter().all(|y| Family::compatible(Some(*x), Some(*y))))
    }

    /// Joins the clusters of `a` and `b` unless their families disagree.
    pub fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return true;
        }
        if !self.compatible(ra, rb) {
            self.refused += 1;
            return false;
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[gone] = keep;
        let moved = std::mem::take(&mut self.families[gone]);
        self.families[keep].extend(moved);
        let moved = std::mem::take(&mut self.member_lists[gone]);
        self.member_lists[keep].extend(moved);
        true
    }

    /// Links an alias to its canonical name (a virtual record if the name never appears).
    pub fn alias(&mut self, alias: &str, canonical: &str) {
        let targets = self
            .folded
            .get(&vocab::fold_label(alias))
            .cloned()
            .unwrap_or_default();
        if targets.is_empty() {
            return;
        }
        let c = self.record(canonical, true);
        self.records[c].alias_target = true;
        for t in targets {
            if self.union(t, c) {
                self.aliased.insert(t);
            }
        }
    }

    /// Adds an ente gestore from the list, linking the records that spell its acronym.
    pub fn ente_gestore(&mut self, name: &str, acronym: &str, type_code: &'static str) {
        let e = self.record(name, true);
        self.records[e].eg_type = Some(type_code);
        if let Some(f) = Family::of_type(type_code) {
            let r = self.root(e);
            self.families[r].insert(f);
        }
        let acr = vocab::fold_label(acronym).replace(' ', "");
        if acr.is_empty() {
            return;
        }
        let hits = self.by_acronym_text.get(&acr).cloned().unwrap_or_default();
        for h in hits {
            if self.union(h, e) {
                self.aliased.insert(h);
            }
        }
    }

    /// Joins records with the same normalised key and compatible families.
    pub fn by_key(&mut self) {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in self.records.iter().enumerate() {
            if r.norm
                .key
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .count()
                >= 3
                && r.norm.acronym.is_none()
            {
                groups.entry(r.norm.key.clone()).or_default().push(i);
            }
        }
        for members in groups.into_values() {
            // Records whose words name their family first, so that an unmarked spelling joins
            // the body its type label points to.
            let mut sorted = members;
            sorted.sort_by_key(|&i| {
                (
                    self.records[i].norm.family.is_none(),
                    self.records[i].family().is_none(),
                    i,
                )
            });
            for idx in 1..sorted.len() {
                let b = sorted[idx];
                let fb = self.records[b].family();
                let partner = sorted[..idx].iter().copied().find(|&a| {
                    let fa = self.records[a].family();
                    Family::compatible(fa, fb) && (fa.is_some() || fb.is_none())
                });
                if let Some(a) = partner {
                    self.union(a, b);
                }
            }
        }
    }

    /// Clusters present in each project.
    fn clusters_by_project(&mut self) -> BTreeMap<String, BTreeSet<usize>> {
        let mut out: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for i in 0..self.records.len() {
            let root = self.root(i);
            for p in self.records[i].projects.clone() {
                out.entry(p).or_default().insert(root);
            }
        }
        out
    }

    fn members(&mut self) -> BTreeMap<usize, Vec<usize>> {
        let mut out: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..self.records.len() {
            let r = self.root(i);
            out.entry(r).or_default().push(i);
        }
        out
    }

    /// Every cluster's members, and the current roots of `clusters` (earlier unions may have
    /// joined some of them), sorted.
    fn current(&mut self, clusters: BTreeSet<usize>) -> (BTreeMap<usize, Vec<usize>>, Vec<usize>) {
        let roots: BTreeSet<usize> = clusters.into_iter().map(|c| self.root(c)).collect();
        let members = roots
            .iter()
            .map(|&r| {
                let mut m = self.member_lists[r].clone();
                m.sort_unstable();
                (r, m)
            })
            .collect();
        (members, roots.into_iter().collect())
    }

    /// Acronyms that spell exactly one organisation of the same project.
    pub fn by_acronym(&mut self) {
        let by_project = self.clusters_by_project();
        let members = self.members();
        for i in 0..self.records.len() {
            let Some(acr) = self.records[i].norm.acronym.clone() else {
                continue;
            };
            let own = self.root(i);
            if members[&own]
                .iter()
                .any(|&m| self.records[m].norm.acronym.is_none())
            {
                continue; // already joined to a spelled-out name
            }
            // Candidates whose full name spells the acronym win over those whose distinctive
            // words only end it ("ATCVA": "Agenzia Territoriale per la Casa Valle Arvina").
            let mut exact = BTreeSet::new();
            let mut candidates = BTreeSet::new();
            for p in self.records[i].projects.clone() {
                for &c in by_project.get(&p).into_iter().flatten() {
                    if c == own {
                        continue;
                    }
                    for &m in &members[&c] {
                        let ini = key_initials(&self.records[m].norm.key);
                        let all: String = self.records[m]
                            .norm
                            .tokens
                            .iter()
                            .filter_map(|t| t.chars().next())
                            .collect();
                        if all.len() >= 3 && all == acr {
                            exact.insert(c);
                        } else if ini.len() >= 2 && acr.len() > ini.len() && acr.ends_with(&ini) {
                            candidates.insert(c);
                        }
                    }
                }
            }
            let candidates: BTreeSet<usize> = if exact.is_empty() { candidates } else { exact };
            let candidates: BTreeSet<usize> =
                candidates.into_iter().map(|c| self.root(c)).collect();
            if candidates.len() == 1 {
                let c = *candidates.iter().next().expect("one");
                if self.union(i, c) {
                    self.acronyms.insert(i);
                }
            }
        }
    }

    /// Joins similar keys within each project.
    pub fn fuzzy(&mut self, threshold: f64) {
        let by_project = self.clusters_by_project();
        for clusters in by_project.into_values() {
            let (members, list) = self.current(clusters);
            // Distinct spelled-out keys per cluster: spellings often share one.
            let keys: Vec<BTreeSet<&str>> = list
                .iter()
                .map(|c| {
                    members[c]
                        .iter()
                        .filter(|&&m| self.records[m].norm.acronym.is_none())
                        .map(|&m| self.records[m].norm.key.as_str())
                        .collect()
                })
                .collect();
            let mut best: Vec<(f64, usize, usize)> = Vec::new();
            for x in 0..list.len() {
                for y in x + 1..list.len() {
                    let score = keys[x]
                        .iter()
                        .flat_map(|ka| keys[y].iter().map(move |kb| similarity(ka, kb)))
                        .fold(0.0, f64::max);
                    if score >= threshold {
                        best.push((score, list[x], list[y]));
                    }
                }
            }
            best.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
            for (_, a, b) in best {
                self.union(a, b);
            }
        }
    }

    /// Joins a short name to the one organisation of the same family and project whose key
    /// extends it by one or two words ("Parrocchia di Borgoverna" → "Parrocchia San Grato di
    /// Borgoverna").
    pub fn by_extension(&mut self) {
        let by_project = self.clusters_by_project();
        for clusters in by_project.into_values() {
            let (members, list) = self.current(clusters);
            let keys = |c: usize| -> BTreeSet<FamilyKey> {
                members[&c]
                    .iter()
                    .filter(|&&m| self.records[m].norm.acronym.is_none())
                    .map(|&m| {
                        (
                            self.records[m].family(),
                            self.records[m]
                                .norm
                                .key
                                .split(' ')
                                .map(str::to_string)
                                .collect(),
                        )
                    })
                    .collect()
            };
            let all_keys: BTreeMap<usize, BTreeSet<FamilyKey>> =
                list.iter().map(|&c| (c, keys(c))).collect();
            let mut joins = Vec::new();
            for &short in &list {
                let mut found = BTreeSet::new();
                for (fam, words) in &all_keys[&short] {
                    let (fam, words) = (*fam, words.clone());
                    if fam.is_none() || words.iter().map(String::len).sum::<usize>() < 6 {
                        continue;
                    }
                    for &long in &list {
                        if long == short {
                            continue;
                        }
                        let extends = all_keys[&long].iter().any(|(f, w)| {
                            *f == fam
                                && w.len() > words.len()
                                && w.len() <= words.len() + 2
                                && w.ends_with(&words)
                        });
                        if extends {
                            found.insert(long);
                        }
                    }
                }
                if found.len() == 1 {
                    joins.push((short, *found.iter().next().expect("one")));
                }
            }
            for (a, b) in joins {
                self.union(a, b);
            }
        }
    }

    /// The final partition: cluster root → member records.
    pub fn clusters(&mut self) -> BTreeMap<usize, Vec<usize>> {
        self.members()
    }
}

/// A family and the words of a key.
type FamilyKey = (Option<Family>, Vec<String>);

/// Similarity of two keys: the larger of Jaro–Winkler and normalised Damerau–Levenshtein (Jaro–Winkler
/// alone undervalues a dropped letter in a short key), for keys of 6+ characters that are one edit apart (two
/// for long keys) — a typo — so that two different place names sharing a prefix never score.
#[must_use]
pub fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > 2 {
        return 0.0;
    }
    let edits = strsim::osa_distance(a, b);
    let shorter = la.min(lb);
    if shorter < 6 || edits > 2 || (edits == 2 && shorter < 14) {
        return 0.0;
    }
    strsim::jaro_winkler(a, b).max(strsim::normalized_damerau_levenshtein(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_score_and_near_names_do_not() {
        assert!(similarity("zattra verde", "zattera verde") > 0.9);
        assert!(similarity("ginstra gentile", "ginestra gentile") > 0.9);
        assert_eq!(similarity("borgoserena", "borgoverna"), 0.0);
        assert_eq!(similarity("colleolmeta", "colletremola"), 0.0);
    }

    #[test]
    fn a_typo_joins_its_organisation_within_a_project() {
        let mut r = Resolver::default();
        r.mention(
            "Associazione di Volontariato La Zattra Verde ODV",
            "P1",
            "",
            1,
        );
        r.mention(
            "Associazione di Volontariato La Zattera Verde ODV",
            "P1",
            "Organizzazione di volontariato",
            3,
        );
        r.mention("La Zattera Verde", "P1", "odv", 1);
        r.mention("La Zattera Verde", "P2", "odv", 1);
        r.mention("Comune di Borgoverna", "P1", "Comune", 1);
        r.mention("Comune di Borgoserena", "P1", "Comune", 1);
        r.seal_mentions();
        r.by_key();
        r.fuzzy(0.9);
        let a = r
            .find_raw("Associazione di Volontariato La Zattra Verde ODV")
            .unwrap();
        let b = r.find_raw("La Zattera Verde").unwrap();
        assert_eq!(r.root(a), r.root(b));
        let c = r.find_raw("Comune di Borgoverna").unwrap();
        let d = r.find_raw("Comune di Borgoserena").unwrap();
        assert_ne!(r.root(c), r.root(d));
    }
}
