//! Command-line arguments of `plugres-index`. Parsing only: each command's
//! work lives in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new index: a git repository with a signed config.toml.
    Init(InitArgs),
    /// Generate a minisign key pair (`NAME.key` and `NAME.pub`).
    Keygen(KeygenArgs),
    /// Manage the publisher keys listed in config.toml.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Publish a new version of a plugin from its plugin.toml.
    Publish(PublishArgs),
    /// Mark a version as yanked: clients stop choosing it (locked projects keep it).
    Yank(YankArgs),
    /// Undo a yank.
    Unyank(UnyankArgs),
    /// Mark a whole plugin as deprecated, with a message shown to its users.
    Deprecate(DeprecateArgs),
    /// Check the index (or only what changed since a revision) for every problem.
    Validate(ValidateArgs),
    /// Show who published or yanked what, and with which key, from git history.
    Log(LogArgs),
    /// Download every artifact of an index into a folder a static server
    /// can serve as an artifact mirror (resumable).
    MirrorArtifacts(MirrorArgs),
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
    #[arg(long, value_name = "PATH", conflicts_with = "root_key")]
    pub key_out: Option<PathBuf>,
    /// Id of the root key in config.toml.
    #[arg(long, default_value = "root")]
    pub root_key_id: String,
    /// Store a generated root key unencrypted (only for throwaway indexes and tests).
    #[arg(long)]
    pub unencrypted: bool,
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
    /// Authorise a publisher key for plugin names matching its scopes.
    Add(KeyAddArgs),
    /// Remove a publisher key: files it alone signed stop verifying.
    Remove(KeyRemoveArgs),
    /// List root and publisher keys.
    List(KeyListArgs),
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
    /// Plugin name patterns the key may sign, like `acme-*` (repeatable; `*` = any plugin).
    #[arg(long = "scope", required = true)]
    pub scopes: Vec<String>,
    /// Root secret key that re-signs config.toml.
    #[arg(long = "root-key", value_name = "FILE")]
    pub root_key: Option<PathBuf>,
    #[command(flatten)]
    pub index: IndexDir,
}

#[derive(Debug, Args)]
pub struct KeyRemoveArgs {
    /// Id of the publisher key to remove.
    pub id: String,
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
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
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
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
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
}

#[derive(Debug, Args)]
pub struct UnyankArgs {
    pub name: String,
    pub version: String,
    #[command(flatten)]
    pub key: KeyArg,
    #[command(flatten)]
    pub index: IndexDir,
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
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
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
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
