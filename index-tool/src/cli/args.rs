//! Command-line arguments of `plugres-index`: clap types only. `requests.rs`
//! turns them into the requests of [`plugres_index::ops`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use plugres_index::ops;
use plugres_index::trust::Bins;

/// Create, publish into and validate a plugres index.
///
/// An index is a git repository of signed TOML files: `config.toml` (the
/// engine, the root keys and the publisher keys) and one file per plugin
/// under `plugins/`. Every command here works on a local checkout and
/// commits its changes with git; pushing (and opening a pull request) is
/// left to you or to CI.
///
/// A typical start:
///
///   plugres-index init my-index --engine demo-engine
///   plugres-index keygen --out acme
///   plugres-index key add acme --public-file acme.pub --scope 'acme-*' --root-key my-index-root.key
///   plugres-index publish path/to/plugin.toml --key acme.key
///   plugres-index validate
///
/// After a change is merged, the index's CI signs what the index now holds
/// with the online key (`init` makes one): `plugres-index snapshot &&
/// plugres-index timestamp`; a scheduled job re-runs `timestamp` daily.
#[derive(Debug, Parser)]
#[command(
    name = "plugres-index",
    version,
    about,
    long_about,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Print the command's report as JSON on stdout, and no status lines.
    #[arg(long, global = true)]
    pub json: bool,

    /// Run as if started in DIR (relative paths, `--index` and the
    /// default index `.` are taken from there).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new index: a git repository with a signed config.toml.
    Init(InitArgs),
    /// Generate a minisign key pair (`NAME.key` and `NAME.pub`).
    Keygen(KeygenArgs),
    /// Manage the keys listed in config.toml (publisher, root, snapshot, timestamp).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Sign a new snapshot.toml: the sha256 of every signed file of the index.
    Snapshot(SnapshotArgs),
    /// Sign a new timestamp.toml: the current snapshot, valid until an expiry.
    Timestamp(TimestampArgs),
    /// Publish a new version of a plugin from its plugin.toml.
    Publish(PublishArgs),
    /// Mark a version as yanked: clients stop choosing it (locked projects keep it).
    Yank(YankArgs),
    /// Undo a yank.
    Unyank(UnyankArgs),
    /// Mark a whole plugin as deprecated, with a message shown to its users.
    Deprecate(DeprecateArgs),
    /// Point a release channel (`beta`, `stable`, ...) at a version, or move it.
    ///
    /// Users follow a channel with `plugres add NAME@CHANNEL`; `plugres update`
    /// then moves them to whatever version the channel names. `latest` is
    /// not set by publishers: it is always the newest usable version.
    Tag(TagArgs),
    /// Check the index (or only what changed since a revision) for every problem.
    Validate(ValidateArgs),
    /// Show who published or yanked what, and with which key, from git history.
    Log(LogArgs),
    /// Download every artifact of an index into a folder a static server
    /// can serve as an artifact mirror (resumable).
    MirrorArtifacts(MirrorArgs),
    /// Write a static web catalog of the index into OUT: a searchable home
    /// page and a page per plugin, for any static host (GitHub Pages).
    #[command(
        after_help = "Example:\n  plugres-index site public/ --index ./sample-index\n  python3 -m http.server -d public   # or open public/index.html"
    )]
    Site(SiteArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Write man pages for plugres-index and every subcommand into DIR.
    #[command(hide = true)]
    GenerateMan(GenerateManArgs),
}

/// Where the index checkout is.
#[derive(Debug, Args)]
pub struct IndexDir {
    /// The index checkout [default: the current directory]
    #[arg(long = "index", value_name = "DIR", env = "PLUGRES_INDEX_DIR")]
    pub index: Option<PathBuf>,
}

impl IndexDir {
    pub fn path(&self) -> PathBuf {
        self.index.clone().unwrap_or_else(|| PathBuf::from("."))
    }
}

/// A secret key to sign with.
#[derive(Debug, Args)]
pub struct KeyArg {
    /// Secret key file (minisign `.key`). Or set PLUGRES_SIGNING_KEY to the
    /// key file's text (for CI). An encrypted key's password comes from
    /// PLUGRES_KEY_PASSWORD or a prompt.
    #[arg(long = "key", short = 'k', value_name = "FILE")]
    pub key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create the index in (created if missing; must be empty).
    pub dir: PathBuf,
    /// The host engine whose plugins this index serves, e.g. `demo-engine`.
    #[arg(long)]
    pub engine: String,
    /// Short name of the index [default: the directory's name]
    #[arg(long)]
    pub name: Option<String>,
    /// One line describing the index.
    #[arg(long)]
    pub description: Option<String>,
    /// Base URL for relative artifact URLs (must end with `/`). Without it,
    /// artifacts are stored in the index repository itself.
    #[arg(long, value_name = "URL")]
    pub artifact_base: Option<String>,
    /// Sign with this existing root secret key instead of generating one.
    #[arg(long = "root-key", value_name = "FILE")]
    pub root_key: Option<PathBuf>,
    /// Where to write a generated root key pair (`.key` and `.pub` are added).
    /// Keep it out of the index repository. [default: ./<name>-root]
    // The text is also `--help`'s, where `<name>` reads as meant.
    #[allow(rustdoc::invalid_html_tags)]
    #[arg(long, value_name = "PATH", conflicts_with = "root_key")]
    pub key_out: Option<PathBuf>,
    /// Id of the root key in config.toml.
    #[arg(long, default_value = "root")]
    pub root_key_id: String,
    /// Store a generated root key unencrypted (only for throwaway indexes and tests).
    #[arg(long)]
    pub unencrypted: bool,
    /// Use this existing (unencrypted) secret key as the online snapshot and
    /// timestamp key instead of generating `<name>-online.key` beside the
    /// root key.
    #[arg(long, value_name = "FILE", conflicts_with = "no_snapshot")]
    pub online_key: Option<PathBuf>,
    /// No trust layer: no snapshot and timestamp keys, no snapshot.toml.
    /// Clients then get per-file signatures only, without rollback and
    /// freeze protection.
    #[arg(long)]
    pub no_snapshot: bool,
}

/// How many hex digits name the bins of a snapshot.
pub fn parse_bins(s: &str) -> Result<Bins, String> {
    s.parse()
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub index: IndexDir,
    /// Snapshot secret key file. Or set PLUGRES_SNAPSHOT_KEY to the key
    /// file's text (for CI); an encrypted key's password comes from
    /// PLUGRES_KEY_PASSWORD or a prompt.
    #[arg(long = "key", short = 'k', value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Bins: `auto` (none up to 512 plugins, then enough for ~64 plugins
    /// a bin), or a number of hex digits from 0 (none) to 4.
    #[arg(long, default_value = "auto", value_parser = parse_bins)]
    pub bins: Bins,
}

#[derive(Debug, Args)]
pub struct TimestampArgs {
    #[command(flatten)]
    pub index: IndexDir,
    /// Timestamp secret key file. Or set PLUGRES_TIMESTAMP_KEY to the key
    /// file's text (for CI); an encrypted key's password comes from
    /// PLUGRES_KEY_PASSWORD or a prompt.
    #[arg(long = "key", short = 'k', value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// How long the timestamp stays valid: `7d`, `36h`, `90m`, `45s`
    /// [default: the config's `timestamp-expiry`, else 7d]
    #[arg(long, value_name = "DURATION", value_parser = plugres_schema::time::parse_duration)]
    pub expires_in: Option<u64>,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Path prefix of the key pair: writes PATH.key and PATH.pub.
    #[arg(long, short, value_name = "PATH")]
    pub out: PathBuf,
    /// Do not encrypt the secret key (for CI secrets that are protected elsewhere).
    #[arg(long)]
    pub unencrypted: bool,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Add a key: a publisher key for plugin names matching its scopes, or
    /// a snapshot, timestamp or online key (`--role`).
    #[command(long_about = KEY_ADD_ABOUT)]
    Add(KeyAddArgs),
    /// Remove a key: files it alone signed stop verifying.
    Remove(KeyRemoveArgs),
    /// List the keys of config.toml with their roles.
    List(KeyListArgs),
    /// Replace a root key: the new config is signed by the old AND the new
    /// key, so clients that trust the old key follow the rotation.
    #[command(long_about = ROTATE_ROOT_ABOUT)]
    RotateRoot(RotateRootArgs),
}

const KEY_ADD_ABOUT: &str = "\
Add a key: a publisher key for plugin names matching its scopes, or a \
snapshot, timestamp or online key (`--role`).

config.toml is re-signed by the root key (--root-key) with `version` raised \
by 1, and committed.

A root key is not added here: clients accept a new root key only when it \
signs the config too, so use `plugres-index key rotate-root --old-key \
ROOT.key --new-key NEW.key --keep-old`, which signs with both.

To add the trust layer to an index made with `init --no-snapshot`, add one \
online key in both roles (a snapshot key needs a timestamp key and the other \
way round), then sign the first snapshot and timestamp:

  plugres-index keygen --unencrypted --out online
  plugres-index key add ci --role online --public-file online.pub --root-key root.key
  plugres-index snapshot --key online.key && plugres-index timestamp --key online.key

`--role online` adds the key as `ci-snapshot` and `ci-timestamp`.";

const ROTATE_ROOT_ABOUT: &str = "\
Replace a root key: the new config is signed by the old AND the new key, so \
clients that trust the old key follow the rotation.

Writes config.toml with `version` raised by 1, where the new root key \
replaces the old one (or joins it, with --keep-old), and config.toml.minisig \
holding two signatures: one by the old key (which clients already trust) and \
one by the new key (which proves its owner holds it). Both are verified \
before anything is written; then it is committed.

The ceremony:

  1. plugres-index keygen --out root-2027            # on an offline machine
  2. plugres-index key rotate-root --old-key root.key --new-key root-2027.key
  3. plugres-index snapshot && plugres-index timestamp   # the config changed
  4. git push                                         # through the usual review
  5. Tell the index's users to replace the pinned `root-keys` in plugres.toml \
(or `plugres registry add --key`) with the new public key. Clients that \
already trust the old key follow the rotation by themselves; new clients need \
the new key.
  6. Keep the old secret key offline until every user has moved, then destroy it.";

/// Which list of config.toml a key is in.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Role {
    /// Signs the files of plugins matching its scopes.
    Publisher,
    /// Signs config.toml; clients pin it.
    Root,
    /// Signs snapshot.toml (an online key).
    Snapshot,
    /// Signs timestamp.toml (an online key).
    Timestamp,
    /// One online key as both a snapshot and a timestamp key: ids
    /// `<ID>-snapshot` and `<ID>-timestamp` (adds the trust layer to an
    /// index made with `init --no-snapshot`).
    Online,
}

impl From<Role> for ops::Role {
    fn from(r: Role) -> ops::Role {
        match r {
            Role::Publisher => ops::Role::Publisher,
            Role::Root => ops::Role::Root,
            Role::Snapshot => ops::Role::Snapshot,
            Role::Timestamp => ops::Role::Timestamp,
            Role::Online => ops::Role::Online,
        }
    }
}

#[derive(Debug, Args)]
pub struct RotateRootArgs {
    /// The root secret key being replaced (clients trust it now).
    #[arg(long, value_name = "FILE")]
    pub old_key: PathBuf,
    /// The new root secret key (`plugres-index keygen --out NAME`).
    #[arg(long, value_name = "FILE")]
    pub new_key: PathBuf,
    /// Id of the new key in config.toml [default: root-YYYY-MM-DD]
    #[arg(long, value_name = "ID")]
    pub new_id: Option<String>,
    /// Keep the old key as a root key too (add the new one beside it).
    #[arg(long)]
    pub keep_old: bool,
    #[command(flatten)]
    pub index: IndexDir,
}

#[derive(Debug, Args)]
pub struct KeyAddArgs {
    /// Id of the key in config.toml, e.g. `acme-release`.
    pub id: String,
    /// The public key (`RWQ...`).
    #[arg(
        long,
        required_unless_present = "public_file",
        conflicts_with = "public_file"
    )]
    pub public: Option<String>,
    /// A minisign `.pub` file.
    #[arg(long, value_name = "FILE")]
    pub public_file: Option<PathBuf>,
    /// The key's role.
    #[arg(long, value_enum, default_value_t = Role::Publisher)]
    pub role: Role,
    /// Plugin name patterns a publisher key may sign, like `acme-*`
    /// (repeatable; `*` = any plugin). Publisher keys only.
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// Root secret key that re-signs config.toml.
    #[arg(long = "root-key", value_name = "FILE")]
    pub root_key: Option<PathBuf>,
    #[command(flatten)]
    pub index: IndexDir,
}

#[derive(Debug, Args)]
pub struct KeyRemoveArgs {
    /// Id of the key to remove.
    pub id: String,
    /// The key's role.
    #[arg(long, value_enum, default_value_t = Role::Publisher)]
    pub role: Role,
    /// Root secret key that re-signs config.toml.
    #[arg(long = "root-key", value_name = "FILE")]
    pub root_key: Option<PathBuf>,
    #[command(flatten)]
    pub index: IndexDir,
}

#[derive(Debug, Args)]
pub struct KeyListArgs {
    #[command(flatten)]
    pub index: IndexDir,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The plugin's manifest (`plugin.toml` in its own repository).
    pub manifest: PathBuf,
    /// A built file: TARGET=PATH, or TARGET=PATH=URL with the URL it will be
    /// downloaded from (repeatable; replaces the manifest's `[[artifact]]`s).
    #[arg(long = "artifact", value_name = "TARGET=PATH[=URL]")]
    pub artifacts: Vec<String>,
    #[command(flatten)]
    pub key: KeyArg,
    #[command(flatten)]
    pub index: IndexDir,
    /// Commit on this branch [default: publish/NAME-VERSION]
    #[arg(long)]
    pub branch: Option<String>,
    /// Commit on the current branch instead of a new one.
    #[arg(long, conflicts_with = "branch")]
    pub no_branch: bool,
    /// Succeed without changes when this exact version is already published
    /// with the same artifacts (for re-run CI jobs).
    #[arg(long)]
    pub if_new: bool,
    /// Also point this release channel at the new version (repeatable),
    /// like `npm publish --tag beta`; see `plugres-index tag`.
    #[arg(long = "channel", value_name = "CHANNEL")]
    pub channels: Vec<String>,
    /// Trusted publishing: the Sigstore bundle (`actions/attest`'s
    /// `bundle-path`) attesting this version's predicate; checked here as
    /// clients check it, stored beside the plugin file.
    #[arg(long, value_name = "BUNDLE")]
    pub attestation: Option<PathBuf>,
    /// Publish without a publisher key: the attestation vouches (the
    /// index's `[publish-policy]` must be `attestation` or `any`).
    #[arg(long, requires = "attestation")]
    pub no_key: bool,
    /// Write this version's attestation predicate (JSON) to FILE for the
    /// release workflow to sign, and publish nothing.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["attestation", "no_key"])]
    pub predicate_out: Option<PathBuf>,
}

/// Where a yank, unyank or deprecation is committed.
#[derive(Debug, Args)]
pub struct BranchArgs {
    /// Commit on this new branch [default: named for the change:
    /// `yank/NAME-VERSION`, `unyank/NAME-VERSION`, `deprecate/NAME`,
    /// `undeprecate/NAME`]
    #[arg(long)]
    pub branch: Option<String>,
    /// Commit on the current branch instead of a new one.
    #[arg(long, conflicts_with = "branch")]
    pub no_branch: bool,
}

#[derive(Debug, Args)]
pub struct YankArgs {
    pub name: String,
    pub version: String,
    /// Why: shown to users whose lock still holds this version.
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub key: KeyArg,
    #[command(flatten)]
    pub index: IndexDir,
    #[command(flatten)]
    pub branch: BranchArgs,
}

#[derive(Debug, Args)]
pub struct UnyankArgs {
    pub name: String,
    pub version: String,
    #[command(flatten)]
    pub key: KeyArg,
    #[command(flatten)]
    pub index: IndexDir,
    #[command(flatten)]
    pub branch: BranchArgs,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    pub name: String,
    /// The channel, like `beta`, `stable` or `nightly`.
    pub channel: String,
    /// The version it names from now on (published, not yanked).
    #[arg(required_unless_present = "delete")]
    pub version: Option<String>,
    /// Remove the channel instead.
    #[arg(long, conflicts_with = "version")]
    pub delete: bool,
    #[command(flatten)]
    pub key: KeyArg,
    #[command(flatten)]
    pub index: IndexDir,
    #[command(flatten)]
    pub branch: BranchArgs,
}

#[derive(Debug, Args)]
pub struct DeprecateArgs {
    pub name: String,
    /// What users should do instead, e.g. "use hello-universe".
    #[arg(long, required_unless_present = "undo")]
    pub message: Option<String>,
    /// Remove the deprecation.
    #[arg(long)]
    pub undo: bool,
    #[command(flatten)]
    pub key: KeyArg,
    #[command(flatten)]
    pub index: IndexDir,
    #[command(flatten)]
    pub branch: BranchArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    /// GitHub Actions annotations (`::error file=…,line=…::…`).
    Github,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The index checkout [default: the current directory]
    pub dir: Option<PathBuf>,
    /// Check only what changed since this git revision (the pull-request
    /// check), including that published versions did not change.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Also download every artifact checked and compare size and sha256.
    #[arg(long)]
    pub check_artifacts: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    pub name: String,
    #[command(flatten)]
    pub index: IndexDir,
}

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The folder to write the site into (created when missing)
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    #[command(flatten)]
    pub index: IndexDir,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct GenerateManArgs {
    /// Directory to write the `.1` files into (created if missing).
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// The index checkout (a `git clone` of the index repository).
    pub index: PathBuf,
    /// The mirror folder to fill; serve it with any static file server.
    pub out: PathBuf,
    /// Mirror only plugins whose names match this pattern (`*` wildcards,
    /// like `acme-*`; repeatable).
    #[arg(long = "plugins", value_name = "GLOB")]
    pub plugins: Vec<String>,
    /// Parallel downloads.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
}
