//! The `plugres` command: parse flags, resolve settings (flags, then the
//! environment, then defaults), call one operation of [`plugres::ops`],
//! print its report. Exit codes: 0 success, 1 failure (including `verify`
//! finding differences and `engine-check` finding blockers), 2 usage errors.

mod args;
mod exit;
mod man;
mod print;
mod short_flags;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use plugres::ops::{self, Grants, OpsError, Options, PermissionRequest};
use plugres::settings::Settings;
use plugres_schema::Permission;

use args::{
    CacheCommand, Cli, ColorChoice, Command, DiscoveryArgs, GrantArgs, RegistryCommand, SortArg,
};
use print::Out;

/// Runs the command line of this process.
pub(crate) fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let mut command = Cli::command();
    command.build();
    if let Err(e) = short_flags::check(&mut command, &args) {
        e.exit();
    }
    let matches = command.get_matches_from(std::env::args_os());
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let g = &cli.global;
    let settings = Settings::from_env();
    let color = match g.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // NO_COLOR wins over FORCE_COLOR / CLICOLOR_FORCE; `--color` over both.
        ColorChoice::Auto => match &settings {
            Ok(s) if s.no_color => false,
            Ok(s) if s.force_color => true,
            _ => std::io::stderr().is_terminal(),
        },
    };
    let out = Out {
        json: g.json,
        quiet: g.quiet,
        color,
    };
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            out.error(&e, &[]);
            return exit::code(exit::FAILURE);
        }
    };
    if let Err(e) = settings.check_home() {
        out.error(&e, &[]);
        return exit::code(exit::FAILURE);
    }
    match run(&cli, &settings, &out) {
        Ok(code) => code,
        Err(Failure::Ops(e)) => {
            let derivation = e.derivation().filter(|_| g.verbose);
            let mut hints = e.hints();
            if derivation.is_some() {
                hints.retain(|h| h != plugres::resolve::VERBOSE_HINT);
            }
            out.error_with(&e, derivation, &hints);
            exit::code(exit::FAILURE)
        }
        Err(Failure::Other(e, hints)) => {
            out.error(e.as_ref(), &hints);
            exit::code(exit::FAILURE)
        }
    }
}

enum Failure {
    Ops(OpsError),
    Other(Box<dyn std::error::Error + 'static>, Vec<String>),
}

impl From<OpsError> for Failure {
    fn from(e: OpsError) -> Self {
        Failure::Ops(e)
    }
}

/// The directory to look for plugres.toml from: the user project of an
/// engine with `--global` (README "User-wide plugins").
fn start_dir(cli: &Cli) -> Result<PathBuf, Failure> {
    if cli.global.user_wide {
        let creating = matches!(cli.command, Command::Init { .. });
        return user_project(cli.global.engine.as_deref(), creating);
    }
    // `--engine` typed without `--global` (PLUGRES_ENGINE alone is fine).
    let from_env = std::env::var("PLUGRES_ENGINE").ok();
    if cli.global.engine.is_some() && cli.global.engine != from_env {
        return Err(Failure::Other(
            "`--engine` says whose user-wide plugins to use, so it goes with `--global`".into(),
            vec!["add `--global`, or leave out `--engine` to work on this project".into()],
        ));
    }
    let base = cli
        .global
        .directory
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    match &cli.global.manifest_path {
        Some(p) => {
            let p = base.join(p);
            if p.is_dir() {
                Ok(p)
            } else {
                Ok(p.parent().map(Path::to_path_buf).unwrap_or(base))
            }
        }
        None => Ok(base),
    }
}

/// The folder of the user project of `engine`; without `--engine`, of the
/// only engine that has one. `init --global` must name its engine.
fn user_project(engine: Option<&str>, creating: bool) -> Result<PathBuf, Failure> {
    let other = |message: String, hints: &[&str]| {
        Failure::Other(
            message.into(),
            hints.iter().map(|h| h.to_string()).collect(),
        )
    };
    let engine = match (engine, creating) {
        (Some(e), _) => e.to_string(),
        (None, true) => {
            return Err(other(
                "`init --global` needs the engine's name: the user project is kept per engine"
                    .into(),
                &[
                    "add `--engine NAME` (the `engine` of its index's config.toml, like `demo-engine`)",
                ],
            ));
        }
        (None, false) => match plugres_host::user_project_engines().as_slice() {
            [only] => only.clone(),
            [] => {
                return Err(other(
                    "you have no user-wide plugins yet".into(),
                    &[
                        "start with `plugres init --global --engine NAME --engine-version V --registry INDEX --key KEY`",
                    ],
                ));
            }
            several => {
                return Err(other(
                    format!(
                        "you have user-wide plugins for several engines: {}",
                        several.join(", ")
                    ),
                    &["say which with `--engine NAME` (or PLUGRES_ENGINE)"],
                ));
            }
        },
    };
    match plugres_host::user_project_dir(&engine) {
        Ok(Some(dir)) => Ok(dir),
        Ok(None) => Err(other(
            "cannot find a folder for user-wide plugins: `PLUGRES_HOME` is not set and the user's home folder is unknown".into(),
            &["set `PLUGRES_HOME` to a writable directory"],
        )),
        Err(e) => Err(other(e, &["engine names look like `demo-engine`"])),
    }
}

fn options(
    cli: &Cli,
    settings: &Settings,
    out: &Out,
    grants: Option<&GrantArgs>,
) -> Result<Options, Failure> {
    let g = &cli.global;
    let mut opts = Options::new(&settings.cache_dir);
    opts.index_cache_dir = settings.index_cache_dir.clone();
    opts.credentials =
        plugres::credentials::Credentials::from_env(settings.credentials_file.clone());
    opts.frozen = g.frozen;
    opts.locked = g.locked || g.frozen;
    opts.allow_local = g.allow_local;
    opts.offline = g.offline || g.frozen || settings.offline;
    // The process ends when the command returns.
    opts.exit_after = true;
    opts.progress = std::io::stderr().is_terminal() && !g.quiet && !g.json;
    opts.link_mode = g.link_mode;
    opts.http = plugres::fetch::HttpConfig::from_env()
        .map_err(|e| Failure::Other(Box::new(e), Vec::new()))?;
    if !g.quiet && !g.json {
        opts.status = Some(Box::new(|line: &str| eprintln!("{line}")));
    }
    if !g.json {
        opts.warn = Some(Box::new(|line: &str| eprintln!("warning: {line}")));
        opts.index_notices =
            plugres::index::FieldNotices::new(|line: &str| eprintln!("warning: {line}"));
    }
    opts.trust.dir = Some(settings.trust_dir.clone());
    opts.trust.allow_expired = g.allow_expired_index || settings.allow_expired_index;
    if let Some(grants) = grants {
        let allow = grants
            .allow
            .iter()
            .map(|p| Permission::new(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                Failure::Other(
                    e.into(),
                    vec!["permissions look like `network` or `fs-read`".into()],
                )
            })?;
        let interactive =
            std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !out.json;
        opts.grants = Grants {
            yes: grants.yes || settings.yes,
            allow,
            prompt: interactive.then(|| Box::new(prompt) as Box<ops::Prompt>),
        };
    }
    Ok(opts)
}

/// `add --path DIR` as the ops layer takes it (relative to the folder the
/// command runs in): with `--global` that folder is the user project, so a
/// relative DIR is made absolute from the shell's current directory first.
fn local_path_arg(path: &str, user_wide: bool) -> String {
    match (user_wide, std::env::current_dir()) {
        (true, Ok(cwd)) if std::path::Path::new(path).is_relative() => {
            cwd.join(path).display().to_string()
        }
        _ => path.to_string(),
    }
}

/// Which registries `search` and `categories` read.
fn discovery(args: &DiscoveryArgs, settings: &Settings) -> ops::Discovery {
    ops::Discovery {
        index: args.index.clone().map(|i| (i, args.key.clone())),
        user_config: settings.user_config_file.clone(),
        registry: args.registry.clone(),
    }
}

/// Asks on the terminal whether to grant a plugin's permissions.
fn prompt(request: &PermissionRequest) -> bool {
    let list: Vec<&str> = request.permissions.iter().map(Permission::as_str).collect();
    eprint!(
        "{} {} asks for: {}. Grant? [y/N] ",
        request.plugin,
        request.version,
        list.join(", ")
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

fn run(cli: &Cli, settings: &Settings, out: &Out) -> Result<ExitCode, Failure> {
    let start = start_dir(cli)?;
    let opts = |grants: Option<&GrantArgs>| options(cli, settings, out, grants);
    match &cli.command {
        Command::Init {
            engine_version,
            target,
            registry,
            key,
        } => {
            let request = ops::InitRequest {
                engine_version: engine_version.clone(),
                target: target.clone(),
                registry: registry.clone().map(|r| (r, key.clone())),
                engine_name: cli.global.engine.clone().filter(|_| cli.global.user_wide),
            };
            let r = ops::init(&start, &request, &opts(None)?)?;
            out.status(&format!("Created {}", r.manifest));
            print::registries(out, &r);
        }
        Command::Add {
            plugins,
            registry,
            pre,
            path,
            grants,
        } => {
            let request = ops::AddRequest {
                specs: plugins.clone(),
                registry: registry.clone(),
                pre: *pre,
                path: path
                    .as_deref()
                    .map(|p| local_path_arg(p, cli.global.user_wide)),
            };
            print::changes(out, &ops::add(&start, &request, &opts(Some(grants))?)?);
        }
        Command::Remove { plugins } => {
            print::changes(out, &ops::remove(&start, plugins, &opts(None)?)?)
        }
        Command::Install { grants } => {
            print::changes(out, &ops::install(&start, &opts(Some(grants))?)?)
        }
        Command::Update {
            plugins,
            dry_run,
            precise,
            grants,
        } => {
            let opts = ops::Options {
                dry_run: *dry_run,
                ..opts(Some(grants))?
            };
            let report = match (precise, plugins.as_slice()) {
                (None, _) => ops::update(&start, plugins, &opts)?,
                (Some(v), [name]) => ops::update_precise(&start, name, v, &opts)?,
                (Some(_), _) => {
                    return Err(ops::OpsError::failed(
                        "`--precise` moves one plugin: give exactly one NAME",
                        &["run `plugres update NAME --precise VERSION` once per plugin"],
                    )
                    .into());
                }
            };
            print::changes(out, &report)
        }
        Command::Lock { dry_run } => {
            let opts = ops::Options {
                dry_run: *dry_run,
                ..opts(None)?
            };
            print::changes(out, &ops::lock(&start, &opts)?)
        }
        Command::Tree { invert } => print::tree(out, &ops::tree(&start, invert.as_deref())?),
        Command::Outdated => print::outdated(out, &ops::outdated(&start, &opts(None)?)?),
        Command::List => print::list(out, &ops::list(&start, &opts(None)?)?),
        Command::Config { name, set, unset } => {
            print::config(out, &ops::config(&start, name, set, unset, &opts(None)?)?)
        }
        Command::Info { name, registry } => print::info(
            out,
            &ops::info(&start, name, registry.as_deref(), &opts(None)?)?,
        ),
        Command::Search {
            query,
            category,
            keyword,
            compatible,
            sort,
            limit,
            from,
        } => {
            let compatible = match compatible.as_deref() {
                None => None,
                Some("") => Some(None),
                Some(v) => Some(Some(semver::Version::parse(v).map_err(|e| {
                    Failure::Other(
                        format!("`--compatible={v}` is not an engine version: {e}").into(),
                        vec!["give a version like `--compatible=1.4.2`, or `--compatible` alone for the project's engine".into()],
                    )
                })?)),
            };
            let request = ops::SearchRequest {
                query: query.join(" "),
                categories: category.clone(),
                keywords: keyword.clone(),
                compatible,
                sort: match sort {
                    SortArg::Relevance => ops::Sort::Relevance,
                    SortArg::Name => ops::Sort::Name,
                    SortArg::Updated => ops::Sort::Updated,
                },
                limit: *limit,
                from: discovery(from, settings),
            };
            print::search(out, &ops::search(&start, &request, &opts(None)?)?)
        }
        Command::Categories { from } => print::categories(
            out,
            &ops::categories(&start, &discovery(from, settings), &opts(None)?)?,
        ),
        Command::Verify => {
            let r = ops::verify(&start, &opts(None)?)?;
            if !print::verify(out, &r) {
                if !out.json {
                    out.error(
                        &OpsError::failed(
                            format!(
                                "{} of {} installed plugins do not match plugres.lock",
                                r.problems.len(),
                                r.checked
                            ),
                            &[],
                        ),
                        &[
                            "run `plugres install` to reinstall them from verified artifacts"
                                .into(),
                        ],
                    );
                }
                return Ok(exit::code(exit::CHECK_FAILED));
            }
        }
        Command::Disable { name } | Command::Enable { name } => {
            let disable = matches!(cli.command, Command::Disable { .. });
            let r = ops::set_disabled(&start, name, disable, &opts(None)?)?;
            out.json(&r);
            for w in &r.warnings {
                out.warn(w);
            }
            let state = if r.disabled { "Disabled" } else { "Enabled" };
            out.status(&format!("{state} {} {}", r.name, r.version));
        }
        Command::Registry(RegistryCommand::Add { name, index, key }) => {
            let r = ops::registry_add(&start, name, index, key, &opts(None)?)?;
            out.json(&r);
            let how = match &r.engine {
                Some(engine) => format!(" (verified; serves {engine})"),
                None => " (not verified yet: checked on first use)".to_string(),
            };
            out.status(&format!("Added registry `{}` at {}{how}", r.name, r.index));
        }
        Command::Registry(RegistryCommand::Remove { name }) => {
            let r = ops::registry_remove(&start, name, &opts(None)?)?;
            out.json(&r);
            out.status(&format!("Removed registry `{}`", r.name));
        }
        Command::Registry(RegistryCommand::List) => {
            print::registries(out, &ops::registry_list(&start)?)
        }
        Command::Cache(CacheCommand::Dir) => {
            let r = ops::cache_dir(&opts(None)?);
            out.json(&r);
            out.data(&format!("{}\n", r.dir));
        }
        Command::Cache(CacheCommand::Clean) => {
            let r = ops::cache_clean(&opts(None)?)?;
            out.json(&r);
            out.status(&format!("Cleaned {}", r.dir));
        }
        Command::EngineCheck { engine_version } => {
            if !print::engine_check(
                out,
                &ops::engine_check(&start, engine_version, &opts(None)?)?,
            ) {
                return Ok(exit::code(exit::CHECK_FAILED));
            }
        }
        Command::GenerateMan { dir } => {
            let n = man::generate(Cli::command(), dir)?;
            out.status(&format!("Wrote {n} man pages to {}", dir.display()));
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "plugres", &mut script);
            plugres_fs::write_stdout(&script);
        }
    }
    Ok(exit::code(exit::SUCCESS))
}
