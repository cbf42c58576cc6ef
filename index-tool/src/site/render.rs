//! The site's files from its records, through minijinja templates (HTML
//! auto-escaped by file name) and serde_json for the script's data.

use anyhow::{Context, Result};
use minijinja::{Environment, context};
use plugres_schema::IndexConfig;

use super::model::SitePlugin;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("home.html", include_str!("templates/home.html")),
    ("plugin.html", include_str!("templates/plugin.html")),
    ("all.html", include_str!("templates/all.html")),
];

const STATIC: &[(&str, &str)] = &[
    ("style.css", include_str!("templates/style.css")),
    ("search.js", include_str!("templates/search.js")),
];

/// `(path relative to the site root, bytes)` of every file, sorted.
pub fn site(config: &IndexConfig, plugins: &[SitePlugin]) -> Result<Vec<(String, Vec<u8>)>> {
    let env = environment()?;
    let index = context! { name => &config.name, engine => &config.engine };
    let mut files = vec![
        (
            "index.html".to_string(),
            render(
                &env,
                "home.html",
                context! {
                    index,
                    root => "",
                    categories => facet(plugins, |p| &p.categories),
                    keywords => facet(plugins, |p| &p.keywords),
                },
            )?,
        ),
        (
            "plugins/index.html".to_string(),
            render(&env, "all.html", context! { index, root => "../", plugins })?,
        ),
        ("catalog.js".to_string(), catalog_js(plugins)?.into_bytes()),
    ];
    for p in plugins {
        let readme = &p.readme;
        let page = render(
            &env,
            "plugin.html",
            context! { index, root => "../", p, readme },
        )?;
        files.push((format!("plugins/{}.html", p.name), page));
    }
    files.extend(
        STATIC
            .iter()
            .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec())),
    );
    files.sort();
    Ok(files)
}

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    for (name, text) in TEMPLATES {
        env.add_template(name, text)
            .with_context(|| format!("site template `{name}`"))?;
    }
    env.add_filter("size", human_size);
    Ok(env)
}

fn render(env: &Environment<'_>, name: &str, ctx: minijinja::Value) -> Result<Vec<u8>> {
    let text = env
        .get_template(name)?
        .render(ctx)
        .with_context(|| format!("rendering `{name}`"))?;
    Ok(text.into_bytes())
}

/// The search's data, once for all pages: a script assigning JSON (a
/// `fetch` of a JSON file is refused from `file://`).
fn catalog_js(plugins: &[SitePlugin]) -> Result<String> {
    let json = serde_json::to_string(plugins)?;
    Ok(format!("window.PLUGRES_CATALOG = {json};\n"))
}

/// Every value of a facet (categories, keywords) any plugin has, sorted.
fn facet(plugins: &[SitePlugin], values: impl Fn(&SitePlugin) -> &Vec<String>) -> Vec<String> {
    let mut all: Vec<String> = plugins
        .iter()
        .flat_map(|p| values(p).iter().cloned())
        .collect();
    all.sort();
    all.dedup();
    all
}

/// `1536` → `1.5 KiB`.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
