//! Who the tool's commits are attributed to.
//!
//! The tool must be able to commit on a CI runner with no git identity at all,
//! so instead of failing like `git commit` it falls back to a fixed name.

use super::Repo;

/// Name and e-mail recorded as author and committer of the tool's commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// Used when neither the environment nor git configuration names anyone.
const FALLBACK_NAME: &str = "plugres-index";
const FALLBACK_EMAIL: &str = "plugres-index@localhost";

impl Author {
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Author {
        Author {
            name: name.into(),
            email: email.into(),
        }
    }

    /// `GIT_AUTHOR_NAME` / `GIT_AUTHOR_EMAIL`, else `user.name` / `user.email`
    /// from the repository's git configuration (which includes the global and
    /// system files), else `plugres-index <plugres-index@localhost>`. Name and
    /// e-mail are looked up independently; empty values count as unset.
    pub fn from_env_or_config(repo: &Repo) -> Author {
        let config = repo.repo.config_snapshot();
        Author::resolve(
            |var| std::env::var(var).ok(),
            |key| config.string(key).map(|value| value.to_string()),
        )
    }

    /// The lookup order of [`Author::from_env_or_config`], with the sources
    /// passed in so it can be tested without touching the process environment.
    fn resolve(
        env: impl Fn(&str) -> Option<String>,
        config: impl Fn(&str) -> Option<String>,
    ) -> Author {
        let pick = |var: &str, key: &str, fallback: &str| {
            env(var)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| config(key).filter(|v| !v.trim().is_empty()))
                .unwrap_or_else(|| fallback.to_owned())
        };
        Author {
            name: pick("GIT_AUTHOR_NAME", "user.name", FALLBACK_NAME),
            email: pick("GIT_AUTHOR_EMAIL", "user.email", FALLBACK_EMAIL),
        }
    }

    /// A git signature of this author at `time`.
    pub(super) fn signature(&self, time: gix::date::Time) -> gix::actor::Signature {
        gix::actor::Signature {
            name: self.name.as_str().into(),
            email: self.email.as_str().into(),
            time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::git;
    use super::*;

    fn from(env: &[(&str, &str)], config: &[(&str, &str)]) -> Author {
        let lookup = |pairs: &[(&str, &str)], key: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        };
        Author::resolve(|k| lookup(env, k), |k| lookup(config, k))
    }

    #[test]
    fn environment_wins_over_config() {
        let author = from(
            &[
                ("GIT_AUTHOR_NAME", "Env Name"),
                ("GIT_AUTHOR_EMAIL", "env@example.org"),
            ],
            &[("user.name", "Cfg"), ("user.email", "cfg@example.org")],
        );
        assert_eq!(author, Author::new("Env Name", "env@example.org"));
    }

    #[test]
    fn name_and_email_fall_back_independently() {
        let author = from(
            &[("GIT_AUTHOR_NAME", "Env Name"), ("GIT_AUTHOR_EMAIL", "")],
            &[("user.email", "cfg@example.org")],
        );
        assert_eq!(author, Author::new("Env Name", "cfg@example.org"));
        assert_eq!(
            from(&[], &[]),
            Author::new("plugres-index", "plugres-index@localhost")
        );
    }

    #[test]
    fn reads_repository_config() {
        let dir = tempfile::tempdir().unwrap();
        Repo::init(dir.path()).unwrap();
        git(dir.path(), &["config", "user.name", "Repo Local"]);
        git(dir.path(), &["config", "user.email", "local@example.org"]);
        let repo = Repo::open(dir.path()).unwrap();
        let config = repo.repo.config_snapshot();
        let author = Author::resolve(|_| None, |k| config.string(k).map(|v| v.to_string()));
        assert_eq!(author, Author::new("Repo Local", "local@example.org"));
    }
}
