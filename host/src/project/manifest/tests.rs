use super::*;

const KEY: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";

fn example() -> String {
    format!(
        r#"# my project
[engine]
version = "1.4.2"   # the engine we ship
target = "wasm32-wasip1"

[registry.default]
index = "../sample-index"
root-keys = ["{KEY}"]

[registry.acme]
index = "sparse+https://index.acme.example/"
root-keys = ["{KEY}"]
artifact-mirror = "https://mirror.example/"

[plugins]
hello-world = "^1.2"
acme-audit = {{ version = "2", registry = "acme" }}

[settings]
install-dir = "vendor/plugins/"
"#
    )
}

fn parse(text: &str) -> Result<Manifest, Vec<Diagnostic>> {
    Manifest::parse("plugres.toml", text, Path::new("/proj"))
}

fn errors(text: &str) -> Vec<String> {
    parse(text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn parses_the_documented_example() {
    let m = parse(&example()).unwrap();
    assert_eq!(m.engine.version.to_string(), "1.4.2");
    assert_eq!(m.engine.target.as_ref().unwrap().as_str(), "wasm32-wasip1");
    let default = &m.registries["default"];
    assert_eq!(default.index, "../sample-index");
    assert_eq!(
        default.location,
        IndexLocation::Path(PathBuf::from("/proj/../sample-index"))
    );
    assert_eq!(default.root_keys[0].as_str(), KEY);
    let acme = &m.registries["acme"];
    assert_eq!(
        acme.location,
        IndexLocation::Sparse("https://index.acme.example/".into())
    );
    assert_eq!(
        acme.artifact_mirror.as_deref(),
        Some("https://mirror.example/")
    );
    let hello = PluginName::new("hello-world").unwrap();
    assert_eq!(m.plugins[&hello].req.to_string(), "^1.2");
    assert_eq!(m.plugins[&hello].registry, "default");
    let audit = PluginName::new("acme-audit").unwrap();
    assert_eq!(m.plugins[&audit].registry, "acme");
    assert_eq!(m.registry_of(&audit).unwrap().name, "acme");
    assert_eq!(m.install_dir, "vendor/plugins");
    assert_eq!(
        m.install_dir_in(Path::new("/proj")),
        Path::new("/proj/vendor/plugins")
    );
}

#[test]
fn a_single_registry_is_the_default_and_settings_are_optional() {
    let m = parse(&format!(
        "[engine]\nversion = \"1.0.0\"\n[registry.main]\nindex = \"git@github.com:acme/index.git\"\nroot-keys = [\"{KEY}\"]\n[plugins]\nx = \"1\"\n"
    ))
    .unwrap();
    assert_eq!(m.plugins.values().next().unwrap().registry, "main");
    assert_eq!(
        m.registries["main"].location,
        IndexLocation::Git("git@github.com:acme/index.git".into())
    );
    assert_eq!(m.install_dir, DEFAULT_INSTALL_DIR);
    assert!(m.engine.target.is_none());
}

#[test]
fn index_locations_by_form() {
    let dir = Path::new("/p");
    let loc = |s: &str| IndexLocation::parse(s, dir);
    assert_eq!(
        loc("https://github.com/a/b.git"),
        Ok(IndexLocation::Git("https://github.com/a/b.git".into()))
    );
    assert_eq!(
        loc("file:///srv/index.git"),
        Ok(IndexLocation::Git("file:///srv/index.git".into()))
    );
    assert_eq!(
        loc("/srv/index"),
        Ok(IndexLocation::Path(PathBuf::from("/srv/index")))
    );
    assert_eq!(loc("idx"), Ok(IndexLocation::Path(PathBuf::from("/p/idx"))));
    assert!(loc("sparse+ftp://x").is_err());
    assert!(loc("  ").is_err());
}

#[test]
fn every_problem_has_a_line_and_column() {
    let text = r#"[engine]
version = "1.4"
target = "Not A Target"

[registry.default]
index = "x"
root-keys = ["nope"]

[plugins]
Bad = "1"
good = "^^1"
other = { version = "1", registry = "missing" }
third = 3

[settings]
install-dir = "../outside"
"#;
    let errs = errors(text);
    let at: Vec<&str> = errs.iter().map(|e| e.split(": ").next().unwrap()).collect();
    assert_eq!(
        at,
        vec![
            "plugres.toml:2:11",
            "plugres.toml:3:10",
            "plugres.toml:7:14",
            "plugres.toml:10:1",
            "plugres.toml:11:8",
            "plugres.toml:12:9",
            "plugres.toml:13:9",
            "plugres.toml:16:15",
        ],
        "{errs:#?}"
    );
    assert!(errs[0].contains("engine version `1.4`"), "{}", errs[0]);
    assert!(errs[5].contains("`[registry.missing]`"), "{}", errs[5]);
}

#[test]
fn syntax_and_unknown_keys_are_reported_where_they_are() {
    let errs = errors("[engine]\nversion = \"1.0.0\"\n[plugin]\nx = \"1\"\n");
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("plugres.toml:3:"), "{errs:?}");
    assert!(errs[0].contains("plugin"), "{errs:?}");

    let errs = errors("[engine]\nversion = \n");
    assert!(errs[0].starts_with("plugres.toml:2:"), "{errs:?}");
}

#[test]
fn registries_need_root_keys_and_plugins_need_a_registry() {
    let errs = errors("[engine]\nversion = \"1.0.0\"\n[registry.a]\nindex = \"x\"\n");
    assert!(errs[0].contains("no `root-keys`"), "{errs:?}");

    let text = format!(
        "[engine]\nversion = \"1.0.0\"\n[registry.a]\nindex = \"x\"\nroot-keys = [\"{KEY}\"]\n[registry.b]\nindex = \"y\"\nroot-keys = [\"{KEY}\"]\n[plugins]\nhello = \"1\"\n"
    );
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("plugres.toml:10:9: error: plugin `hello` names no registry"),
        "{errs:?}"
    );
}

#[test]
fn artifact_mirror_urls_follow_the_mirror_layout() {
    let m = parse(&example()).unwrap();
    let sha = plugres_schema::Sha256::of(b"x");
    let hex = sha.to_hex();
    let with: Vec<&RegistrySpec> = m
        .registries
        .values()
        .filter(|r| r.artifact_mirror.is_some())
        .collect();
    assert_eq!(with.len(), 1, "the example has one mirrored registry");
    let base = with[0].artifact_mirror.clone().unwrap();
    let url = with[0].mirror_url(&sha, "hello.tar.gz").unwrap();
    assert_eq!(
        url,
        format!(
            "{}/{}/{hex}/hello.tar.gz",
            base.trim_end_matches('/'),
            &hex[..2]
        )
    );
    let plain = m
        .registries
        .values()
        .find(|r| r.artifact_mirror.is_none())
        .unwrap();
    assert_eq!(plain.mirror_url(&sha, "hello.tar.gz"), None);
}

#[test]
fn registry_names_sharing_a_token_variable_are_refused() {
    let errs = errors(&format!(
        "[engine]\nversion = \"1.0.0\"\n[registry.acme-x]\nindex = \"sparse+https://a.example/\"\nroot-keys = [\"{KEY}\"]\n[registry.acme_x]\nindex = \"sparse+https://b.example/\"\nroot-keys = [\"{KEY}\"]\n"
    ));
    assert!(
        errs.iter().any(|e| e.contains("`acme-x`")
            && e.contains("`acme_x`")
            && e.contains("PLUGRES_REGISTRY_ACME_X_TOKEN")),
        "{errs:?}"
    );
}

#[test]
fn an_index_url_with_a_password_is_refused_without_showing_it() {
    let errs = errors(&format!(
        "[engine]\nversion = \"1.0.0\"\n[registry.acme]\nindex = \"sparse+https://bob:hunter2@a.example/\"\nroot-keys = [\"{KEY}\"]\n"
    ));
    let all = errs.join("\n");
    assert!(
        all.contains("carries a password") && all.contains("credentials.toml"),
        "{all}"
    );
    assert!(!all.contains("hunter2"), "{all}");
    // A user name alone (ssh, scp-like) is fine.
    assert!(IndexLocation::parse("ssh://git@h/x.git", Path::new("/")).is_ok());
    assert!(IndexLocation::parse("git@h:x.git", Path::new("/")).is_ok());
}

#[test]
fn the_install_dir_is_a_folder_of_its_own() {
    let with =
        |dir: &str| format!("[engine]\nversion = \"1.0.0\"\n[settings]\ninstall-dir = \"{dir}\"\n");
    for (dir, says) in [
        (".", "not the project folder"),
        ("./", "not the project folder"),
        (".git", "not inside `.git`"),
        (".git/hooks", "not inside `.git`"),
        ("vendor/.hg", "not inside `.hg`"),
        (".plugres", "not inside `.plugres`"),
        ("../up", "a relative path inside the project"),
    ] {
        let errs = errors(&with(dir)).join("\n");
        assert!(
            errs.contains(says) && errs.contains("plugres.toml:4:15"),
            "{dir}: {errs}"
        );
    }
    assert_eq!(parse(&with("./plugins")).unwrap().install_dir, "plugins");
    assert_eq!(parse(&with(".plugins")).unwrap().install_dir, ".plugins");
}

#[test]
fn a_local_plugin_is_a_path_resolved_against_the_project() {
    let text = example().replace(
        "[settings]",
        "my-plugin = { path = \"../my-plugin\" }\nother = { path = \"x\", version = \"^1\", registry = \"acme\" }\n\n[settings]",
    );
    let m = parse(&text).unwrap();
    let spec = &m.plugins[&PluginName::new("my-plugin").unwrap()];
    assert_eq!(spec.local(), Some("../my-plugin"));
    let path = spec.path.as_ref().unwrap();
    assert_eq!(path.dir, Path::new("/my-plugin"), "`..` taken lexically");
    assert_eq!(spec.req, VersionReq::STAR);
    assert_eq!(spec.registry, "default", "its dependencies' registry");
    let other = &m.plugins[&PluginName::new("other").unwrap()];
    assert_eq!(
        (other.req.to_string().as_str(), other.registry.as_str()),
        ("^1", "acme")
    );
    let bad = example().replace(
        "[settings]",
        "x = { path = \"\" }\ny = { path = \"a\", git = \"b\" }\nz = { path = \"z\", channel = \"beta\" }\n[settings]",
    );
    let e = errors(&bad);
    assert!(
        e[0].contains("`path` must be the folder of the plugin's plugin.toml"),
        "{e:?}"
    );
    assert!(e[2].contains("has `path` and `channel`"), "{e:?}");
    assert!(
        e[1].contains(
            "unknown key `git` (expected `version` or `channel`, `registry` and `config`; or `path`)"
        ),
        "{e:?}"
    );
}

#[test]
fn config_values_keep_where_they_were_written_in_either_table_form() {
    let text = example().replace(
        "hello-world = \"^1.2\"\n",
        "hello-world = { version = \"^1.2\", config = { greeting = \"Hi\" } }\n",
    ) + "\n[plugins.acme-x]\nversion = \"1\"\nregistry = \"acme\"\n\n[plugins.acme-x.config]\n# how often\ntimes = 3\nratio = 0.5\n";
    let m = parse(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let hello = &m.plugins[&PluginName::new("hello-world").unwrap()].config;
    assert_eq!(hello["greeting"].at, "plugres.toml:16:46");
    assert_eq!(hello["greeting"].value, toml::Value::from("Hi"));
    let acme = &m.plugins[&PluginName::new("acme-x").unwrap()].config;
    assert_eq!(acme["times"].at, "plugres.toml:28:1");
    assert_eq!(acme["ratio"].at, "plugres.toml:29:1");
    let bad = text.replace("times = 3", "times = [3]");
    let e = parse(&bad).unwrap_err();
    assert!(
        e[0].to_string()
            .contains("setting `times` must be a string, integer, float or boolean"),
        "{e:?}"
    );
}
