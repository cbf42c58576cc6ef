use super::*;

#[test]
fn env_var_names_follow_the_registry_name() {
    assert_eq!(env_var_for("acme"), "PLUGRES_REGISTRY_ACME_TOKEN");
    assert_eq!(
        env_var_for("acme-private"),
        "PLUGRES_REGISTRY_ACME_PRIVATE_TOKEN"
    );
}

#[test]
fn tokens_never_show_in_debug() {
    let t = Token::new(" s3cret ").unwrap();
    assert_eq!(t.expose(), "s3cret");
    assert!(!format!("{t:?}").contains("s3cret"));
    assert_eq!(Token::new("  "), None);
    assert_eq!(Token::new("a b"), None);
    assert_eq!(Token::new("a\nb"), None);
    let c = Credentials::new(
        [("PLUGRES_REGISTRY_ACME_TOKEN".into(), "s3cret".into())],
        None,
    );
    assert!(!format!("{c:?}").contains("s3cret"));
}

#[test]
fn the_environment_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.toml");
    write_private(
        &file,
        "[registry.acme]\ntoken = \"from-file\"\n[registry.other]\ntoken = \"other\"\n",
    );
    let c = Credentials::new(
        [
            (
                "PLUGRES_REGISTRY_ACME_TOKEN".to_string(),
                "from-env".to_string(),
            ),
            ("HOME".to_string(), "/h".to_string()),
        ],
        Some(file),
    );
    assert_eq!(c.token("acme").unwrap().unwrap().expose(), "from-env");
    assert_eq!(c.token("other").unwrap().unwrap().expose(), "other");
    assert_eq!(c.token("nope").unwrap(), None);
    assert_eq!(Credentials::none().token("acme").unwrap(), None);
}

#[test]
fn a_missing_file_holds_no_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let c = Credentials::new([], Some(dir.path().join("credentials.toml")));
    assert_eq!(c.token("acme").unwrap(), None);
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn a_file_readable_by_others_is_refused_without_showing_tokens() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.toml");
    write_private(&file, "[registry.acme]\ntoken = \"s3cret\"\n");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = read_file(&file).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("0644") && msg.contains("chmod 600"), "{msg}");
    assert!(!msg.contains("s3cret"), "{msg}");
    let c = Credentials::new([], Some(file.clone()));
    let msg = c.token("acme").unwrap_err().to_string();
    assert!(
        msg.contains("chmod 600") && !msg.contains("s3cret"),
        "{msg}"
    );
}

#[test]
fn a_broken_file_is_refused_without_quoting_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.toml");
    write_private(
        &file,
        "[registry.acme]\ntoken = \"s3cret\"\ntoken = \"s3cret2\"\n",
    );
    let msg = read_file(&file).unwrap_err().to_string();
    assert!(msg.contains("line") && !msg.contains("s3cret"), "{msg}");
    write_private(&file, "[registry.acme]\ntokn = \"s3cret\"\n");
    let msg = read_file(&file).unwrap_err().to_string();
    assert!(!msg.contains("s3cret"), "{msg}");
}

#[test]
fn origins_fill_default_ports_and_ignore_paths() {
    assert_eq!(
        origin("https://Cdn.Example.com/a/b").as_deref(),
        Some("https://cdn.example.com:443")
    );
    assert_eq!(origin("http://h:8080").as_deref(), Some("http://h:8080"));
    assert_eq!(origin("http://user:pw@h/x").as_deref(), Some("http://h:80"));
    assert_eq!(
        origin("https://[::1]:9/x").as_deref(),
        Some("https://[::1]:9")
    );
    assert_eq!(
        origin("https://[::1]/x").as_deref(),
        Some("https://[::1]:443")
    );
    assert_eq!(origin("file:///x"), None);
    assert_eq!(origin("https:///x"), None);
    assert_eq!(origin("https://h:notaport/"), None);
}

#[test]
fn tokens_go_only_to_their_origins() {
    let t = Token::new("s3cret").unwrap();
    let mut scopes = TokenScopes::default();
    assert!(scopes.is_empty());
    scopes.allow(
        &[
            "https://index.acme.example/idx/",
            "https://cdn.acme.example/p/",
        ],
        &t,
    );
    assert_eq!(
        scopes.token_for("https://cdn.acme.example/p/a.wasm"),
        Some(&t)
    );
    assert_eq!(
        scopes.token_for("https://index.acme.example:443/x"),
        Some(&t)
    );
    // Another port, scheme or host is another origin.
    assert_eq!(
        scopes.token_for("https://cdn.acme.example:8443/p/a.wasm"),
        None
    );
    assert_eq!(scopes.token_for("http://cdn.acme.example/p/a.wasm"), None);
    assert_eq!(
        scopes.token_for("https://cdn.acme.example.evil.com/a"),
        None
    );
    assert_eq!(scopes.token_for("file:///tmp/a"), None);
}
