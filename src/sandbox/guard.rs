//! What a request must look like before any handler reads it.
//!
//! - **Host.** Each origin answers only to the names it is served under: its configured address,
//!   the address it bound, and `localhost` / `127.0.0.1` / `<name>.localhost` with that port. A
//!   page on another name that resolves to loopback (DNS rebinding) would otherwise read the API
//!   as its own origin. Names under `.localhost` are safe to serve: browsers resolve them to
//!   loopback themselves (RFC 6761), so no outside DNS can point one here, and the demo uses them
//!   as customers' CRM origins (the manifest's `http://*.localhost:8788`).
//! - **The demo CRM's writes.** `/crm/api/*` takes no cookie or token, so a state change must show
//!   that the demo CRM's own pages made it: a JSON body (which a cross-site form or a `no-cors`
//!   fetch cannot send) from the host origin.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::Failure;
use crate::wire::ErrorCode;

/// The `host:port` names one origin answers to, in lower case, and the port its `.localhost`
/// names may use.
#[derive(Clone, Debug)]
pub struct ServedHosts(Arc<Vec<String>>, u16);

impl ServedHosts {
    /// The names of an origin configured at `configured` and bound at `bound` (they differ when
    /// the configured port is 0, or the address unspecified).
    pub fn new(configured: SocketAddr, bound: SocketAddr) -> ServedHosts {
        let port = bound.port();
        let mut names = vec![
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            bound.to_string(),
        ];
        if configured.port() == port {
            names.push(configured.to_string());
        }
        names.sort();
        names.dedup();
        ServedHosts(Arc::new(names), port)
    }

    /// The names of an origin configured at `configured` and serving at `origin` as bound
    /// (`http://127.0.0.1:40123`).
    pub fn of_origin(configured: SocketAddr, origin: &str) -> ServedHosts {
        let bound = origin
            .strip_prefix("http://")
            .and_then(|host| host.parse().ok())
            .unwrap_or(configured);
        ServedHosts::new(configured, bound)
    }

    pub fn serves(&self, host: &str) -> bool {
        self.0.iter().any(|name| name.eq_ignore_ascii_case(host)) || self.is_local_name(host)
    }

    /// `<label>.localhost:<port>`, labels of letters, digits and hyphens.
    fn is_local_name(&self, host: &str) -> bool {
        let Some((name, port)) = host.rsplit_once(':') else {
            return false;
        };
        let lower = name.to_ascii_lowercase();
        let Some(labels) = lower.strip_suffix(".localhost") else {
            return false;
        };
        port.parse() == Ok(self.1)
            && labels.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    }

    /// The origins of pages served under these names (`http://localhost:8788`, …).
    pub fn serves_origin(&self, origin: &str) -> bool {
        origin
            .strip_prefix("http://")
            .is_some_and(|host| self.serves(host))
    }
}

/// The name a request was sent to: `Host`, or the authority of an absolute-form target.
fn requested_host(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
}

/// Middleware: `421 Misdirected Request` for a request to a name the origin does not serve.
pub async fn answer_only_served_hosts(
    State(hosts): State<ServedHosts>,
    request: Request,
    next: Next,
) -> Response {
    match requested_host(&request) {
        Some(host) if hosts.serves(host) => next.run(request).await,
        host => Failure::new(
            StatusCode::MISDIRECTED_REQUEST,
            ErrorCode::Forbidden,
            format!(
                "This server does not answer to the host '{}'.",
                host.unwrap_or_default()
            ),
        )
        .into_response(),
    }
}

/// Whether a `Content-Type` is JSON (`application/json`, with any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Middleware for the demo CRM's API: a request that changes anything must be JSON (else 415)
/// and come from a page of the host origin (else 403). Reads pass.
pub async fn crm_writes_from_the_crm_only(
    State(hosts): State<ServedHosts>,
    request: Request,
    next: Next,
) -> Response {
    let reads = [Method::GET, Method::HEAD, Method::OPTIONS];
    if reads.contains(request.method()) {
        return next.run(request).await;
    }
    if !is_json(request.headers()) {
        let mut failure = Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::InvalidParameter,
            "The demo CRM takes changes as application/json only.",
        );
        failure.error.field = Some("Content-Type".to_owned());
        return failure.into_response();
    }
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok());
    if !origin.is_some_and(|origin| hosts.serves_origin(origin)) {
        return Failure::forbidden("The demo CRM takes changes from its own pages only.")
            .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_origin_serves_its_addresses_and_loopback_names_with_its_port() {
        let hosts = ServedHosts::new(addr("127.0.0.1:0"), addr("127.0.0.1:40123"));
        for host in [
            "127.0.0.1:40123",
            "localhost:40123",
            "LOCALHOST:40123",
            "acme.localhost:40123",
            "crm.Acme-2.localhost:40123",
        ] {
            assert!(hosts.serves(host), "{host}");
        }
        for host in [
            "evil.example:40123",
            "acme.localhost:8787",
            ".localhost:40123",
            "a..localhost:40123",
            "evil.example.localhost.evil.example:40123",
            "a_b.localhost:40123",
            "localhost:8787",
            "127.0.0.1",
            "localhost",
            "127.0.0.1:0",
            "",
        ] {
            assert!(!hosts.serves(host), "{host}");
        }
        let everywhere = ServedHosts::new(addr("0.0.0.0:8788"), addr("0.0.0.0:8788"));
        assert!(everywhere.serves("localhost:8788"));
        assert!(everywhere.serves_origin("http://127.0.0.1:8788"));
        assert!(!everywhere.serves_origin("https://127.0.0.1:8788"));
        assert!(!everywhere.serves_origin("null"));
    }

    #[test]
    fn json_is_application_json_with_any_parameters() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        for (value, json) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("application/jsonp", false),
        ] {
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(is_json(&headers), json, "{value}");
        }
    }
}
