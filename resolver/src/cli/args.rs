//! The command line, as clap derive structs. The help texts are the user's
//! first manual: each says what the command changes and reads.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Typical session:
  plugres init --engine-version 1.4.2 --registry ../plugin-index --key RWQ...
  plugres add hello-world          # edit plugres.toml, lock, install
  plugres tree                     # what is locked, and why
  plugres outdated                 # what is newer, and what holds it back
  plugres engine-check 2.0.0       # could this project move to engine 2.0.0?

Files: plugres.toml (what you ask for), plugres.lock (what was resolved; commit it),
plugins/ (one verified folder per plugin). Cache: $PLUGRES_HOME/cache, else
$XDG_CACHE_HOME/plugres or ~/.cache/plugres (Windows: %LOCALAPPDATA%\\plugres).";

/// plugres: verified plugins for your engine, resolved with PubGrub.
///
/// plugres resolves a project's plugins against signed indexes (dependencies
/// and engine compatibility), checks every signature and checksum, and
/// installs them into the project's install dir for the host engine to load.
#[derive(Debug, Parser)]
#[command(name = "plugres", version, after_help = AFTER_HELP, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Print the result as JSON on stdout (errors too), nothing else
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Print only warnings and errors
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Explain failures in full: when no set of versions fits, every step of the derivation after the short explanation
    #[arg(long, short, global = true)]
    pub(crate) verbose: bool,
    /// Never use the network: local indexes and cached artifacts only [env: PLUGRES_OFFLINE]
    #[arg(long, global = true)]
    pub(crate) offline: bool,
    /// Fail instead of changing plugres.lock (for CI)
    #[arg(long, global = true)]
    pub(crate) locked: bool,
    /// Use plugres.lock as it is and never read an index (= --locked --offline)
    #[arg(long, global = true)]
    pub(crate) frozen: bool,
    /// With --locked or --frozen: accept local plugins (`path = ...` in plugres.toml), whose
    /// files must still match plugres.lock
    #[arg(long, global = true)]
    pub(crate) allow_local: bool,
    /// Accept an index whose signed timestamp has expired (an offline mirror you know is old) [env: PLUGRES_ALLOW_EXPIRED_INDEX]
    #[arg(long, global = true)]
    pub(crate) allow_expired_index: bool,
    /// How a single-file artifact gets from the cache into plugins/: `auto` clones it
    /// (copy-on-write), else hard-links it (read-only), else copies it
    #[arg(long, global = true, env = "PLUGRES_LINK_MODE", value_enum, default_value_t = plugres::install::LinkMode::Auto, value_name = "MODE")]
    pub(crate) link_mode: plugres::install::LinkMode,
    /// The project's plugres.toml (default: found in this or a parent directory)
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) manifest_path: Option<PathBuf>,
    /// Run as if started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub(crate) directory: Option<PathBuf>,
    /// Work on your user-wide plugins of an engine instead of a project's: hosts load them
    /// beside every project's (the project's own win). See `--engine`
    #[arg(long = "global", short = 'g', global = true, conflicts_with_all = ["directory", "manifest_path"])]
    pub(crate) user_wide: bool,
    /// With --global: the engine whose user-wide plugins to use, e.g. `demo-engine` (needed
    /// for `init --global`, and when you have user-wide plugins for several engines)
    #[arg(long, global = true, env = "PLUGRES_ENGINE", value_name = "NAME")]
    pub(crate) engine: Option<String>,
    /// When to use colours (NO_COLOR is honoured by `auto`)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub(crate) color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How permissions asked for by plugins are granted.
#[derive(Debug, Args, Default)]
pub(crate) struct GrantArgs {
    /// Grant permission PERM (e.g. `network`, `fs-read`) to every plugin that asks for it;
    /// repeat it or list several: `--allow network,fs-read`
    #[arg(long, value_name = "PERM", value_delimiter = ',')]
    pub(crate) allow: Vec<String>,
    /// Grant every permission asked for, without prompting [env: PLUGRES_YES]
    #[arg(long, short)]
    pub(crate) yes: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start a project: write plugres.toml in this directory
    #[command(
        after_help = "Example:\n  plugres init --engine-version 1.4.2 --registry ./sample-index --key RWSHnl4x..."
    )]
    Init {
        /// The engine version the project runs, e.g. 1.4.2 (`1.4` means 1.4.0)
        #[arg(long, env = "PLUGRES_ENGINE_VERSION", value_name = "V", value_parser = engine_version)]
        engine_version: semver::Version,
        /// Build target of the artifacts to install (e.g. wasm32-wasip1); default: any + this machine
        #[arg(long, value_name = "T")]
        target: Option<String>,
        /// A first registry (named `default`): a directory, git URL or sparse+https:// URL
        #[arg(long, value_name = "INDEX", requires = "key")]
        registry: Option<String>,
        /// The registry's root public key (minisign, `RW...`), as printed by `plugres-index init`
        #[arg(long, value_name = "KEY", requires = "registry")]
        key: Vec<String>,
    },
    /// Add plugins to plugres.toml, then lock and install them
    #[command(
        after_help = "Without @REQ, NAME is resolved with the rest of the project (its newest version that fits, on the project's engine, is chosen) and written as ^ of that version; a NAME already in plugres.toml keeps its requirement.\n\nExamples:\n  plugres add hello-world\n  plugres add hello-world@^1.1 acme-audit --allow network\n  plugres add --path ../my-plugin"
    )]
    Add {
        /// NAME or NAME@REQ (REQ as in cargo: ^1.2, ~1.2.3, >=1, <3)
        #[arg(
            required_unless_present = "path",
            conflicts_with = "path",
            value_name = "NAME[@REQ]"
        )]
        plugins: Vec<String>,
        /// A local plugin instead: the folder of its plugin.toml (e.g. ../my-plugin), used in
        /// place of any registry's plugin of its name
        #[arg(long, value_name = "DIR", conflicts_with = "pre")]
        path: Option<String>,
        /// Take them from this registry of plugres.toml
        #[arg(long, value_name = "NAME")]
        registry: Option<String>,
        /// Allow prerelease versions
        #[arg(long)]
        pre: bool,
        #[command(flatten)]
        grants: GrantArgs,
    },
    /// Remove plugins from plugres.toml, the lock and the install dir
    Remove {
        #[arg(required = true, value_name = "NAME")]
        plugins: Vec<String>,
    },
    /// Make the install dir match plugres.lock (locking first if plugres.toml changed)
    #[command(
        after_help = "With an up-to-date plugres.lock no index is read. In CI use `--locked` (fail if the lock would change) or `--frozen` (never read an index)."
    )]
    Install {
        #[command(flatten)]
        grants: GrantArgs,
    },
    /// Move plugins to their newest allowed versions (all, or the NAMEs only), then install
    Update {
        /// Only these plugins (others keep their locked versions)
        #[arg(value_name = "NAME")]
        plugins: Vec<String>,
        /// Show what would change; write and install nothing
        #[arg(long)]
        dry_run: bool,
        /// Move the one NAME given to exactly VERSION (up or down; a yanked one too), keeping everything else
        #[arg(long, value_name = "VERSION", requires = "plugins")]
        precise: Option<String>,
        #[command(flatten)]
        grants: GrantArgs,
    },
    /// Resolve plugres.toml and write plugres.lock, keeping locked versions that still fit
    Lock {
        /// Show what would change; write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Show the locked plugins as a dependency tree
    Tree {
        /// Show what depends on NAME, up to plugres.toml ("why is this here?")
        #[arg(long, short, value_name = "NAME")]
        invert: Option<String>,
    },
    /// Show newer versions: compatible with this engine, overall, and what holds each back
    Outdated,
    /// Show every locked plugin: version, registry, enabled, files intact, yanked or deprecated, newer version, what it needs and what needs it
    #[command(
        visible_alias = "status",
        after_help = "Then the problems, each with the command that fixes it. Exits 0 even when something is wrong (`plugres verify` exits 3). With --offline the indexes are not read: yanks, deprecations and newer versions are not checked, and it says so."
    )]
    List,
    /// Show or set a plugin's settings (the values plugres.toml gives the plugin)
    #[command(
        after_help = "A plugin's locked version declares its settings (type, default, allowed values or range, secret or not); values go under the plugin's `config` in plugres.toml and are checked at every lock and install, and by the host. Secrets are never written there: set PLUGRES_CONFIG_<PLUGIN>__<SETTING> or `[config.PLUGIN]` in credentials.toml.\n\nExamples:\n  plugres config hello-world\n  plugres config hello-world greeting=Hi times=3\n  plugres config hello-world --unset times"
    )]
    Config {
        name: String,
        /// Values to set, as KEY=VALUE (typed as the setting is declared)
        #[arg(value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Remove a value (the default applies again)
        #[arg(long, value_name = "KEY")]
        unset: Vec<String>,
    },
    /// Show a plugin's versions, engine requirements, permissions, targets, yanks
    Info {
        name: String,
        /// Look in this registry of plugres.toml
        #[arg(long, value_name = "NAME")]
        registry: Option<String>,
    },
    /// Search the registries' catalogs by name, keywords, categories, description (works outside a project too)
    #[command(
        after_help = "Registries: those of plugres.toml; outside a project those of the user config file ($PLUGRES_HOME/config.toml, else ~/.config/plugres/config.toml: [registry.NAME] tables as in plugres.toml); or the one index of --index INDEX --key KEY.\n\nExamples:\n  plugres search hello\n  plugres search --category utilities --compatible --sort updated --limit 10\n  plugres search greet --index sparse+https://plugins.example.com/index/ --key RWQ... --compatible=1.4.2"
    )]
    Search {
        /// Words that must all match (none: list every plugin)
        #[arg(value_name = "WORDS")]
        query: Vec<String>,
        /// Only plugins in this category (repeat: in all of them)
        #[arg(long, value_name = "CATEGORY")]
        category: Vec<String>,
        /// Only plugins with this keyword (repeat: with all of them)
        #[arg(long, value_name = "KEYWORD")]
        keyword: Vec<String>,
        /// Only plugins with a version that runs on the project's engine, or on VERSION (`--compatible=1.4.2`)
        #[arg(long, value_name = "VERSION", num_args = 0..=1, require_equals = true, default_missing_value = "")]
        compatible: Option<String>,
        /// Order of the results
        #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
        sort: SortArg,
        /// Show at most N plugins
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[command(flatten)]
        from: DiscoveryArgs,
    },
    /// List the categories of the registries' plugins, with how many plugins each has
    Categories {
        #[command(flatten)]
        from: DiscoveryArgs,
    },
    /// Re-check every installed file against plugres.lock (exit 1 on any difference)
    Verify,
    /// Keep a plugin locked and installed, but tell the host engine not to load it
    Disable { name: String },
    /// Undo `plugres disable`
    Enable { name: String },
    /// Add, remove or list the registries (indexes) of plugres.toml
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The artifact cache
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Could this project move to engine VERSION? Lists blockers and the lock changes (exit 1 if blocked)
    EngineCheck {
        /// The engine version to check, e.g. 2.0.0 (`2` means 2.0.0)
        #[arg(value_name = "VERSION", value_parser = engine_version)]
        engine_version: semver::Version,
    },
    /// Print a shell completion script (e.g. `plugres completions bash > /etc/bash_completion.d/plugres`)
    Completions { shell: clap_complete::Shell },
    /// Write man pages for plugres and every subcommand into DIR (for packagers)
    #[command(hide = true)]
    GenerateMan { dir: PathBuf },
}

/// Which registries `search` and `categories` read.
#[derive(Debug, Args)]
pub(crate) struct DiscoveryArgs {
    /// Read this index instead of the configured registries (a directory, git URL or sparse+https:// URL)
    #[arg(long, value_name = "INDEX", requires = "key")]
    pub(crate) index: Option<String>,
    /// Root public key of --index (minisign, `RW...`)
    #[arg(long, value_name = "KEY", requires = "index")]
    pub(crate) key: Vec<String>,
    /// Only this registry (of plugres.toml, or of the user config file)
    #[arg(long, value_name = "NAME", conflicts_with = "index")]
    pub(crate) registry: Option<String>,
}

/// `--sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SortArg {
    /// Best match first: exact name, name prefix, keyword, category, description
    Relevance,
    /// By name
    Name,
    /// Most recently published first
    Updated,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Add a registry and pin its root key (a local index is verified right away)
    Add {
        name: String,
        /// A directory, git URL, or sparse+https:// URL
        index: String,
        /// Root public key(s) of the index (minisign, `RW...`)
        #[arg(long, required = true, value_name = "KEY")]
        key: Vec<String>,
    },
    /// Remove a registry no plugin uses
    Remove { name: String },
    /// List the registries and their pinned keys
    List,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CacheCommand {
    /// Print the cache directory
    Dir,
    /// Delete every cached artifact (installed plugins stay)
    Clean,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn frozen_and_global_flags_parse_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "plugres", "install", "--frozen", "--json", "-C", "dir", "--allow", "network",
        ])
        .unwrap();
        assert!(cli.global.frozen && cli.global.json);
        assert_eq!(cli.global.directory, Some(PathBuf::from("dir")));
        let Command::Install { grants } = cli.command else {
            panic!("not install")
        };
        assert_eq!(grants.allow, vec!["network"]);
        let err = Cli::try_parse_from(["plugres", "engine-check", "two"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let cli = Cli::try_parse_from([
            "plugres",
            "install",
            "--allow",
            "network,fs-read",
            "--allow",
            "env",
        ])
        .unwrap();
        let Command::Install { grants } = cli.command else {
            panic!("not install")
        };
        assert_eq!(grants.allow, vec!["network", "fs-read", "env"]);
        for name in ["list", "status"] {
            let cli = Cli::try_parse_from(["plugres", name, "--offline", "--json"]).unwrap();
            assert!(matches!(cli.command, Command::List), "{name}");
        }
        let cli = Cli::try_parse_from(["plugres", "engine-check", "2"]).unwrap();
        let Command::EngineCheck { engine_version } = cli.command else {
            panic!("not engine-check")
        };
        assert_eq!(engine_version, semver::Version::new(2, 0, 0));
    }
}

/// An engine version as people type it: `1.4.2`, or `1.4` / `1` with the
/// missing numbers 0 (like `cargo --rust-version`); a prerelease or build
/// needs all three numbers.
fn engine_version(text: &str) -> Result<semver::Version, String> {
    let text = text.trim();
    let numbers = text.split('.').count();
    let full = match numbers {
        1 if !text.contains(['-', '+']) => format!("{text}.0.0"),
        2 if !text.contains(['-', '+']) => format!("{text}.0"),
        _ => text.to_string(),
    };
    semver::Version::parse(&full).map_err(|e| {
        format!("`{text}` is not a version ({e}); write it as MAJOR[.MINOR[.PATCH]], e.g. 1.4.2")
    })
}

#[cfg(test)]
mod engine_version_tests {
    use super::engine_version;

    #[test]
    fn partial_versions_are_completed_with_zeros() {
        for (typed, full) in [
            ("1.4.2", "1.4.2"),
            ("1.4", "1.4.0"),
            ("2", "2.0.0"),
            ("1.0.0-rc.1", "1.0.0-rc.1"),
        ] {
            assert_eq!(engine_version(typed).unwrap().to_string(), full);
        }
        for bad in ["", "1.x", "1.4-rc.1", "v1.4"] {
            assert!(
                engine_version(bad)
                    .unwrap_err()
                    .contains("MAJOR[.MINOR[.PATCH]]"),
                "{bad}"
            );
        }
    }
}
