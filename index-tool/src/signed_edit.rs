//! One signed edit of an index checkout: the sequence every command that
//! changes a signed file follows (README, "plugres-index").
//!
//! ```text
//! open + lock + load config ─► load the file ─► check the key may sign it
//!   ─► edit ─► render ─► re-parse (the client's rules) ─► sign ─► write ─► commit
//! ```
//!
//! [`Editing::edit_plugin`] and [`Editing::edit_config`] are the whole
//! sequence for one plugin file and for `config.toml`. Commands whose edit
//! writes more than one file use the parts: [`render()`] (render and re-parse,
//! nothing written), [`Editing::sign_and_commit`] and
//! [`Editing::commit_files`].

use anyhow::{Result, bail};
use plugres_schema::{
    CONFIG_PATH, IndexConfig, KeyId, PluginFile, PluginName, SigningKey, index_path, render,
};

use crate::checkout::{Checkout, diagnostics_error, publisher_id_of, root_id_of, sig_path};
use crate::fsutil::CheckoutLock;
use crate::git::Author;

/// A signed index file: rendered the one canonical way, and re-parsed with
/// the rules clients apply before it is signed.
pub trait SignedFile {
    fn render(&self) -> String;
    /// Parses `text` as this kind of file; an error lists every problem.
    fn reparse(path: &str, text: &str) -> Result<()>;
}

impl SignedFile for PluginFile {
    fn render(&self) -> String {
        render::plugin_file(self)
    }

    fn reparse(path: &str, text: &str) -> Result<()> {
        PluginFile::parse(path, text.as_bytes()).map_err(|d| diagnostics_error(&d))?;
        Ok(())
    }
}

impl SignedFile for IndexConfig {
    fn render(&self) -> String {
        render::config_file(self)
    }

    fn reparse(path: &str, text: &str) -> Result<()> {
        IndexConfig::parse(path, text.as_bytes()).map_err(|d| diagnostics_error(&d))?;
        Ok(())
    }
}

/// A file rendered and re-parsed: the exact bytes that will be signed.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub path: String,
    pub text: String,
}

/// Renders `file` for index path `path` and checks the text parses back.
pub fn render<F: SignedFile>(path: &str, file: &F) -> Result<Rendered> {
    let text = file.render();
    F::reparse(path, &text)?;
    Ok(Rendered {
        path: path.to_string(),
        text,
    })
}

/// The key that signs an edit and its id in `config.toml` (the commit's
/// `Signed-by:` trailer).
pub struct Signer<'a> {
    pub key: &'a SigningKey,
    pub id: KeyId,
}

/// A checkout opened for a signed edit: locked against concurrent runs, with
/// its config loaded and verified.
pub struct Editing {
    pub checkout: Checkout,
    pub config: IndexConfig,
    _lock: CheckoutLock,
}

impl Editing {
    /// Opens and locks the checkout at `dir` (calling `on_wait` when another
    /// run holds the lock), then loads its config.
    pub fn open(dir: &std::path::Path, on_wait: impl FnOnce()) -> Result<Editing> {
        let checkout = Checkout::open(dir)?;
        let lock = CheckoutLock::acquire(&checkout.dir, on_wait)?;
        let (config, _) = checkout.load_config()?;
        Ok(Editing {
            checkout,
            config,
            _lock: lock,
        })
    }

    /// Commits `paths` titled `title`, with a `Signed-by:` trailer naming
    /// `signers` (none: no trailer). Returns the commit id.
    pub fn commit_files(
        &self,
        paths: &[String],
        title: &str,
        signers: &[&KeyId],
    ) -> Result<String> {
        commit_files(&self.checkout, paths, title, signers)
    }

    /// Signs and writes `file`, then commits it, its signature and `extra`
    /// (files the caller wrote beside it). Returns the commit id.
    pub fn sign_and_commit(
        &self,
        file: &Rendered,
        signer: &Signer<'_>,
        title: &str,
        extra: &[String],
    ) -> Result<String> {
        self.checkout
            .write_signed(&file.path, file.text.as_bytes(), signer.key)?;
        let mut paths = vec![file.path.clone(), sig_path(&file.path)];
        paths.extend_from_slice(extra);
        self.commit_files(&paths, title, &[&signer.id])
    }

    /// Writes `file` without a signature (trusted publishing: attestations
    /// vouch for its versions), removes a signature left from before, and
    /// commits them with `extra`.
    pub fn commit_unsigned(
        &self,
        file: &Rendered,
        title: &str,
        extra: &[String],
    ) -> Result<String> {
        let target = self.checkout.dir.join(&file.path);
        crate::fsutil::atomic_write(&target, file.text.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", target.display()))?;
        let sig = self.checkout.dir.join(sig_path(&file.path));
        if sig.exists() {
            std::fs::remove_file(&sig)
                .map_err(|e| anyhow::anyhow!("cannot remove `{}`: {e}", sig.display()))?;
        }
        let mut paths = vec![file.path.clone(), sig_path(&file.path)];
        paths.extend_from_slice(extra);
        self.commit_files(&paths, title, &[])
    }

    /// The whole sequence for an existing plugin file: load and verify it,
    /// load the key (`key`, only now: a missing plugin fails first) and check
    /// its scopes cover the plugin, apply `change` (which returns the commit
    /// title), then render, re-parse, sign, write and commit.
    /// With `branch`, the commit goes on that new branch (made from `HEAD`
    /// once the change is known to apply), as `publish` does.
    pub fn edit_plugin(
        &self,
        name: &PluginName,
        key: impl FnOnce() -> Result<SigningKey>,
        change: impl FnOnce(&mut PluginFile) -> Result<String>,
        branch: Option<&str>,
    ) -> Result<Committed> {
        let Some(mut plugin) = self.checkout.load_plugin(&self.config, name)? else {
            bail!("no plugin `{name}` in this index");
        };
        let key = key()?;
        let Some(signer) = publisher_id_of(&self.config, &key).filter(|k| k.allows(name)) else {
            bail!("the key is not a publisher key of this index whose scopes cover `{name}`");
        };
        let signer = Signer {
            key: &key,
            id: signer.id.clone(),
        };
        let title = change(&mut plugin)?;
        let file = render(&index_path(name), &plugin)?;
        if let Some(branch) = branch {
            self.checkout.git.create_branch_and_switch(branch)?;
        }
        let commit = self.sign_and_commit(&file, &signer, &title, &[])?;
        Ok(Committed { title, commit })
    }

    /// The whole sequence for `config.toml`: apply `change` to a copy of the
    /// config (which returns the commit title), load the root key (`key`,
    /// only now: a refused change fails first) and check the *new* config
    /// lists it, raise the version by one, then render, re-parse, sign, write
    /// and commit. Returns the new config.
    pub fn edit_config(
        &self,
        key: impl FnOnce() -> Result<SigningKey>,
        change: impl FnOnce(&mut IndexConfig) -> Result<String>,
    ) -> Result<(IndexConfig, Committed)> {
        let mut config = self.config.clone();
        let title = change(&mut config)?;
        let key = key()?;
        let Some(rk) = root_id_of(&config, &key) else {
            bail!(
                "the given key is not a root key of the new config; config.toml must be signed by one of its `[[root-key]]`s"
            );
        };
        let signer = Signer {
            key: &key,
            id: rk.id.clone(),
        };
        config.version += 1;
        let file = render(CONFIG_PATH, &config)?;
        let commit = self.sign_and_commit(&file, &signer, &title, &[])?;
        Ok((config, Committed { title, commit }))
    }
}

/// What a signed edit committed.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The commit's title (`Yank hello 1.0.0`).
    pub title: String,
    pub commit: String,
}

/// [`Editing::commit_files`] for a checkout that is not (yet) opened for
/// editing: `init` commits the index it just created.
pub fn commit_files(
    checkout: &Checkout,
    paths: &[String],
    title: &str,
    signers: &[&KeyId],
) -> Result<String> {
    let message = if signers.is_empty() {
        title.to_string()
    } else {
        let ids: Vec<&str> = signers.iter().map(|id| id.as_str()).collect();
        format!("{title}\n\nSigned-by: {}", ids.join(", "))
    };
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let author = Author::from_env_or_config(&checkout.git);
    Ok(checkout.git.commit_paths(&refs, &message, &author)?)
}
