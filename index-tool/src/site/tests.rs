//! The site from its records: escaping, relative links, determinism.

use plugres_schema::PluginFile;

use super::model;
use super::render;

fn hostile() -> PluginFile {
    let text = r#"name = "evil-plugin"
description = "<script>alert('x')</script> \" onmouseover=\"alert(1)"
license = "MIT"
deprecated = "use <b>good</b> instead"

[[version]]
version = "1.0.0"
engine = ">=1.4, <2"
published = 2026-01-01T00:00:00Z
permissions = []
yanked = true
yank-reason = "<img src=x onerror=alert(1)>"

[[version.artifact]]
target = "any"
url = "artifacts/evil/1.0.0/evil.wasm"
sha256 = "e3268dec4e39bea9c16795ae1222aad0cecdb5a9b8986da677bbb44f5bf09569"
size = 1536
"#;
    let mut file = PluginFile::parse("plugins/ev/il/evil-plugin.toml", text.as_bytes()).unwrap();
    // The index refuses it; the site must not rely on that.
    file.homepage = Some("javascript:alert(1)".into());
    file.support = Some("javascript:alert(2)".into());
    file.authors = vec!["<script>alert(3)</script> <a@b.example>".into()];
    file
}

fn config() -> plugres_schema::IndexConfig {
    let text = include_str!("../../../sample-index/config.toml");
    plugres_schema::IndexConfig::parse("config.toml", text.as_bytes()).unwrap()
}

#[test]
fn publisher_strings_render_inert() {
    let plugins = model::plugins(vec![(hostile(), model::Signer::key("acme-release"))]);
    let files = render::site(&config(), &plugins).unwrap();
    let page = files
        .iter()
        .find(|(p, _)| p == "plugins/evil-plugin.html")
        .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
        .unwrap();
    for raw in ["<script>alert", "<img src=x", "<b>good", "\" onmouseover"] {
        assert!(!page.contains(raw), "{raw} came through raw:\n{page}");
    }
    assert!(page.contains("&lt;script&gt;alert("), "{page}");
    assert!(!page.contains("javascript:"), "no javascript: link");
    assert!(page.contains("class=\"banner\""), "deprecation banner");
    assert!(
        page.contains("<span class=\"badge\">yanked</span>"),
        "{page}"
    );
    // The script's data is JSON in a file of its own.
    let catalog = files.iter().find(|(p, _)| p == "catalog.js").unwrap();
    let text = String::from_utf8(catalog.1.clone()).unwrap();
    let json = text
        .strip_prefix("window.PLUGRES_CATALOG = ")
        .and_then(|t| t.strip_suffix(";\n"))
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(parsed[0]["homepage"], serde_json::Value::Null);
    assert_eq!(parsed[0]["support"], serde_json::Value::Null);
    assert!(page.contains("&lt;script&gt;alert(3)"), "{page}");
}

#[test]
fn the_same_index_gives_the_same_bytes_with_relative_links() {
    let build = || {
        let plugins = model::plugins(vec![(hostile(), model::Signer::key("acme-release"))]);
        render::site(&config(), &plugins).unwrap()
    };
    let (a, b) = (build(), build());
    assert_eq!(a, b);
    for (path, bytes) in &a {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("href=\"/"), "{path}: a root-relative link");
        assert!(!text.contains("src=\"/"), "{path}: a root-relative source");
        assert!(!text.contains("http://") || path.ends_with(".js"), "{path}");
    }
}

#[test]
fn a_readme_is_on_its_page_sanitized_and_not_in_the_search_data() {
    let mut plugins = model::plugins(vec![(hostile(), model::Signer::key("acme-release"))]);
    plugins[0].readme = Some(model::PageReadme {
        version: "1.0.0".into(),
        html: super::markdown::to_safe_html(
            "# Evil\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2)) <img src=x onerror=alert(3)>\n",
        ),
    });
    let files = render::site(&config(), &plugins).unwrap();
    let text = |name: &str| {
        let (_, b) = files.iter().find(|(p, _)| p == name).unwrap();
        String::from_utf8(b.clone()).unwrap()
    };
    let page = text("plugins/evil-plugin.html");
    assert!(
        page.contains(
            "<h2 id=\"readme\">Readme <span class=\"version\">1.0.0</span></h2>\n<h3>Evil</h3>"
        ),
        "{page}"
    );
    let section = &page[page.find("<section class=\"readme\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    for raw in ["<script", "alert(1)", "javascript:", "<img", "onerror"] {
        assert!(!section.contains(raw), "{raw}:\n{section}");
    }
    assert!(
        !text("catalog.js").contains("Evil"),
        "readmes stay off the search data"
    );
}
