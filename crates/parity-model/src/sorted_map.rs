//! A small map kept as one sorted vector: labels, selectors and ConfigMap entries.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;

/// A map from keys to values, kept sorted by key in one vector.
///
/// The model holds tens of thousands of tiny maps (a workload's 1–6 labels, a selector, a
/// ConfigMap's keys) for the whole run. A `BTreeMap` allocates a whole node (11 slots, ~550–900
/// bytes for `String` pairs) for even one entry: at 10,000 services that was ~20 MB of the peak
/// (docs/performance.md). This keeps exactly its entries, in key order, with the `BTreeMap`
/// methods the loaders and rules use; lookups are a binary search. `insert` shifts the tail, so a
/// map is *built* by collecting (`FromIterator`, `Extend`: one sort), never by inserting in a
/// loop: a ConfigMap of 200,000 keys in reverse order took 23 s that way, 0.5 s collected.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    /// The same text as a `BTreeMap` (`{"app": "web"}`), so debug output did not change.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The entry iterator: `(&K, &V)` pairs in key order, as `BTreeMap::iter` gives.
pub type SortedMapIter<'a, K, V> =
    std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

impl<K, V> SortedMap<K, V> {
    /// An empty map (allocates nothing).
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> SortedMapIter<'_, K, V> {
        self.0.iter().map(|(key, value)| (key, value))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.0.iter().map(|(key, _)| key)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.0.iter().map(|(_, value)| value)
    }

    /// The values in key order, to change in place.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.0.iter_mut().map(|(_, value)| value)
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.0.first().map(|(key, value)| (key, value))
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.0.last().map(|(key, value)| (key, value))
    }

    /// Releases spare capacity (a map filled by `insert` keeps room to grow).
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn position<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0
            .binary_search_by(|(probe, _)| probe.borrow().cmp(key))
    }

    /// The value for `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let index = self.position(key).ok()?;
        self.0.get(index).map(|(_, value)| value)
    }

    /// The stored key and value for `key`.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let index = self.position(key).ok()?;
        self.0.get(index).map(|(key, value)| (key, value))
    }

    /// The value for `key`, to change in place.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let index = self.position(key).ok()?;
        self.0.get_mut(index).map(|(_, value)| value)
    }

    /// Whether `key` has an entry.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.position(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaces, as `BTreeMap::insert` does (the
    /// stored key is kept).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(index) => self
                .0
                .get_mut(index)
                .map(|(_, old)| std::mem::replace(old, value)),
            Err(index) => {
                self.0.insert(index, (key, value));
                None
            }
        }
    }

    /// Removes `key`'s entry and returns its value.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let index = self.position(key).ok()?;
        Some(self.0.remove(index).1)
    }

    /// Keeps only the entries `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(key, value)| keep(key, value));
    }

    /// Sorts `entries` by key; of equal keys the last one wins, as inserting them in order would.
    fn from_unsorted(mut entries: Vec<(K, V)>) -> Self {
        // Stable: equal keys stay in input order, so keeping the last of each run is "last wins".
        entries.sort_by(|(a, _), (b, _)| a.cmp(b));
        let mut deduplicated: Vec<(K, V)> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match deduplicated.last_mut() {
                Some((last, last_value)) if *last == key => *last_value = value,
                _ => deduplicated.push((key, value)),
            }
        }
        deduplicated.shrink_to_fit();
        Self(deduplicated)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        Self::from_unsorted(entries.into_iter().collect())
    }
}

impl<K: Ord, V> Extend<(K, V)> for SortedMap<K, V> {
    /// One sort of the old and new entries together (new ones win), not an insert per entry.
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        let mut all = std::mem::take(&mut self.0);
        all.extend(entries);
        *self = Self::from_unsorted(all);
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SortedMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        Self::from_unsorted(Vec::from(entries))
    }
}

impl<K, V> From<BTreeMap<K, V>> for SortedMap<K, V> {
    fn from(map: BTreeMap<K, V>) -> Self {
        // Already sorted and unique.
        Self(map.into_iter().collect())
    }
}

impl<K: Ord, V> From<SortedMap<K, V>> for BTreeMap<K, V> {
    fn from(map: SortedMap<K, V>) -> Self {
        map.0.into_iter().collect()
    }
}

/// `map[key]`, as for a `BTreeMap`: panics when `key` has no entry (for tests; library code
/// uses [`SortedMap::get`]).
impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for SortedMap<K, V> {
    type Output = V;

    fn index(&self, key: &Q) -> &V {
        #[allow(clippy::expect_used)]
        self.get(key).expect("no entry for the key")
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = SortedMapIter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_keys_sorted_and_replaces_like_a_btreemap() {
        let mut map = SortedMap::new();
        assert_eq!(map.insert("tier".to_owned(), "web".to_owned()), None);
        assert_eq!(map.insert("app".to_owned(), "shop".to_owned()), None);
        assert_eq!(
            map.insert("tier".to_owned(), "api".to_owned()),
            Some("web".to_owned())
        );
        assert_eq!(map.keys().collect::<Vec<_>>(), ["app", "tier"]);
        assert_eq!(map.get("tier").map(String::as_str), Some("api"));
        assert!(map.contains_key("app"));
        assert!(!map.contains_key("zone"));
        assert_eq!(map.remove("app"), Some("shop".to_owned()));
        assert_eq!(map.len(), 1);
        assert_eq!(format!("{map:?}"), r#"{"tier": "api"}"#);
    }

    #[test]
    fn collecting_keeps_the_last_value_of_a_repeated_key() {
        let map: SortedMap<&str, u32> = [("b", 1), ("a", 2), ("b", 3)].into_iter().collect();
        assert_eq!(map.iter().collect::<Vec<_>>(), [(&"a", &2), (&"b", &3)]);
        let btree: BTreeMap<&str, u32> = [("b", 1), ("a", 2), ("b", 3)].into_iter().collect();
        assert_eq!(BTreeMap::from(map), btree);
    }

    #[test]
    fn iterates_and_compares_as_the_btreemap_it_came_from() {
        let btree = BTreeMap::from([("x", 1), ("c", 2), ("m", 3)]);
        let map = SortedMap::from(btree.clone());
        assert!(map.iter().eq(btree.iter()));
        assert_eq!(map, SortedMap::from([("m", 3), ("x", 1), ("c", 2)]));
        assert_eq!(map.first_key_value(), Some((&"c", &2)));
        assert_eq!(format!("{map:?}"), format!("{btree:?}"));
    }

    #[test]
    fn extending_sorts_once_and_the_new_value_of_a_key_wins() {
        let mut map = SortedMap::from([("b", 1), ("d", 2)]);
        map.extend([("c", 3), ("b", 4), ("a", 5)]);
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            [(&"a", &5), (&"b", &4), (&"c", &3), (&"d", &2)]
        );
        let mut btree = BTreeMap::from([("b", 1), ("d", 2)]);
        btree.extend([("c", 3), ("b", 4), ("a", 5)]);
        assert_eq!(BTreeMap::from(map), btree);
    }

    #[test]
    fn a_large_map_in_reverse_order_collects_sorted() {
        let map: SortedMap<u32, ()> = (0..100_000).rev().map(|key| (key, ())).collect();
        assert_eq!(map.len(), 100_000);
        assert!(map.keys().copied().eq(0..100_000));
    }
}
