//! Host name resolution for one agent: each host is looked up once.
//!
//! ureq resolves the host before every request, even one that then reuses a
//! kept-alive connection, and with a resolve timeout set (plugres always
//! sets one) each lookup runs on a thread of its own. A cold sparse lock
//! makes a request per plugin, so that was a thread spawn and a
//! `getaddrinfo` per plugin file, most of it for nothing. Here an agent
//! remembers the answer for each `host:port` for its lifetime (one command:
//! curl keeps DNS answers 60 s), and an IP literal is never looked up.
//! A failed lookup is not remembered, so a retry looks again.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::{Agent, Error};

/// An agent with plugres's resolver and ureq's own connector (TLS, proxies).
pub(crate) fn agent(config: Config) -> Agent {
    Agent::with_parts(
        config,
        DefaultConnector::default(),
        CachingResolver::default(),
    )
}

/// [`DefaultResolver`] behind a per-agent memo. See the module docs.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    known: Mutex<HashMap<String, ResolvedSocketAddrs>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, Error> {
        let key = uri
            .scheme()
            .zip(uri.authority())
            .and_then(|(scheme, authority)| DefaultResolver::host_and_port(scheme, authority));
        let Some(key) = key else {
            // Not a full URL: let ureq's resolver give its own error.
            return self.inner.resolve(uri, config, timeout);
        };
        if let Some(addrs) = self.literal(&key) {
            return Ok(addrs);
        }
        if let Some(addrs) = self.lock().get(&key) {
            return Ok(addrs.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        self.lock().insert(key, addrs.clone());
        Ok(addrs)
    }
}

impl CachingResolver {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ResolvedSocketAddrs>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `127.0.0.1:8080` or `[::1]:443`: the address itself, no lookup.
    fn literal(&self, host_and_port: &str) -> Option<ResolvedSocketAddrs> {
        let addr: SocketAddr = host_and_port.parse().ok()?;
        let mut addrs = self.empty();
        addrs.push(addr);
        Some(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(resolver: &CachingResolver, url: &str) -> Result<Vec<SocketAddr>, Error> {
        let uri: Uri = url.parse().unwrap();
        let config = Agent::config_builder().build();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::NotHappening,
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        Ok(resolver
            .resolve(&uri, &config, timeout)?
            .iter()
            .copied()
            .collect())
    }

    #[test]
    fn ip_literals_resolve_to_themselves_with_the_scheme_port() {
        let r = CachingResolver::default();
        assert_eq!(
            resolve(&r, "http://127.0.0.1/x").unwrap(),
            vec!["127.0.0.1:80".parse().unwrap()]
        );
        assert_eq!(
            resolve(&r, "https://[::1]:8443/x").unwrap(),
            vec!["[::1]:8443".parse().unwrap()]
        );
        assert!(r.lock().is_empty(), "a literal is never looked up or kept");
    }

    #[test]
    fn a_name_is_looked_up_once_and_kept_per_host_and_port() {
        let r = CachingResolver::default();
        let first = resolve(&r, "http://localhost:9/a").unwrap();
        assert!(!first.is_empty());
        assert_eq!(r.lock().len(), 1);
        // Kept: a changed entry is what the next request gets.
        let marked: SocketAddr = "127.0.0.9:9".parse().unwrap();
        let mut addrs = r.empty();
        addrs.push(marked);
        r.lock().insert("localhost:9".into(), addrs);
        assert_eq!(resolve(&r, "http://localhost:9/b").unwrap(), vec![marked]);
        // Another port is another entry.
        resolve(&r, "http://localhost:10/a").unwrap();
        assert_eq!(r.lock().len(), 2);
    }

    #[test]
    fn a_failed_lookup_is_not_kept() {
        let r = CachingResolver::default();
        assert!(resolve(&r, "http://no-such-host.invalid/x").is_err());
        assert!(r.lock().is_empty());
    }
}
