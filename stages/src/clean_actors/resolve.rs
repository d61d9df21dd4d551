//! Entity resolution: which raw spellings name the same organisation.
//!
//! Every distinct raw spelling is a record (a spelling whose words are all generic — "Parrocchia
//! San Giovanni Battista" — is one record per project: namesakes in two territories are two
//! bodies). Records are joined, in order of confidence: hand-confirmed aliases and the enti
//! gestori list (`alias`), equal normalised keys (`normalised`: legal forms, generic words and
//! office suffixes set aside), acronyms that spell a unique organisation of the same project
//! (`acronym`), names cut short by the survey tool (`truncated`), similar keys within one
//! project (`fuzzy`: one or two edits, or the same words in another order), and a short name
//! extended by one or two words (`extension`). Two records are never joined when their words or
//! type labels say they are different kinds of body, when they name different dictionary kinds
//! (an ASL and a hospital trust), when their numbers differ ("I.C. Torino 1" / "I.C. Torino
//! 11", "ASL TO3" / "ASL TO4"), or when `aliases.csv` says they are different.
//!
//! Every join carries a score on one scale, the resolver's confidence that the two spellings
//! name one body: 1 for exact and hand-confirmed links, 0.97 for equal keys, 0.9 for acronyms
//! and truncations, the similarity itself for fuzzy joins, 0.8 for extensions. Pairs it nearly
//! joined, and joins it made with least confidence, go to the review queue.
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use super::normalise::{key_initials, normalise, Family, Normalised, MODIFIERS};
use super::vecset::VecSet;
use crate::vocab;

/// One distinct raw spelling (in one project, for generic names) and what is known about it.
#[derive(Debug, Clone)]
pub struct Record {
    pub raw: String,
    /// The project a generic spelling belongs to; empty for every other record.
    pub scope: String,
    /// Shared with every record of the same spelling (one per scope) and the resolver's cache.
    pub norm: Arc<Normalised>,
    pub projects: VecSet<String>,
    /// Type code → weighted votes from the type labels next to this spelling, sorted by code.
    pub type_votes: Vec<(&'static str, u32)>,
    pub mentions: u32,
    /// Virtual records (alias targets, enti gestori) never appear in the data.
    pub virtual_: bool,
    /// Set for names from `enti_gestori.csv`.
    pub eg_type: Option<&'static str>,
    /// Territory of an ente gestore, folded.
    pub eg_territory: String,
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
                .max_by_key(|(code, n)| (*n, std::cmp::Reverse(*code)))?;
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
    Truncated,
    Fuzzy,
    Extension,
}

impl Method {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Alias => "alias",
            Method::Normalised => "normalised",
            Method::Acronym => "acronym",
            Method::Truncated => "truncated",
            Method::Fuzzy => "fuzzy",
            Method::Extension => "extension",
        }
    }

    /// Hand-confirmed links override kinds and numbers (never families or a "different").
    fn confirmed(self) -> bool {
        matches!(self, Method::Alias)
    }
}

/// Score of a join by equal normalised keys.
pub const SCORE_NORMALISED: f64 = 0.97;
/// Score of a join by acronym or bare dictionary kind, unique in the project.
pub const SCORE_ACRONYM: f64 = 0.9;
/// Score of a join of a name cut short by the survey tool.
pub const SCORE_TRUNCATED: f64 = 0.9;
/// Score of a join by extension (a short name, the one longer name of the project ending in it).
pub const SCORE_EXTENSION: f64 = 0.8;

/// A pair of records the resolver compared, joined or not, with its score.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub a: usize,
    pub b: usize,
    pub score: f64,
    pub method: Method,
}

/// The records of one raw spelling by scope ("" or a project), sorted by scope: almost always
/// one, so a sorted vector rather than a map (a map's node per spelling cost ~400 bytes).
#[derive(Debug, Default)]
struct Scopes(Vec<(String, usize)>);

impl Scopes {
    fn get(&self, scope: &str) -> Option<usize> {
        self.0
            .binary_search_by(|(s, _)| s.as_str().cmp(scope))
            .ok()
            .map(|k| self.0[k].1)
    }

    fn first(&self) -> Option<usize> {
        self.0.first().map(|(_, i)| *i)
    }

    fn insert(&mut self, scope: &str, i: usize) {
        match self.0.binary_search_by(|(s, _)| s.as_str().cmp(scope)) {
            Ok(k) => self.0[k].1 = i,
            Err(k) => self.0.insert(k, (scope.to_string(), i)),
        }
    }
}

/// The records and the partition being built over them.
#[derive(Debug, Default)]
pub struct Resolver {
    pub records: Vec<Record>,
    /// Raw spelling → scope ("" or a project) → record.
    index: BTreeMap<String, Scopes>,
    parent: Vec<usize>,
    families: Vec<VecSet<Family>>,
    kinds: Vec<VecSet<&'static str>>,
    numbers: Vec<VecSet<Vec<u32>>>,
    /// Records declared different from each record (`aliases.csv`, decision `different`).
    apart: BTreeMap<usize, BTreeSet<usize>>,
    /// How each record was joined (the first join that touched it).
    pub link: Vec<Option<(Method, f64)>>,
    /// Records reached through an alias or the enti gestori list.
    pub aliased: BTreeSet<usize>,
    /// Merges refused because the families, kinds or numbers disagreed (for the stage summary).
    pub refused: usize,
    /// Pairs compared: the review queue is built from them.
    pub candidates: Vec<Candidate>,
    /// Folded spelling → records (built by `seal_mentions`).
    folded: BTreeMap<String, Vec<usize>>,
    /// Acronym → records spelling it (built by `seal_mentions`).
    by_acronym_text: BTreeMap<String, Vec<usize>>,
    /// Members of each cluster, kept at its root (empty elsewhere).
    member_lists: Vec<Vec<usize>>,
    /// Normalised form of each distinct raw spelling.
    norm_cache: BTreeMap<String, Arc<Normalised>>,
    /// Type label → vocabulary code (labels repeat on every row; folding them is costly).
    label_cache: BTreeMap<String, Option<&'static str>>,
    /// Enti gestori: (record, folded acronym).
    egs: Vec<(usize, String)>,
}

impl Resolver {
    /// Adds a mention of `raw` in `project` with the type label next to it.
    pub fn mention(&mut self, raw: &str, project: &str, type_label: &str, weight: u32) {
        let scope = if self.norm(raw).generic {
            project.to_string()
        } else {
            String::new()
        };
        let i = self.record_in(raw, &scope, false);
        let code = match self.label_cache.get(type_label) {
            Some(code) => *code,
            None => {
                let code = vocab::from_label(type_label).map(|t| t.code);
                self.label_cache.insert(type_label.to_string(), code);
                code
            }
        };
        let r = &mut self.records[i];
        r.virtual_ = false;
        r.mentions += 1;
        if !r.projects.contains(project) {
            r.projects.insert(project.to_string());
        }
        if let Some(code) = code {
            match r.type_votes.binary_search_by(|(c, _)| c.cmp(&code)) {
                Ok(k) => r.type_votes[k].1 += weight,
                Err(k) => r.type_votes.insert(k, (code, weight)),
            }
        }
    }

    fn norm(&mut self, raw: &str) -> &Arc<Normalised> {
        if !self.norm_cache.contains_key(raw) {
            self.norm_cache
                .insert(raw.to_string(), Arc::new(normalise(raw)));
        }
        &self.norm_cache[raw]
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

    /// The record for `raw` (not scoped to a project), created if new.
    pub fn record(&mut self, raw: &str, virtual_: bool) -> usize {
        self.record_in(raw, "", virtual_)
    }

    fn record_in(&mut self, raw: &str, scope: &str, virtual_: bool) -> usize {
        if let Some(i) = self.index.get(raw).and_then(|m| m.get(scope)) {
            return i;
        }
        let norm = self.norm(raw).clone();
        let i = self.records.len();
        self.families.push(norm.family.into_iter().collect());
        self.kinds.push(norm.kind.into_iter().collect());
        self.numbers
            .push(std::iter::once(sorted(&norm.numbers)).collect());
        self.records.push(Record {
            raw: raw.to_string(),
            scope: scope.to_string(),
            norm,
            projects: VecSet::default(),
            type_votes: Vec::new(),
            mentions: 0,
            virtual_,
            eg_type: None,
            eg_territory: String::new(),
            alias_target: false,
        });
        self.parent.push(i);
        self.member_lists.push(vec![i]);
        self.link.push(None);
        self.index
            .entry(raw.to_string())
            .or_default()
            .insert(scope, i);
        i
    }

    /// Frees what only building the records needed (the normalised-spelling and label caches).
    pub fn release_caches(&mut self) {
        self.norm_cache = BTreeMap::new();
        self.label_cache = BTreeMap::new();
    }

    /// The record of a raw spelling cited in `project`, if any.
    #[must_use]
    pub fn find(&self, raw: &str, project: &str) -> Option<usize> {
        let scopes = self.index.get(raw)?;
        scopes.get("").or_else(|| scopes.get(project))
    }

    /// The record of a raw spelling, if any (first scope).
    #[must_use]
    pub fn find_raw(&self, raw: &str) -> Option<usize> {
        self.index.get(raw)?.first()
    }

    /// The cluster representative.
    pub fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// Why the clusters of `a` and `b` may not be one body, if they may not.
    pub fn conflict(&mut self, a: usize, b: usize, confirmed: bool) -> Option<String> {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return None;
        }
        let (fa, fb) = (&self.families[ra], &self.families[rb]);
        if !fa
            .iter()
            .all(|x| fb.iter().all(|y| Family::compatible(Some(*x), Some(*y))))
        {
            return Some(format!(
                "different kinds of body ({} / {})",
                fam(fa),
                fam(fb)
            ));
        }
        let (small, large) = if self.member_lists[ra].len() <= self.member_lists[rb].len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        for m in &self.member_lists[small] {
            if let Some(others) = self.apart.get(m) {
                for &o in others {
                    let mut x = o;
                    while self.parent[x] != x {
                        x = self.parent[x];
                    }
                    if x == large {
                        return Some("declared different in aliases.csv".to_string());
                    }
                }
            }
        }
        if confirmed {
            return None;
        }
        let (ka, kb) = (&self.kinds[ra], &self.kinds[rb]);
        if !(ka.is_subset(kb) || kb.is_subset(ka)) {
            return Some(format!(
                "different bodies ({} / {})",
                join(ka.iter().copied()),
                join(kb.iter().copied())
            ));
        }
        let (na, nb) = (&self.numbers[ra], &self.numbers[rb]);
        if !(na.is_subset(nb) || nb.is_subset(na)) {
            let show = |s: &VecSet<Vec<u32>>| {
                join(s.iter().map(|v| {
                    if v.is_empty() {
                        "none".to_string()
                    } else {
                        v.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")
                    }
                }))
            };
            return Some(format!("numbers differ ({} / {})", show(na), show(nb)));
        }
        None
    }

    /// Joins the clusters of `a` and `b` unless they conflict; records how.
    pub fn union(&mut self, a: usize, b: usize, method: Method, score: f64) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return true;
        }
        if self.conflict(ra, rb, method.confirmed()).is_some() {
            self.refused += 1;
            return false;
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[gone] = keep;
        let moved = std::mem::take(&mut self.families[gone]);
        self.families[keep].extend(moved);
        let moved = std::mem::take(&mut self.kinds[gone]);
        self.kinds[keep].extend(moved);
        let moved = std::mem::take(&mut self.numbers[gone]);
        self.numbers[keep].extend(moved);
        let moved = std::mem::take(&mut self.member_lists[gone]);
        self.member_lists[keep].extend(moved);
        for r in [a, b] {
            if self.link[r].is_none() {
                self.link[r] = Some((method, score));
            }
        }
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
            if self.union(t, c, Method::Alias, 1.0) {
                self.aliased.insert(t);
            }
        }
    }

    /// Declares two spellings different bodies: no rule will join them.
    pub fn different(&mut self, a: &str, b: &str) {
        let xs = self
            .folded
            .get(&vocab::fold_label(a))
            .cloned()
            .unwrap_or_default();
        let ys = self
            .folded
            .get(&vocab::fold_label(b))
            .cloned()
            .unwrap_or_default();
        for &x in &xs {
            for &y in &ys {
                self.apart.entry(x).or_default().insert(y);
                self.apart.entry(y).or_default().insert(x);
            }
        }
    }

    /// Adds an ente gestore from the list (linked to the data by `link_enti_gestori`).
    pub fn ente_gestore(
        &mut self,
        name: &str,
        acronym: &str,
        type_code: &'static str,
        territory: &str,
    ) {
        let e = self.record(name, true);
        self.records[e].eg_type = Some(type_code);
        self.records[e].eg_territory = vocab::fold_label(territory);
        if let Some(f) = Family::of_type(type_code) {
            let r = self.root(e);
            self.families[r].insert(f);
        }
        self.egs.push((e, vocab::fold_label(acronym)));
    }

    /// Links the records that spell an ente gestore's acronym — alone, or followed by a place
    /// of its territory ("CISS Pinerolo") — to it. An acronym several enti gestori share is
    /// linked only where the place or the project says which.
    pub fn link_enti_gestori(&mut self) {
        // Acronym → enti gestori; `true` when the acronym is only the first word of theirs.
        let mut by_acr: BTreeMap<String, Vec<(usize, bool)>> = BTreeMap::new();
        for (e, acr) in &self.egs {
            let full = acr.replace(' ', "");
            if !full.is_empty() {
                by_acr.entry(full.clone()).or_default().push((*e, false));
                // "CISA 12", "CISA Asti Sud": also called "CISA" where the project says which.
                let first: String = acr
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take_while(char::is_ascii_alphabetic)
                    .collect();
                if first.len() >= 3 && first != full {
                    by_acr.entry(first).or_default().push((*e, true));
                }
            }
        }
        for egs in by_acr.values_mut() {
            egs.sort_unstable();
            egs.dedup_by_key(|x| x.0);
        }
        for i in 0..self.records.len() {
            if self.records[i].virtual_ {
                continue;
            }
            let tokens = self.records[i].norm.tokens.clone();
            let joined: Vec<(String, usize)> = (1..=tokens.len().min(2))
                .map(|n| (tokens[..n].concat(), n))
                .collect();
            for (head, used) in joined {
                let Some(egs) = by_acr.get(&head) else {
                    continue;
                };
                let partial = egs.iter().all(|(_, p)| *p);
                let rest: Vec<&String> = tokens[used..].iter().collect();
                let matching: Vec<usize> = egs
                    .iter()
                    .map(|(e, _)| *e)
                    .filter(|&e| {
                        rest.iter().all(|t| {
                            let eg = &self.records[e];
                            let words: Vec<&str> = eg
                                .norm
                                .key
                                .split(' ')
                                .chain(eg.eg_territory.split(' '))
                                .collect();
                            words.iter().any(|w| {
                                w == &t.as_str()
                                    || (t.len() >= 5
                                        && w.len() >= 5
                                        && w.chars().take(6).eq(t.chars().take(6)))
                            })
                        })
                    })
                    .collect();
                if matching.len() == 1 && !(partial && rest.is_empty()) {
                    if self.union(i, matching[0], Method::Alias, 1.0) {
                        self.aliased.insert(i);
                    }
                    break;
                }
                if !matching.is_empty() && rest.is_empty() {
                    // Shared acronym: the ente gestore already present in the record's project.
                    let projects = self.records[i].projects.clone();
                    let mut present = BTreeSet::new();
                    for &e in &matching {
                        let root = self.root(e);
                        let members = self.member_lists[root].clone();
                        if members
                            .iter()
                            .any(|&m| m != i && !self.records[m].projects.is_disjoint(&projects))
                        {
                            present.insert(e);
                        }
                    }
                    if present.len() == 1 {
                        let e = *present.iter().next().expect("one");
                        if self.union(i, e, Method::Acronym, SCORE_ACRONYM) {
                            self.aliased.insert(i);
                        }
                    }
                    break;
                }
            }
        }
    }

    /// Joins records with the same normalised key (spaces aside) and compatible families.
    pub fn by_key(&mut self) {
        let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for (i, r) in self.records.iter().enumerate() {
            if r.norm
                .key
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .count()
                >= 2
                && r.norm.acronym.is_none()
            {
                let compact: String = r.norm.key.chars().filter(|c| *c != ' ').collect();
                groups
                    .entry((compact, r.scope.clone()))
                    .or_default()
                    .push(i);
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
                match partner {
                    Some(a) => {
                        if !self.union(a, b, Method::Normalised, SCORE_NORMALISED) {
                            self.candidates.push(Candidate {
                                a,
                                b,
                                score: SCORE_NORMALISED,
                                method: Method::Normalised,
                            });
                        }
                    }
                    None => self.candidates.push(Candidate {
                        a: sorted[0],
                        b,
                        score: SCORE_NORMALISED,
                        method: Method::Normalised,
                    }),
                }
            }
        }
    }

    /// Joins a long name cut short by the survey tool (40+ characters) to the one longer
    /// spelling it begins.
    pub fn truncated(&mut self) {
        let folded: Vec<(String, usize)> = self
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.virtual_ || r.eg_type.is_some())
            .map(|(i, r)| (vocab::fold_label(&r.raw), i))
            .collect();
        let sorted: BTreeMap<&str, Vec<usize>> =
            folded.iter().fold(BTreeMap::new(), |mut m, (f, i)| {
                m.entry(f.as_str()).or_default().push(*i);
                m
            });
        let mut joins = Vec::new();
        for (f, i) in &folded {
            if f.chars().count() < 40 {
                continue;
            }
            // The last word may itself be cut: keep what precedes it as the prefix.
            let prefix = f.rsplit_once(' ').map_or(f.as_str(), |(p, _)| p);
            let last = f.rsplit_once(' ').map_or("", |(_, l)| l);
            let mut found = BTreeSet::new();
            for (other, ids) in sorted.range(prefix..) {
                if !other.starts_with(prefix) {
                    break;
                }
                if other == f || other.len() <= f.len() {
                    continue;
                }
                let next_word = other[prefix.len()..]
                    .trim_start()
                    .split(' ')
                    .next()
                    .unwrap_or("");
                if next_word.starts_with(last) {
                    found.extend(ids.iter().copied());
                }
            }
            let mut roots: BTreeMap<usize, usize> =
                found.iter().map(|&o| (self.root(o), o)).collect();
            if roots.len() > 1 {
                // Several bodies begin so: the one present in the record's project.
                let projects = self.records[*i].projects.clone();
                let keep: Vec<usize> = roots
                    .keys()
                    .copied()
                    .filter(|&r| {
                        self.member_lists[r]
                            .iter()
                            .any(|&m| m != *i && !self.records[m].projects.is_disjoint(&projects))
                    })
                    .collect();
                roots.retain(|r, _| keep.contains(r));
            }
            if roots.len() == 1 {
                joins.push((*i, *roots.values().next().expect("one")));
            }
        }
        for (a, b) in joins {
            if !self.union(a, b, Method::Truncated, SCORE_TRUNCATED) {
                self.candidates.push(Candidate {
                    a,
                    b,
                    score: SCORE_TRUNCATED,
                    method: Method::Truncated,
                });
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

    /// Acronyms that spell exactly one organisation of the same project, and bare dictionary
    /// kinds ("ASL", "CRI") naming the one body of that kind in the project.
    pub fn by_acronym(&mut self) {
        let by_project = self.clusters_by_project();
        let members = self.members();
        for i in 0..self.records.len() {
            let bare_kind = self.records[i].norm.kind.filter(|k| {
                self.records[i].norm.key == *k && self.records[i].norm.numbers.is_empty()
            });
            let acr = self.records[i].norm.acronym.clone();
            if acr.is_none() && bare_kind.is_none() {
                continue;
            }
            let own = self.root(i);
            if members[&own].iter().any(|&m| {
                self.records[m].norm.acronym.is_none()
                    && self.records[m].norm.key != self.records[i].norm.key
            }) {
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
                        let rec = &self.records[m];
                        if let Some(kind) = bare_kind {
                            if rec.norm.kind == Some(kind) && rec.norm.key != kind {
                                exact.insert(c);
                            }
                            continue;
                        }
                        let acr = acr.as_deref().unwrap_or_default();
                        let ini = key_initials(&rec.norm.key);
                        let all: String = rec
                            .norm
                            .tokens
                            .iter()
                            .filter_map(|t| t.chars().next())
                            .collect();
                        if (all.len() >= 3 && all == acr)
                            || (acr.len() >= 3 && rec.norm.tokens.first().is_some_and(|t| t == acr))
                        {
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
                self.union(i, c, Method::Acronym, SCORE_ACRONYM);
            }
        }
    }

    /// Joins similar keys within each project.
    pub fn fuzzy(&mut self, threshold: f64, review_from: f64) {
        let by_project = self.clusters_by_project();
        for clusters in by_project.into_values() {
            let (members, list) = self.current(clusters);
            // Distinct spelled-out keys per cluster, with a record spelling each.
            let keys: Vec<BTreeMap<&str, usize>> = list
                .iter()
                .map(|c| {
                    members[c]
                        .iter()
                        .filter(|&&m| self.records[m].norm.acronym.is_none())
                        .map(|&m| (self.records[m].norm.key.as_str(), m))
                        .collect()
                })
                .collect();
            let mut best: Vec<(f64, usize, usize)> = Vec::new();
            for x in 0..list.len() {
                for y in x + 1..list.len() {
                    let mut top: Option<(f64, usize, usize)> = None;
                    for (ka, &ra) in &keys[x] {
                        for (kb, &rb) in &keys[y] {
                            let s = similarity(ka, kb);
                            if top.is_none_or(|t| s > t.0) {
                                top = Some((s, ra, rb));
                            }
                        }
                    }
                    if let Some(t) = top.filter(|t| t.0 >= review_from) {
                        best.push(t);
                    }
                }
            }
            best.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
            for (score, a, b) in best {
                if score < threshold || !self.union(a, b, Method::Fuzzy, score) {
                    self.candidates.push(Candidate {
                        a,
                        b,
                        score,
                        method: Method::Fuzzy,
                    });
                }
            }
        }
    }

    /// Joins a short name to the one organisation of the same family and project whose key
    /// holds all its words and one to three more ("Parrocchia di Borgoverna" → "Parrocchia San
    /// Grato di Borgoverna", "Fondazione Ferrero" → "Fondazione Piera, Pietro e Giovanni
    /// Ferrero"); a generic name ("Croce Verde", "Pro Loco") joins the one body of its project
    /// that its words begin. Never through a number or a word such as "Alta" or "Sud" that
    /// makes another body of the same name.
    pub fn by_extension(&mut self) {
        let by_project = self.clusters_by_project();
        // Records scoped to one project (generic names), by project.
        let mut scoped: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (m, r) in self.records.iter().enumerate() {
            if !r.scope.is_empty() && r.norm.acronym.is_none() {
                scoped.entry(r.scope.clone()).or_default().push(m);
            }
        }
        // The unscoped keys of a cluster, by (root, size): a cluster only grows by unions, so
        // the pair names its state; an organisation named in many projects is split once.
        let mut unscoped: BTreeMap<(usize, usize), Rc<Vec<WordKey>>> = BTreeMap::new();
        for (project, clusters) in by_project {
            let list: Vec<usize> = clusters
                .into_iter()
                .map(|c| self.root(c))
                .collect::<BTreeSet<usize>>()
                .into_iter()
                .collect();
            let mut local: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for &m in scoped.get(&project).map_or(&[][..], Vec::as_slice) {
                let root = self.root(m);
                local.entry(root).or_default().push(m);
            }
            let word_key = |m: usize| -> WordKey {
                let words: Vec<String> = self.records[m]
                    .norm
                    .key
                    .split(' ')
                    .map(str::to_string)
                    .collect();
                let set = words.iter().cloned().collect();
                (self.records[m].family(), words, m, set)
            };
            let mut all_keys: BTreeMap<usize, Vec<WordKey>> = BTreeMap::new();
            for &c in &list {
                let state = (c, self.member_lists[c].len());
                let global = Rc::clone(unscoped.entry(state).or_insert_with(|| {
                    Rc::new(
                        self.member_lists[c]
                            .iter()
                            .filter(|&&m| {
                                self.records[m].norm.acronym.is_none()
                                    && self.records[m].scope.is_empty()
                            })
                            .map(|&m| word_key(m))
                            .collect(),
                    )
                }));
                let mut keys: Vec<WordKey> = global.as_ref().clone();
                keys.extend(local.get(&c).into_iter().flatten().map(|&m| word_key(m)));
                // The order of a set of (family, words, record): the first fitting key wins.
                keys.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
                keys.dedup_by(|a, b| a.2 == b.2);
                all_keys.insert(c, keys);
            }
            let none = BTreeSet::new();
            let mut joins = Vec::new();
            for &short in &list {
                let mut found: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
                for (fam, words, m, word_set) in &all_keys[&short] {
                    let norm = &self.records[*m].norm;
                    let generic = norm.generic;
                    let letters = words.iter().map(String::len).sum::<usize>();
                    let long_enough = letters >= 6 || (norm.kind.is_some() && letters >= 4);
                    if !(generic || (fam.is_some() && long_enough))
                        || (norm.bare && fam.is_none())
                        || *fam == Some(Family::Firm)
                    {
                        continue;
                    }
                    let small: &BTreeSet<String> = if norm.bare { &none } else { word_set };
                    for &long in &list {
                        if long == short {
                            continue;
                        }
                        let short_kind = self.records[*m].norm.kind;
                        let hit = all_keys[&long].iter().find(|(f, _, lm, big)| {
                            if short_kind.is_some() && self.records[*lm].norm.kind != short_kind {
                                return false;
                            }
                            if !(*f == *fam || (fam.is_none() && !norm.bare))
                                || !small.is_subset(big)
                            {
                                return false;
                            }
                            let extra: Vec<&String> = big.difference(small).collect();
                            (1..=3).contains(&extra.len())
                                && extra.iter().all(|x| {
                                    !MODIFIERS.contains(&x.as_str())
                                        && !x.bytes().any(|b| b.is_ascii_digit())
                                })
                        });
                        if let Some((_, _, lm, _)) = hit {
                            found.insert(long, (*m, *lm));
                        }
                    }
                }
                let found: BTreeMap<usize, (usize, usize)> = found
                    .into_iter()
                    .filter(|(_, (a, b))| self.conflict(*a, *b, false).is_none())
                    .collect();
                if found.len() == 1 {
                    let (a, b) = *found.values().next().expect("one");
                    joins.push((a, b));
                } else {
                    for (a, b) in found.into_values() {
                        self.candidates.push(Candidate {
                            a,
                            b,
                            score: SCORE_EXTENSION - 0.05,
                            method: Method::Extension,
                        });
                    }
                }
            }
            for (a, b) in joins {
                if !self.union(a, b, Method::Extension, SCORE_EXTENSION) {
                    self.candidates.push(Candidate {
                        a,
                        b,
                        score: SCORE_EXTENSION,
                        method: Method::Extension,
                    });
                }
            }
        }
    }

    /// Within a project, joins the spellings of a numbered body of a kind whose number is its
    /// name in the territory ("CPIA 1" and "CPIA 1 Torino"; "Circoscrizione 3" and "Servizi
    /// Sociali Circoscrizione 3"): the bare spelling joins every other one with the same number,
    /// others join when one's words hold the other's.
    pub fn by_kind_number(&mut self) {
        const NUMBERED: &[&str] = &["asl", "circoscrizione", "cpia", "cd"];
        let by_project = self.clusters_by_project();
        for clusters in by_project.into_values() {
            let (members, list) = self.current(clusters);
            let mut groups: BTreeMap<(&'static str, Vec<u32>), Vec<NumberedSpelling>> =
                BTreeMap::new();
            for &c in &list {
                for &m in &members[&c] {
                    let n = &self.records[m].norm;
                    let Some(kind) = n.kind.filter(|k| NUMBERED.contains(k)) else {
                        continue;
                    };
                    if n.numbers.is_empty() {
                        continue;
                    }
                    let words: BTreeSet<String> = n
                        .key
                        .split(' ')
                        .filter(|t| !t.bytes().all(|b| b.is_ascii_digit()) && *t != kind)
                        .map(str::to_string)
                        .collect();
                    groups
                        .entry((kind, sorted(&n.numbers)))
                        .or_default()
                        .push((m, words));
                }
            }
            for entries in groups.into_values() {
                if let Some((bare, _)) = entries.iter().find(|(_, w)| w.is_empty()) {
                    let bare = *bare;
                    for (m, _) in &entries {
                        self.union(bare, *m, Method::Acronym, SCORE_ACRONYM);
                    }
                } else {
                    for (i, (a, wa)) in entries.iter().enumerate() {
                        for (b, wb) in &entries[i + 1..] {
                            if wa.is_subset(wb) || wb.is_subset(wa) {
                                self.union(*a, *b, Method::Extension, SCORE_EXTENSION);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The final partition: cluster root → member records.
    pub fn clusters(&mut self) -> BTreeMap<usize, Vec<usize>> {
        self.members()
    }
}

pub(crate) fn sorted(v: &[u32]) -> Vec<u32> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

fn join<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    let v: Vec<String> = items.map(|s| s.as_ref().to_string()).collect();
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

fn fam(f: &VecSet<Family>) -> String {
    join(f.iter().map(|x| format!("{x:?}").to_lowercase()))
}

/// A record of a numbered kind and the words of its key besides the number.
type NumberedSpelling = (usize, BTreeSet<String>);

/// A family, the words of a key, and the record spelling it.
/// A spelling's family, key words in order, record and key words as a set.
type WordKey = (Option<Family>, Vec<String>, usize, BTreeSet<String>);

/// Similarity of two keys in [0, 1]: for keys that are one edit apart (two for long keys) — a
/// typo — the larger of Jaro–Winkler and normalised Damerau–Levenshtein (Jaro–Winkler alone
/// undervalues a dropped letter in a short key); the same words in another order, or the same
/// letters spaced differently, score 0.95. Two different place names sharing a prefix score 0.
#[must_use]
pub fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let compact = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
    if compact(a) == compact(b) {
        return 0.95;
    }
    let sort = |s: &str| {
        let mut w: Vec<&str> = s.split(' ').collect();
        w.sort_unstable();
        w.join(" ")
    };
    let (sa, sb) = (sort(a), sort(b));
    if sa == sb {
        return 0.95;
    }
    if abbreviates(a, b) {
        return 0.92;
    }
    // A banking foundation's acronym and its town: "crc" / "crcuneo".
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    if short.len() == 3
        && short.starts_with("cr")
        && long.len() > 6
        && long.starts_with(short)
        && !long.contains(' ')
    {
        return 0.9;
    }
    edit_similarity(a, b).max(edit_similarity(&sa, &sb))
}

/// The same words, some cut short: "tip ferraris" / "tipografia ferraris", "val susa" /
/// "valle susa", "avig" / "avigliana" (a name cut by the survey tool). A cut word keeps at least
/// three letters (four at the end, where towns are).
fn abbreviates(a: &str, b: &str) -> bool {
    let (ta, tb): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    if ta.len() != tb.len() || ta.len() < 2 {
        return false;
    }
    let last = ta.len() - 1;
    let mut cut = 0;
    for (i, (x, y)) in ta.iter().zip(&tb).enumerate() {
        if x == y {
            continue;
        }
        let (short, long) = if x.len() < y.len() { (x, y) } else { (y, x) };
        let min = if i == last { 4 } else { 3 };
        if short.len() < min
            || !long.starts_with(short)
            || short.bytes().any(|b| b.is_ascii_digit())
        {
            return false;
        }
        cut += 1;
    }
    cut > 0 && cut < ta.len()
}

fn edit_similarity(a: &str, b: &str) -> f64 {
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
        r.fuzzy(0.9, 0.75);
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
