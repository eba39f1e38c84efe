//! The browser harness shared by the end-to-end tests and the plugin benchmark: the sandbox
//! in-process with the demo host on `127.0.0.1:8788` (the origin the manifest allows), chromedriver,
//! and find / act helpers that wait for elements and state, never for time.
//!
//! Needs the built plugin (`make plugin`, done by `make test`) and chromedriver
//! (`$CHROMEDRIVER`, else `chromedriver` on the PATH).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use chrono::Utc;
use crm_sidebar::wire::{ActivityPage, TokenResponse};
use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use serde_json::{json, Value};

pub struct Harness {
    pub api: String,
    pub host: String,
    /// The sandbox's database, for tests that add data no endpoint creates.
    pub db_path: PathBuf,
    /// chromedriver's address, for commands fantoccini has no call for (`goog/cdp/execute`).
    pub webdriver: String,
    _chromedriver: ChildGuard,
}

struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

pub fn harness() -> &'static Harness {
    HARNESS.get_or_init(|| start_harness(|_| {}))
}

/// The harness, its API also allowing browser calls from `extra_origins` (the sandbox's
/// `--allow-origin`); only the first call's configuration counts, as the harness starts once.
pub fn harness_allowing(extra_origins: Vec<String>) -> &'static Harness {
    harness_with(move |config| config.extra_origins = extra_origins)
}

/// [`harness`], its sandbox configured by `configure` if this call starts it: a test binary
/// whose sandbox differs (`--faults`) calls this before anything else, in every test.
pub fn harness_with(
    configure: impl FnOnce(&mut crm_sidebar::sandbox::Config) + Send + 'static,
) -> &'static Harness {
    HARNESS.get_or_init(|| start_harness(configure))
}

fn start_harness(
    configure: impl FnOnce(&mut crm_sidebar::sandbox::Config) + Send + 'static,
) -> Harness {
    {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        for page in ["dist/index.html", "dist/tab/index.html"] {
            assert!(
                root.join(page).exists(),
                "the plugin is not built ({page}): run `make plugin` (make test does)"
            );
        }
        // The host must be the origin the manifest allows, so the plugin accepts it.
        let sandbox = super::sandbox::start(move |config| {
            config.host_addr = "127.0.0.1:8788".parse().unwrap();
            config.dist_dir = root.join("dist");
            configure(config);
        });
        let (api, host, db_path) = (sandbox.api, sandbox.host, sandbox.db_path);

        let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        // Statics are never dropped, so chromedriver runs under a watchdog that stops it (and
        // the browsers it started) when this process exits and the pipe to its stdin closes;
        // otherwise every test run would leave a chromedriver behind.
        let child = Command::new("sh")
            .args([
                "-c",
                r#""$0" --port="$1" & d=$!; read _; pkill -TERM -P "$d" 2>/dev/null; kill "$d""#,
            ])
            .arg(&driver)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver}: {e}"));
        let webdriver = format!("http://127.0.0.1:{port}");
        let listening = (0..100).any(|_| {
            let up = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if !up {
                std::thread::sleep(Duration::from_millis(100));
            }
            up
        });
        assert!(listening, "{driver} did not start on port {port}");
        Harness {
            api,
            host,
            db_path,
            webdriver,
            _chromedriver: ChildGuard(child),
        }
    }
}

/// A fresh headless Chromium session with its own empty profile.
pub async fn browser() -> Client {
    let harness = harness();
    let profile = super::scratch_dir("chromium-profile");
    let args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--no-first-run".to_owned(),
        "--window-size=1280,900".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut chrome_options = json!({ "args": args });
    if let Ok(binary) = std::env::var("CHROME_BIN") {
        if std::path::Path::new(&binary).exists() {
            chrome_options["binary"] = json!(binary);
        }
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), chrome_options);
    capabilities.insert("unhandledPromptBehavior".into(), json!("ignore"));
    // The console of every frame, for [`console_lines`].
    capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    ClientBuilder::native()
        .capabilities(capabilities)
        .connect(&harness.webdriver)
        .await
        .expect("chromedriver session")
}

pub async fn token(crm_user: &str) -> String {
    reqwest::Client::new()
        .post(format!("{}/dev/sso/token", harness().api))
        .json(&json!({"crmUser": crm_user, "ttlSeconds": 600}))
        .send()
        .await
        .unwrap()
        .json::<TokenResponse>()
        .await
        .unwrap()
        .token
}

/// A GET of the API as `crm_user`, decoded.
pub async fn api_get<T: serde::de::DeserializeOwned>(crm_user: &str, path: &str) -> T {
    reqwest::Client::new()
        .get(format!("{}{path}", harness().api))
        .bearer_auth(token(crm_user).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn api_page(crm_user: &str, path: &str) -> ActivityPage {
    api_get(crm_user, path).await
}

// --- find --------------------------------------------------------------------------------------

pub const WAIT: Duration = Duration::from_secs(20);

pub async fn wait_for(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

/// Polls a script until it returns true (waits for state, not for time).
pub async fn wait_until(client: &Client, what: &str, script: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let value = client.execute(script, vec![]).await.unwrap_or(Value::Null);
        if value == Value::Bool(true) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls a script until it returns something other than null, and returns that. Finding and
/// reading in one script means a re-render in between cannot leave a stale element behind.
pub async fn poll(client: &Client, what: &str, script: &str) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let value = client.execute(script, vec![]).await.unwrap_or(Value::Null);
        if !value.is_null() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The demo lead's record page, outside the sidebar's frame (`#sidebar-frame`).
pub async fn open_demo_lead_page(client: &Client) {
    client
        .goto(&format!(
            "{}/record?entity=lead&id={}&user=rep-ava",
            harness().host,
            crm_sidebar::sandbox::seed::DEMO_LEAD
        ))
        .await
        .unwrap();
    wait_for(client, "#sidebar-frame").await;
}

/// Script lines for a test that mounts a sidebar of its own on the demo record page: `box`, a
/// 600 px container, `plugin`, the plugin's origin, and `contextOf(record, lifetimeMs)`, a
/// `getContext()` answer for rep-ava on `record` with a fresh token (said to expire after
/// `lifetimeMs` when given).
pub const ANOTHER_SIDEBAR: &str = "const box = document.createElement('div');
     box.style.height = '600px';
     document.body.appendChild(box);
     const plugin = new URL(document.getElementById('sidebar-frame').src).origin;
     const contextOf = (record, lifetimeMs) => Demo.mintToken().then(t => ({
       token: t.token,
       expiresAt: lifetimeMs ? new Date(Date.now() + lifetimeMs).toISOString() : t.expiresAt,
       user: { id: 'rep-ava', name: 'Ava' },
       record,
     }));";

/// The notes the demo CRM holds for a lead, as `crm_user` sees them: (subject, body).
pub async fn crm_notes(crm_user: &str, crm_id: &str) -> Vec<(String, String)> {
    let url = format!(
        "{}/crm/api/notes/lead/{crm_id}?user={crm_user}",
        harness().host
    );
    let notes: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    notes
        .as_array()
        .or_else(|| notes["items"].as_array())
        .unwrap_or_else(|| panic!("{notes}"))
        .iter()
        .map(|n| {
            (
                n["subject"].as_str().unwrap_or_default().to_owned(),
                n["body"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The text of the first element matching `css`, once there is one.
pub async fn text_of(client: &Client, css: &str) -> String {
    let script =
        format!("const e = document.querySelector({css:?}); return e ? e.textContent : null;");
    poll(client, css, &script)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// An attribute of the first element matching `css`, once there is one with it.
pub async fn attr_of(client: &Client, css: &str, name: &str) -> String {
    let script = format!(
        "const e = document.querySelector({css:?}); return e ? e.getAttribute({name:?}) : null;"
    );
    poll(client, &format!("{css} with {name}"), &script)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Clicks the element matching `css` as a user would: scrolled to the middle of its scrolling
/// box first (clear of pinned headers and action bars), and found again if a re-render replaced
/// it between finding and clicking.
pub async fn click_on(client: &Client, css: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let element = wait_for(client, css).await;
        let _ = client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
                vec![serde_json::to_value(&element).unwrap_or_default()],
            )
            .await;
        match element.click().await {
            Ok(()) => return,
            Err(error) => assert!(
                std::time::Instant::now() < deadline,
                "could not click {css}: {error}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// --- act ---------------------------------------------------------------------------------------

/// Opens a demo CRM page and enters the sidebar's frame.
pub async fn open_sidebar(client: &Client, path_and_query: &str) {
    client
        .goto(&format!("{}{path_and_query}", harness().host))
        .await
        .unwrap();
    let frame = wait_for(client, "#sidebar-frame").await;
    frame.enter_frame().await.unwrap();
}

/// Clicks `done` in the sidebar frame of the demo list view's panel and waits until the host
/// closed that panel (the plugin posted `close`); leaves the client on the host page.
pub async fn done_closes_the_panel(client: &Client, done: &str) {
    click_on(client, done).await;
    client.enter_parent_frame().await.unwrap();
    wait_until(
        client,
        "the host closed its panel",
        "return !document.getElementById('sidebar-panel').open;",
    )
    .await;
}

/// Opens the demo CRM's list of leads as `rep-ava` and ticks the first `count` rows; returns
/// their CRM ids. The client is on the host page.
pub async fn select_leads(client: &Client, count: usize) -> Vec<String> {
    client
        .goto(&format!("{}/list?entity=lead&user=rep-ava", harness().host))
        .await
        .unwrap();
    wait_for(client, "input.select-record").await;
    let ids = eval(
        client,
        &format!(
            "const boxes = [...document.querySelectorAll('input.select-record')].slice(0, {count});
             boxes.forEach(b => b.click());
             return boxes.map(b => b.closest('tr').dataset.recordId);"
        ),
    )
    .await;
    serde_json::from_value(ids).unwrap()
}

/// Narrows the sidebar's frame to `width` px as a host would (the client is in the frame, and is
/// again afterwards, once the frame's page is that wide).
pub async fn narrow_frame(client: &Client, width: u32) {
    client.enter_parent_frame().await.unwrap();
    eval(
        client,
        &format!(
            "const f = document.getElementById('sidebar-frame');
             f.style.width = '{width}px'; f.style.minWidth = '0'; f.style.maxWidth = '{width}px';
             return true;"
        ),
    )
    .await;
    let frame = wait_for(client, "#sidebar-frame").await;
    frame.enter_frame().await.unwrap();
    wait_until(
        client,
        &format!("the frame is {width} px wide"),
        &format!("return window.innerWidth === {width};"),
    )
    .await;
}

/// Runs a script in the current frame and returns its value.
pub async fn eval(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.unwrap()
}

pub async fn first_row_time(client: &Client) -> String {
    attr_of(client, ".activity-row time", "datetime").await
}

pub fn same_instant(a: &str, b: chrono::DateTime<Utc>) -> bool {
    chrono::DateTime::parse_from_rfc3339(a)
        .map(|t| t == b)
        .unwrap_or(false)
}

/// The browser console's lines since the last call (of every frame: a panic of the plugin
/// shows here), through chromedriver's log endpoint.
pub async fn console_lines(client: &Client) -> Vec<String> {
    #[derive(Debug)]
    struct BrowserLog;
    impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
        fn endpoint(
            &self,
            base_url: &url::Url,
            session_id: Option<&str>,
        ) -> Result<url::Url, url::ParseError> {
            base_url.join(&format!(
                "session/{}/se/log",
                session_id.unwrap_or_default()
            ))
        }
        fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
            (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
        }
    }
    let entries = client.issue_cmd(BrowserLog).await.unwrap_or_default();
    entries
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["message"].as_str().map(str::to_owned))
        .collect()
}
