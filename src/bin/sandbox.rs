//! `sandbox`: the marketing platform API and the demo CRM host, on SQLite.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use crm_sidebar::sandbox::connections::admin::{self, Admin};
use crm_sidebar::sandbox::{self, faults, seed, Config};

/// The sandbox marketing platform: serves the plugin and the API on one origin and the demo CRM
/// pages on another. The database is created and seeded when absent. The subcommands manage a
/// tenant's CRM connections and sales users in the database instead.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    admin: Option<Admin>,
    /// Address of the plugin origin (plugin files, /v1 API, /dev endpoints).
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// Address of the demo CRM host origin.
    #[arg(long, default_value = "127.0.0.1:8788")]
    host_addr: SocketAddr,
    /// SQLite database file; the sandbox creates and seeds it when absent (the admin subcommands
    /// need it to exist).
    #[arg(long, global = true, default_value = "target/sandbox.db")]
    db: PathBuf,
    /// The built plugin (Trunk's output).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/dist"))]
    dist: PathBuf,
    /// The demo CRM pages and the host script.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/www"))]
    www: PathBuf,
    /// Another origin allowed to call the API from a browser (CORS); repeatable.
    #[arg(long = "allow-origin")]
    allow_origins: Vec<String>,
    /// Requests per minute per user; 0 turns the limit off.
    #[arg(long, default_value_t = 600)]
    rate_limit: u32,
    /// Do not serve the /dev endpoints.
    #[arg(long)]
    no_dev: bool,
    /// Activities to seed for tenant A's regular records (1000000 for benchmarks).
    #[arg(long, default_value_t = seed::DEFAULT_ACTIVITIES)]
    activities: u64,
    /// Token signing secret, at least 32 bytes; random per start when absent.
    #[arg(long, env = "SANDBOX_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Demo: a few of each rep's records visit the product and pricing pages every few seconds.
    #[arg(long)]
    visitor_simulator: bool,
    /// Fail some /v1 requests, e.g. 'rate=0.2,kinds=500|503|429|timeout|malformed|reset,seed=7'
    /// (kinds default to all, seed to a random one, printed at start for a replay).
    #[arg(long, value_name = "SPEC")]
    faults: Option<faults::FaultSpec>,
    /// End each answer of the live feed (/v1/events) after this many seconds, stream or long
    /// poll; clients resume from the cursor. Without it, a stream lasts until the token expires.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    feed_max_seconds: Option<u64>,
    /// Print the OpenAPI document and exit.
    #[arg(long)]
    print_openapi: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    if let Some(command) = cli.admin {
        return admin::main(command, &cli.db);
    }
    // Checked here rather than by clap, whose refusal would print the secret.
    if let Some(Err(refusal)) = cli
        .jwt_secret
        .as_deref()
        .map(|s| sandbox::auth::check_secret(s.as_bytes()))
    {
        eprintln!("sandbox: {refusal}");
        return std::process::ExitCode::FAILURE;
    }
    if cli.print_openapi {
        print!("{}", sandbox::openapi::document());
        return std::process::ExitCode::SUCCESS;
    }
    if let Some(parent) = cli.db.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let mut config = Config::new(cli.db);
    config.api_addr = cli.addr;
    config.host_addr = cli.host_addr;
    config.dist_dir = cli.dist;
    config.www_dir = cli.www;
    config.extra_origins = cli.allow_origins;
    config.rate_limit_per_minute = cli.rate_limit;
    config.dev_endpoints = !cli.no_dev;
    config.seed.activities = cli.activities;
    config.visitor_simulator = cli.visitor_simulator;
    config.faults = cli.faults;
    config.feed_max_hold = cli.feed_max_seconds.map(std::time::Duration::from_secs);
    if let Some(secret) = cli.jwt_secret {
        config.jwt_secret = secret.into_bytes();
    }
    match sandbox::start(config).await {
        Ok(running) => {
            println!("Sandbox marketing platform is running.");
            println!(
                "  Plugin + API:   {}/index.html   (OpenAPI: {}/v1/openapi.json)",
                running.api_origin, running.api_origin
            );
            println!(
                "  Demo CRM host:  {}/record?entity=lead&id=LEAD-0001&user=rep-ava",
                running.host_origin
            );
            println!(
                "                  {}/list?entity=lead&user=rep-ava",
                running.host_origin
            );
            println!(
                "                  {}/hot-prospects?user=mgr-olivia",
                running.host_origin
            );
            if let Some(spec) = &running.state.config.faults {
                println!("  Faults in /v1:  --faults '{spec}'");
            }
            println!("Press Ctrl+C to stop.");
            let _ = tokio::signal::ctrl_c().await;
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("sandbox: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
