//! Arguments → requests: flags, then the environment (key texts for CI),
//! resolved into the requests of [`plugres_index::ops`].

use plugres_index::keys::{KEY_ENV, KeyRef, SNAPSHOT_KEY_ENV, TIMESTAMP_KEY_ENV};
use plugres_index::ops;

use super::args::*;
use super::keys::key_ref;

impl KeyArg {
    /// `--key`, else `PLUGRES_SIGNING_KEY`.
    fn key_ref(&self) -> KeyRef {
        key_ref(self.key.as_ref(), KEY_ENV)
    }
}

impl InitArgs {
    pub fn request(&self) -> ops::InitRequest {
        ops::InitRequest {
            dir: self.dir.clone(),
            engine: self.engine.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            artifact_base: self.artifact_base.clone(),
            root_key: self.root_key.clone(),
            key_out: self.key_out.clone(),
            root_key_id: self.root_key_id.clone(),
            encrypted: !self.unencrypted,
            online_key: self.online_key.clone(),
            no_snapshot: self.no_snapshot,
        }
    }
}

impl KeygenArgs {
    pub fn request(&self) -> ops::KeygenRequest {
        ops::KeygenRequest {
            out: self.out.clone(),
            encrypted: !self.unencrypted,
            force: self.force,
        }
    }
}

impl SnapshotArgs {
    pub fn request(&self) -> ops::SnapshotRequest {
        ops::SnapshotRequest {
            index: self.index.path(),
            key: key_ref(self.key.as_ref(), SNAPSHOT_KEY_ENV),
            bins: self.bins,
        }
    }
}

impl TimestampArgs {
    pub fn request(&self) -> ops::TimestampRequest {
        ops::TimestampRequest {
            index: self.index.path(),
            key: key_ref(self.key.as_ref(), TIMESTAMP_KEY_ENV),
            expires_in: self.expires_in,
        }
    }
}

impl KeyAddArgs {
    pub fn request(&self) -> ops::KeyAddRequest {
        let public = match (&self.public, &self.public_file) {
            (Some(p), _) => ops::PublicKeyInput::Text(p.clone()),
            // clap requires one of the two.
            (None, f) => ops::PublicKeyInput::File(f.clone().unwrap_or_default()),
        };
        ops::KeyAddRequest {
            index: self.index.path(),
            id: self.id.clone(),
            public,
            role: self.role.into(),
            scopes: self.scopes.clone(),
            root_key: key_ref(self.root_key.as_ref(), KEY_ENV),
        }
    }
}

impl KeyRemoveArgs {
    pub fn request(&self) -> ops::KeyRemoveRequest {
        ops::KeyRemoveRequest {
            index: self.index.path(),
            id: self.id.clone(),
            role: self.role.into(),
            root_key: key_ref(self.root_key.as_ref(), KEY_ENV),
        }
    }
}

impl RotateRootArgs {
    pub fn request(&self) -> ops::RotateRootRequest {
        ops::RotateRootRequest {
            index: self.index.path(),
            old_key: KeyRef::File(self.old_key.clone()),
            new_key: KeyRef::File(self.new_key.clone()),
            new_id: self.new_id.clone(),
            keep_old: self.keep_old,
        }
    }
}

impl PublishArgs {
    pub fn request(&self) -> ops::PublishRequest {
        ops::PublishRequest {
            manifest: self.manifest.clone(),
            artifacts: self.artifacts.clone(),
            key: self.key.key_ref(),
            index: self.index.path(),
            branch: self.branch.clone(),
            no_branch: self.no_branch,
            if_new: self.if_new,
            channels: self.channels.clone(),
            attestation: self.attestation.clone(),
            no_key: self.no_key,
            predicate_out: self.predicate_out.clone(),
        }
    }
}

impl BranchArgs {
    pub fn choice(&self) -> ops::BranchChoice {
        match (&self.branch, self.no_branch) {
            (_, true) => ops::BranchChoice::Current,
            (Some(b), false) => ops::BranchChoice::Given(b.clone()),
            (None, false) => ops::BranchChoice::Named,
        }
    }
}

impl YankArgs {
    pub fn request(&self) -> ops::YankRequest {
        ops::YankRequest {
            index: self.index.path(),
            name: self.name.clone(),
            version: self.version.clone(),
            reason: self.reason.clone(),
            key: self.key.key_ref(),
            branch: self.branch.choice(),
        }
    }
}

impl UnyankArgs {
    pub fn request(&self) -> ops::UnyankRequest {
        ops::UnyankRequest {
            index: self.index.path(),
            name: self.name.clone(),
            version: self.version.clone(),
            key: self.key.key_ref(),
            branch: self.branch.choice(),
        }
    }
}

impl TagArgs {
    pub fn request(&self) -> ops::TagRequest {
        ops::TagRequest {
            index: self.index.path(),
            name: self.name.clone(),
            channel: self.channel.clone(),
            version: self.version.clone(),
            key: self.key.key_ref(),
            branch: self.branch.choice(),
        }
    }
}

impl DeprecateArgs {
    pub fn request(&self) -> ops::DeprecateRequest {
        ops::DeprecateRequest {
            index: self.index.path(),
            name: self.name.clone(),
            message: if self.undo {
                None
            } else {
                self.message.clone()
            },
            key: self.key.key_ref(),
            branch: self.branch.choice(),
        }
    }
}

impl ValidateArgs {
    pub fn request(&self) -> ops::ValidateRequest {
        ops::ValidateRequest {
            dir: self.dir.clone().unwrap_or_else(|| ".".into()),
            base: self.base.clone(),
            check_artifacts: self.check_artifacts,
        }
    }
}

impl MirrorArgs {
    pub fn request(&self) -> ops::MirrorRequest {
        ops::MirrorRequest {
            index: self.index.clone(),
            out: self.out.clone(),
            plugins: self.plugins.clone(),
            jobs: self.jobs,
        }
    }
}
