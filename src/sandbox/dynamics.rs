//! Dynamics 365 on the host origin, for the demo and the end-to-end test of the Dynamics package:
//! a page that looks like a Dynamics form with its side pane (`/dynamics/record`), the web
//! resources of the built solution zip (`make package`) at the paths Dynamics serves them from,
//! and the `Xrm` double the package's own tests use, which the page runs in place of Dynamics'
//! client API. The package's scripts are served as packaged, never from copies, so what runs here
//! is what an admin imports.

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
    let customizations =
        zip_entry(zip, "customizations.xml")?.ok_or("it has no customizations.xml")?;
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
    zip_entry(zip, file)?
        .map(Some)
        .ok_or_else(|| format!("customizations.xml names {file}, which is not in the zip"))
}

fn u16_at(bytes: &[u8], at: usize) -> Result<usize, String> {
    bytes
        .get(at..at + 2)
        .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
        .ok_or_else(|| "it is cut short".to_owned())
}

fn u32_at(bytes: &[u8], at: usize) -> Result<usize, String> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| "it is cut short".to_owned())
}

const END_OF_DIRECTORY: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
const DIRECTORY_ENTRY: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
const LOCAL_HEADER: [u8; 4] = [0x50, 0x4b, 0x03, 0x04];

/// One file of a zip as `manifest/package.mjs` writes them (stored or deflated, no zip64), by
/// its path; `None` when the zip has no such file.
pub fn zip_entry(zip: &[u8], path: &str) -> Result<Option<Vec<u8>>, String> {
    // The end record is the last 22 bytes plus a comment of at most 64 KiB.
    let end = (0..zip.len().saturating_sub(21))
        .rev()
        .take(22 + 0xffff)
        .find(|&at| zip[at..].starts_with(&END_OF_DIRECTORY))
        .ok_or("it is not a zip")?;
    let count = u16_at(zip, end + 10)?;
    let mut at = u32_at(zip, end + 16)?;
    for _ in 0..count {
        if !zip
            .get(at..)
            .is_some_and(|rest| rest.starts_with(&DIRECTORY_ENTRY))
        {
            return Err("its central directory is damaged".into());
        }
        let method = u16_at(zip, at + 10)?;
        let compressed = u32_at(zip, at + 20)?;
        let name_len = u16_at(zip, at + 28)?;
        let skip = name_len + u16_at(zip, at + 30)? + u16_at(zip, at + 32)?;
        let local = u32_at(zip, at + 42)?;
        let name = zip
            .get(at + 46..at + 46 + name_len)
            .ok_or("it is cut short")?;
        at += 46 + skip;
        if name != path.as_bytes() {
            continue;
        }
        if !zip
            .get(local..)
            .is_some_and(|rest| rest.starts_with(&LOCAL_HEADER))
        {
            return Err(format!("the entry {path} is damaged"));
        }
        let start = local + 30 + u16_at(zip, local + 26)? + u16_at(zip, local + 28)?;
        let data = zip
            .get(start..start + compressed)
            .ok_or_else(|| format!("the entry {path} is cut short"))?;
        return match method {
            0 => Ok(Some(data.to_vec())),
            8 => miniz_oxide::inflate::decompress_to_vec(data)
                .map(Some)
                .map_err(|_| format!("the entry {path} does not inflate")),
            other => Err(format!("the entry {path} uses compression method {other}")),
        };
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip of `(path, content, deflated)` files, laid out as the zip format says.
    fn zip_of(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let (mut out, mut directory) = (Vec::new(), Vec::new());
        for (path, content, deflated) in files {
            let data = if *deflated {
                miniz_oxide::deflate::compress_to_vec(content, 6)
            } else {
                content.to_vec()
            };
            let method: u16 = if *deflated { 8 } else { 0 };
            let offset = out.len() as u32;
            let sizes = [data.len() as u32, content.len() as u32];
            out.extend(LOCAL_HEADER);
            out.extend([20, 0, 0, 0]);
            out.extend(method.to_le_bytes());
            out.extend([0; 8]); // time, date, CRC (not checked here)
            sizes.iter().for_each(|s| out.extend(s.to_le_bytes()));
            out.extend((path.len() as u16).to_le_bytes());
            out.extend([0, 0]);
            out.extend(path.as_bytes());
            out.extend(&data);
            directory.extend(DIRECTORY_ENTRY);
            directory.extend([20, 0, 20, 0, 0, 0]);
            directory.extend(method.to_le_bytes());
            directory.extend([0; 8]);
            sizes.iter().for_each(|s| directory.extend(s.to_le_bytes()));
            directory.extend((path.len() as u16).to_le_bytes());
            directory.extend([0; 12]);
            directory.extend(offset.to_le_bytes());
            directory.extend(path.as_bytes());
        }
        let start = out.len() as u32;
        let size = directory.len() as u32;
        out.extend(directory);
        out.extend(END_OF_DIRECTORY);
        out.extend([0; 4]);
        out.extend(
            [
                (files.len() as u16).to_le_bytes(),
                (files.len() as u16).to_le_bytes(),
            ]
            .concat(),
        );
        out.extend(size.to_le_bytes());
        out.extend(start.to_le_bytes());
        out.extend([0, 0]);
        out
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
}
