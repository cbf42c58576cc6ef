//! The environment variables named after a registry.
//!
//! A private registry's token can come from `PLUGRES_REGISTRY_<NAME>_TOKEN`
//! together with `PLUGRES_REGISTRY_<NAME>_INDEX` (README "Private
//! registries"), where `<NAME>` is the registry name upper-cased with `-`
//! as `_`. plugres.toml refuses two registries that would share them.

/// The environment variable holding registry `name`'s token. Names that
/// differ only by `-` and `_` share it; plugres.toml refuses such pairs.
pub fn env_var_for(registry: &str) -> String {
    format!("PLUGRES_REGISTRY_{}_TOKEN", env_stem(registry))
}

/// The environment variable naming the index registry `name`'s token
/// (from [`env_var_for`]) is for.
pub fn env_index_var_for(registry: &str) -> String {
    format!("PLUGRES_REGISTRY_{}_INDEX", env_stem(registry))
}

/// `acme-x` → `ACME_X`: the part of the variable names after `PLUGRES_REGISTRY_`.
pub fn env_stem(registry: &str) -> String {
    registry
        .chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names_follow_the_registry_name() {
        assert_eq!(env_var_for("acme"), "PLUGRES_REGISTRY_ACME_TOKEN");
        assert_eq!(
            env_var_for("acme-private"),
            "PLUGRES_REGISTRY_ACME_PRIVATE_TOKEN"
        );
        assert_eq!(
            env_index_var_for("acme-private"),
            "PLUGRES_REGISTRY_ACME_PRIVATE_INDEX"
        );
    }
}
