//! The plugin origin's files over real HTTP, as `plugin-dist` leaves them: the brotli or gzip
//! copy when the browser takes it, and caching by name (a year for files named by their
//! content, every time for the page).

mod support;

use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

use crm_sidebar::dist::{self, Delivered};
use crm_sidebar::sandbox::web::inline_script_hashes;
use reqwest::StatusCode;
use support::sandbox::*;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

struct Plugin {
    sandbox: Sandbox,
    dist: PathBuf,
    files: Vec<Delivered>,
    /// The CRM tab's bundle's files, under `tab/`.
    tab_files: Vec<Delivered>,
}

/// A sandbox serving a dist/ as Trunk writes it (a page naming hashed glue, wasm and styles, and
/// one file Trunk copies under its own name), finished by `dist::finish`.
fn plugin() -> &'static Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        let dist = std::env::temp_dir().join(format!("crm-sidebar-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dist);
        std::fs::create_dir_all(&dist).unwrap();
        let glue = "export function start() { return 'the plugin started'; }\n".repeat(40);
        let styles = ".history-rows > li { padding: 4px 8px; }\n".repeat(40);
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend((0..4000u32).flat_map(|i| (i % 251).to_le_bytes()));
        std::fs::write(dist.join("crm-sidebar-167c4d2bedd6f07d.js"), glue).unwrap();
        std::fs::write(dist.join("crm-sidebar-167c4d2bedd6f07d_bg.wasm"), wasm).unwrap();
        std::fs::write(dist.join("sidebar-9a7f39c9ab4681bc.css"), styles).unwrap();
        std::fs::write(
            dist.join("icon.svg"),
            "<svg xmlns='http://www.w3.org/2000/svg'/>",
        )
        .unwrap();
        std::fs::write(
            dist.join(dist::PAGE),
            "<html><head><link href=/sidebar-9a7f39c9ab4681bc.css rel=stylesheet>\
             <script type=module>import init from '/crm-sidebar-167c4d2bedd6f07d.js';\
             init('/crm-sidebar-167c4d2bedd6f07d_bg.wasm');</script></head></html>",
        )
        .unwrap();
        let files = dist::finish(&dist, None).unwrap();
        // The CRM tab's bundle, in its folder, with a loader of its own.
        let tab = dist.join("tab");
        std::fs::create_dir_all(&tab).unwrap();
        std::fs::write(
            tab.join("crm-sidebar-2a8d5e3bee07f18e.js"),
            "export function start() { return 'the tab started'; }\n".repeat(40),
        )
        .unwrap();
        std::fs::write(
            tab.join(dist::PAGE),
            "<html><head><script type=module>import init from '/tab/crm-sidebar-2a8d5e3bee07f18e.js';\
             init('/tab/crm-sidebar-2a8d5e3bee07f18e_bg.wasm');</script></head></html>",
        )
        .unwrap();
        let tab_files = dist::finish(&tab, None).unwrap();
        let served = dist.clone();
        let sandbox = start(move |config| {
            config.dist_dir = served;
            config.seed.activities = 1_000;
        });
        Plugin {
            sandbox,
            dist,
            files,
            tab_files,
        }
    })
}

fn file(plugin: &Plugin, suffix: &str) -> (String, Vec<u8>) {
    let name = plugin
        .files
        .iter()
        .find(|f| f.name.ends_with(suffix))
        .unwrap_or_else(|| panic!("a {suffix} file in {:?}", plugin.files))
        .name
        .clone();
    let bytes = std::fs::read(plugin.dist.join(&name)).unwrap();
    (name, bytes)
}

async fn fetch(plugin: &Plugin, name: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut request = client().get(format!("{}/{name}", plugin.sandbox.api));
    if let Some(encodings) = accept_encoding {
        request = request.header("accept-encoding", encodings);
    }
    request.send().await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn ungzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn a_browser_taking_brotli_gets_the_brotli_copy_of_each_file() {
    let plugin = plugin();
    for suffix in ["_bg.wasm", ".js", ".css"] {
        let (name, bytes) = file(plugin, suffix);
        let response = fetch(plugin, &name, Some("gzip, deflate, br")).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(header(&response, "content-encoding"), Some("br"), "{name}");
        assert_eq!(header(&response, "vary"), Some("accept-encoding"), "{name}");
        let body = response.bytes().await.unwrap();
        assert!(body.len() < bytes.len(), "{name} is smaller in brotli");
        assert_eq!(unbrotli(&body), bytes, "{name}");
    }
    let (wasm, _) = file(plugin, "_bg.wasm");
    let response = fetch(plugin, &wasm, Some("br")).await;
    assert_eq!(header(&response, "content-type"), Some("application/wasm"));
}

#[tokio::test]
async fn a_browser_taking_only_gzip_gets_the_gzip_copy() {
    let plugin = plugin();
    for suffix in ["_bg.wasm", ".js", ".css"] {
        let (name, bytes) = file(plugin, suffix);
        for accepted in ["gzip", "br;q=0, gzip"] {
            let response = fetch(plugin, &name, Some(accepted)).await;
            assert_eq!(response.status(), StatusCode::OK, "{name}");
            assert_eq!(
                header(&response, "content-encoding"),
                Some("gzip"),
                "{name} {accepted}"
            );
            assert_eq!(header(&response, "vary"), Some("accept-encoding"), "{name}");
            assert_eq!(ungzip(&response.bytes().await.unwrap()), bytes, "{name}");
        }
    }
}

#[tokio::test]
async fn a_client_taking_no_encoding_gets_the_file_itself() {
    let plugin = plugin();
    for suffix in ["_bg.wasm", ".js", ".css", ".svg"] {
        let (name, bytes) = file(plugin, suffix);
        for accepted in [None, Some("identity")] {
            let response = fetch(plugin, &name, accepted).await;
            assert_eq!(response.status(), StatusCode::OK, "{name}");
            assert_eq!(header(&response, "content-encoding"), None, "{name}");
            assert_eq!(header(&response, "vary"), Some("accept-encoding"), "{name}");
            assert_eq!(response.bytes().await.unwrap(), bytes, "{name}");
        }
    }
}

#[tokio::test]
async fn files_named_by_their_content_are_kept_a_year_and_the_rest_asked_for_each_time() {
    let plugin = plugin();
    for suffix in ["_bg.wasm", ".js", ".css"] {
        let (name, _) = file(plugin, suffix);
        assert!(dist::is_hashed_name(&name), "{name}");
        for accepted in [None, Some("br"), Some("gzip")] {
            let response = fetch(plugin, &name, accepted).await;
            assert_eq!(
                header(&response, "cache-control"),
                Some(IMMUTABLE),
                "{name}"
            );
        }
    }
    let icon = fetch(plugin, "icon.svg", Some("br")).await;
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(header(&icon, "cache-control"), Some("no-cache"));

    // The page names the files, so it is asked for each time, under either of its paths; it
    // keeps its own CSP.
    for page in ["", "index.html"] {
        let response = fetch(plugin, page, Some("br, gzip")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, "cache-control"),
            Some("no-cache"),
            "/{page}"
        );
        let csp = header(&response, "content-security-policy").unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{csp}"
        );
        let html = response.text().await.unwrap();
        let (glue, _) = file(plugin, ".js");
        assert!(
            html.contains(&glue),
            "the page names the renamed glue: {html}"
        );
    }

    // A name that looks hashed but is not there must not be remembered for a year.
    let missing = fetch(plugin, "crm-sidebar-0123456789abcdef.js", Some("br")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_ne!(header(&missing, "cache-control"), Some(IMMUTABLE));
}

#[tokio::test]
async fn each_bundles_page_is_served_with_the_hash_of_its_own_loader() {
    let plugin = plugin();
    let mut policies = Vec::new();
    for (page, bundle) in [
        ("index.html", ""),
        ("tab/", "tab"),
        ("tab/index.html", "tab"),
    ] {
        let response = fetch(plugin, page, Some("br, gzip")).await;
        assert_eq!(response.status(), StatusCode::OK, "/{page}");
        assert_eq!(header(&response, "cache-control"), Some("no-cache"));
        let csp = header(&response, "content-security-policy")
            .unwrap()
            .to_owned();
        let html = response.text().await.unwrap();
        let built = std::fs::read_to_string(plugin.dist.join(bundle).join(dist::PAGE)).unwrap();
        assert_eq!(html, built, "/{page} is the page of bundle {bundle:?}");
        for hash in inline_script_hashes(&html) {
            assert!(csp.contains(&hash), "/{page} allows its loader: {csp}");
        }
        policies.push(csp);
    }
    assert_ne!(
        policies[0], policies[1],
        "a page's CSP allows its own loader, not the other bundle's"
    );

    let glue = &plugin
        .tab_files
        .iter()
        .find(|f| f.name.ends_with(".js"))
        .unwrap()
        .name;
    let response = fetch(plugin, &format!("tab/{glue}"), Some("br")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-encoding"), Some("br"));
    assert_eq!(header(&response, "cache-control"), Some(IMMUTABLE));
}
