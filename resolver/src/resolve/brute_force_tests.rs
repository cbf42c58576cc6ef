//! The resolver against a brute-force solver on small random indexes
//! (≤5 plugins × ≤4 versions), in the spirit of cargo's `resolver-tests`.
//!
//! Cases come from a seeded generator, so a failure names a seed and prints
//! the index; the loop is bounded to stay a few seconds in debug builds.

use std::collections::BTreeMap;
use std::sync::Arc;

use plugres_schema::PluginName;
use semver::{Version, VersionReq};

use super::{Candidate, CandidateSource, Request, ResolveError, SourceError, resolve};

const CASES: u64 = 1000;
const POOL: &[&str] = &[
    "0.1.0",
    "0.2.0",
    "1.0.0",
    "1.1.0",
    "1.2.0",
    "2.0.0-beta.1",
    "2.0.0",
];
const ENGINE_REQS: &[&str] = &["*", "*", "*", ">=1.0", "^1", ">=2", "<1.5"];
const ENGINES: &[&str] = &["1.0.0", "1.6.0", "2.0.0"];

/// xorshift64*: enough randomness for test cases, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[derive(Debug)]
struct Case {
    /// Plugin `p{i}` has `plugins[i]`; the name `ghost` is never in the index.
    plugins: Vec<Vec<Candidate>>,
    request: Request,
}

impl CandidateSource for Case {
    fn candidates(&self, name: &str) -> Result<Option<Arc<Vec<Candidate>>>, SourceError> {
        Ok(index_of(name)
            .and_then(|i| self.plugins.get(i))
            .map(|l| Arc::new(l.clone())))
    }
}

fn index_of(name: &str) -> Option<usize> {
    name.strip_prefix('p')?.parse().ok()
}

/// Mostly a requirement some version of the target meets, sometimes any.
fn requirement(rng: &mut Rng, plugins: &[Vec<Candidate>]) -> (String, VersionReq) {
    if rng.chance(4) {
        return ("ghost".to_owned(), VersionReq::STAR);
    }
    let target = rng.below(plugins.len());
    let version = match &plugins[target] {
        list if rng.chance(75) => list[rng.below(list.len())].version.to_string(),
        _ => rng.pick(POOL).to_owned(),
    };
    let op = if rng.chance(70) { "^" } else { "=" };
    let req = VersionReq::parse(&format!("{op}{version}")).expect("generated requirement parses");
    (format!("p{target}"), req)
}

fn generate(seed: u64) -> Case {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut plugins = Vec::new();
    for _ in 0..1 + rng.below(5) {
        let mut pool: Vec<&str> = POOL.to_vec();
        let mut versions = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let version = pool.remove(rng.below(pool.len()));
            versions.push(Candidate {
                version: Version::parse(version).expect("pool version parses"),
                engine: VersionReq::parse(rng.pick(ENGINE_REQS))
                    .expect("engine requirement parses"),
                dependencies: Arc::from([]),
                yanked: rng.chance(15).then(|| Some("bad".to_owned())),
                usable: rng.chance(90),
                unattested: false,
            });
        }
        plugins.push(versions);
    }
    for i in 0..plugins.len() {
        for v in 0..plugins[i].len() {
            let count = [0, 0, 0, 1, 1, 2][rng.below(6)];
            let dependencies = (0..count)
                .map(|_| requirement(&mut rng, &plugins))
                .map(|(n, r)| (PluginName::new(&n).expect("generated names are names"), r))
                .collect();
            plugins[i][v].dependencies = dependencies;
        }
    }
    let mut roots: Vec<(String, VersionReq)> = (0..1 + rng.below(3))
        .map(|_| requirement(&mut rng, &plugins))
        .collect();
    roots.sort_by(|a, b| a.0.cmp(&b.0));
    roots.dedup_by(|a, b| a.0 == b.0);
    let mut locked = BTreeMap::new();
    if rng.chance(30) {
        for (i, list) in plugins.iter().enumerate() {
            if rng.chance(50) {
                locked.insert(format!("p{i}"), list[rng.below(list.len())].version.clone());
            }
        }
    }
    let request = Request {
        engine_name: "demo-engine".to_owned(),
        engine_version: Version::parse(rng.pick(ENGINES)).expect("engine version parses"),
        roots,
        locked,
        allow_prerelease: false,
    };
    Case { plugins, request }
}

/// `assignment[i]`: the index of the chosen version of `p{i}`, if any.
type Assignment = Vec<Option<usize>>;

fn satisfied(case: &Case, assignment: &Assignment, name: &str, req: &VersionReq) -> bool {
    let chosen = index_of(name).and_then(|i| Some(&case.plugins.get(i)?[assignment[i]?]));
    chosen.is_some_and(|c| req.matches(&c.version))
}

/// Every requirement met, the engine fits, nothing unusable or wrongly yanked.
fn valid(case: &Case, assignment: &Assignment) -> bool {
    let request = &case.request;
    request
        .roots
        .iter()
        .all(|(name, req)| satisfied(case, assignment, name, req))
        && assignment.iter().enumerate().all(|(i, chosen)| {
            let Some(v) = chosen else { return true };
            let c = &case.plugins[i][*v];
            let locked = request.locked.get(&format!("p{i}")) == Some(&c.version);
            c.usable
                && (c.yanked.is_none() || locked)
                && c.engine.matches(&request.engine_version)
                && c.dependencies
                    .iter()
                    .all(|(name, req)| satisfied(case, assignment, name.as_str(), req))
        })
}

/// Every valid assignment (plugins may also be absent).
fn all_solutions(case: &Case) -> Vec<Assignment> {
    let mut found = Vec::new();
    let mut current: Assignment = vec![None; case.plugins.len()];
    fn walk(case: &Case, i: usize, current: &mut Assignment, found: &mut Vec<Assignment>) {
        if i == case.plugins.len() {
            if valid(case, current) {
                found.push(current.clone());
            }
            return;
        }
        for choice in std::iter::once(None).chain((0..case.plugins[i].len()).map(Some)) {
            current[i] = choice;
            walk(case, i + 1, current, found);
        }
    }
    walk(case, 0, &mut current, &mut found);
    found
}

#[test]
fn agrees_with_brute_force_on_small_indexes() {
    let mut solved = 0;
    for seed in 0..CASES {
        let case = generate(seed);
        let solutions = all_solutions(&case);
        match resolve(&case, &case.request) {
            Ok(resolution) => {
                solved += 1;
                let mut assignment: Assignment = vec![None; case.plugins.len()];
                for (name, version) in &resolution.packages {
                    let i = index_of(name)
                        .unwrap_or_else(|| panic!("seed {seed}: chose unknown `{name}`"));
                    let at = case.plugins[i].iter().position(|c| &c.version == version);
                    assignment[i] = Some(
                        at.unwrap_or_else(|| panic!("seed {seed}: invented `{name} {version}`")),
                    );
                }
                assert!(
                    valid(&case, &assignment),
                    "seed {seed}: invalid {:?}\n{case:#?}",
                    resolution.packages
                );
                // With one root and no lock, the root is decided right after
                // the (forced) engine, and PubGrub only rules out versions
                // that no solution can use: so it gets the highest possible.
                if let [(name, _)] = case.request.roots.as_slice()
                    && case.request.locked.is_empty()
                {
                    let i = index_of(name).expect("a solved root is a known plugin");
                    let best = solutions
                        .iter()
                        .filter_map(|s| Some(&case.plugins[i][s[i]?].version))
                        .max();
                    assert_eq!(
                        resolution.packages.get(name),
                        best,
                        "seed {seed}\n{case:#?}"
                    );
                }
            }
            Err(ResolveError::NoSolution { .. }) => {
                assert!(
                    solutions.is_empty(),
                    "seed {seed}: missed {:?}\n{case:#?}",
                    solutions[0]
                );
            }
            Err(other) => panic!("seed {seed}: {other}"),
        }
    }
    // The generator must produce both verdicts in fair numbers.
    assert!(
        (CASES / 5..CASES * 4 / 5).contains(&solved),
        "{solved} of {CASES} solvable"
    );
}
