//! Fetching the index branch into the bare cache, with retries.
//!
//! One fetch asks the remote for `HEAD`, `refs/heads/main` and
//! `refs/heads/master` (source-only refspecs: no local ref is written), so a
//! single round trip serves every way an index repository may name its
//! branch. The tip is then picked from the advertised refs: what `HEAD`
//! points at, else `main`, else `master`. Accepting the tip is the caller's
//! decision ([`super::GitBackend::open`] checks ancestry); this module only
//! brings the objects in. Negotiation offers every local ref as common, so
//! after the first clone only new commits travel.
//!
//! `http://` and `https://` remotes go through [`super::http`] (the HTTP
//! settings and token rules of every other plugres request); `git://`,
//! `ssh://` and `file://` through gix's own transports.

use std::cell::Cell;
use std::sync::atomic::AtomicBool;

use gix::ObjectId;
use gix::credentials::helper::Action;
use gix::protocol::handshake::Ref;
use gix::protocol::transport::client::AuthenticationRequired;
use gix::protocol::transport::client::blocking_io::{Transport, http::connect_http};
use gix::remote::fetch::Tags;
use gix::remote::{Connection, Direction};
use gix::url::Scheme;

use super::http::UreqHttp;
use crate::credentials::Token;
use crate::fetch::{HttpConfig, HttpError, Outcome};

/// The refs asked for, in order of preference.
const WANTED: [&str; 3] = ["HEAD", "refs/heads/main", "refs/heads/master"];

/// What one successful fetch brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fetched {
    pub tip: ObjectId,
    /// Objects in the pack received; 0 when nothing new was needed.
    pub objects_received: u64,
}

/// Why a fetch failed, already worded for a message.
#[derive(Debug)]
pub(super) enum FetchError {
    /// The remote answered but has none of the refs asked for.
    NoBranch,
    /// Connecting or transferring failed; `attempts` were made. `denied`:
    /// the server answered 401 or 403.
    Failed {
        message: String,
        attempts: u32,
        denied: bool,
    },
}

/// How to reach a remote: HTTP settings (timeouts and retries) and the
/// token for an http(s) index.
#[derive(Debug, Clone, Default)]
pub(super) struct Network {
    pub http: HttpConfig,
    pub token: Option<Token>,
}

/// Fetches the index branch of `url` into `repo`, retrying transient
/// network failures as `net.http.retry` says.
pub(super) fn fetch(
    repo: &gix::Repository,
    url: &str,
    net: &Network,
) -> Result<Fetched, FetchError> {
    let mut attempts = 0;
    let asked_for_credentials = Cell::new(false);
    let result = net.http.retry.run(
        |attempt| {
            attempts = attempt;
            fetch_once(repo, url, net, &asked_for_credentials)
        },
        |err| Some(classify(err)),
    );
    let outcome = result.map_err(|err| FetchError::Failed {
        message: describe_error(&err),
        attempts,
        denied: asked_for_credentials.get() || is_denied(&err),
    })?;
    let objects_received = match &outcome.status {
        gix::remote::fetch::Status::Change {
            write_pack_bundle, ..
        } => u64::from(write_pack_bundle.index.num_objects),
        gix::remote::fetch::Status::NoPackReceived { .. } => 0,
    };
    let tip = pick_tip(&outcome.ref_map.remote_refs).ok_or(FetchError::NoBranch)?;
    Ok(Fetched {
        tip,
        objects_received,
    })
}

/// One fetch; `asked_for_credentials` is set when the server wanted
/// credentials (a 401), which gix then asks git's credential helpers for.
fn fetch_once(
    repo: &gix::Repository,
    url: &str,
    net: &Network,
    asked_for_credentials: &Cell<bool>,
) -> gix::Result<gix::remote::fetch::Outcome> {
    let remote = repo
        .remote_at(url)?
        .with_fetch_tags(Tags::None)
        .with_refspecs(WANTED, Direction::Fetch)?;
    let (git_url, version) = remote.sanitized_url_and_version(Direction::Fetch)?;
    if matches!(git_url.scheme, Scheme::Http | Scheme::Https) {
        let http = UreqHttp::new(&net.http, url, net.token.clone());
        let transport = connect_http(http, git_url, version, false);
        receive(
            remote.to_connection_with_transport(transport),
            asked_for_credentials,
        )
    } else {
        receive(remote.connect(Direction::Fetch)?, asked_for_credentials)
    }
}

fn receive<T: Transport>(
    connection: Connection<'_, '_, '_, T>,
    asked_for_credentials: &Cell<bool>,
) -> gix::Result<gix::remote::fetch::Outcome> {
    let mut helpers = connection.configured_credentials_for_current_url();
    connection
        .with_credentials(|action| {
            if matches!(action, Action::Get(_)) {
                asked_for_credentials.set(true);
            }
            helpers(action)
        })
        .prepare_fetch(gix::progress::Discard, Default::default())?
        .receive(gix::progress::Discard, &AtomicBool::new(false))
}

/// The index branch among the advertised refs: `HEAD`'s target, else
/// `main`, else `master`. An unborn `HEAD` counts as absent.
fn pick_tip(refs: &[Ref]) -> Option<ObjectId> {
    let find = |name: &str| {
        refs.iter().find_map(|r| match r {
            Ref::Symbolic {
                full_ref_name,
                object,
                ..
            } if full_ref_name == name => Some(*object),
            Ref::Direct {
                full_ref_name,
                object,
            }
            | Ref::Peeled {
                full_ref_name,
                object,
                ..
            } if full_ref_name == name => Some(*object),
            _ => None,
        })
    };
    WANTED.iter().find_map(|name| find(name))
}

/// Every cause of `err`, including the errors inside `io::Error`s (whose
/// `source` skips them), breadth first.
fn causes(err: &gix::Error) -> Vec<&(dyn std::error::Error + 'static)> {
    let mut found: Vec<&(dyn std::error::Error + 'static)> = err.iter_errors().collect();
    let mut next = 0;
    while next < found.len() && found.len() < 256 {
        let e = found[next];
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            found.push(inner);
        }
        if let Some(source) = e.source() {
            found.push(source);
        }
        next += 1;
    }
    found
}

/// Whether the server refused access (401 or 403).
fn is_denied(err: &gix::Error) -> bool {
    causes(err).iter().any(|e| {
        e.is::<AuthenticationRequired>()
            || e.downcast_ref::<HttpError>()
                .is_some_and(|h| matches!(h.outcome(), Outcome::Status(401 | 403)))
    })
}

/// Whether another attempt may help. An HTTP failure is judged as for any
/// other plugres request; otherwise only connection-level failures
/// (refused, reset, timed out) found anywhere in the error's causes.
fn classify(err: &gix::Error) -> Outcome {
    use std::io::ErrorKind::*;
    let causes = causes(err);
    if let Some(http) = causes.iter().find_map(|e| e.downcast_ref::<HttpError>()) {
        return http.outcome();
    }
    let io = causes
        .iter()
        .find_map(|e| e.downcast_ref::<std::io::Error>());
    match io.map(std::io::Error::kind) {
        Some(TimedOut | WouldBlock) => Outcome::Timeout,
        Some(ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | NotConnected) => {
            Outcome::ConnectionLost
        }
        Some(ConnectionRefused | HostUnreachable | NetworkUnreachable | NetworkDown) => {
            Outcome::ConnectFailed
        }
        _ => Outcome::Fatal,
    }
}

/// The error and its causes on one line, without repeats.
fn describe_error(err: &gix::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in err.iter_errors() {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> ObjectId {
        ObjectId::from_hex(format!("{n:02x}").repeat(20).as_bytes()).unwrap()
    }

    #[test]
    fn the_tip_follows_head_then_main_then_master() {
        let master = Ref::Direct {
            full_ref_name: "refs/heads/master".into(),
            object: id(3),
        };
        let main = Ref::Direct {
            full_ref_name: "refs/heads/main".into(),
            object: id(2),
        };
        let head = Ref::Symbolic {
            full_ref_name: "HEAD".into(),
            target: "refs/heads/trunk".into(),
            tag: None,
            object: id(1),
        };
        let unborn = Ref::Unborn {
            full_ref_name: "HEAD".into(),
            target: "refs/heads/nothing".into(),
        };
        assert_eq!(pick_tip(&[master.clone(), main.clone(), head]), Some(id(1)));
        assert_eq!(
            pick_tip(&[master.clone(), unborn.clone(), main]),
            Some(id(2))
        );
        assert_eq!(pick_tip(&[unborn.clone(), master]), Some(id(3)));
        assert_eq!(pick_tip(&[unborn]), None);
    }
}
