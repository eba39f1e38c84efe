//! Salesforce on the host origin: the canvas app's endpoint (the host shell the platform answers
//! Salesforce's signed request with) and a loopback stand-in for the few REST endpoints that shell
//! calls, so tests and the demo can play Salesforce's side.

pub mod canvas;
pub mod demo;
pub mod standin;

use std::sync::LazyLock;

use axum::Router;

use super::AppState;

/// The Salesforce API version the project (`manifest/salesforce/sfdx-project.json`) is pinned to:
/// the shell calls `/services/data/v<version>/…` and loads the canvas SDK of this version.
pub fn api_version() -> &'static str {
    static VERSION: LazyLock<String> = LazyLock::new(|| {
        let project: serde_json::Value = serde_json::from_str(include_str!(
            "../../../manifest/salesforce/sfdx-project.json"
        ))
        .expect("sfdx-project.json is JSON");
        project["sourceApiVersion"]
            .as_str()
            .expect("sfdx-project.json names its sourceApiVersion")
            .to_owned()
    });
    &VERSION
}

/// The routes of both, for the host origin's router.
pub fn routes() -> Router<AppState> {
    canvas::routes().merge(standin::routes())
}
