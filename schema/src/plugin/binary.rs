//! A compact binary form of a validated [`PluginFile`], for the client's
//! verified-entry cache (README, "Verified-entry cache").
//!
//! Parsing TOML and checking two Ed25519 signatures per file dominated
//! every run that read many plugin files. Once a file verified and parsed,
//! its parsed form is kept in this encoding; decoding it costs a fraction
//! of either. The encoding is a cache format, not a contract: it carries a
//! [`FORMAT`] tag, and anything that does not decode to a valid plugin
//! file (a truncated, corrupt or older entry) decodes to `None`, which the
//! caller treats as a miss. Every field is re-validated by the same
//! constructors the TOML parser uses, so a decoded file is one the parser
//! could have produced.

use super::{Artifact, Dependencies, Permission, PluginFile, StoredFile, Target, VersionEntry};
use crate::{Channel, IndexPath, PluginName, Sha256, Version};

/// Tag that starts every encoding; bump it when the layout changes.
const FORMAT: &[u8; 8] = b"prvfile6";

/// The fewest bytes a version takes: three numbers, two empty strings
/// (prerelease, build), an engine requirement of no comparators, an empty
/// publication time, no permissions, the yanked flag, no reason, no
/// dependencies, no artifacts, empty settings, no readme or attestation,
/// and the span.
const VERSION_MIN_BYTES: usize = 24 + 8 + 5 + 4 + 4 + 1 + 1 + 4 + 4 + 4 + 1 + 1 + 16;
/// An operator, a major number, two absent numbers, an empty prerelease.
const COMPARATOR_MIN_BYTES: usize = 1 + 8 + 1 + 1 + 4;
/// A name and a requirement, both empty.
const DEPENDENCY_MIN_BYTES: usize = 4 + 1 + 4;
/// A target and a URL (empty at least), a digest and a size.
const ARTIFACT_MIN_BYTES: usize = 4 + 4 + 32 + 8;

impl PluginFile {
    /// This file in the binary form [`PluginFile::decode`] reads.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(256 + 160 * self.versions.len()));
        w.0.extend_from_slice(FORMAT);
        w.str(self.name.as_str());
        w.str(&self.description);
        w.opt(self.license.as_deref());
        w.opt(self.repository.as_deref());
        w.opt(self.homepage.as_deref());
        w.strs(self.authors.iter().map(String::as_str));
        w.opt(self.support.as_deref());
        w.strs(self.keywords.iter().map(String::as_str));
        w.strs(self.categories.iter().map(String::as_str));
        w.opt(self.deprecated.as_deref());
        w.len(self.channels.len());
        for (channel, version) in &self.channels {
            w.str(channel.as_str());
            w.str(&version.to_string());
        }
        w.len(self.versions.len());
        for v in &self.versions {
            w.version(v);
        }
        w.0
    }

    /// The file [`PluginFile::encode`] wrote, or `None` when `bytes` are
    /// not exactly such an encoding of a valid file.
    pub fn decode(bytes: &[u8]) -> Option<PluginFile> {
        let mut r = Reader(bytes.strip_prefix(FORMAT)?);
        let file = PluginFile {
            name: PluginName::new(r.str()?).ok()?,
            description: r.str()?.to_string(),
            license: r.opt()?,
            repository: r.opt()?,
            homepage: r.opt()?,
            authors: r.strs()?,
            support: r.opt()?,
            keywords: r.strs()?,
            categories: r.strs()?,
            deprecated: r.opt()?,
            channels: (0..r.len()?)
                .map(|_| {
                    let channel = Channel::new(r.str()?).ok()?;
                    let version = Version::parse(r.str()?).ok()?;
                    Some((channel, version))
                })
                .collect::<Option<_>>()?,
            versions: r.list(VERSION_MIN_BYTES, Reader::version)?,
        };
        let channels_ok = file
            .channels
            .iter()
            .all(|(c, v)| !c.is_latest() && file.get(v).is_some_and(|e| !e.yanked));
        (r.0.is_empty() && channels_ok).then_some(file)
    }
}

pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn len(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u32).to_le_bytes());
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    pub(crate) fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }

    pub(crate) fn strs<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a str>) {
        self.len(items.len());
        items.for_each(|s| self.str(s));
    }

    fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    /// A version as its numbers and identifiers: decoding then parses
    /// nothing but the (rare) prerelease and build text.
    fn semver(&mut self, v: &semver::Version) {
        self.u64(v.major);
        self.u64(v.minor);
        self.u64(v.patch);
        self.str(v.pre.as_str());
        self.str(v.build.as_str());
    }

    /// A requirement as its comparators, or as text (tag 1) when one has
    /// an operator this encoding does not know.
    fn req(&mut self, req: &semver::VersionReq) {
        let ops: Option<Vec<u8>> = req.comparators.iter().map(|c| op_code(c.op)).collect();
        let Some(ops) = ops else {
            self.0.push(1);
            self.str(&req.to_string());
            return;
        };
        self.0.push(0);
        self.len(req.comparators.len());
        for (c, op) in req.comparators.iter().zip(ops) {
            self.0.push(op);
            self.u64(c.major);
            self.opt_u64(c.minor);
            self.opt_u64(c.patch);
            self.str(c.pre.as_str());
        }
    }

    fn opt_u64(&mut self, n: Option<u64>) {
        match n {
            None => self.0.push(0),
            Some(n) => {
                self.0.push(1);
                self.u64(n);
            }
        }
    }

    fn stored(&mut self, file: Option<&StoredFile>) {
        match file {
            None => self.0.push(0),
            Some(r) => {
                self.0.push(1);
                self.str(r.path.as_str());
                self.0.extend_from_slice(r.sha256.as_bytes());
                self.u64(r.size);
            }
        }
    }

    fn version(&mut self, v: &VersionEntry) {
        self.semver(v.version.semver());
        self.req(&v.engine);
        self.str(&v.published);
        self.strs(v.permissions.iter().map(Permission::as_str));
        self.0.push(u8::from(v.yanked));
        self.opt(v.yank_reason.as_deref());
        self.len(v.dependencies.len());
        for (name, req) in &v.dependencies {
            self.str(name.as_str());
            self.req(req);
        }
        self.len(v.artifacts.len());
        for a in &v.artifacts {
            self.str(a.target.as_str());
            self.str(&a.url);
            self.0.extend_from_slice(a.sha256.as_bytes());
            self.u64(a.size);
        }
        self.str(&crate::settings::to_text(&v.settings));
        self.stored(v.readme.as_ref());
        self.stored(v.attestation.as_ref());
        self.u64(v.span.start as u64);
        self.u64(v.span.end as u64);
    }
}

pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    pub(crate) fn len(&mut self) -> Option<usize> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
        // Every item takes at least one byte: a count past what is left is
        // corrupt, and must not become a huge allocation.
        (n <= self.0.len()).then_some(n)
    }

    pub(crate) fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok()
    }

    pub(crate) fn flag(&mut self) -> Option<bool> {
        match self.take(1)? {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }

    pub(crate) fn opt(&mut self) -> Option<Option<String>> {
        Some(match self.flag()? {
            false => None,
            true => Some(self.str()?.to_string()),
        })
    }

    /// `n` items read by `item`, into a vector sized once: a collect
    /// through `Option` cannot know its length, and a thousand-version
    /// file then grew its vector a dozen times (README "Benchmarks").
    /// Room is given for at most as many items as the bytes left could
    /// hold at `min_bytes` each, so a corrupt count is no huge allocation.
    fn list<T>(
        &mut self,
        min_bytes: usize,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n.min(self.0.len() / min_bytes));
        for _ in 0..n {
            out.push(item(self)?);
        }
        Some(out)
    }

    pub(crate) fn strs(&mut self) -> Option<Vec<String>> {
        (0..self.len()?)
            .map(|_| self.str().map(str::to_string))
            .collect()
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn semver(&mut self) -> Option<semver::Version> {
        let (major, minor, patch) = (self.u64()?, self.u64()?, self.u64()?);
        Some(semver::Version {
            major,
            minor,
            patch,
            pre: prerelease(self.str()?)?,
            build: match self.str()? {
                "" => semver::BuildMetadata::EMPTY,
                b => semver::BuildMetadata::new(b).ok()?,
            },
        })
    }

    fn req(&mut self) -> Option<semver::VersionReq> {
        if self.flag()? {
            return semver::VersionReq::parse(self.str()?).ok();
        }
        let comparators = self.list(COMPARATOR_MIN_BYTES, Self::comparator)?;
        Some(semver::VersionReq { comparators })
    }

    fn comparator(&mut self) -> Option<semver::Comparator> {
        let op = op_of(self.take(1)?[0])?;
        let major = self.u64()?;
        let (minor, patch) = (self.opt_u64()?, self.opt_u64()?);
        // A form the parser never makes (`1.*.3`) is not ours.
        if patch.is_some() && minor.is_none() {
            return None;
        }
        let pre = prerelease(self.str()?)?;
        Some(semver::Comparator {
            op,
            major,
            minor,
            patch,
            pre,
        })
    }

    fn opt_u64(&mut self) -> Option<Option<u64>> {
        Some(match self.flag()? {
            false => None,
            true => Some(self.u64()?),
        })
    }

    fn version(&mut self) -> Option<VersionEntry> {
        let version = Version::from(self.semver()?);
        let engine = self.req()?;
        let published = self.str()?.to_string();
        let permissions = (0..self.len()?)
            .map(|_| Permission::new(self.str()?).ok())
            .collect::<Option<_>>()?;
        let yanked = self.flag()?;
        let yank_reason = self.opt()?;
        let dependencies = self.list(DEPENDENCY_MIN_BYTES, |r| {
            Some((PluginName::new(r.str()?).ok()?, r.req()?))
        })?;
        // Written in name order, each name once; anything else is not ours.
        let dependencies = Dependencies::from_sorted(dependencies)?;
        let artifacts = self.list(ARTIFACT_MIN_BYTES, Self::artifact)?;
        let settings = crate::settings::from_text(self.str()?)?;
        let readme = self.stored()?;
        let attestation = self.stored()?;
        let span = usize::try_from(self.u64()?).ok()?..usize::try_from(self.u64()?).ok()?;
        Some(VersionEntry {
            version,
            engine,
            published,
            permissions,
            yanked,
            yank_reason,
            dependencies,
            artifacts,
            settings,
            readme,
            attestation,
            span,
        })
    }

    /// `Some(None)`: no file; `None`: not a valid encoding.
    fn stored(&mut self) -> Option<Option<StoredFile>> {
        Some(match self.flag()? {
            false => None,
            true => Some(StoredFile {
                path: IndexPath::new(self.str()?).ok()?,
                sha256: Sha256::from_bytes(self.take(32)?.try_into().ok()?),
                size: self.u64()?,
            }),
        })
    }

    fn artifact(&mut self) -> Option<Artifact> {
        let target = Target::new(self.str()?).ok()?;
        let url = self.str()?.to_string();
        let sha256 = Sha256::from_bytes(self.take(32)?.try_into().ok()?);
        let size = self.u64()?;
        Some(Artifact {
            target,
            url,
            sha256,
            size,
        })
    }
}

fn prerelease(s: &str) -> Option<semver::Prerelease> {
    match s {
        "" => Some(semver::Prerelease::EMPTY),
        p => semver::Prerelease::new(p).ok(),
    }
}

const OPS: [semver::Op; 8] = [
    semver::Op::Exact,
    semver::Op::Greater,
    semver::Op::GreaterEq,
    semver::Op::Less,
    semver::Op::LessEq,
    semver::Op::Tilde,
    semver::Op::Caret,
    semver::Op::Wildcard,
];

fn op_code(op: semver::Op) -> Option<u8> {
    OPS.iter().position(|o| *o == op).map(|i| i as u8)
}

fn op_of(code: u8) -> Option<semver::Op> {
    OPS.get(usize::from(code)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
name = "hello-world"
description = "Greets the world"
license = "MIT"
authors = ["Jane Doe <jane@example.com>", "Acme Plugins"]
support = "https://example.com/hello/issues"
keywords = ["demo", "greeting"]
categories = ["utilities"]
deprecated = "use hello-universe"

[channels]
stable = "1.2.0"

[[version]]
version = "1.2.0"
engine = ">=1.4, <2"
published = 2026-11-21T10:00:00Z
permissions = ["network", "fs-read:/data"]
readme = { path = "readmes/he/ll/hello-world/1.2.0.md", sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", size = 4 }

[version.dependencies]
greeter-core = "^0.3"
other = "~1.2.3"

[version.config.greeting]
type = "string"
default = "Hello"
allowed = ["Hello", "Hi"]
description = "What to say"

[version.config.times]
type = "float"
min = 0.5

[[version.artifact]]
target = "wasm32-wasip1"
url = "hello-world/1.2.0/hello_world.wasm"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
size = 18243

[[version]]
version = "2.0.0-rc.1"
engine = "*"
published = 2026-11-22T10:00:00Z
yanked = true
yank-reason = "broken"

[[version.artifact]]
target = "any"
url = "https://example.com/x.tar.gz"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
size = 1
"#;

    fn file() -> PluginFile {
        PluginFile::parse("hello-world.toml", FILE.as_bytes()).expect("valid")
    }

    #[test]
    fn decodes_what_it_encodes() {
        let f = file();
        assert_eq!(PluginFile::decode(&f.encode()), Some(f));
    }

    #[test]
    fn a_channel_naming_a_yanked_version_is_a_miss() {
        // The parser refuses such a file, so a cached entry holding one is
        // not an encoding of a valid file.
        let mut f = file();
        let yanked = f.versions[1].version.clone();
        f.channels.insert(Channel::new("beta").unwrap(), yanked);
        assert_eq!(PluginFile::decode(&f.encode()), None);
        let mut f = file();
        f.channels
            .insert(Channel::latest(), f.versions[0].version.clone());
        assert_eq!(PluginFile::decode(&f.encode()), None);
    }

    #[test]
    fn refuses_every_truncation_and_trailing_bytes() {
        let bytes = file().encode();
        for n in 0..bytes.len() {
            assert_eq!(PluginFile::decode(&bytes[..n]), None, "cut at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(PluginFile::decode(&longer), None);
    }

    #[test]
    fn a_flipped_byte_never_yields_an_invalid_file() {
        // A corrupt entry either fails to decode or decodes to a file whose
        // every field passed the parser's constructors; it never panics.
        let bytes = file().encode();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            if let Some(f) = PluginFile::decode(&b) {
                assert!(PluginName::new(f.name.as_str()).is_ok());
            }
        }
    }

    #[test]
    fn the_fewest_bytes_of_each_item_are_what_its_smallest_form_takes() {
        // Room is given by these counts; one too large only costs a
        // reallocation, but the smallest forms are what they describe.
        let mut w = Writer(Vec::new());
        w.version(&VersionEntry {
            version: Version::parse("0.0.0").unwrap(),
            engine: semver::VersionReq {
                comparators: vec![],
            },
            published: String::new(),
            permissions: Vec::new(),
            yanked: false,
            yank_reason: None,
            dependencies: Dependencies::new(),
            artifacts: Vec::new(),
            settings: Default::default(),
            readme: None,
            attestation: None,
            span: 0..0,
        });
        assert_eq!(w.0.len(), VERSION_MIN_BYTES);
        let mut w = Writer(Vec::new());
        w.req(&semver::VersionReq::parse("^1").unwrap());
        assert_eq!(w.0.len(), 1 + 4 + COMPARATOR_MIN_BYTES);
        let mut w = Writer(Vec::new());
        w.str("");
        w.req(&semver::VersionReq {
            comparators: vec![],
        });
        assert_eq!(w.0.len(), DEPENDENCY_MIN_BYTES);
    }

    #[test]
    fn requirements_and_versions_keep_their_exact_form() {
        let reqs = [
            "*",
            "1",
            "1.2",
            "1.2.3",
            "=1.2.3",
            ">1",
            ">=1.4, <2",
            "<=0.3.0-rc.1",
            "~1.2",
            "^0.0.3",
            "1.*",
            "1.2.*",
            ">=1.0.0-alpha.1, <1.0.0",
        ];
        let mut w = Writer(Vec::new());
        for r in reqs {
            w.req(&semver::VersionReq::parse(r).unwrap());
        }
        let versions = ["0.0.0", "1.2.3-rc.1+build.5", "10.20.30+wasip2"];
        for v in versions {
            w.semver(&semver::Version::parse(v).unwrap());
        }
        let mut r = Reader(&w.0);
        for req in reqs {
            let back = r.req().unwrap();
            assert_eq!(back, semver::VersionReq::parse(req).unwrap());
            assert_eq!(
                back.to_string(),
                semver::VersionReq::parse(req).unwrap().to_string()
            );
        }
        for v in versions {
            assert_eq!(r.semver().unwrap().to_string(), v);
        }
        assert!(r.0.is_empty());
    }

    #[test]
    fn refuses_another_format_tag() {
        let mut bytes = file().encode();
        bytes[7] = b'0';
        assert_eq!(PluginFile::decode(&bytes), None);
    }

    #[test]
    fn an_entry_kept_before_readmes_is_a_miss() {
        let f = file();
        assert_eq!(
            f.versions[0].readme.as_ref().map(|r| r.size),
            Some(4),
            "the fixture has a readme"
        );
        let mut older = f.encode();
        older[..8].copy_from_slice(b"prvfile4");
        assert_eq!(PluginFile::decode(&older), None);
    }

    #[test]
    fn an_entry_kept_before_authors_and_support_is_a_miss() {
        // The layout of `prvfile2` (no authors, no support): a plugres
        // with this layout must not read it as one with empty fields.
        let f = PluginFile {
            authors: Vec::new(),
            support: None,
            ..file()
        };
        let mut older = f.encode();
        older[..8].copy_from_slice(b"prvfile2");
        assert_eq!(PluginFile::decode(&older), None);
        assert_eq!(
            file().authors,
            ["Jane Doe <jane@example.com>", "Acme Plugins"]
        );
        assert_eq!(
            file().support.as_deref(),
            Some("https://example.com/hello/issues")
        );
    }
}
