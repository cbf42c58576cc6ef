//! The trust layer of test indexes: the online key that signs
//! `snapshot.toml` and `timestamp.toml`, the real `plugres-index snapshot` /
//! `timestamp` runs, forgeries by an attacker who holds that online key, and
//! whole-tree "generations" of an index to serve again later (rollback and
//! mix-and-match attacks).
//!
//! The online key is the sample index's (`sample-online`); the second root
//! key and the stranger's are made once per test run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use plugres_schema::{
    CONFIG_PATH, SIGNATURE_SUFFIX, SNAPSHOT_PATH, Sha256, SigningKey, Snapshot, TIMESTAMP_PATH,
    Timestamp, auto_bin_digits,
};

use crate::{plugres_index, run};

/// Ids under which the online key sits in `config.toml`.
pub const SNAPSHOT_KEY_ID: &str = "online-snapshot";
pub const TIMESTAMP_KEY_ID: &str = "online-timestamp";

/// A key made on first use; `(signing key, .key file text)`.
struct RunKey {
    key: SigningKey,
    text: String,
}

fn run_key(cell: &'static OnceLock<RunKey>) -> &'static RunKey {
    cell.get_or_init(|| {
        let (_, _, text) = plugres_schema::generate_key_files(None).unwrap();
        RunKey {
            key: SigningKey::from_key_text(&text, None).unwrap(),
            text,
        }
    })
}

static ONLINE: OnceLock<RunKey> = OnceLock::new();
static NEW_ROOT: OnceLock<RunKey> = OnceLock::new();
static STRANGER: OnceLock<RunKey> = OnceLock::new();

/// The sample index's online key (`tests/fixtures/sample-keys/sample-online.key`):
/// the test indexes' snapshot and timestamp key.
fn online() -> &'static RunKey {
    ONLINE.get_or_init(|| {
        let text = std::fs::read_to_string(crate::sample_key("sample-online")).unwrap();
        RunKey {
            key: SigningKey::from_key_text(&text, None).unwrap(),
            text,
        }
    })
}

pub fn online_key() -> &'static SigningKey {
    &online().key
}

/// The unencrypted `.key` text of [`online_key`] (what
/// `PLUGRES_SNAPSHOT_KEY` / `PLUGRES_TIMESTAMP_KEY` hold).
pub fn online_key_text() -> &'static str {
    &online().text
}

/// A second root key, for root rotations.
pub fn new_root_key() -> &'static SigningKey {
    &run_key(&NEW_ROOT).key
}

/// A key nobody trusts.
pub fn stranger_key() -> &'static SigningKey {
    &run_key(&STRANGER).key
}

/// Sets the modification time of every file under `dir` (but `.git`) to
/// a time later than any earlier call gave, so a static server's ETags
/// (mtime and size) change whenever the tree may have changed.
pub fn bump_mtimes(dir: &Path) {
    static LAST: Mutex<u64> = Mutex::new(0);
    let tick = {
        let mut last = LAST.lock().unwrap();
        *last = (*last + 1).max(now());
        *last
    };
    let time = UNIX_EPOCH + Duration::from_secs(tick);
    let walk = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git");
    for entry in walk {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            std::fs::File::options()
                .write(true)
                .open(entry.path())
                .and_then(|f| f.set_modified(time))
                .unwrap();
        }
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Signs the file at `rel` in `dir` with `key`, replacing its `.minisig`.
pub fn sign_with(dir: &Path, rel: &str, key: &SigningKey) {
    std::fs::write(dir.join(format!("{rel}.minisig")), signature(dir, rel, key)).unwrap();
}

/// The `.minisig` text of `key` over the file at `rel` in `dir`.
pub fn signature(dir: &Path, rel: &str, key: &SigningKey) -> String {
    let bytes = std::fs::read(dir.join(rel)).unwrap();
    plugres_schema::sign(key, rel, &bytes, now()).unwrap()
}

/// Runs the real `plugres-index snapshot` on the checkout at `dir`, with
/// the online key in `PLUGRES_SNAPSHOT_KEY`.
pub fn tool_snapshot(dir: &Path) {
    tool_snapshot_with(dir, &[]);
}

/// [`tool_snapshot`] with more arguments (e.g. `--bins 3`).
pub fn tool_snapshot_with(dir: &Path, args: &[&str]) {
    run(
        plugres_index()
            .arg("snapshot")
            .arg("--index")
            .arg(dir)
            .args(args)
            .env("PLUGRES_SNAPSHOT_KEY", online_key_text()),
        true,
    );
}

/// Runs the real `plugres-index timestamp`, valid for `expires_in`
/// (`7d`, `1s`, ...; `None`: the config's `timestamp-expiry`).
pub fn tool_timestamp(dir: &Path, expires_in: Option<&str>) {
    let mut c = plugres_index();
    c.arg("timestamp")
        .arg("--index")
        .arg(dir)
        .env("PLUGRES_TIMESTAMP_KEY", online_key_text());
    if let Some(e) = expires_in {
        c.args(["--expires-in", e]);
    }
    run(&mut c, true);
}

/// Every file a snapshot lists (config, plugin files, their signatures),
/// by index path, hashed as they are now in `dir`.
pub fn listed_files(dir: &Path) -> BTreeMap<String, Sha256> {
    let mut out = BTreeMap::new();
    for rel in [
        CONFIG_PATH.to_string(),
        format!("{CONFIG_PATH}{SIGNATURE_SUFFIX}"),
    ] {
        if let Ok(bytes) = std::fs::read(dir.join(&rel)) {
            out.insert(rel, Sha256::of(&bytes));
        }
    }
    let plugins = dir.join("plugins");
    for entry in walkdir::WalkDir::new(&plugins).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.ends_with(".toml") || rel.ends_with(".toml.minisig") {
            out.insert(rel, Sha256::of(&std::fs::read(entry.path()).unwrap()));
        }
    }
    out
}

/// The version of the `rel` (snapshot or timestamp) file in `dir`, 0 when absent.
fn current_version(dir: &Path, rel: &str) -> u64 {
    let Ok(bytes) = std::fs::read(dir.join(rel)) else {
        return 0;
    };
    let v: toml::Value =
        toml::from_str(&String::from_utf8_lossy(&bytes)).unwrap_or(toml::Value::Integer(0));
    v.get("version")
        .and_then(toml::Value::as_integer)
        .unwrap_or(0) as u64
}

/// What an attacker holding the online key can do: sign a snapshot of the
/// files as they are in `dir` now (however broken), without the tool's
/// checks. `version`: `None` for the previous version + 1. Returns the
/// snapshot's bytes.
pub fn forge_snapshot(dir: &Path, version: Option<u64>) -> Vec<u8> {
    let files = listed_files(dir);
    let plugins = files
        .keys()
        .filter(|p| p.starts_with("plugins/") && p.ends_with(".toml"))
        .count();
    let version = version.unwrap_or_else(|| current_version(dir, SNAPSHOT_PATH) + 1);
    let signatures: std::collections::BTreeMap<String, String> = files
        .keys()
        .filter(|p| p.starts_with("plugins/") && p.ends_with(".toml"))
        .filter_map(|p| {
            let text = std::fs::read_to_string(dir.join(format!("{p}.minisig"))).ok()?;
            Some((p.clone(), text))
        })
        .collect();
    let (snap, bins) = Snapshot::build(version, &files, &signatures, auto_bin_digits(plugins));
    let bin_dir = dir.join(plugres_schema::SNAPSHOT_BIN_DIR);
    if bin_dir.exists() {
        std::fs::remove_dir_all(&bin_dir).unwrap();
    }
    for (rel, text) in bins.into_iter().chain(snap.group_files()) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    write_signed_online(dir, SNAPSHOT_PATH, snap.to_toml().as_bytes());
    snap.to_toml().into_bytes()
}

/// Signs a timestamp for the `snapshot.toml` now in `dir`, expiring
/// `expires_in` seconds from now (negative: already expired). `version`:
/// `None` for the previous version + 1.
pub fn forge_timestamp(dir: &Path, version: Option<u64>, expires_in: i64) {
    let version = version.unwrap_or_else(|| current_version(dir, TIMESTAMP_PATH) + 1);
    let snapshot_version = current_version(dir, SNAPSHOT_PATH).max(1);
    forge_timestamp_for(dir, version, snapshot_version, expires_in);
}

/// [`forge_timestamp`] with every number given: the timestamp's version and
/// the version it claims for the `snapshot.toml` now in `dir` (which may be
/// too damaged to read its own).
pub fn forge_timestamp_for(dir: &Path, version: u64, snapshot_version: u64, expires_in: i64) {
    let snapshot = std::fs::read(dir.join(SNAPSHOT_PATH)).unwrap();
    let t = Timestamp {
        version,
        expires: now().saturating_add_signed(expires_in),
        snapshot_version,
        snapshot_sha256: Sha256::of(&snapshot),
        snapshot_size: snapshot.len() as u64,
    };
    write_signed_online(dir, TIMESTAMP_PATH, t.to_toml().as_bytes());
    write_head(dir);
}

/// Writes `head.bundle` from the trust files now in `dir`, as `plugres-index
/// timestamp` does (an attacker forging them rewrites the head too: a stale
/// honest head would only hide the forgery from a new client).
pub fn write_head(dir: &Path) {
    let head = plugres_schema::Head::assemble(|p| std::fs::read(dir.join(p)).ok());
    std::fs::write(
        dir.join(plugres_schema::HEAD_PATH),
        head.expect("the six trust files"),
    )
    .unwrap();
}

fn write_signed_online(dir: &Path, rel: &str, bytes: &[u8]) {
    std::fs::write(dir.join(rel), bytes).unwrap();
    sign_with(dir, rel, online_key());
}

/// A copy of a whole index tree at one moment (no `.git`), to serve again
/// later, whole or in part.
pub struct Generation {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Generation {
    /// Copies the files of `index` (all but `.git`).
    pub fn capture(index: &Path) -> Generation {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("generation");
        crate::copy_tree(index, &dir);
        Generation { _tmp: tmp, dir }
    }

    /// Makes `index` serve exactly this generation's files: every other
    /// file is removed (`.git` is kept, so a git host commits the old tree
    /// on top of the new one, as a hostile host would).
    pub fn serve_in(&self, index: &Path) {
        for entry in std::fs::read_dir(index).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                std::fs::remove_dir_all(entry.path()).unwrap();
            } else {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
        crate::copy_tree(&self.dir, index);
    }

    /// Copies these index paths of this generation over `index` (mix-and-match).
    pub fn copy_into(&self, index: &Path, rels: &[&str]) {
        for rel in rels {
            let to = index.join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(self.dir.join(rel), to).unwrap();
        }
    }
}
