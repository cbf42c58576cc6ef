//! `plugres-index snapshot`: sign what the index holds now.

use anyhow::Result;

use crate::checkout::{Checkout, now_unix};
use crate::cli::SnapshotArgs;
use crate::fsutil::CheckoutLock;
use crate::keys;
use crate::trust;

pub fn run(a: SnapshotArgs, quiet: bool) -> Result<()> {
    let checkout = Checkout::open(&a.index.path())?;
    let _lock = CheckoutLock::acquire(&checkout.dir, || {
        eprintln!("Blocking: waiting for another plugres-index on this checkout")
    })?;
    let (config, _) = checkout.load_config()?;
    let key = keys::load_key_from(a.key.as_deref(), keys::SNAPSHOT_KEY_ENV, "snapshot key")?;
    let signer = trust::check_role(&config.snapshot_keys, &key, "snapshot")?;
    let done = trust::write_snapshot(&checkout.dir, &key, a.bins, now_unix())?;
    let title = format!("snapshot {}", done.version);
    let commit = super::commit_signed(
        &checkout,
        &done.changed,
        &title,
        signer,
        a.json.then_some(&done),
    )?;
    if a.json {
        return Ok(());
    }
    let bins = match done.bin_digits {
        0 => "no bins".to_string(),
        d => format!(
            "{} bins of {d} hex digits, {}",
            done.bins,
            super::bytes(done.bin_bytes)
        ),
    };
    super::status(
        quiet,
        "Snapshot",
        format!(
            "version {}: {} files of {} plugins, snapshot.toml {}, {bins} (signed by `{}`, commit {})",
            done.version,
            done.files,
            done.plugins,
            super::bytes(done.snapshot_bytes),
            signer.id,
            &commit[..12.min(commit.len())]
        ),
    );
    if !quiet {
        eprintln!(
            "next: {}",
            super::in_index(&a.index, "plugres-index timestamp")
        );
    }
    Ok(())
}
