//! [`VecSet`]: an ordered set kept as a sorted vector.
//!
//! The resolver holds several small sets per record (projects, families, kinds, numbers), almost
//! always of zero or one element. A `BTreeSet` allocates a whole B-tree node (~100–300 bytes) for
//! its first element; at hundreds of thousands of records that was the largest part of
//! `clean_actors`' memory. A sorted vector holds one element in one small allocation, iterates in
//! the same order as the `BTreeSet` it replaces, and is as fast at these sizes.
use std::borrow::Borrow;

/// An ordered set of distinct values, sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecSet<T>(Vec<T>);

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Ord> VecSet<T> {
    /// Adds `value`; `false` when it was already there.
    pub fn insert(&mut self, value: T) -> bool {
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(k) => {
                self.0.insert(k, value);
                true
            }
        }
    }

    /// Whether `value` is in the set.
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.binary_search_by(|x| x.borrow().cmp(value)).is_ok()
    }

    /// The values, ascending.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// Number of values.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every value of `self` is in `other`.
    #[must_use]
    pub fn is_subset(&self, other: &Self) -> bool {
        let mut rest = other.0.iter();
        self.0.iter().all(|x| rest.any(|y| y == x))
    }

    /// Whether the two sets have no value in common.
    #[must_use]
    pub fn is_disjoint(&self, other: &Self) -> bool {
        let (mut a, mut b) = (self.0.iter().peekable(), other.0.iter().peekable());
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            match x.cmp(y) {
                std::cmp::Ordering::Less => {
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    b.next();
                }
                std::cmp::Ordering::Equal => return false,
            }
        }
        true
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        self.0.extend(values);
        self.0.sort();
        self.0.dedup();
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let mut set = Self::default();
        set.extend(values);
        set
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::VecSet;

    /// Every operation against `BTreeSet` on all pairs of subsets of a small universe, built in
    /// scrambled insertion orders with repeats.
    #[test]
    fn behaves_as_btreeset() {
        let universe = [5u32, 1, 9, 3, 7];
        let subsets: Vec<Vec<u32>> = (0u32..32)
            .map(|mask| {
                let mut v: Vec<u32> = universe
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, x)| *x)
                    .collect();
                // Repeats and reversed order: insertion order must not matter.
                v.extend(v.clone().into_iter().rev());
                v
            })
            .collect();
        for a in &subsets {
            let (va, ba): (VecSet<u32>, BTreeSet<u32>) =
                (a.iter().copied().collect(), a.iter().copied().collect());
            assert_eq!(va.iter().collect::<Vec<_>>(), ba.iter().collect::<Vec<_>>());
            assert_eq!((va.len(), va.is_empty()), (ba.len(), ba.is_empty()));
            for x in 0..11 {
                assert_eq!(va.contains(&x), ba.contains(&x));
                let (mut vi, mut bi) = (va.clone(), ba.clone());
                assert_eq!(vi.insert(x), bi.insert(x));
                assert_eq!(
                    vi.into_iter().collect::<Vec<_>>(),
                    bi.into_iter().collect::<Vec<_>>()
                );
            }
            for b in &subsets {
                let (vb, bb): (VecSet<u32>, BTreeSet<u32>) =
                    (b.iter().copied().collect(), b.iter().copied().collect());
                assert_eq!(va.is_subset(&vb), ba.is_subset(&bb), "{a:?} ⊆ {b:?}");
                assert_eq!(va.is_disjoint(&vb), ba.is_disjoint(&bb), "{a:?} ∩ {b:?}");
                let (mut ve, mut be) = (va.clone(), ba.clone());
                ve.extend(vb.clone());
                be.extend(bb.clone());
                assert_eq!(ve.iter().collect::<Vec<_>>(), be.iter().collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn looks_up_strings_by_str() {
        let set: VecSet<String> = ["P02", "P01"].iter().map(|s| (*s).to_string()).collect();
        assert!(set.contains("P01") && !set.contains("P03"));
        assert_eq!(set.iter().next().map(String::as_str), Some("P01"));
    }
}
