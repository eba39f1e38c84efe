//! A sandbox for HTTP tests: started on free loopback ports, on its own runtime thread so it
//! outlives each test, and the small request helpers the API tests share.
#![allow(dead_code)]

use std::path::PathBuf;

use crm_sidebar::sandbox::{self, Config};
use crm_sidebar::wire::{ApiError, ErrorBody, TokenResponse};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The signing secret of test sandboxes, so tests can mint tokens of their own.
pub const SECRET: &[u8] = b"the api tests' token signing secret";

pub struct Sandbox {
    pub api: String,
    pub host: String,
    pub db_path: PathBuf,
}

/// Starts a sandbox seeded with 20,000 regular activities (`configure` may change anything),
/// with a `dist/` holding a page with an inline script and a wasm file, for the header tests.
pub fn start(configure: impl FnOnce(&mut Config) + Send + 'static) -> Sandbox {
    let dir = super::scratch_dir("sandbox");
    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<html><head><script type=\"module\">import init from '/app.js'; init();</script></head></html>",
    )
    .unwrap();
    std::fs::write(dist.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let mut config = Config::new(dir.join("sandbox.db"));
    config.api_addr = "127.0.0.1:0".parse().unwrap();
    config.host_addr = "127.0.0.1:0".parse().unwrap();
    config.dist_dir = dist;
    config.www_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www");
    config.jwt_secret = SECRET.to_vec();
    config.rate_limit_per_minute = 0;
    config.seed.activities = 20_000;
    configure(&mut config);
    let db_path = config.db_path.clone();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let started = sandbox::start(config).await;
            let started = started.map(|running| (running.api_origin, running.host_origin));
            sender
                .send(started.map_err(|error| error.to_string()))
                .unwrap();
            std::future::pending::<()>().await;
        });
    });
    let (api, host) = receiver
        .recv()
        .unwrap()
        .unwrap_or_else(|error| panic!("the sandbox did not start: {error}"));
    Sandbox { api, host, db_path }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub async fn token_for(sandbox: &Sandbox, crm_user: &str) -> String {
    let response = client()
        .post(format!("{}/dev/sso/token", sandbox.api))
        .json(&json!({"crmUser": crm_user, "ttlSeconds": 600}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<TokenResponse>().await.unwrap().token
}

pub async fn get(sandbox: &Sandbox, token: &str, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", sandbox.api))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub async fn get_json<T: serde::de::DeserializeOwned>(
    sandbox: &Sandbox,
    token: &str,
    path: &str,
) -> T {
    let response = get(sandbox, token, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

pub async fn post(sandbox: &Sandbox, token: &str, path: &str, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}{path}", sandbox.api))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The status and the one error shape of a failed answer.
pub async fn error_of(response: reqwest::Response) -> (StatusCode, ApiError) {
    let status = response.status();
    let body: ErrorBody = response
        .json()
        .await
        .expect("errors have the one error shape");
    (status, body.error)
}
