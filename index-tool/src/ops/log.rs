//! `plugres-index log NAME`: the audit trail of a plugin from git history.
//!
//! For each commit that changed the plugin's file: what changed (versions
//! published, yanked, unyanked, deprecation), who committed it, and which
//! key of the config *at that commit* signed the file.

use std::path::Path;

use anyhow::{Result, bail};
use plugres_schema::{CONFIG_PATH, IndexConfig, PluginFile, PluginName, index_path};

use crate::checkout::sig_path;
use crate::git::{HistoryEntry, Repo};

/// One commit that changed the plugin's file, newest first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LogEvent {
    pub commit: String,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub time: String,
    pub author: String,
    pub email: String,
    /// What changed, in words (`published 1.2.0`, `yanked 1.0.0 (broken)`).
    pub changes: Vec<String>,
    /// The key id that signed the file, checked against the config of the
    /// same commit (`None`: the signature does not verify).
    pub signed_by: Option<String>,
}

/// The audit trail of a plugin (a JSON array).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(transparent)]
pub struct LogReport {
    pub events: Vec<LogEvent>,
}

/// The audit trail of plugin `name` in the index repository at `index`.
pub fn log(index: &Path, name: &str) -> Result<LogReport> {
    let name = PluginName::new(name)?;
    let repo = Repo::open(index)?;
    let path = index_path(&name);
    let history = repo.history(&path, "HEAD")?;
    if history.is_empty() {
        bail!("no history for `{name}`: `{path}` was never committed");
    }
    let mut events = Vec::new();
    for (i, entry) in history.iter().enumerate() {
        let older = history.get(i + 1).and_then(|e| parse(&path, e));
        let newer = parse(&path, entry);
        events.push(LogEvent {
            commit: entry.commit.clone(),
            time: format_time(entry.time),
            author: entry.author.clone(),
            email: entry.email.clone(),
            changes: describe(older.as_ref(), newer.as_ref()),
            signed_by: signer(&repo, &entry.commit, &path, entry.blob.as_deref(), &name),
        });
    }
    Ok(LogReport { events })
}

fn parse(path: &str, e: &HistoryEntry) -> Option<PluginFile> {
    PluginFile::parse(path, e.blob.as_deref()?).ok()
}

fn describe(old: Option<&PluginFile>, new: Option<&PluginFile>) -> Vec<String> {
    let Some(new) = new else {
        return vec!["removed the plugin file".to_string()];
    };
    let mut out = Vec::new();
    for v in &new.versions {
        match old.and_then(|o| o.get(&v.version)) {
            None => out.push(format!("published {}", v.version)),
            Some(o) if !o.yanked && v.yanked => out.push(match &v.yank_reason {
                Some(r) => format!("yanked {} ({r})", v.version),
                None => format!("yanked {}", v.version),
            }),
            Some(o) if o.yanked && !v.yanked => out.push(format!("unyanked {}", v.version)),
            Some(_) => {}
        }
    }
    let old_dep = old.and_then(|o| o.deprecated.clone());
    if new.deprecated != old_dep {
        out.push(match &new.deprecated {
            Some(m) => format!("deprecated: {m}"),
            None => "removed the deprecation".to_string(),
        });
    }
    if out.is_empty() {
        out.push("changed metadata".to_string());
    }
    out
}

/// The key id that signed the file at `commit`, checked against the config
/// of that same commit.
fn signer(
    repo: &Repo,
    commit: &str,
    path: &str,
    bytes: Option<&[u8]>,
    name: &PluginName,
) -> Option<String> {
    let bytes = bytes?;
    let sig = repo.read_at(commit, &sig_path(path)).ok()??;
    let config_bytes = repo.read_at(commit, CONFIG_PATH).ok()??;
    let config = IndexConfig::parse(CONFIG_PATH, &config_bytes).ok()?;
    let keys = config.publishers_for(name).map(|k| (&k.id, &k.public));
    plugres_schema::verify(path, bytes, &sig, keys)
        .ok()
        .map(|v| v.key_id.to_string())
}

/// `YYYY-MM-DD HH:MM:SS UTC` (by [`plugres_schema::time`]); a time
/// before 1970 as its number.
fn format_time(unix: i64) -> String {
    match u64::try_from(unix) {
        Ok(secs) => {
            let t = plugres_schema::time::format_utc(secs);
            format!("{} UTC", t.trim_end_matches('Z').replacen('T', " ", 1))
        }
        Err(_) => unix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_like_before() {
        assert_eq!(super::format_time(1_704_067_200), "2024-01-01 00:00:00 UTC");
        assert_eq!(super::format_time(-5), "-5");
    }
}
