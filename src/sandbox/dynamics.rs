//! Dynamics 365 on the host origin, for the demo and the end-to-end test of the Dynamics package:
//! a page that looks like a Dynamics form with its side pane (`/dynamics/record`), the web
//! resources of the built solution zip (`make package`) at the paths Dynamics serves them from,
//! and the `Xrm` double the package's own tests use, which the page runs in place of Dynamics'
//! client API. The package's scripts are served as packaged, never from copies, so what runs here
//! is what an admin imports.

use std::io::Read;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::connections::seed::PLATFORM_APPLICATION_ID;
use super::AppState;
use crate::protocol::Manifest;

/// Where Dynamics serves a web resource named `msb_/sidebar/pane.html` from, below its org URL.
pub const WEB_RESOURCES_PATH: &str = "/dynamics/WebResources";
const XRM_DOUBLE: &str = include_str!("../../manifest/dynamics365/test/xrm-double.mjs");
const PACKAGES_JSON: &str = include_str!("../../manifest/packages.json");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dynamics/record", get(record_page))
        .route("/dynamics/xrm-double.mjs", get(xrm_double))
        .route("/dynamics/api/settings", get(settings))
        .route(
            &format!("{WEB_RESOURCES_PATH}/{{*name}}"),
            get(web_resource),
        )
}

/// The file name `make package` gives the Dynamics 365 solution of this version.
pub fn package_file_name() -> String {
    let packages: serde_json::Value =
        serde_json::from_str(PACKAGES_JSON).expect("manifest/packages.json is JSON");
    let prefix = packages["fileName"]
        .as_str()
        .expect("manifest/packages.json names its fileName");
    format!("{prefix}_dynamics365_{}.zip", Manifest::bundled().version)
}

/// The page and the web resources frame each other and the plugin, as Dynamics' pages do; they
/// talk to the platform's API and nothing else.
fn dynamics_csp(state: &AppState) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {api}; frame-src 'self' {api}; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'self'",
        api = state.api_origin
    )
}

async fn record_page(State(state): State<AppState>) -> Response {
    super::web::demo_page(&state, "dynamics/record.html", dynamics_csp(&state)).await
}

async fn xrm_double() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        XRM_DOUBLE,
    )
        .into_response()
}

/// The values a Dynamics admin sets in the solution's environment variables after import.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    plugin_url: String,
    api_url: String,
    entra_application_id: &'static str,
}

async fn settings(State(state): State<AppState>) -> Json<Settings> {
    Json(Settings {
        plugin_url: format!("{}/index.html", state.api_origin),
        api_url: state.api_origin.clone(),
        entra_application_id: PLATFORM_APPLICATION_ID,
    })
}

/// A web resource of the built solution, by its name (`msb_/sidebar/pane.html`): the zip is read
/// on each request, so a `make package` shows at the next reload.
async fn web_resource(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let zip_path = state
        .config
        .dist_dir
        .join("packages")
        .join(package_file_name());
    let Ok(zip) = tokio::fs::read(&zip_path).await else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "The Dynamics 365 solution is not built: run `make package`.",
        )
            .into_response();
    };
    match solution_web_resource(&zip, &name) {
        Ok(Some(content)) => (
            [
                (header::CONTENT_TYPE, content_type(&name).to_owned()),
                (header::CONTENT_SECURITY_POLICY, dynamics_csp(&state)),
                (header::CACHE_CONTROL, "no-cache".to_owned()),
            ],
            content,
        )
            .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            "No such web resource in the solution.",
        )
            .into_response(),
        Err(why) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("The Dynamics 365 solution zip cannot be read: {why}"),
        )
            .into_response(),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// The content of the web resource `name` in a solution zip, found as an import finds it: its
/// `<WebResource>` in `customizations.xml` names the zip entry (`<FileName>`).
pub fn solution_web_resource(zip: &[u8], name: &str) -> Result<Option<Vec<u8>>, String> {
    let mut archive = open(zip)?;
    let customizations =
        entry(&mut archive, "customizations.xml")?.ok_or("it has no customizations.xml")?;
    let customizations =
        String::from_utf8(customizations).map_err(|_| "customizations.xml is not UTF-8")?;
    let wanted = format!("<Name>{name}</Name>");
    let Some(block) = customizations
        .split("<WebResource>")
        .skip(1)
        .find(|block| block.contains(&wanted))
    else {
        return Ok(None);
    };
    let file = block
        .split_once("<FileName>")
        .and_then(|(_, rest)| rest.split_once("</FileName>"))
        .map(|(file, _)| file.trim_start_matches('/'))
        .ok_or_else(|| format!("the web resource {name} names no FileName"))?;
    entry(&mut archive, file)?
        .map(Some)
        .ok_or_else(|| format!("customizations.xml names {file}, which is not in the zip"))
}

/// One file of a zip, by its path; `None` when the zip has no such file.
pub fn zip_entry(zip: &[u8], path: &str) -> Result<Option<Vec<u8>>, String> {
    entry(&mut open(zip)?, path)
}

type Archive<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

fn open(zip: &[u8]) -> Result<Archive<'_>, String> {
    zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|_| "it is not a zip".to_owned())
}

/// The file at `path`, inflated and its checksum checked.
fn entry(archive: &mut Archive<'_>, path: &str) -> Result<Option<Vec<u8>>, String> {
    let mut file = match archive.by_name(path) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(why) => return Err(format!("the entry {path} cannot be read: {why}")),
    };
    let mut content = Vec::new();
    file.read_to_end(&mut content)
        .map_err(|why| format!("the entry {path} is damaged: {why}"))?;
    Ok(Some(content))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A zip of `(path, content, deflated)` files.
    fn zip_of(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, content, deflated) in files {
            let method = if *deflated {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(*path, options).unwrap();
            zip.write_all(content).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    const CUSTOMIZATIONS: &str = "<ImportExportXml><WebResources>
        <WebResource><Name>msb_/sidebar/pane.html</Name><FileName>/WebResources/msb_sidebarpane.html1</FileName></WebResource>
        <WebResource><Name>msb_/sidebar/gone.js</Name><FileName>/WebResources/msb_sidebargone.js2</FileName></WebResource>
        </WebResources></ImportExportXml>";

    #[test]
    fn a_web_resource_is_the_entry_customizations_xml_names_for_it() {
        let page = b"<!DOCTYPE html><p>pane</p>".repeat(20);
        let zip = zip_of(&[
            ("customizations.xml", CUSTOMIZATIONS.as_bytes(), true),
            ("WebResources/msb_sidebarpane.html1", &page, true),
            ("WebResources/other", b"stored as is", false),
        ]);
        assert_eq!(
            solution_web_resource(&zip, "msb_/sidebar/pane.html"),
            Ok(Some(page))
        );
        assert_eq!(
            zip_entry(&zip, "WebResources/other"),
            Ok(Some(b"stored as is".to_vec()))
        );
        assert_eq!(
            solution_web_resource(&zip, "msb_/sidebar/unknown.js"),
            Ok(None)
        );
        let missing = solution_web_resource(&zip, "msb_/sidebar/gone.js").unwrap_err();
        assert!(missing.contains("not in the zip"), "{missing}");
        assert_eq!(
            zip_entry(b"not a zip at all, just text", "x"),
            Err("it is not a zip".into())
        );
    }

    #[test]
    fn a_damaged_entry_is_refused_rather_than_served() {
        let page = b"<!DOCTYPE html><p>pane</p>".repeat(20);
        let mut zip = zip_of(&[("WebResources/other", &page, false)]);
        let at = zip
            .windows(page.len())
            .position(|window| window == page.as_slice())
            .unwrap();
        zip[at + 3] ^= 0x20;
        let damaged = zip_entry(&zip, "WebResources/other").unwrap_err();
        assert!(damaged.contains("is damaged"), "{damaged}");
    }
}
