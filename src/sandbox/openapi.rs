//! The OpenAPI document, generated from the wire types and the handlers' annotations.
//! A copy is kept at `manifest/openapi.json`; `tests/api.rs` fails when the two differ
//! (refresh it with `cargo run --features sandbox --bin sandbox -- --print-openapi`).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::records;
use crate::wire::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Marketing platform API",
        version = "1.0.0",
        description = "The API the CRM marketing sidebar is written against, as implemented by the sandbox. \
Every /v1 call but `POST /v1/sso/exchange` (which makes the token) needs `Authorization: Bearer <token>`; errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`. \
The sidebar names the CRM page it runs in on every call (`Sidebar-Host: <origin>`): a call naming a page that is not one of \
the origins of the token's CRM connection is refused with 403 `hostNotConnected`."
    ),
    paths(
        records::me, records::record_profile, records::activities, records::engagement,
        records::dev_users, records::dev_token, records::dev_records, records::dev_activities,
    ),
    components(schemas(
        ErrorBody, ApiError, ErrorCode, Me, UserSummary, Tenant, Role, Entity, RecordProfile,
        OptInType, SubscriptionStatus, ActivityKind, Activity, ActivityDetails, FormField,
        ActivityPage, Engagement, EngagementSummary, EngagementBucket, Interaction, BucketSize,
        DevUser, TokenRequest, TokenResponse, DevRecordIn, DevActivityIn, Created,
        records::TimeZoneName, records::DevActivitiesIn, schemas::CrmId,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "session", description = "Who the token belongs to"),
        (name = "records", description = "What marketing knows about a CRM record"),
        (name = "dev", description = "Development endpoints of the sandbox (not in production)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as served at `/v1/openapi.json` and stored in `manifest/openapi.json`.
pub fn document() -> String {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::prospects::Doc::openapi());
    doc.merge(super::programs::Doc::openapi());
    doc.merge(super::sends::Doc::openapi());
    doc.merge(super::sso::Doc::openapi());
    doc.merge(super::dashboard::Doc::openapi());
    doc.merge(super::events::Doc::openapi());
    let mut json = doc
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}
