use super::*;

/// The settings of `[config]` tables in `text`, or the error lines.
fn parse(text: &str) -> Result<Settings, Vec<String>> {
    #[derive(Deserialize)]
    struct Doc {
        config: BTreeMap<Spanned<String>, Spanned<RawSetting>>,
    }
    let doc: Doc = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
    let mut d = Diagnostics::new("f.toml", text);
    let out = validate_settings(&mut d, &doc.config);
    if d.has_errors() {
        Err(d.into_vec().iter().map(|x| x.to_string()).collect())
    } else {
        Ok(out)
    }
}

#[test]
fn declarations_parse_and_check_values() {
    let s = parse(
        r#"
[config.greeting]
type = "string"
default = "Hello"
allowed = ["Hello", "Hi"]
description = "What to say"

[config.times]
type = "integer"
default = 1
min = 1
max = 10

[config.ratio]
type = "float"

[config.token]
type = "string"
secret = true
"#,
    )
    .unwrap();
    let g = &s["greeting"];
    assert_eq!(
        g.check(&toml::Value::from("Hi")),
        Ok(SettingValue::String("Hi".into()))
    );
    assert_eq!(
        g.check(&toml::Value::from("Yo")).unwrap_err(),
        "\"Yo\" is not one of the allowed values: \"Hello\", \"Hi\""
    );
    assert_eq!(
        g.check(&toml::Value::from(3)).unwrap_err(),
        "expected a string, got the integer 3"
    );
    assert_eq!(
        s["times"].check(&toml::Value::from(11)).unwrap_err(),
        "11 is above the maximum 10"
    );
    assert_eq!(
        s["times"].check(&toml::Value::from(0)).unwrap_err(),
        "0 is below the minimum 1"
    );
    assert_eq!(
        s["ratio"].check(&toml::Value::from(2)),
        Ok(SettingValue::Float(2.0))
    );
    assert!(s["ratio"].required() && s["token"].secret);
    let mut text = String::new();
    render_settings(&mut text, "x", &s);
    let again = parse(&text.replace("[x.config.", "[config.")).unwrap();
    assert_eq!(again, s);
}

#[test]
fn bad_declarations_are_named_at_their_place() {
    let errs = parse(
        r#"
[config.a]
type = "text"

[config.b]
type = "boolean"
min = 1

[config.c]
type = "integer"
secret = true

[config.d]
type = "string"
secret = true
default = "x"

[config.e]
type = "integer"
default = 20
max = 10

[config.Bad]
type = "string"
"#,
    )
    .unwrap_err();
    let want = [
        "f.toml:23:9: error: `Bad` is not a setting name",
        "f.toml:3:8: error: setting `a`: type `text` is not one of",
        "f.toml:7:7: error: setting `b`: `min` is for integer and float settings",
        "f.toml:10:8: error: setting `c`: only string settings can be `secret`",
        "f.toml:16:11: error: setting `d`: a secret has no default",
        "f.toml:20:11: error: setting `e`: default: 20 is above the maximum 10",
    ];
    assert_eq!(errs.len(), want.len(), "{errs:#?}");
    for (e, w) in errs.iter().zip(want) {
        assert!(e.starts_with(w), "{e}\nwanted {w}");
    }
}
