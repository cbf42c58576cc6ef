//! `plugres-index timestamp`: re-sign the pointer to the current snapshot
//! with a fresh expiry (the scheduled CI job runs this daily).

use anyhow::Result;

use crate::checkout::{Checkout, now_unix};
use crate::cli::TimestampArgs;
use crate::fsutil::CheckoutLock;
use crate::keys;
use crate::trust;

pub fn run(a: TimestampArgs, quiet: bool) -> Result<()> {
    let checkout = Checkout::open(&a.index.path())?;
    let _lock = CheckoutLock::acquire(&checkout.dir, || {
        eprintln!("Blocking: waiting for another plugres-index on this checkout")
    })?;
    let (config, _) = checkout.load_config()?;
    let key = keys::load_key_from(a.key.as_deref(), keys::TIMESTAMP_KEY_ENV, "timestamp key")?;
    let signer = trust::check_role(&config.timestamp_keys, &key, "timestamp")?;
    let expiry = a.expires_in.unwrap_or(config.timestamp_expiry);
    let done = trust::write_timestamp(&checkout.dir, &config, &key, expiry, now_unix())?;
    let title = format!("timestamp {}", done.version);
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
    super::status(
        quiet,
        "Timestamp",
        format!(
            "version {} for snapshot {}, expires {} (in {}; signed by `{}`, commit {})",
            done.version,
            done.snapshot_version,
            done.expires_utc,
            plugres_schema::time::format_duration(expiry),
            signer.id,
            &commit[..12.min(commit.len())]
        ),
    );
    Ok(())
}
