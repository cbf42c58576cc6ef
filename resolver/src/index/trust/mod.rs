//! The trust layer above per-file signatures: which config, snapshot and
//! timestamp of an index this machine accepts (TUF's root, snapshot and
//! timestamp roles, on git and static files).
//!
//! Per-file signatures say who wrote a file, not when. A host could serve
//! an old signed file (rollback: a yanked version comes back), stop
//! updating (freeze), or mix files of different moments (mix-and-match).
//! So an index whose config names `[[snapshot-key]]`s must serve, and the
//! client checks, in this order:
//!
//! ```text
//! timestamp.toml  signed by a timestamp key, not expired, version ≥ seen
//!   └► snapshot.toml  sha256 as the timestamp says; signed by a snapshot
//!        │            key; version ≥ seen
//!        ├► config.toml  sha256 as listed; a new one is accepted only when
//!        │               signed by a root key already trusted and by every
//!        │               root key it adds; version ≥ seen
//!        └► plugin files and signatures: sha256 as listed (checked by
//!           VerifiedIndex as each is read; unlisted = not in the index)
//! ```
//!
//! What was accepted is kept per index in a [`TrustStore`]: the versions
//! are the rollback floor, and the kept files make an unchanged index cost
//! one conditional request for `timestamp.toml` and nothing else.
//! Without snapshot keys an index gets the config rules only (per-file
//! signatures, no rollback or freeze protection for plugin files).

mod config;
mod head;
mod pending;
mod store;

use std::path::PathBuf;

use plugres_schema::rules::{self, VersionRuleError, role_floor};
use plugres_schema::{
    CONFIG_PATH, Diagnostic, IndexConfig, Listing, MAX_TIMESTAMP_SIZE, PublicKey, SNAPSHOT_PATH,
    Sha256, Snapshot, TIMESTAMP_PATH, Timestamp, UnknownFields, signature_path,
};

use super::verified::EntryCache;
use super::{IndexBackend, IndexError};
pub(crate) use pending::PendingSave;
pub(crate) use store::{Pair, Seen, TrustStore};

/// How strictly to check, and where to remember what was seen.
#[derive(Debug, Clone, Default)]
pub struct TrustOptions {
    /// Folder of the per-index trust state (`<PLUGRES_HOME>/trust`);
    /// `None` remembers nothing between runs (library use, tests).
    pub dir: Option<PathBuf>,
    /// Accept an expired timestamp (an offline mirror known to be old),
    /// with a warning instead of an error.
    pub allow_expired: bool,
    /// The current Unix time; `None`: the system clock.
    pub now: Option<u64>,
    /// Refuse an index without snapshot keys: the project recorded that
    /// this registry has them (`require-snapshot` in plugres.toml, or a
    /// snapshot version in plugres.lock), so a config without them is a
    /// downgrade to an older one, even on a machine with no trust state.
    pub require_snapshot: bool,
    /// The lowest acceptable snapshot version besides what this machine
    /// saw (0: none).
    pub min_snapshot: u64,
    /// Folder of the verified-entry cache (README, "Verified-entry
    /// cache"); `None` keeps no parsed files between runs.
    pub verified_entries: Option<PathBuf>,
    /// Where fields of index files this plugres does not know are
    /// reported (README "Format evolution"); default: nowhere.
    pub notices: super::FieldNotices,
    /// Index paths worth fetching at once on a first use (the project's
    /// plugins), while the trust chain is checked rather than after it:
    /// nothing of them is trusted before the snapshot pins their digests.
    pub first_use_prefetch: Vec<String>,
    /// On a first use, handed each of those files as it arrives (and the
    /// files it asks for in turn) until the chain is checked: the paths of
    /// the dependencies it guesses, fetched meanwhile too (see
    /// [`IndexBackend::on_arrival`]).
    pub first_use_hint: Option<super::ArrivalHook>,
}

/// The trusted state of an index after [`establish`].
#[derive(Debug)]
pub(crate) struct Accepted {
    pub config: IndexConfig,
    pub snapshot: Option<Snapshot>,
    /// Accepted despite a problem the user chose to allow.
    pub warnings: Vec<String>,
    /// Digest of the accepted `config.toml`'s bytes: what a plugin file
    /// verified under (the verified-entry cache's key).
    pub config_digest: plugres_schema::Sha256,
    /// The record of this acceptance in the trust state, being written.
    pub saving: Option<PendingSave>,
    /// The parsed snapshot, being kept for the next run: whoever keeps
    /// this [`EntryCache::flush`]es it once done (a first use wrote it
    /// before its first plugin request).
    pub snapshot_memo: Option<EntryCache>,
}

/// Who is asking, for messages.
pub(crate) struct Ctx<'a> {
    pub backend: &'a dyn IndexBackend,
    /// The parsed snapshot's memo in the verified-entry cache, if kept
    /// (see [`parse_snapshot`]).
    pub memo: Option<EntryCache>,
    pub registry: &'a str,
    pub index: String,
    pub state: String,
    pub notices: &'a super::FieldNotices,
}

impl Ctx<'_> {
    fn signature(&self, source: plugres_schema::SignatureError) -> IndexError {
        IndexError::Signature {
            registry: self.registry.to_string(),
            index: self.index.clone(),
            source,
        }
    }

    fn invalid(&self, path: &str, diagnostics: Vec<Diagnostic>) -> IndexError {
        IndexError::Invalid {
            registry: self.registry.to_string(),
            index: self.index.clone(),
            path: path.to_string(),
            diagnostics,
        }
    }

    fn rollback(&self, path: &'static str, found: u64, seen: u64) -> IndexError {
        IndexError::Rollback {
            registry: self.registry.to_string(),
            index: self.index.clone(),
            path,
            found,
            seen,
            state: self.state.clone(),
        }
    }

    /// See [`check_digest`].
    fn check_digest(
        &self,
        path: &str,
        snapshot: u64,
        bytes: &[u8],
        expected: Sha256,
    ) -> Result<(), IndexError> {
        check_digest(self.registry, &self.index, path, snapshot, bytes, expected)
    }

    fn missing_trust_file(&self, path: &'static str) -> IndexError {
        IndexError::MissingTrustFile {
            registry: self.registry.to_string(),
            index: self.index.clone(),
            path,
        }
    }

    /// `path` and its signature from the backend; the signature must exist.
    fn read_pair(&self, path: &str) -> Result<Option<Pair>, IndexError> {
        let Some(bytes) = self.backend.read(path)? else {
            return Ok(None);
        };
        let signature = self.read_signature(path)?;
        Ok(Some(Pair { bytes, signature }))
    }

    fn read_signature(&self, path: &str) -> Result<Vec<u8>, IndexError> {
        self.backend
            .read(&signature_path(path))?
            .ok_or_else(|| IndexError::MissingSignature {
                registry: self.registry.to_string(),
                index: self.index.clone(),
                path: path.to_string(),
            })
    }
}

/// `bytes`, the file at `path`, must have the sha256 that snapshot
/// `snapshot` lists (or, for the snapshot itself, that its timestamp names).
pub(crate) fn check_digest(
    registry: &str,
    index: &str,
    path: &str,
    snapshot: u64,
    bytes: &[u8],
    expected: Sha256,
) -> Result<(), IndexError> {
    let found = Sha256::of(bytes);
    if found == expected {
        return Ok(());
    }
    Err(IndexError::SnapshotMismatch {
        registry: registry.to_string(),
        index: index.to_string(),
        path: path.to_string(),
        snapshot,
        found: found.to_hex().into(),
        expected: expected.to_hex().into(),
    })
}

/// Establishes which config (and, for an index with snapshot keys, which
/// snapshot) of the index behind `backend` to trust, and records it.
///
/// On first use (trust state kept, nothing seen yet), the trust files come
/// from the index's head when it has one (see [`head`]); a head that is
/// missing, unreadable, expired or does not verify only costs the separate
/// requests after it.
pub(crate) fn establish(
    backend: &dyn IndexBackend,
    registry: &str,
    pinned: &[PublicKey],
    opts: &TrustOptions,
) -> Result<Accepted, IndexError> {
    let open = || {
        opts.dir
            .as_ref()
            .map(|d| TrustStore::open(d, &backend.identity(), pinned))
    };
    let store = open();
    // Only with trust state kept: without it every run is a first use, and
    // an index with no head would cost a 404 on each.
    let first_use = store.as_ref().is_some_and(|s| s.seen == Seen::default());
    if !first_use {
        return establish_from(backend, store, registry, pinned, opts);
    }
    backend.on_arrival(opts.first_use_hint.clone());
    backend.prefetch(&opts.first_use_prefetch);
    let accepted = first_use_establish(backend, store, open, registry, pinned, opts);
    backend.on_arrival(None);
    accepted
}

/// [`establish`] on a first use: from the index's head when it has one.
fn first_use_establish(
    backend: &dyn IndexBackend,
    store: Option<TrustStore>,
    open: impl Fn() -> Option<TrustStore>,
    registry: &str,
    pinned: &[PublicKey],
    opts: &TrustOptions,
) -> Result<Accepted, IndexError> {
    if let Some(headed) = head::Headed::of(backend) {
        // An expired head is no head: the files behind it may be fresh.
        // Its unknown fields are named only if it is used.
        let strict = TrustOptions {
            allow_expired: false,
            notices: opts.notices.held(),
            ..opts.clone()
        };
        if let Ok(accepted) = establish_from(&headed, store, registry, pinned, &strict) {
            strict.notices.release();
            headed.adopt();
            return Ok(accepted);
        }
        return establish_from(backend, open(), registry, pinned, opts);
    }
    establish_from(backend, store, registry, pinned, opts)
}

/// [`establish`] with the files read from `backend`, recorded in `store`.
fn establish_from(
    backend: &dyn IndexBackend,
    store: Option<TrustStore>,
    registry: &str,
    pinned: &[PublicKey],
    opts: &TrustOptions,
) -> Result<Accepted, IndexError> {
    let index = backend.describe();
    let ctx = Ctx {
        backend,
        memo: opts
            .verified_entries
            .as_deref()
            .map(EntryCache::for_content),
        notices: &opts.notices,
        registry,
        state: store.as_ref().map_or_else(
            || "(not kept)".to_string(),
            |s| s.dir().display().to_string(),
        ),
        index,
    };
    let seen = store.as_ref().map(|s| s.seen).unwrap_or_default();
    // Each kept file read once: the chain asks for the kept snapshot (a
    // few hundred KB when flat) up to four times.
    let read: std::cell::RefCell<std::collections::HashMap<String, Option<Pair>>> =
        Default::default();
    let kept = |name: &str| {
        if let Some(hit) = read.borrow().get(name) {
            return hit.clone();
        }
        let pair = store.as_ref().and_then(|s| s.pair(name));
        read.borrow_mut().insert(name.to_string(), pair.clone());
        pair
    };
    let mut current = match kept(CONFIG_PATH).and_then(config::parse_kept) {
        Some(c) => c,
        None => config::first_use(&ctx, pinned, seen)?,
    };
    if !current.config.has_snapshot_role() {
        current = config::refresh(&ctx, current, seen)?;
    }
    if opts.require_snapshot && !current.config.has_snapshot_role() {
        return Err(IndexError::SnapshotRequired {
            registry: registry.to_string(),
            index: ctx.index.clone(),
        });
    }
    let (snapshot, timestamp, warnings, trail) = if current.config.has_snapshot_role() {
        let chain = snapshot_chain(&ctx, &mut current, seen, &kept, opts)?;
        (
            Some(chain.snapshot),
            Some(chain.timestamp),
            chain.warnings,
            Some(chain.pairs),
        )
    } else {
        (None, None, Vec::new(), None)
    };
    let mut saving = None;
    if let Some(recorded) = store.as_ref().map(|s| s.seen) {
        let mut pairs: Vec<(&'static str, Pair)> = vec![(CONFIG_PATH, current.pair.clone())];
        if let Some((ts, snap)) = trail {
            pairs.push((TIMESTAMP_PATH, ts));
            pairs.push((SNAPSHOT_PATH, snap));
        }
        let role = current.config.has_snapshot_role();
        let new_seen = Seen {
            config: current.config.version,
            snapshot: snapshot.as_ref().map_or(0, |s: &Snapshot| s.version),
            timestamp: timestamp.as_ref().map_or(0, |t: &Timestamp| t.version),
            snapshot_keys: role.then(|| rules::fingerprint(&current.config.snapshot_keys)),
            timestamp_keys: role.then(|| rules::fingerprint(&current.config.timestamp_keys)),
        };
        // Accepting just what this machine had recorded changes nothing:
        // no save (a thread, and every kept file read again to compare).
        let unchanged = new_seen == recorded
            && pairs
                .iter()
                .all(|(name, pair)| kept(name).as_ref() == Some(pair));
        if let Some(store) = store.filter(|_| !unchanged) {
            saving = Some(store.save_in_background(new_seen, pairs));
        }
    }
    Ok(Accepted {
        saving,
        snapshot_memo: ctx.memo,
        config_digest: plugres_schema::Sha256::of(&current.pair.bytes),
        config: current.config,
        snapshot,
        warnings,
    })
}

/// The outcome of the timestamp → snapshot → config chain.
struct Chain {
    timestamp: Timestamp,
    snapshot: Snapshot,
    warnings: Vec<String>,
    /// The accepted timestamp and snapshot pairs, to keep.
    pairs: (Pair, Pair),
}

fn snapshot_chain(
    ctx: &Ctx<'_>,
    current: &mut config::Current,
    seen: Seen,
    kept: &dyn Fn(&str) -> Option<Pair>,
    opts: &TrustOptions,
) -> Result<Chain, IndexError> {
    let (timestamp, ts_pair) = read_timestamp(ctx, current, seen, kept)?;
    let (snapshot, snap_bytes) = read_snapshot(ctx, &timestamp, kept)?;
    let before = current.pair.clone();
    config::follow_snapshot(ctx, current, &snapshot, seen)?;
    // Everything is verified against the config the snapshot lists: a
    // rotation of an online key takes effect with the config announcing it,
    // and a key that config removed no longer counts.
    if current.pair != before {
        verify_role(
            ctx,
            TIMESTAMP_PATH,
            &ts_pair,
            &current.config.timestamp_keys,
        )?;
    }
    let snap_sig = match kept(SNAPSHOT_PATH) {
        Some(p) if p.bytes == snap_bytes => p.signature,
        _ => ctx.read_signature(SNAPSHOT_PATH)?,
    };
    let snap_pair = Pair {
        bytes: snap_bytes,
        signature: snap_sig,
    };
    verify_role(
        ctx,
        SNAPSHOT_PATH,
        &snap_pair,
        &current.config.snapshot_keys,
    )?;
    let floors = Floors::of(seen, &current.config, opts);
    let trusted = |path: &str, floor: u64, was: u64| {
        kept(path)
            .filter(|_| floor == was && was > 0)
            .map(|p| (was, p.bytes))
    };
    let kept_ts = trusted(TIMESTAMP_PATH, floors.timestamp, seen.timestamp);
    let kept_ts = kept_ts.as_ref().map(|(v, b)| (*v, b.as_slice()));
    check_version(
        ctx,
        TIMESTAMP_PATH,
        kept_ts,
        floors.timestamp,
        timestamp.version,
        &ts_pair.bytes,
    )?;
    let kept_snap = trusted(SNAPSHOT_PATH, floors.snapshot, seen.snapshot);
    let kept_snap = kept_snap.as_ref().map(|(v, b)| (*v, b.as_slice()));
    check_version(
        ctx,
        SNAPSHOT_PATH,
        kept_snap,
        floors.snapshot,
        snapshot.version,
        &snap_pair.bytes,
    )?;
    let warnings = check_expiry(ctx, &timestamp, opts)?;
    Ok(Chain {
        timestamp,
        snapshot,
        warnings,
        pairs: (ts_pair, snap_pair),
    })
}

/// The lowest snapshot and timestamp versions acceptable now.
struct Floors {
    snapshot: u64,
    timestamp: u64,
}

impl Floors {
    /// What this machine saw, unless the config now gives that role other
    /// keys than the ones it was seen under (then it starts again).
    fn of(seen: Seen, config: &IndexConfig, opts: &TrustOptions) -> Floors {
        let snapshot = role_floor(seen.snapshot, seen.snapshot_keys, &config.snapshot_keys);
        Floors {
            snapshot: snapshot.max(opts.min_snapshot),
            timestamp: role_floor(seen.timestamp, seen.timestamp_keys, &config.timestamp_keys),
        }
    }
}

/// The version rule ([`plugres_schema::rules::check_version`]) for the
/// role file at `path`: not below `floor`, and the `trusted` file kept
/// under its version.
fn check_version(
    ctx: &Ctx<'_>,
    path: &'static str,
    trusted: Option<(u64, &[u8])>,
    floor: u64,
    found: u64,
    bytes: &[u8],
) -> Result<(), IndexError> {
    rules::check_version(trusted, floor, found, bytes).map_err(|e| match e {
        VersionRuleError::Rollback { found, floor } => ctx.rollback(path, found, floor),
        VersionRuleError::Reused { version } => IndexError::VersionReused {
            registry: ctx.registry.to_string(),
            index: ctx.index.clone(),
            path,
            version,
        },
    })
}

/// `pair` (the file at `path`) must be signed by one of `keys`.
fn verify_role(
    ctx: &Ctx<'_>,
    path: &str,
    pair: &Pair,
    keys: &[plugres_schema::RoleKey],
) -> Result<(), IndexError> {
    rules::verify_role(path, &pair.bytes, &pair.signature, keys)
        .map(|_| ())
        .map_err(|e| ctx.signature(e))
}

/// An error for an expired timestamp, or a warning when the user allows it.
fn check_expiry(
    ctx: &Ctx<'_>,
    timestamp: &Timestamp,
    opts: &TrustOptions,
) -> Result<Vec<String>, IndexError> {
    let now = opts.now.unwrap_or_else(plugres_schema::time::now);
    if now <= timestamp.expires {
        return Ok(Vec::new());
    }
    let ago = plugres_schema::time::format_duration(now - timestamp.expires);
    let expires = plugres_schema::time::format_utc(timestamp.expires);
    if !opts.allow_expired {
        return Err(IndexError::Expired {
            registry: ctx.registry.to_string(),
            index: ctx.index.clone(),
            ago,
            expires,
        });
    }
    Ok(vec![format!(
        "the index of registry `{}` is stale: its timestamp expired {ago} ago (at {expires}); using it because of --allow-expired-index",
        ctx.registry
    )])
}

/// Reads and verifies `timestamp.toml`. Unchanged bytes reuse the kept
/// signature (no second request). A signature by a key the current config
/// does not know may mean the config rotated its timestamp key: the config
/// is then re-read once (and must pass the rotation rules). Its version is
/// checked once the final config is known.
fn read_timestamp(
    ctx: &Ctx<'_>,
    current: &mut config::Current,
    seen: Seen,
    kept: &dyn Fn(&str) -> Option<Pair>,
) -> Result<(Timestamp, Pair), IndexError> {
    let bytes = ctx
        .backend
        .read_at_most(
            TIMESTAMP_PATH,
            MAX_TIMESTAMP_SIZE as u64,
            "the most a timestamp may have",
        )?
        .ok_or_else(|| ctx.missing_trust_file(TIMESTAMP_PATH))?;
    let signature = match kept(TIMESTAMP_PATH) {
        Some(p) if p.bytes == bytes => p.signature,
        _ => ctx.read_signature(TIMESTAMP_PATH)?,
    };
    let pair = Pair { bytes, signature };
    if let Err(first) = verify_role(ctx, TIMESTAMP_PATH, &pair, &current.config.timestamp_keys) {
        let untrusted = matches!(
            &first,
            IndexError::Signature {
                source: plugres_schema::SignatureError::UntrustedKey { .. },
                ..
            }
        );
        if !(untrusted && config::refresh_changed(ctx, current, seen)?) {
            return Err(first);
        }
        verify_role(ctx, TIMESTAMP_PATH, &pair, &current.config.timestamp_keys)?;
    }
    let timestamp = Timestamp::parse_with(TIMESTAMP_PATH, &pair.bytes, UnknownFields::Ignore)
        .map_err(|d| ctx.invalid(TIMESTAMP_PATH, d))?;
    ctx.notices.report(&timestamp.unknown);
    let timestamp = timestamp.value;
    Ok((timestamp, pair))
}

/// The snapshot the timestamp names: the kept copy when its digest
/// matches, else fetched (pinned to that digest, and read no further than
/// the timestamp's `[snapshot] size`) and checked.
fn read_snapshot(
    ctx: &Ctx<'_>,
    timestamp: &Timestamp,
    kept: &dyn Fn(&str) -> Option<Pair>,
) -> Result<(Snapshot, Vec<u8>), IndexError> {
    let expected = timestamp.snapshot_sha256;
    let bytes = match kept(SNAPSHOT_PATH) {
        Some(p) if Sha256::of(&p.bytes) == expected => p.bytes,
        _ => {
            ctx.backend.pin(&[(SNAPSHOT_PATH.to_string(), expected)]);
            let bytes = ctx
                .backend
                .read_at_most(
                    SNAPSHOT_PATH,
                    timestamp.snapshot_size,
                    "the size `timestamp.toml` gives for it",
                )?
                .ok_or_else(|| ctx.missing_trust_file(SNAPSHOT_PATH))?;
            ctx.check_digest(SNAPSHOT_PATH, timestamp.snapshot_version, &bytes, expected)?;
            bytes
        }
    };
    let snapshot = parse_snapshot(ctx, &bytes, expected)?;
    if snapshot.version != timestamp.snapshot_version {
        return Err(ctx.invalid(
            TIMESTAMP_PATH,
            vec![Diagnostic::file_error(
                TIMESTAMP_PATH,
                format!(
                    "names snapshot version {} but the snapshot with its sha256 is version {}",
                    timestamp.snapshot_version, snapshot.version
                ),
            )],
        ));
    }
    Ok((snapshot, bytes))
}

/// [`Snapshot::parse`] of `bytes` (whose digest is `sha`), remembered
/// between runs by that digest: a flat snapshot of a few hundred plugins
/// is some 200 KB of TOML, which every run would parse again. Its
/// signature and version are checked on the bytes as before, every run.
fn parse_snapshot(ctx: &Ctx<'_>, bytes: &[u8], sha: Sha256) -> Result<Snapshot, IndexError> {
    if let Some(parsed) = ctx.memo.as_ref().and_then(|m| m.snapshot(sha)) {
        return Ok(parsed);
    }
    let parsed = Snapshot::parse_with(SNAPSHOT_PATH, bytes, UnknownFields::Ignore)
        .map_err(|d| ctx.invalid(SNAPSHOT_PATH, d))?;
    ctx.notices.report(&parsed.unknown);
    let snapshot = parsed.value;
    if let Some(memo) = &ctx.memo {
        memo.keep_snapshot(sha, &snapshot);
    }
    Ok(snapshot)
}

/// The sha256 the snapshot lists for a top-level file (the config pair).
pub(crate) fn listed(snapshot: &Snapshot, path: &str) -> Option<Sha256> {
    match snapshot.listing(path) {
        Listing::Listed(sha) => Some(sha),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
