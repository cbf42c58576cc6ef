use super::*;

const ACME: &str = "sparse+https://index.acme.example/idx/";

fn bound(c: &Credentials, registry: &str, index: &str) -> Option<String> {
    match c.token_for(registry, index).unwrap() {
        Binding::Bound(t) => Some(t.expose().to_string()),
        _ => None,
    }
}

fn withheld(c: &Credentials, registry: &str, index: &str) -> String {
    match c.token_for(registry, index).unwrap() {
        Binding::Withheld(why) => why,
        other => panic!("expected a withheld token, got {other:?}"),
    }
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
        &format!(
            "[registry.acme]\nindex = \"{ACME}\"\ntoken = \"from-file\"\n[registry.other]\nindex = \"https://other.example\"\ntoken = \"other\"\n"
        ),
    );
    let c = Credentials::new(
        [
            ("PLUGRES_REGISTRY_ACME_TOKEN".into(), "from-env".into()),
            ("PLUGRES_REGISTRY_ACME_INDEX".into(), ACME.into()),
            ("HOME".to_string(), "/h".to_string()),
        ],
        Some(file),
    );
    assert_eq!(bound(&c, "acme", ACME).as_deref(), Some("from-env"));
    // `sparse+`, a missing trailing slash and a default port are the same index.
    assert_eq!(
        bound(&c, "other", "sparse+https://other.example:443/").as_deref(),
        Some("other")
    );
    assert_eq!(c.token_for("nope", ACME).unwrap(), Binding::Missing);
    assert_eq!(
        Credentials::none().token_for("acme", ACME).unwrap(),
        Binding::Missing
    );
}

#[test]
fn a_token_goes_only_to_the_index_it_is_bound_to() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.toml");
    write_private(
        &file,
        &format!("[registry.acme]\nindex = \"{ACME}\"\ntoken = \"s3cret\"\n"),
    );
    let c = Credentials::new([], Some(file));
    // A deeper path under the bound index is covered.
    assert_eq!(
        bound(&c, "acme", "https://index.acme.example/idx/sub").as_deref(),
        Some("s3cret")
    );
    // A project pointing `acme` elsewhere does not get it.
    for elsewhere in [
        "sparse+https://attacker.example/",
        "sparse+https://index.acme.example.attacker.example/idx/",
        "sparse+https://index.acme.example:8443/idx/",
        "sparse+http://index.acme.example/idx/",
        "sparse+https://index.acme.example/",
        "sparse+https://index.acme.example/idx-evil/",
        "sparse+https://index.acme.example/idx/../evil/",
        "sparse+https://index.acme.example/idx/%2e%2e/evil/",
    ] {
        let why = withheld(&c, "acme", elsewhere);
        assert!(!why.contains("s3cret"), "{why}");
        assert!(why.contains("credentials.toml"), "{elsewhere}: {why}");
    }
    let why = withheld(&c, "acme", "sparse+https://attacker.example/");
    assert!(
        why.contains("another index URL")
            && why.contains(ACME)
            && why.contains("https://attacker.example/"),
        "{why}"
    );
}

#[test]
fn an_env_token_needs_its_index_variable() {
    let token = (
        "PLUGRES_REGISTRY_ACME_TOKEN".to_string(),
        "s3cret".to_string(),
    );
    let c = Credentials::new([token.clone()], None);
    let why = withheld(&c, "acme", ACME);
    assert!(
        why.contains("PLUGRES_REGISTRY_ACME_TOKEN")
            && why.contains("PLUGRES_REGISTRY_ACME_INDEX")
            && why.contains("names no index"),
        "{why}"
    );
    let c = Credentials::new(
        [
            token,
            (
                "PLUGRES_REGISTRY_ACME_INDEX".to_string(),
                "https://attacker.example/".to_string(),
            ),
        ],
        None,
    );
    let why = withheld(&c, "acme", ACME);
    assert!(why.contains("another index URL"), "{why}");
}

#[test]
fn a_file_entry_without_an_index_is_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.toml");
    write_private(&file, "[registry.acme]\ntoken = \"s3cret\"\n");
    let c = Credentials::new([], Some(file));
    let why = withheld(&c, "acme", ACME);
    assert!(
        why.contains("names no index") && why.contains(&format!("index = \"{ACME}\"")),
        "{why}"
    );
}

#[test]
fn tokens_are_not_sent_over_plain_http_to_another_host() {
    let bind = |index: &str| {
        Credentials::new(
            [
                ("PLUGRES_REGISTRY_ACME_TOKEN".into(), "s3cret".into()),
                ("PLUGRES_REGISTRY_ACME_INDEX".into(), index.into()),
            ],
            None,
        )
    };
    let remote = "sparse+http://index.acme.example/";
    let why = withheld(&bind(remote), "acme", remote);
    assert!(why.contains("plain http://"), "{why}");
    for local in [
        "sparse+http://127.0.0.1:8080/idx/",
        "sparse+http://127.3.4.5/",
        "sparse+http://localhost:1/",
        "sparse+http://[::1]:9/",
    ] {
        assert_eq!(
            bound(&bind(local), "acme", local).as_deref(),
            Some("s3cret")
        );
    }
    assert!(may_carry_token("https://h/"));
    assert!(!may_carry_token("http://128.0.0.1/"));
    assert!(!may_carry_token("http://localhost.evil.example/"));
    assert!(!may_carry_token("file:///tmp/x"));
}

#[test]
fn a_missing_file_holds_no_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let c = Credentials::new([], Some(dir.path().join("credentials.toml")));
    assert_eq!(c.token_for("acme", ACME).unwrap(), Binding::Missing);
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
    let msg = c.token_for("acme", ACME).unwrap_err().to_string();
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
fn tokens_go_only_to_their_registry_prefixes() {
    let t = Token::new("s3cret").unwrap();
    let other = Token::new("other").unwrap();
    let mut scopes = TokenScopes::default();
    assert!(scopes.is_empty());
    scopes.allow(
        "acme",
        Scope::index("https://index.acme.example/idx").unwrap(),
        &t,
    );
    scopes.allow(
        "acme",
        Scope::folder("https://cdn.example/acme/a-").unwrap(),
        &t,
    );
    scopes.allow(
        "beta",
        Scope::folder("https://cdn.example/beta/").unwrap(),
        &other,
    );
    assert_eq!(
        scopes.token_for("https://cdn.example/acme/a-x.wasm"),
        Some(&t)
    );
    assert_eq!(
        scopes.token_for("https://index.acme.example:443/idx/p/a.wasm"),
        Some(&t)
    );
    // Same host, another registry's folder: that registry's token only.
    assert_eq!(
        scopes.token_for("https://cdn.example/beta/b.wasm"),
        Some(&other)
    );
    for none in [
        "https://cdn.example/c.wasm",
        "https://cdn.example/acme-evil/a.wasm",
        "https://cdn.example/acme/../beta/b.wasm",
        "https://cdn.example/acme/%2E%2E/x",
        "https://index.acme.example/other/a.wasm",
        "https://cdn.example:8443/acme/a.wasm",
        "http://cdn.example/acme/a.wasm",
        "https://cdn.example.evil.com/acme/a",
        "file:///tmp/a",
    ] {
        assert_eq!(scopes.token_for(none), None, "{none}");
    }
    // Plain http to another host is never a scope; to loopback it is.
    scopes.allow("acme", Scope::index("http://cdn.example/x/").unwrap(), &t);
    assert_eq!(scopes.token_for("http://cdn.example/x/a"), None);
    scopes.allow("acme", Scope::index("http://127.0.0.1:9/x/").unwrap(), &t);
    assert_eq!(scopes.token_for("http://127.0.0.1:9/x/a"), Some(&t));
}
