//! `plugres-index site` (README "A web catalog"): built from a real signed
//! index by the real binary; every internal link resolves, the same index
//! gives the same bytes, and an index that does not validate gives no site.
//! (The page's behaviour in a browser is not tested here yet.)

use std::collections::BTreeMap;
use std::path::Path;

use plugres_e2e::index::TestIndex;
use plugres_e2e::{plugres_index, run, stderr};

fn build(index: &Path, out: &Path) {
    run(
        plugres_index()
            .arg("site")
            .arg(out)
            .arg("--index")
            .arg(index),
        true,
    );
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The `href`/`src` values of an HTML page, entities decoded.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            rest = &rest[at + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].replace("&#x2f;", "/").replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn the_site_of_the_sample_index_links_only_to_itself_and_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    TestIndex::sample_copy(&index, None);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    build(&index, &a);
    build(&index, &b);
    let site = files(&a);
    assert_eq!(site, files(&b), "same index, same bytes");
    for page in [
        "index.html",
        "plugins/index.html",
        "plugins/hello-world.html",
    ] {
        assert!(site.contains_key(page), "{page}: {:?}", site.keys());
    }
    let mut checked = 0;
    for (rel, bytes) in site.iter().filter(|(r, _)| r.ends_with(".html")) {
        let page_dir = a.join(rel).parent().unwrap().to_path_buf();
        for link in links(&String::from_utf8_lossy(bytes)) {
            if link.starts_with("https://") || link.starts_with("http://") {
                continue;
            }
            assert!(!link.starts_with('/'), "{rel}: `{link}` is not relative");
            let target = page_dir.join(&link);
            assert!(target.is_file(), "{rel}: `{link}` leads nowhere");
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} links");
    let page = String::from_utf8_lossy(&site["plugins/hello-world.html"]).into_owned();
    assert!(page.contains("<th scope=\"row\">2.0.0</th>"), "{page}");
    assert!(page.contains("plugres add hello-world"), "{page}");
    assert!(
        page.contains(
            "<dt>Support</dt><dd><a href=\"https:&#x2f;&#x2f;github.com&#x2f;plugres&#x2f;sample-hello-world&#x2f;issues\""
        ),
        "{page}"
    );
    assert!(
        page.contains("<dt>Authors</dt><dd>plugres sample &lt;sample@plugres.invalid&gt;, Demo Engine Team</dd>"),
        "{page}"
    );
    let home = &site["index.html"];
    assert!(home.len() < 50 * 1024, "home page {} bytes", home.len());
}

#[test]
fn an_index_that_does_not_validate_gives_no_site() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    TestIndex::sample_copy(&index, None);
    let file = index.join("plugins/he/ll/hello-world.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text = text.replace("Greets the world", "<script>alert(1)</script>");
    std::fs::write(&file, text).unwrap();
    let out = tmp.path().join("site");
    let err = stderr(&run(
        plugres_index()
            .arg("site")
            .arg(&out)
            .arg("--index")
            .arg(&index),
        false,
    ));
    assert!(err.contains("hello-world.toml"), "{err}");
    assert!(err.contains("plugres-index validate"), "{err}");
    assert!(!out.join("index.html").exists());
}

/// The page as Debian's chromium leaves it after its scripts ran
/// (headless, `--dump-dom`), for `url`.
fn browser_dom(url: &str) -> String {
    let chromium = super::devtools::browser();
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The plugin names in the search results of a dumped home page.
fn results(dom: &str) -> Vec<String> {
    let list = &dom[dom.find("id=\"results\"").expect("results list")..];
    let list = &list[..list.find("</ul>").unwrap()];
    list.split("<li>")
        .skip(1)
        .filter_map(|li| {
            let a = &li[li.find("\">")? + 2..];
            Some(a[..a.find("</a>")?].to_string())
        })
        .collect()
}

/// The search runs in a real browser, from `file://`: the query of a
/// linked search fills the form and filters the list as typing does.
#[test]
fn the_search_filters_in_a_real_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    TestIndex::sample_copy(&index, None);
    let out = tmp.path().join("site");
    build(&index, &out);
    let home = format!("file://{}", out.join("index.html").display());
    let all = results(&browser_dom(&home));
    assert_eq!(
        all,
        [
            "acme-audit",
            "greeter-core",
            "hello-world",
            "old-greeter",
            "pretty-theme"
        ]
    );
    assert_eq!(
        results(&browser_dom(&format!("{home}?q=theme"))),
        ["pretty-theme"]
    );
    // Engine 1.1: only plugins with a version that runs there (every
    // acme-audit version needs 1.2 or newer).
    assert_eq!(
        results(&browser_dom(&format!("{home}?engine=1.1"))),
        ["greeter-core", "hello-world", "old-greeter", "pretty-theme"]
    );
    assert!(results(&browser_dom(&format!("{home}?engine=0.9"))).is_empty());
    assert_eq!(
        results(&browser_dom(&format!("{home}?keyword=theme"))),
        ["pretty-theme"]
    );
    let dom = browser_dom(&format!("{home}?q=greeter"));
    assert!(dom.contains("2 plugins"), "the count is announced");
    assert!(dom.contains("deprecated"), "old-greeter's badge");
}

/// The sample's hello-world names a readme: a real browser shows its
/// heading, list and code block under the versions table.
#[test]
fn a_benign_readme_renders_in_a_real_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    TestIndex::sample_copy(&index, None);
    let out = tmp.path().join("site");
    build(&index, &out);
    let mut page = super::devtools::Page::open(&format!(
        "file://{}",
        out.join("plugins/hello-world.html").display()
    ));
    assert_eq!(
        page.eval("document.querySelector('#readme').textContent"),
        "Readme 2.0.0"
    );
    assert_eq!(
        page.eval("document.querySelector('.readme h3').textContent"),
        "hello-world"
    );
    assert_eq!(
        page.eval("document.querySelectorAll('.readme li').length"),
        2
    );
    assert_eq!(
        page.eval("document.querySelector('.readme pre code').textContent"),
        "plugres add hello-world\n"
    );
    assert_eq!(
        page.eval("document.querySelector('.readme a').rel"),
        "noopener noreferrer nofollow"
    );
}

/// A readme with every trick the sanitizer must defeat (README "A web
/// catalog"), each trying to set the page's title.
const HOSTILE_README: &str = r#"# Evil readme

<script>document.title='pwned'</script>

<img src=x onerror="document.title='pwned'">

[click](javascript:document.title='pwned') <a href="JaVaScRiPt:document.title='pwned'">here</a>

<a href="https://example.com/" " onmouseover="document.title='pwned'">hover</a> <b onmouseover="document.title='pwned'">bold</b>

<iframe srcdoc="<script>parent.document.title='pwned'</script>"></iframe>

<form action="javascript:document.title='pwned'"><button>go</button></form>

<p style="position:fixed;inset:0" onclick="document.title='pwned'">cover</p>

[fine](https://example.com/docs)
"#;

/// A publisher's markup stays text in a real browser: nothing it carries
/// runs or becomes an element.
#[test]
fn hostile_strings_stay_inert_in_a_real_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let ix = TestIndex::sample_copy(&index, None);
    ix.plugin("evil-plugin")
        .version("1.0.0", ">=1.0")
        .artifact("any", "evil.wasm", b"\0asm")
        .yanked("<script>document.title='pwned'</script>")
        .version("1.1.0", ">=1.0")
        .artifact("any", "evil.wasm", b"\0asm1")
        .readme(HOSTILE_README)
        .deprecated("<img src=x onerror=\"document.title='pwned'\"> use \"><b>good</b>")
        .publish();
    let out = tmp.path().join("site");
    build(&index, &out);
    let page = browser_dom(&format!(
        "file://{}",
        out.join("plugins/evil-plugin.html").display()
    ));
    assert!(
        page.contains("<title>evil-plugin · sample</title>"),
        "{page}"
    );
    assert!(!page.contains("pwned</title>"), "a script ran");
    assert!(!page.contains("<img src=\"x\""), "an element was injected");
    assert!(!page.contains("<b>good</b>"), "markup was parsed");
    assert!(page.contains("&lt;b&gt;good&lt;/b&gt;"), "{page}");
    // The readme, in the live page: its heading and text are there, and
    // nothing in it became a script, a handler, a frame, a form, a style
    // or a link anywhere but http(s), mailto or this page.
    let mut live = super::devtools::Page::open(&format!(
        "file://{}",
        out.join("plugins/evil-plugin.html").display()
    ));
    assert_eq!(
        live.eval("document.querySelector('.readme h3').textContent"),
        "Evil readme"
    );
    assert_eq!(
        live.eval(
            "document.querySelectorAll('script, img, iframe, form, input, object, embed, [style], [onerror], [onmouseover], [onclick], [onload]').length"
        ),
        0
    );
    assert_eq!(
        live.eval(
            "Array.from(document.querySelectorAll('a[href]')).map(a => a.protocol).filter(p => !['http:', 'https:', 'mailto:', 'file:'].includes(p)).join(',')"
        ),
        ""
    );
    assert_eq!(
        live.eval("Array.from(document.querySelectorAll('.readme a[href]')).map(a => a.textContent).join(',')"),
        "fine",
        "only the https link keeps its href (the broken `<a` tag is text)"
    );
    live.eval("document.querySelectorAll('.readme *').forEach(e => e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(live.eval("document.title"), "evil-plugin · sample");
    let home = browser_dom(&format!(
        "file://{}?q=evil",
        out.join("index.html").display()
    ));
    assert_eq!(results(&home), ["evil-plugin"]);
    assert!(!home.contains("pwned</title>"));
}

/// Typed key by key, as a user types: the list narrows on every key, and
/// the keyboard reaches a result and opens its page, whose versions table
/// shows a yanked version.
#[test]
fn typing_in_the_search_box_filters_and_the_keyboard_opens_a_plugin() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let ix = TestIndex::sample_copy(&index, None);
    ix.plugin("greeter-extra")
        .version("1.0.0", ">=1.0")
        .artifact("any", "extra.wasm", b"\0asm")
        .version("1.1.0", ">=1.0")
        .artifact("any", "extra.wasm", b"\0asm1")
        .yanked("broke greetings")
        .deprecated("use greeter-core")
        .publish();
    let out = tmp.path().join("site");
    build(&index, &out);
    let mut page =
        super::devtools::Page::open(&format!("file://{}", out.join("index.html").display()));
    let names =
        "Array.from(document.querySelectorAll('#results li a')).map(a => a.textContent).join(',')";
    assert_eq!(page.eval(names).as_str().unwrap().split(',').count(), 6);
    page.eval("document.getElementById('q').focus()");
    page.type_text("gree");
    assert_eq!(
        page.eval(names),
        "acme-audit,greeter-core,greeter-extra,hello-world,old-greeter"
    );
    page.type_text("ter-");
    assert_eq!(page.eval(names), "greeter-core,greeter-extra");
    assert_eq!(
        page.eval("document.getElementById('count').textContent"),
        "2 plugins"
    );
    // Tab past the four filters to the first result; Enter opens one.
    for _ in 0..5 {
        page.press("Tab", 9);
    }
    assert_eq!(
        page.eval("document.activeElement.textContent"),
        "greeter-core"
    );
    page.press("Tab", 9);
    assert_eq!(
        page.eval("document.activeElement.textContent"),
        "greeter-extra"
    );
    page.press("Enter", 13);
    page.until("location.pathname.endsWith('/plugins/greeter-extra.html') && document.readyState === 'complete'");
    assert_eq!(
        page.eval("document.querySelector('.banner').textContent"),
        "Deprecated: use greeter-core"
    );
    let rows = "Array.from(document.querySelectorAll('#versions tbody th')).map(t => t.textContent.trim()).join('|')";
    assert_eq!(page.eval(rows), "1.1.0 yanked: broke greetings|1.0.0");
}
