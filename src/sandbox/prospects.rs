//! The prospects endpoints of the API.

use axum::Router;
use utoipa::OpenApi;

use super::AppState;

/// The routes of this module, merged into the plugin origin's API router.
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// The OpenAPI description of this module's endpoints, merged into the document.
#[derive(OpenApi)]
#[openapi()]
pub struct Doc;
