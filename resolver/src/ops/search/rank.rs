//! Relevance of a catalog entry to a query: a pure function, so the order
//! of results is tested without an index.
//!
//! Every word of the query must occur somewhere (name, keywords,
//! categories or description); where it occurs sets the score: the whole
//! query as the exact name ranks first, then a name starting with a word,
//! a name containing it, a keyword, a category, the description.

use plugres_schema::CatalogEntry;

/// Points for where a word matched (the best place counts).
const EXACT_NAME: u32 = 1000;
const NAME_PREFIX: u32 = 100;
const NAME_PART: u32 = 60;
const KEYWORD: u32 = 40;
const KEYWORD_PART: u32 = 20;
const CATEGORY: u32 = 15;
const DESCRIPTION: u32 = 5;

/// The words of `query`, lowercased.
pub(crate) fn words(query: &str) -> Vec<String> {
    query.split_whitespace().map(str::to_lowercase).collect()
}

/// How well `e` matches `words` (all of them must match); `None` when one
/// does not. An empty query matches everything with 0.
pub(crate) fn relevance(e: &CatalogEntry, words: &[String]) -> Option<u32> {
    let name = e.name.as_str();
    let mut score = 0;
    if !words.is_empty() && words.join("-") == name {
        score += EXACT_NAME;
    }
    for w in words {
        score += word_score(e, name, w)?;
    }
    Some(score)
}

fn word_score(e: &CatalogEntry, name: &str, w: &str) -> Option<u32> {
    let lower = |s: &str| s.to_lowercase();
    let best = if name.starts_with(w) {
        NAME_PREFIX
    } else if name.contains(w) {
        NAME_PART
    } else if e.keywords.iter().any(|k| lower(k) == w) {
        KEYWORD
    } else if e.keywords.iter().any(|k| lower(k).contains(w)) {
        KEYWORD_PART
    } else if e.categories.iter().any(|c| lower(c).contains(w)) {
        CATEGORY
    } else if lower(&e.description).contains(w) {
        DESCRIPTION
    } else {
        return None;
    };
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        name: &str,
        description: &str,
        keywords: &[&str],
        categories: &[&str],
    ) -> CatalogEntry {
        CatalogEntry {
            name: plugres_schema::PluginName::new(name).unwrap(),
            description: description.into(),
            license: None,
            repository: None,
            homepage: None,
            authors: Vec::new(),
            support: None,
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            categories: categories.iter().map(|s| s.to_string()).collect(),
            deprecated: None,
            updated: None,
            engines: vec![],
            yanked: vec![],
            newest: None,
            newest_stable: None,
        }
    }

    #[test]
    fn exact_name_then_prefix_then_keyword_category_description() {
        let all = [
            entry("say-hello", "greets", &[], &[]),
            entry("hello", "greets", &[], &[]),
            entry("hello-world", "greets", &[], &[]),
            entry("greeter", "says hello", &[], &[]),
            entry("waver", "waves", &["hello"], &[]),
            entry("other", "nothing", &[], &["hello-things"]),
            entry("unrelated", "nothing", &[], &[]),
        ];
        let w = words("Hello");
        let mut ranked: Vec<(u32, &str)> = all
            .iter()
            .filter_map(|e| Some((relevance(e, &w)?, e.name.as_str())))
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let names: Vec<&str> = ranked.iter().map(|r| r.1).collect();
        assert_eq!(
            names,
            [
                "hello",
                "hello-world",
                "say-hello",
                "waver",
                "other",
                "greeter"
            ]
        );
    }

    #[test]
    fn every_word_must_match_and_an_empty_query_matches_all() {
        let e = entry("hello-world", "Greets the world", &["demo"], &[]);
        assert!(relevance(&e, &words("greets demo")).is_some());
        assert!(relevance(&e, &words("greets nothing")).is_none());
        assert_eq!(relevance(&e, &[]), Some(0));
        assert!(relevance(&e, &words("hello world")).unwrap() >= EXACT_NAME);
    }
}
