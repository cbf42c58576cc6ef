//! [`Dependencies`]: what one published version requires, by name.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use semver::VersionReq;

use crate::name::PluginName;

/// A version's dependencies, in name order, each name once.
///
/// A sorted list rather than a `BTreeMap`: a map's first entry allocates a
/// node with room for eleven, and a large lock holds ten thousand versions
/// of one to three dependencies each, so those nodes were the largest part
/// of its memory (README "Benchmarks"). Lookups search the sorted names.
/// The list is shared ([`Dependencies::shared`]): the resolver's view of a
/// version holds the same one, not a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependencies(Arc<[(PluginName, VersionReq)]>);

/// The one empty list every version without dependencies shares.
static NONE: LazyLock<Arc<[(PluginName, VersionReq)]>> = LazyLock::new(|| Arc::from([]));

impl Default for Dependencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Dependencies {
    pub fn new() -> Self {
        Dependencies(NONE.clone())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each name and its requirement, in name order.
    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&PluginName, &VersionReq)> + ExactSizeIterator + Clone
    {
        self.0.iter().map(|(n, r)| (n, r))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &PluginName> + ExactSizeIterator + Clone {
        self.0.iter().map(|(n, _)| n)
    }

    /// The requirement on `name`, if this version depends on it.
    pub fn get<Q>(&self, name: &Q) -> Option<&VersionReq>
    where
        PluginName: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(name).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key<Q>(&self, name: &Q) -> bool
    where
        PluginName: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(name).is_ok()
    }

    /// Sets the requirement on `name`, returning the one it replaces. The
    /// list is copied: build a long one by collecting instead.
    pub fn insert(&mut self, name: PluginName, req: VersionReq) -> Option<VersionReq> {
        let mut list = self.0.to_vec();
        let replaced = match self.find(name.as_str()) {
            Ok(i) => Some(std::mem::replace(&mut list[i].1, req)),
            Err(i) => {
                list.insert(i, (name, req));
                None
            }
        };
        self.0 = Arc::from(list);
        replaced
    }

    /// The list itself, in name order: held, not copied.
    pub fn shared(&self) -> Arc<[(PluginName, VersionReq)]> {
        self.0.clone()
    }

    /// `list` when it is in name order with each name once.
    pub(crate) fn from_sorted(list: Vec<(PluginName, VersionReq)>) -> Option<Self> {
        list.is_sorted_by(|a, b| a.0 < b.0).then(|| Self::of(list))
    }

    /// `list` (sorted, each name once) as the shared form; an empty one is
    /// [`NONE`], so most versions' lists cost no allocation.
    fn of(list: Vec<(PluginName, VersionReq)>) -> Self {
        match list.is_empty() {
            true => Self::new(),
            false => Dependencies(Arc::from(list)),
        }
    }

    /// The same requirements as a map, for the types that keep one.
    pub fn to_map(&self) -> BTreeMap<PluginName, VersionReq> {
        self.0.iter().cloned().collect()
    }

    fn find<Q>(&self, name: &Q) -> Result<usize, usize>
    where
        PluginName: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.binary_search_by(|(n, _)| n.borrow().cmp(name))
    }
}

/// Like a map's: a name given twice keeps its last requirement.
impl FromIterator<(PluginName, VersionReq)> for Dependencies {
    fn from_iter<I: IntoIterator<Item = (PluginName, VersionReq)>>(items: I) -> Self {
        let mut list: Vec<_> = items.into_iter().collect();
        if !list.is_sorted_by(|a, b| a.0 < b.0) {
            // Stable: of equal names, the last given comes last.
            list.sort_by(|a, b| a.0.cmp(&b.0));
            list.reverse();
            list.dedup_by(|later, earlier| later.0 == earlier.0);
            list.reverse();
        }
        Self::of(list)
    }
}

impl From<BTreeMap<PluginName, VersionReq>> for Dependencies {
    fn from(map: BTreeMap<PluginName, VersionReq>) -> Self {
        Self::of(map.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Dependencies {
    type Item = (&'a PluginName, &'a VersionReq);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (PluginName, VersionReq)>,
        fn(&'a (PluginName, VersionReq)) -> (&'a PluginName, &'a VersionReq),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(n, r)| (n, r))
    }
}

impl<Q> std::ops::Index<&Q> for Dependencies
where
    PluginName: Borrow<Q>,
    Q: Ord + ?Sized,
{
    type Output = VersionReq;

    fn index(&self, name: &Q) -> &VersionReq {
        self.get(name).expect("no dependency of that name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> PluginName {
        PluginName::new(s).unwrap()
    }

    fn req(s: &str) -> VersionReq {
        VersionReq::parse(s).unwrap()
    }

    #[test]
    fn collecting_keeps_name_order_and_the_last_of_a_name_given_twice() {
        let given = [
            ("zeta", "^1"),
            ("alpha", "^2"),
            ("zeta", "^3"),
            ("mid", "^4"),
        ]
        .map(|(n, r)| (name(n), req(r)));
        let deps: Dependencies = given.clone().into_iter().collect();
        let map: BTreeMap<PluginName, VersionReq> = given.into_iter().collect();
        assert!(deps.iter().eq(map.iter()));
        assert_eq!(deps.get(&name("zeta")), Some(&req("^3")));
        assert_eq!(deps.to_map(), map);
    }

    #[test]
    fn lookups_and_inserts_behave_like_a_map() {
        let mut deps = Dependencies::new();
        assert!(deps.is_empty());
        assert_eq!(deps.insert(name("b"), req("^1")), None);
        assert_eq!(deps.insert(name("a"), req("^2")), None);
        assert_eq!(deps.insert(name("c"), req("^3")), None);
        assert_eq!(deps.insert(name("b"), req("^4")), Some(req("^1")));
        assert_eq!(deps.len(), 3);
        assert_eq!(
            deps.keys().map(PluginName::as_str).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(deps.get(&name("b")), Some(&req("^4")));
        assert_eq!(deps[&name("c")], req("^3"));
        assert!(deps.contains_key(&name("a")));
        assert!(!deps.contains_key(&name("d")));
        assert_eq!(deps.get(&name("zz")), None);
    }
}
