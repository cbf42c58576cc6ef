use super::*;
use crate::project::Lockfile;

/// A lock entry of `hello` 1.0.0 declaring `settings` (TOML tables).
fn locked(version: &str, settings: &str) -> LockedPlugin {
    let text = format!(
        "version = 1\n\n[[registry]]\nname = \"default\"\nindex = \"../index\"\n\n[[plugin]]\nname = \"hello\"\nversion = \"{version}\"\nregistry = \"default\"\nengine = \"*\"\n{settings}"
    );
    Lockfile::parse("plugres.lock", &text)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .plugins[0]
        .clone()
}

const DECLS: &str = r#"
[plugin.config.greeting]
type = "string"
default = "Hello"
allowed = ["Hello", "Hi"]

[plugin.config.times]
type = "integer"
description = "How often"
min = 1

[plugin.config.token]
type = "string"
secret = true
"#;

fn values(pairs: &[(&str, toml::Value)]) -> BTreeMap<String, ConfigValue> {
    pairs
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let at = format!("plugres.toml:{}:5", 10 + i);
            (
                k.to_string(),
                ConfigValue {
                    value: v.clone(),
                    at,
                },
            )
        })
        .collect()
}

#[test]
fn values_are_checked_defaults_applied_and_secrets_looked_up() {
    let p = locked("1.0.0", DECLS);
    let given = values(&[("times", 3.into())]);
    let lookup = |plugin: &str, key: &str| {
        (plugin == "hello" && key == "token").then(|| "s3cret".to_string())
    };
    let c = resolve(&p, Some(&given), "plugres.toml", None, Some(&lookup)).unwrap();
    assert_eq!(c.values["greeting"], SettingValue::String("Hello".into()));
    assert_eq!(c.values["times"], SettingValue::Integer(3));
    assert_eq!(c.secrets["token"].expose(), "s3cret");
    assert_eq!(format!("{:?}", c.secrets["token"]), "<redacted>");
    // The client checks without secrets.
    assert!(
        resolve(&p, Some(&given), "plugres.toml", None, None)
            .unwrap()
            .secrets
            .is_empty()
    );
}

#[test]
fn every_problem_is_named_with_its_place() {
    let p = locked("1.0.0", DECLS);
    let given = values(&[
        ("greeting", "Yo".into()),
        ("colour", "red".into()),
        ("token", "oops".into()),
    ]);
    let none = |_: &str, _: &str| None;
    let errs = resolve(&p, Some(&given), "plugres.toml", None, Some(&none)).unwrap_err();
    assert_eq!(
        errs,
        [
            "plugres.toml:11:5: error: hello 1.0.0 has no setting `colour` (its settings: `greeting`, `times`, `token`)",
            "plugres.toml:10:5: error: setting `greeting` of hello 1.0.0: \"Yo\" is not one of the allowed values: \"Hello\", \"Hi\"",
            "plugres.toml:12:5: error: setting `token` of hello is a secret: remove it from plugres.toml (which is shared with the project) and set PLUGRES_CONFIG_HELLO__TOKEN or `token` under `[config.hello]` in credentials.toml",
            "plugres.toml: error: hello 1.0.0 needs setting `times` (integer: How often): set it with `plugres config hello times=VALUE`",
        ]
    );
}

#[test]
fn an_update_that_drops_or_retypes_a_setting_says_so() {
    let old = locked("1.0.0", DECLS);
    let new = locked(
        "2.0.0",
        "\n[plugin.config.times]\ntype = \"string\"\ndefault = \"x\"\n",
    );
    let given = values(&[("greeting", "Hi".into()), ("times", 2.into())]);
    let errs = resolve(&new, Some(&given), "plugres.toml", Some(&old), None).unwrap_err();
    assert!(
        errs[0].ends_with(
            "; the locked hello 1.0.0 had it, so this update drops it (its settings: `times`)"
        ),
        "{errs:?}"
    );
    assert!(errs[1].contains("expected a string, got the integer 2; the locked hello 1.0.0 declared it as integer, so this update retypes it"), "{errs:?}");
}

#[test]
fn secret_variables_split_plugin_and_setting_unambiguously() {
    assert_eq!(
        secret_var("hello-world", "api-token"),
        "PLUGRES_CONFIG_HELLO_WORLD__API_TOKEN"
    );
}
