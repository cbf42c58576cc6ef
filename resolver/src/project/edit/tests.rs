use super::*;

const KEY: &str = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";

fn original() -> String {
    format!(
        r#"# Our plugins. Ask #platform before adding one.
[engine]
version = "1.4.2"   # bump with the engine

[registry.default]
index = "../sample-index"
root-keys = ["{KEY}"]

[plugins]
# greeting on start
hello-world = "^1.2"  # keep on 1.x
zeta = "1"
"#
    )
}

fn editor(text: &str) -> ManifestEditor {
    ManifestEditor::from_text(Path::new("/proj/plugres.toml"), text).unwrap()
}

fn name(s: &str) -> PluginName {
    PluginName::new(s).unwrap()
}

#[test]
fn edits_keep_comments_and_layout() {
    let mut e = editor(&original());
    e.add_plugin(&name("greeter-core"), &"^0.3".parse().unwrap(), None)
        .unwrap();
    e.add_plugin(&name("hello-world"), &"^1.3".parse().unwrap(), None)
        .unwrap();
    e.add_plugin(&name("acme-audit"), &"2".parse().unwrap(), Some("acme"))
        .unwrap();
    assert!(e.remove_plugin(&name("zeta")));
    assert!(!e.remove_plugin(&name("zeta")));
    e.set_engine_version(&"1.5.0".parse().unwrap()).unwrap();
    e.add_registry(
        "acme",
        "https://github.com/acme/index.git",
        &[PublicKey::parse(KEY).unwrap()],
        None,
    )
    .unwrap();
    let expected = format!(
        r#"# Our plugins. Ask #platform before adding one.
[engine]
version = "1.5.0"   # bump with the engine

[registry.default]
index = "../sample-index"
root-keys = ["{KEY}"]

[registry.acme]
index = "https://github.com/acme/index.git"
root-keys = ["{KEY}"]

[plugins]
acme-audit = {{ version = "^2", registry = "acme" }}
greeter-core = "^0.3"
# greeting on start
hello-world = "^1.3"  # keep on 1.x
"#
    );
    assert_eq!(e.to_string(), expected);
}

#[test]
fn unsorted_tables_get_new_keys_at_the_end() {
    let mut e = editor("[engine]\nversion = \"1.0.0\"\n\n[plugins]\nzeta = \"1\"\nalpha = \"1\"\n");
    e.add_plugin(&name("beta"), &"1".parse().unwrap(), None)
        .unwrap();
    assert!(
        e.to_string()
            .ends_with("zeta = \"1\"\nalpha = \"1\"\nbeta = \"^1\"\n")
    );
}

#[test]
fn a_new_manifest_gets_sections_as_needed_and_saves_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plugres.toml");
    let mut e = ManifestEditor::new(&path, &"1.4.2".parse().unwrap());
    e.add_registry("default", "index", &[PublicKey::parse(KEY).unwrap()], None)
        .unwrap();
    e.add_plugin(&name("hello"), &"^1".parse().unwrap(), None)
        .unwrap();
    e.set_engine_target(Some(&Target::new("wasm32-wasip1").unwrap()))
        .unwrap();
    let m = e.save().unwrap();
    assert_eq!(m.plugins[&name("hello")].registry, "default");
    assert_eq!(
        m.registries["default"].location,
        crate::project::IndexLocation::Path(dir.path().join("index"))
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, e.to_string());
    assert!(text.contains("[registry.default]\n"), "{text}");
    assert!(!text.contains("[registry]\n"), "{text}");

    let mut again = ManifestEditor::open(&path).unwrap();
    again.set_engine_target(None).unwrap();
    assert!(again.remove_registry("default"));
    // A plugin would now name a registry that does not exist: not saved.
    let err = again.save().unwrap_err();
    assert!(matches!(err, ProjectError::Invalid { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn syntax_errors_have_positions() {
    let err =
        ManifestEditor::from_text(Path::new("plugres.toml"), "[engine]\nversion = \n").unwrap_err();
    let ProjectError::Invalid { diagnostics, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!((diagnostics[0].line, diagnostics[0].column), (2, 11));
    let mut e = editor("plugins = 3\n");
    assert!(matches!(
        e.add_plugin(&name("x"), &"1".parse().unwrap(), None),
        Err(ProjectError::Edit { .. })
    ));
    assert!(e.add_registry("Bad Name", "x", &[], None).is_err());
}

#[test]
fn a_crlf_manifest_stays_crlf() {
    let crlf = original().replace('\n', "\r\n");
    let mut e = editor(&crlf);
    e.add_plugin(&name("greeter-core"), &"^0.3".parse().unwrap(), None)
        .unwrap();
    e.add_plugin(&name("acme-audit"), &"2".parse().unwrap(), Some("acme"))
        .unwrap();
    let text = e.to_string();
    assert!(text.contains("greeter-core = \"^0.3\"\r\n"), "{text:?}");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    assert!(!text.contains("\r\r"), "{text:?}");
    // And an LF one stays LF.
    let mut e = editor(&original());
    e.add_plugin(&name("greeter-core"), &"^0.3".parse().unwrap(), None)
        .unwrap();
    assert!(!e.to_string().contains('\r'));
}

#[test]
fn naming_a_registry_keeps_the_requirement_and_comment_as_written() {
    let text = "[registry.sample]\nindex = \"../i\"\nroot-keys = []\n\n[plugins]\nhello-world = \"1\"  # keep\nacme = { version = \"2\" }\n";
    let mut e = editor(text);
    assert!(e.set_plugin_registry(&name("hello-world"), "sample"));
    assert!(e.set_plugin_registry(&name("acme"), "sample"));
    assert!(!e.set_plugin_registry(&name("absent"), "sample"));
    assert_eq!(
        e.to_string(),
        "[registry.sample]\nindex = \"../i\"\nroot-keys = []\n\n[plugins]\nhello-world = { version = \"1\", registry = \"sample\" }  # keep\nacme = { registry = \"sample\", version = \"2\" }\n"
    );
}

#[test]
fn config_survives_a_new_requirement_a_channel_and_a_local_build() {
    let mut e = editor(&original());
    let hello = name("hello-world");
    e.set_plugin_config(&hello, "greeting", Some(Value::from("Hi")));
    let line = |e: &ManifestEditor| {
        let text = e.to_string();
        text.lines()
            .find(|l| l.starts_with("hello-world"))
            .unwrap()
            .to_string()
    };
    let check = |e: &ManifestEditor, has: &str, not: &[&str]| {
        let l = line(e);
        assert!(
            l.contains("config = { greeting = \"Hi\" }") && l.contains(has),
            "{l}"
        );
        assert!(not.iter().all(|n| !l.contains(n)), "{l}");
    };
    e.add_plugin(&hello, &"^1.3".parse().unwrap(), None)
        .unwrap();
    check(&e, "version = \"^1.3\"", &["channel", "path"]);
    e.add_plugin_channel(&hello, &plugres_schema::Channel::new("beta").unwrap(), None)
        .unwrap();
    check(&e, "channel = \"beta\"", &["version", "path"]);
    e.add_local_plugin(&hello, "../hello", None).unwrap();
    check(&e, "path = \"../hello\"", &["version", "channel"]);
    e.add_plugin(&hello, &"^1.3".parse().unwrap(), None)
        .unwrap();
    check(&e, "version = \"^1.3\"", &["channel", "path"]);
    assert!(line(&e).ends_with("# keep on 1.x"), "the comment stays");
}
