//! Injected failures of the `/v1` API (`--faults`), to see what the plugin does on a flaky network
//! or behind a proxy that cuts streams.
//!
//! A spec such as `rate=0.2,kinds=500|503|429|timeout|malformed|reset,seed=7` fails about one
//! request in five, with a kind drawn from the list. The draws come from one random stream seeded
//! by `seed`, one draw per `/v1` request in the order they arrive, so the same seed and the same
//! requests fail the same way: a failing run can be replayed. The kinds:
//!
//! - `500`, `503`, `429`: answered in the API's error shape *instead of* the request (nothing is
//!   done); a 429 carries `Retry-After: 1`.
//! - `timeout`, `malformed`, `reset`: the request *is* performed and its answer spoiled, the case
//!   that tests "never twice": held for [`HOLD`] (longer than the plugin waits), cut to half its
//!   JSON, or the connection dropped before any byte of it.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::Failure;
use crate::wire::ErrorCode;

/// How long a `timeout` holds its answer: longer than the plugin's 15 s request timeout
/// (`REQUEST_TIMEOUT_MS` in `src/plugin/api.rs`; `tests/faults.rs` keeps the two apart).
pub const HOLD: Duration = Duration::from_secs(20);

/// How long a client should wait after an injected 429.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// The header naming the fault injected into an answer, for whoever reads the network log.
pub const FAULT_HEADER: &str = "x-sandbox-fault";

/// One way a request fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 500 `internal`.
    ServerError,
    /// 503 `internal`.
    Unavailable,
    /// 429 `rateLimited` with `Retry-After`.
    RateLimited,
    Timeout,
    Malformed,
    Reset,
}

impl FaultKind {
    pub const ALL: [FaultKind; 6] = [
        FaultKind::ServerError,
        FaultKind::Unavailable,
        FaultKind::RateLimited,
        FaultKind::Timeout,
        FaultKind::Malformed,
        FaultKind::Reset,
    ];

    /// The spelling in a spec.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::ServerError => "500",
            FaultKind::Unavailable => "503",
            FaultKind::RateLimited => "429",
            FaultKind::Timeout => "timeout",
            FaultKind::Malformed => "malformed",
            FaultKind::Reset => "reset",
        }
    }

    pub fn parse(text: &str) -> Option<FaultKind> {
        FaultKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// What `--faults` asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    /// The share of `/v1` requests that fail, 0 to 1.
    pub rate: f64,
    /// The kinds drawn from, each as likely; no repeats.
    pub kinds: Vec<FaultKind>,
    pub seed: u64,
    /// Changes the faults of the sandbox started with this spec while it runs (not part of the
    /// spec's text): for tests that start the sandbox in their own process.
    pub control: FaultControl,
}

/// The faults of a running sandbox, steered from the process that started it: an end-to-end
/// test makes every request of one view fail one way, then none, to see the view's error and
/// its retry; and it reads how many faults were injected. Clones share the one state.
#[derive(Clone, Default)]
pub struct FaultControl(Arc<Mutex<Steering>>);

#[derive(Default)]
struct Steering {
    /// No faults at all while set.
    paused: bool,
    /// Instead of the draws: every request whose path starts with the prefix fails this way;
    /// the others do not fail.
    forced: Option<(FaultKind, String)>,
    /// Faults injected so far, by kind.
    injected: Vec<(FaultKind, u64)>,
}

impl FaultControl {
    fn steering(&self) -> std::sync::MutexGuard<'_, Steering> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops (`true`) or resumes the spec's faults.
    pub fn pause(&self, paused: bool) {
        self.steering().paused = paused;
    }

    /// Fails every `/v1` request whose path starts with `path_prefix` as `kind`, and no other;
    /// `None` goes back to the spec's draws.
    pub fn force(&self, forced: Option<(FaultKind, &str)>) {
        self.steering().forced = forced.map(|(kind, prefix)| (kind, prefix.to_owned()));
    }

    /// How many faults of each kind were injected so far.
    pub fn injected(&self) -> Vec<(FaultKind, u64)> {
        self.steering().injected.clone()
    }

    fn count(&self, kind: FaultKind) {
        let mut steering = self.steering();
        match steering.injected.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => steering.injected.push((kind, 1)),
        }
    }
}

impl fmt::Debug for FaultControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FaultControl")
    }
}

/// The state of a run is not part of what a spec says.
impl PartialEq for FaultControl {
    fn eq(&self, _: &FaultControl) -> bool {
        true
    }
}

impl FromStr for FaultSpec {
    type Err = String;

    /// `rate=<0..1>[,kinds=<kind>|<kind>…][,seed=<u64>]`; every kind when `kinds` is absent, a
    /// random seed (shown by `Display`, so the run can be replayed) when `seed` is.
    fn from_str(spec: &str) -> Result<FaultSpec, String> {
        let mut rate = None;
        let mut kinds = None;
        let mut seed = None;
        for part in spec.split(',').map(str::trim) {
            let (key, value) = part
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| format!("'{part}' is not key=value (rate=, kinds=, seed=)"))?;
            let slot_taken = match key {
                "rate" => rate.replace(parse_rate(value)?).is_some(),
                "kinds" => kinds.replace(parse_kinds(value)?).is_some(),
                "seed" => seed
                    .replace(value.parse::<u64>().map_err(|_| {
                        format!(
                            "seed must be a whole number from 0 to {}, not '{value}'",
                            u64::MAX
                        )
                    })?)
                    .is_some(),
                _ => {
                    return Err(format!(
                        "unknown key '{key}': a spec has rate=, kinds= and seed="
                    ))
                }
            };
            if slot_taken {
                return Err(format!("{key}= is given twice"));
            }
        }
        Ok(FaultSpec {
            rate: rate.ok_or("rate= is missing, e.g. rate=0.2")?,
            kinds: kinds.unwrap_or_else(|| FaultKind::ALL.to_vec()),
            seed: seed.unwrap_or_else(|| fastrand::u64(..)),
            control: FaultControl::default(),
        })
    }
}

fn parse_rate(value: &str) -> Result<f64, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|rate| (0.0..=1.0).contains(rate))
        .ok_or_else(|| format!("rate must be a number from 0 to 1, not '{value}'"))
}

fn parse_kinds(value: &str) -> Result<Vec<FaultKind>, String> {
    let mut kinds = Vec::new();
    for text in value.split('|').map(str::trim) {
        let kind = FaultKind::parse(text).ok_or_else(|| {
            let known: Vec<&str> = FaultKind::ALL.iter().map(|k| k.as_str()).collect();
            format!(
                "unknown fault kind '{text}': kinds are {}",
                known.join(", ")
            )
        })?;
        if kinds.contains(&kind) {
            return Err(format!("fault kind '{text}' is listed twice"));
        }
        kinds.push(kind);
    }
    Ok(kinds)
}

impl fmt::Display for FaultSpec {
    /// The spec in full, seed included: what to pass to replay a run.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
        write!(
            f,
            "rate={},kinds={},seed={}",
            self.rate,
            kinds.join("|"),
            self.seed
        )
    }
}

/// The random stream of one running sandbox's faults.
pub struct Faults {
    spec: FaultSpec,
    draws: Mutex<fastrand::Rng>,
}

impl Faults {
    pub fn new(spec: FaultSpec) -> Faults {
        Faults {
            draws: Mutex::new(fastrand::Rng::with_seed(spec.seed)),
            spec,
        }
    }

    /// The fault of the next request, if it fails. Two draws every time, so whether one request
    /// fails never shifts what the next one draws.
    pub fn next(&self) -> Option<FaultKind> {
        let mut draws = self.draws.lock().unwrap_or_else(|e| e.into_inner());
        let fails = draws.f64() < self.spec.rate;
        let pick = draws.usize(..self.spec.kinds.len().max(1));
        fails.then(|| self.spec.kinds.get(pick).copied()).flatten()
    }

    /// The fault of the next request to `path`, as steered ([`FaultControl`]) or drawn, counted.
    fn for_request(&self, path: &str) -> Option<FaultKind> {
        let control = &self.spec.control;
        let kind = {
            let steering = control.steering();
            if steering.paused {
                return None;
            }
            steering
                .forced
                .as_ref()
                .map(|(kind, prefix)| path.starts_with(prefix.as_str()).then_some(*kind))
        };
        let kind = kind.unwrap_or_else(|| self.next())?;
        control.count(kind);
        Some(kind)
    }
}

/// Middleware on the plugin origin: fails `/v1` requests as [`Faults`] draws.
pub async fn inject(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/v1/") {
        return next.run(request).await;
    }
    let Some(kind) = faults.for_request(request.uri().path()) else {
        return next.run(request).await;
    };
    tracing::debug!("fault {} on {}", kind.as_str(), request.uri().path());
    let mut response = match kind {
        FaultKind::ServerError => Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Internal error.",
        )
        .into_response(),
        FaultKind::Unavailable => Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal,
            "The platform is unavailable for a moment.",
        )
        .into_response(),
        FaultKind::RateLimited => Failure::rate_limited(RETRY_AFTER_SECONDS).into_response(),
        FaultKind::Timeout => {
            let response = next.run(request).await;
            tokio::time::sleep(HOLD).await;
            response
        }
        FaultKind::Malformed => truncated(next.run(request).await).await,
        FaultKind::Reset => {
            let (parts, _) = next.run(request).await.into_parts();
            Response::from_parts(parts, Body::new(Severed))
        }
    };
    response.headers_mut().insert(
        HeaderName::from_static(FAULT_HEADER),
        HeaderValue::from_static(kind.as_str()),
    );
    response
}

/// The answer with the first half of its body: JSON that ends too soon.
async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = if bytes.len() > 1 {
        bytes.slice(..bytes.len() / 2)
    } else {
        // An empty answer (204) cut is still not JSON.
        Bytes::from_static(b"{")
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(cut))
}

/// A body that fails before its first byte, which makes the server drop the connection without
/// sending the answer's head: to the client, the connection was reset.
struct Severed;

impl http_body::Body for Severed {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::ErrorKind::ConnectionReset.into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_reads_its_rate_kinds_and_seed_and_prints_back_the_same() {
        let spec: FaultSpec = "rate=0.2,kinds=500|503|429|timeout|malformed|reset,seed=7"
            .parse()
            .unwrap();
        assert_eq!(spec.rate, 0.2);
        assert_eq!(spec.kinds, FaultKind::ALL.to_vec());
        assert_eq!(spec.seed, 7);
        assert_eq!(spec.to_string().parse::<FaultSpec>().unwrap(), spec);
        let spaced: FaultSpec = " seed = 9 , kinds = reset | 429 , rate = 1 "
            .parse()
            .unwrap();
        assert_eq!(
            (spaced.rate, spaced.kinds, spaced.seed),
            (1.0, vec![FaultKind::Reset, FaultKind::RateLimited], 9)
        );
    }

    #[test]
    fn without_kinds_every_kind_and_without_a_seed_a_random_one_that_is_shown() {
        let spec: FaultSpec = "rate=0.5".parse().unwrap();
        assert_eq!(spec.kinds, FaultKind::ALL.to_vec());
        assert!(spec.to_string().ends_with(&format!(",seed={}", spec.seed)));
    }

    #[test]
    fn a_bad_spec_is_refused_saying_what_is_wrong() {
        for (spec, says) in [
            ("", "'' is not key=value"),
            ("rate", "'rate' is not key=value"),
            ("kinds=500", "rate= is missing"),
            ("rate=1.5", "rate must be a number from 0 to 1, not '1.5'"),
            ("rate=-0.1", "from 0 to 1"),
            ("rate=NaN", "from 0 to 1"),
            ("rate=lots", "not 'lots'"),
            (
                "rate=0.2,kinds=500|404",
                "unknown fault kind '404': kinds are 500, 503, 429, timeout, malformed, reset",
            ),
            ("rate=0.2,kinds=", "unknown fault kind ''"),
            ("rate=0.2,kinds=reset|reset", "'reset' is listed twice"),
            ("rate=0.2,seed=-1", "seed must be a whole number"),
            ("rate=0.2,rate=0.3", "rate= is given twice"),
            ("rate=0.2,colour=red", "unknown key 'colour'"),
        ] {
            let refusal = spec.parse::<FaultSpec>().unwrap_err();
            assert!(refusal.contains(says), "{spec:?}: {refusal}");
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_faults_at_about_the_rate() {
        let spec: FaultSpec = "rate=0.2,seed=7".parse().unwrap();
        let draws = |faults: Faults| (0..2_000).map(|_| faults.next()).collect::<Vec<_>>();
        let first = draws(Faults::new(spec.clone()));
        assert_eq!(first, draws(Faults::new(spec.clone())));
        let other = FaultSpec {
            seed: 8,
            ..spec.clone()
        };
        assert_ne!(first, draws(Faults::new(other)));
        let failed = first.iter().flatten().count();
        assert!((300..500).contains(&failed), "{failed} of 2,000 failed");
        for kind in FaultKind::ALL {
            assert!(first.contains(&Some(kind)), "{kind:?} never drawn");
        }
        let never = Faults::new(FaultSpec {
            rate: 0.0,
            ..spec.clone()
        });
        assert!((0..1_000).all(|_| never.next().is_none()));
        let always = Faults::new(FaultSpec { rate: 1.0, ..spec });
        assert!((0..1_000).all(|_| always.next().is_some()));
    }

    #[test]
    fn a_running_sandbox_faults_can_be_forced_on_a_path_paused_and_counted() {
        let spec: FaultSpec = "rate=1,kinds=500,seed=7".parse().unwrap();
        let control = spec.control.clone();
        let faults = Faults::new(spec);
        assert_eq!(faults.for_request("/v1/me"), Some(FaultKind::ServerError));
        control.force(Some((FaultKind::Timeout, "/v1/templates")));
        assert_eq!(
            faults.for_request("/v1/templates?q="),
            Some(FaultKind::Timeout)
        );
        assert_eq!(faults.for_request("/v1/programs"), None);
        control.pause(true);
        assert_eq!(faults.for_request("/v1/templates?q="), None);
        control.pause(false);
        control.force(None);
        assert_eq!(
            faults.for_request("/v1/programs"),
            Some(FaultKind::ServerError)
        );
        assert_eq!(
            control.injected(),
            [(FaultKind::ServerError, 2), (FaultKind::Timeout, 1)]
        );
    }
}
