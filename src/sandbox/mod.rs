//! The sandbox marketing platform: a real HTTP implementation of the API the plugin is written
//! against, on SQLite. It serves two origins, the way production does:
//!
//! - the *plugin origin* (`--addr`): the built plugin (`dist/`) and the API under `/v1`, plus the
//!   development endpoints under `/dev`;
//! - the *host origin* (`--host-addr`): the demo CRM pages that embed the plugin cross-origin.

pub mod auth;
pub mod connections;
pub mod contract;
pub mod dashboard;
pub mod db;
pub mod demo_idp;
pub mod dynamics;
pub mod engagement;
pub mod error;
pub mod events;
pub mod faults;
pub mod guard;
pub mod http;
pub mod idempotency;
pub mod openapi;
pub mod programs;
pub mod prospects;
pub mod records;
pub mod salesforce;
pub mod seed;
pub mod sends;
pub mod simulator;
pub mod sso;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::net::TcpListener;

use error::Failure;

/// Everything the sandbox needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    pub api_addr: SocketAddr,
    pub host_addr: SocketAddr,
    /// The database file; created and seeded when absent.
    pub db_path: PathBuf,
    /// The built plugin (Trunk's `dist/`).
    pub dist_dir: PathBuf,
    /// The demo CRM pages and the host script (`www/`).
    pub www_dir: PathBuf,
    /// Origins allowed to call the API besides the manifest's host origins.
    pub extra_origins: Vec<String>,
    /// At least [`auth::MIN_SECRET_BYTES`]; [`start`] refuses a shorter one.
    pub jwt_secret: Vec<u8>,
    /// Requests per minute per user; 0 turns the limit off.
    pub rate_limit_per_minute: u32,
    /// Whether `/dev/*` (and the demo identity provider on the host origin) is served.
    pub dev_endpoints: bool,
    /// Refused SSO exchanges one client may burst before it is refused for a while; 0 turns
    /// the limit off.
    pub sso_failures_per_minute: u32,
    pub seed: seed::SeedOptions,
    /// Failures injected into `/v1` (`--faults`); none when absent.
    pub faults: Option<faults::FaultSpec>,
    /// Whether hot-prospect scores are kept ready in the background
    /// ([`prospects::keep_scores_warm`]); off only where a benchmark measures the cold case.
    pub warm_prospect_scores: bool,
    /// How often an idle stream of the live feed sends a heartbeat.
    pub feed_heartbeat: std::time::Duration,
    /// The longest one answer of the live feed is held open, stream or long poll; without it,
    /// until the token expires. A stream that ends says where it stands first, and the plugin
    /// resumes from there (as behind a proxy that cuts long connections).
    pub feed_max_hold: Option<std::time::Duration>,
    /// Whether a few of each owner's records walk the website for the demo ([`simulator`]).
    pub visitor_simulator: bool,
}

impl Config {
    /// Defaults of the CLI, with the files found relative to the crate.
    pub fn new(db_path: PathBuf) -> Config {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        Config {
            api_addr: "127.0.0.1:8787".parse().expect("valid address"),
            host_addr: "127.0.0.1:8788".parse().expect("valid address"),
            db_path,
            dist_dir: root.join("dist"),
            www_dir: root.join("www"),
            extra_origins: Vec::new(),
            jwt_secret: auth::random_secret(),
            rate_limit_per_minute: 600,
            dev_endpoints: true,
            sso_failures_per_minute: 30,
            seed: seed::SeedOptions::default(),
            faults: None,
            warm_prospect_scores: true,
            feed_heartbeat: std::time::Duration::from_secs(crate::wire::FEED_HEARTBEAT_SECONDS),
            feed_max_hold: None,
            visitor_simulator: false,
        }
    }
}

/// The database behind one lock: SQLite writes one at a time anyway, and every query the API
/// makes is an index lookup that takes well under a millisecond. The activities each call
/// commits go to the live feed ([`events`]).
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    feed: Arc<events::Feed>,
}

impl Db {
    pub fn new(conn: Connection) -> Db {
        let feed = Arc::new(events::Feed::watching(&conn));
        Db {
            conn: Arc::new(Mutex::new(conn)),
            feed,
        }
    }

    pub fn feed(&self) -> &Arc<events::Feed> {
        &self.feed
    }

    /// Runs `work` on a blocking thread with the connection.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Failure>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, Failure> + Send + 'static,
    {
        let db = self.conn.clone();
        let feed = self.feed.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let answer = work(&mut conn);
            // Before the next call can commit: the feed's order is the commit order.
            feed.publish_committed(&conn);
            answer
        })
        .await
        .map_err(Failure::internal)?
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub limiter: Arc<auth::RateLimiter>,
    pub sso: Arc<sso::SsoState>,
    /// The origins of the two listeners as actually bound (ports may have been 0).
    pub api_origin: String,
    pub host_origin: String,
}

/// A running sandbox: its two origins and its state.
pub struct Running {
    pub api_origin: String,
    pub host_origin: String,
    pub state: AppState,
}

/// Opens (creating and seeding if needed) the database, binds both listeners and serves them in
/// the background.
pub async fn start(config: Config) -> std::io::Result<Running> {
    auth::check_secret(&config.jwt_secret).map_err(std::io::Error::other)?;
    let conn = open_seeded(&config).map_err(std::io::Error::other)?;
    let api_listener = TcpListener::bind(config.api_addr).await?;
    let host_listener = TcpListener::bind(config.host_addr).await?;
    let api_origin = format!("http://{}", api_listener.local_addr()?);
    let host_origin = format!("http://{}", host_listener.local_addr()?);
    let state = AppState {
        db: Db::new(conn),
        limiter: Arc::new(auth::RateLimiter::new(config.rate_limit_per_minute)),
        sso: Arc::new(sso::SsoState::new(config.sso_failures_per_minute)),
        config: Arc::new(config),
        api_origin: api_origin.clone(),
        host_origin: host_origin.clone(),
    };
    let api = web::api_origin_router(state.clone());
    let host = web::host_origin_router(state.clone());
    // The SSO exchange limits refusals per client, which it knows by the peer's address.
    let api = api.into_make_service_with_connect_info::<SocketAddr>();
    // So does the Salesforce canvas endpoint on the host origin, which signs in the same way.
    let host = host.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(api_listener, api).await });
    tokio::spawn(async move { axum::serve(host_listener, host).await });
    tokio::spawn(sends::resume_scheduled(state.db.clone()));
    if state.config.warm_prospect_scores {
        tokio::spawn(prospects::keep_scores_warm(state.db.clone()));
    }
    if state.config.visitor_simulator {
        tokio::spawn(simulator::walk_visitors(state.db.clone()));
    }
    Ok(Running {
        api_origin,
        host_origin,
        state,
    })
}

fn open_seeded(config: &Config) -> Result<Connection, String> {
    let mut conn = db::open(&config.db_path)
        .map_err(|e| format!("cannot open {}: {e}", config.db_path.display()))?;
    if !seed::is_seeded(&conn).map_err(|e| e.to_string())? {
        let started = std::time::Instant::now();
        let summary =
            seed::seed(&mut conn, &config.seed).map_err(|e| format!("seed failed: {e}"))?;
        tracing::info!(
            "seeded {} records and {} activities in {:.1} s",
            summary.records,
            summary.activities,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `.rs` file below `dir`, with its text.
    fn sources(dir: &Path) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).expect("src/sandbox is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                found.extend(sources(&path));
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file is text");
                found.push((path.display().to_string(), text));
            }
        }
        found
    }

    /// The plugin words things for the user; the server answers in wire types and words only its
    /// own errors, so a change of wording in the plugin cannot change an API answer.
    #[test]
    fn the_sandbox_takes_no_wording_from_the_plugin() {
        // Spelled in pieces, or this file would name what it forbids.
        let forbidden = [
            ["domain", "labels"].join("::"),
            ["labels", ""].join("::"),
            ["domain", "wording"].join("::"),
            ["wording", ""].join("::"),
        ];
        let sandbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sandbox");
        let files = sources(&sandbox);
        assert!(files.len() > 10, "read {} files", files.len());
        for (path, text) in files {
            for needle in &forbidden {
                assert!(!text.contains(needle.as_str()), "{path} uses {needle}");
            }
        }
    }
}
