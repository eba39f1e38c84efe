//! `POST /v1/sso/exchange` over real HTTP on loopback, with credentials the tests make
//! themselves: RSA keys generated here, a JWKS served here on 127.0.0.1, assertions and canvas
//! signed requests signed here. Nothing in the verification path is mocked. Every refused case
//! checks that no token was minted: the answer carries none and the connection's sign-ins did
//! not grow.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use crm_sidebar::protocol::Secret;
use crm_sidebar::sandbox::connections::{self, PlatformUser, Trust};
use crm_sidebar::sandbox::{db, demo_idp, seed};
use crm_sidebar::wire::*;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;
use support::sandbox::*;

/// The platform's application id in these tests' Entra connections.
const APP: &str = "5e0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

fn shared() -> &'static Sandbox {
    static SHARED: OnceLock<Sandbox> = OnceLock::new();
    SHARED.get_or_init(|| {
        start(|config| {
            config.seed.activities = 2_000;
            // The tests fail exchanges on purpose, all from 127.0.0.1: the limit has a test
            // (and a sandbox) of its own.
            config.sso_failures_per_minute = 0;
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Credentials made here

/// An RSA key pair of a test identity provider.
struct TestKey {
    kid: String,
    signing: EncodingKey,
    /// The public half as a JWK, as an identity provider publishes it.
    jwk: Value,
    /// The public half as PEM: what an attacker would use as an HMAC secret.
    public_pem: String,
}

fn new_key(kid: &str) -> TestKey {
    let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let pem = private.to_pkcs8_pem(LineEnding::LF).unwrap();
    let public = private.to_public_key();
    TestKey {
        kid: kid.to_owned(),
        signing: EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        jwk: json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        }),
        public_pem: public.to_public_key_pem(LineEnding::LF).unwrap(),
    }
}

/// The key of "our" Entra tenant, and another tenant's key that happens to use the same key id.
fn keys() -> &'static (TestKey, TestKey) {
    static KEYS: OnceLock<(TestKey, TestKey)> = OnceLock::new();
    KEYS.get_or_init(|| (new_key("test-key-1"), new_key("test-key-1")))
}

/// A JWKS served on loopback: the keys it serves can change, and it counts its fetches.
struct KeyServer {
    url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

async fn key_server(keys: Vec<Value>) -> KeyServer {
    let served = Arc::new(Mutex::new(keys));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (keys, counted) = (served.clone(), fetches.clone());
    let app = axum::Router::new().route(
        "/discovery/v2.0/keys",
        axum::routing::get(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            let body = json!({ "keys": keys.lock().unwrap().clone() });
            async move { axum::Json(body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/discovery/v2.0/keys",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    KeyServer {
        url,
        keys: served,
        fetches,
    }
}

/// A fresh GUID, for tenant and object ids no other test uses.
fn guid() -> String {
    let hex = format!("{:032x}", fastrand::u128(..));
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// An Entra connection of tenant A trusting the key server, with one sales user (rep-ava).
struct EntraConnection {
    id: i64,
    tid: String,
    oid: String,
    keys: KeyServer,
}

const ENTRA_ORIGIN: &str = "https://northwind-test.crm4.dynamics.com";

async fn entra_connection(sandbox: &Sandbox, keys: Vec<Value>) -> EntraConnection {
    let keys = key_server(keys).await;
    let (tid, oid) = (guid(), guid());
    let mut conn = db::open(&sandbox.db_path).unwrap();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let tenant = db::tenant_id(&tx, seed::TENANT_A).unwrap();
    let connection = connections::add(
        &tx,
        tenant,
        &[ENTRA_ORIGIN.to_owned()],
        &Trust::EntraId {
            tenant_id: tid.clone(),
            application_id: APP.to_owned(),
            jwks_url: Some(keys.url.clone()),
        },
    )
    .unwrap();
    connections::add_sales_user(&tx, connection.id, &oid, PlatformUser::Existing("rep-ava"))
        .unwrap();
    tx.commit().unwrap();
    EntraConnection {
        id: connection.id,
        tid,
        oid,
        keys,
    }
}

fn now() -> i64 {
    Utc::now().timestamp()
}

/// What Entra puts in an access token for the application, issued now for an hour.
fn entra_claims(connection: &EntraConnection) -> Value {
    json!({
        "iss": format!("https://login.microsoftonline.com/{}/v2.0", connection.tid),
        "aud": APP,
        "tid": connection.tid,
        "oid": connection.oid,
        "sub": "pairwise-subject",
        "iat": now(),
        "nbf": now() - 5,
        "exp": now() + 3600,
        "ver": "2.0",
    })
}

fn sign(key: &TestKey, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.signing).unwrap()
}

fn entra(assertion: &str) -> Value {
    json!({"kind": "entraId", "assertion": assertion})
}

/// A Salesforce connection of tenant B, with one sales user (b-rep-yan).
struct CanvasConnection {
    id: i64,
    org_id: String,
    user_id: String,
    secret: String,
}

const SALESFORCE_ORIGIN: &str = "https://contoso-test.lightning.force.com";

/// An 18-character Salesforce id with `prefix`, no other test uses.
fn salesforce_id(prefix: &str) -> String {
    let tail: String = (0..15).map(|_| fastrand::alphanumeric()).collect();
    format!("{prefix}{tail}")
}

fn canvas_connection(sandbox: &Sandbox) -> CanvasConnection {
    let (org_id, user_id) = (salesforce_id("00D"), salesforce_id("005"));
    let secret: String = (0..40).map(|_| fastrand::alphanumeric()).collect();
    let mut conn = db::open(&sandbox.db_path).unwrap();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let tenant = db::tenant_id(&tx, seed::TENANT_B).unwrap();
    let connection = connections::add(
        &tx,
        tenant,
        &[SALESFORCE_ORIGIN.to_owned()],
        &Trust::SalesforceCanvas {
            org_id: org_id.clone(),
            consumer_secret: Secret::new(secret.clone()),
        },
    )
    .unwrap();
    connections::add_sales_user(
        &tx,
        connection.id,
        &user_id,
        PlatformUser::Existing(seed::REP_B),
    )
    .unwrap();
    tx.commit().unwrap();
    CanvasConnection {
        id: connection.id,
        org_id,
        user_id,
        secret,
    }
}

/// The CanvasRequest Salesforce posts, issued now.
fn canvas_request(connection: &CanvasConnection) -> Value {
    json!({
        "algorithm": "HMACSHA256",
        "issuedAt": now(),
        "userId": connection.user_id,
        "client": {"oauthToken": "00Dx!salesforce-session", "instanceUrl": "https://contoso-test.my.salesforce.com"},
        "context": {
            "user": {"userId": connection.user_id, "userName": "yan@contoso.example", "fullName": "Yan Li"},
            "organization": {"organizationId": connection.org_id, "name": "Contoso"},
            "environment": {"displayLocation": "Chatter"}
        }
    })
}

/// `<base64 HMAC-SHA256 of the base64 payload>.<base64 payload>`.
fn signed_request(secret: &str, request: &Value) -> String {
    let payload = STANDARD.encode(request.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    format!("{}.{payload}", STANDARD.encode(mac.finalize().into_bytes()))
}

fn canvas(signed_request: &str) -> Value {
    json!({"kind": "salesforceCanvas", "signedRequest": signed_request})
}

// ---------------------------------------------------------------------------------------------
// Asking and checking

async fn exchange(sandbox: &Sandbox, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}/v1/sso/exchange", sandbox.api))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The tokens the exchange minted through a connection.
fn sign_ins(sandbox: &Sandbox, connection_id: i64) -> i64 {
    let conn = db::open(&sandbox.db_path).unwrap();
    conn.query_row(
        "SELECT count(*) FROM sso_sign_ins WHERE connection_id = ?1",
        [connection_id],
        |row| row.get(0),
    )
    .unwrap()
}

/// A good exchange: the token, its expiry, and one more sign-in on the connection.
async fn accepted(sandbox: &Sandbox, body: &Value, connection_id: i64) -> TokenResponse {
    let before = sign_ins(sandbox, connection_id);
    let response = exchange(sandbox, body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(sign_ins(sandbox, connection_id), before + 1);
    serde_json::from_str(&text).unwrap()
}

/// A refused exchange: 401 `ssoInvalid` saying `says`, no token in the answer, none minted, and
/// nothing of the credential echoed.
async fn refused(sandbox: &Sandbox, body: &Value, connection_id: i64, says: &str) {
    let before = sign_ins(sandbox, connection_id);
    let response = exchange(sandbox, body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert!(answer.get("token").is_none(), "{text}");
    let error: ErrorBody = serde_json::from_value(answer).unwrap();
    assert_eq!(error.error.code, ErrorCode::SsoInvalid, "{text}");
    assert!(
        error.error.message.contains(says),
        "expected '{says}': {text}"
    );
    for credential in [&body["assertion"], &body["signedRequest"]] {
        if let Some(credential) = credential.as_str() {
            let signature = credential.rsplit('.').next().unwrap();
            assert!(
                signature.len() < 16 || !text.contains(signature),
                "the answer echoes the credential: {text}"
            );
        }
    }
    assert_eq!(
        sign_ins(sandbox, connection_id),
        before,
        "a refused exchange minted a token"
    );
}

/// The claims of a platform token (already checked by the API that accepts it).
fn token_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// An assertion signed with the key of a fresh connection, its claims changed by `change`, is
/// refused, saying `says`.
async fn entra_refused_when(change: impl FnOnce(&mut Value), says: &str) {
    let sandbox = shared();
    let (key, _) = keys();
    let connection = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let mut claims = entra_claims(&connection);
    change(&mut claims);
    refused(sandbox, &entra(&sign(key, &claims)), connection.id, says).await;
}

/// A canvas request of a fresh connection, changed by `change` and signed with the connection's
/// secret, is refused, saying `says`.
async fn canvas_refused_when(change: impl FnOnce(&mut Value), says: &str) {
    let sandbox = shared();
    let connection = canvas_connection(sandbox);
    let mut request = canvas_request(&connection);
    change(&mut request);
    let body = canvas(&signed_request(&connection.secret, &request));
    refused(sandbox, &body, connection.id, says).await;
}

// ---------------------------------------------------------------------------------------------
// Entra ID

#[tokio::test]
async fn entra_a_valid_assertion_gets_a_token_bound_to_tenant_user_and_connection() {
    let sandbox = shared();
    let (key, _) = keys();
    let connection = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let answer = accepted(
        sandbox,
        &entra(&sign(key, &entra_claims(&connection))),
        connection.id,
    )
    .await;
    let lifetime = answer.expires_at - Utc::now();
    assert!(
        lifetime.num_seconds() <= SSO_TOKEN_MAX_SECONDS,
        "{lifetime}"
    );
    assert!(
        lifetime.num_seconds() >= SSO_TOKEN_MAX_SECONDS - 5,
        "{lifetime}"
    );
    let claims = token_claims(&answer.token);
    assert_eq!(claims["connection"], connection.id);
    assert_eq!(claims["crmUser"], connection.oid);

    let me: Me = get_json(sandbox, &answer.token, "/v1/me").await;
    assert_eq!(me.user.crm_user, "rep-ava");
    assert_eq!(me.tenant.name, seed::TENANT_A);
    assert_eq!(me.connection_origins, Some(vec![ENTRA_ORIGIN.to_owned()]));
    assert_eq!(connection.keys.fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn entra_a_token_lives_no_longer_than_the_assertion_vouches() {
    let sandbox = shared();
    let (key, _) = keys();
    let connection = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let mut claims = entra_claims(&connection);
    claims["exp"] = json!(now() + 30);
    let answer = accepted(sandbox, &entra(&sign(key, &claims)), connection.id).await;
    // Until `exp`, plus the 60 s of clock skew the assertion itself is allowed.
    let until = DateTime::from_timestamp(now() + 30 + 60, 0).unwrap();
    assert!(
        (answer.expires_at - until).num_seconds().abs() <= 2,
        "{}",
        answer.expires_at
    );
}

#[tokio::test]
async fn entra_a_wrong_audience_is_refused() {
    entra_refused_when(
        |claims| claims["aud"] = json!("00000003-0000-0000-c000-000000000000"),
        "audience (aud)",
    )
    .await;
}

#[tokio::test]
async fn entra_a_wrong_issuer_is_refused() {
    // Entra's v1 issuer of the same tenant, and the v2 one of another tenant.
    entra_refused_when(
        |claims| {
            claims["iss"] = json!(format!(
                "https://sts.windows.net/{}/",
                claims["tid"].as_str().unwrap()
            ))
        },
        "issuer (iss)",
    )
    .await;
    entra_refused_when(
        |claims| {
            claims["iss"] = json!(format!("https://login.microsoftonline.com/{}/v2.0", guid()))
        },
        "issuer (iss)",
    )
    .await;
}

#[tokio::test]
async fn entra_an_unknown_key_id_is_refused_and_fetched_again_at_most_once_a_minute() {
    let sandbox = shared();
    let (key, _) = keys();
    let connection = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let claims = entra_claims(&connection);
    let unknown = TestKey {
        kid: "rotated-in-later".into(),
        signing: key.signing.clone(),
        jwk: Value::Null,
        public_pem: String::new(),
    };
    for _ in 0..3 {
        refused(
            sandbox,
            &entra(&sign(&unknown, &claims)),
            connection.id,
            "(kid) is not one of the connection's keys",
        )
        .await;
    }
    // The first try fetched the set; the others, within the minute, did not.
    assert_eq!(connection.keys.fetches.load(Ordering::SeqCst), 1);
    // A key the server starts publishing now is not fetched before the minute is out either.
    let mut rotated = key.jwk.clone();
    rotated["kid"] = json!("rotated-in-later");
    connection.keys.keys.lock().unwrap().push(rotated);
    refused(
        sandbox,
        &entra(&sign(&unknown, &claims)),
        connection.id,
        "(kid)",
    )
    .await;
    assert_eq!(connection.keys.fetches.load(Ordering::SeqCst), 1);
    // The known key still works from the set kept.
    accepted(sandbox, &entra(&sign(key, &claims)), connection.id).await;
    assert_eq!(connection.keys.fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn entra_alg_none_is_refused() {
    let sandbox = shared();
    let (key, _) = keys();
    let connection = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let header =
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT", "kid": key.kid}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(entra_claims(&connection).to_string());
    for unsigned in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        refused(sandbox, &entra(&unsigned), connection.id, "RS256").await;
    }
}

#[tokio::test]
async fn entra_hs256_signed_with_the_public_key_is_refused() {
    let sandbox = shared();
    let (key, _) = keys();
    let connection = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(key.kid.clone());
    for secret in [
        key.public_pem.as_bytes().to_vec(),
        key.jwk.to_string().into_bytes(),
    ] {
        let forged = jsonwebtoken::encode(
            &header,
            &entra_claims(&connection),
            &EncodingKey::from_secret(&secret),
        )
        .unwrap();
        refused(
            sandbox,
            &entra(&forged),
            connection.id,
            "must be signed with RS256",
        )
        .await;
    }
}

#[tokio::test]
async fn entra_an_expired_assertion_is_refused_past_the_minute_of_skew() {
    let sandbox = shared();
    let (key, _) = keys();
    let connection = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let mut claims = entra_claims(&connection);
    claims["iat"] = json!(now() - 3700);
    claims["nbf"] = json!(now() - 3700);
    claims["exp"] = json!(now() - 61);
    refused(
        sandbox,
        &entra(&sign(key, &claims)),
        connection.id,
        "has expired",
    )
    .await;
    // Within the skew it still counts.
    claims["exp"] = json!(now() - 30);
    accepted(sandbox, &entra(&sign(key, &claims)), connection.id).await;
}

#[tokio::test]
async fn entra_an_assertion_not_valid_yet_is_refused() {
    entra_refused_when(
        |claims| claims["nbf"] = json!(now() + 120),
        "not valid yet (nbf)",
    )
    .await;
}

#[tokio::test]
async fn entra_an_object_id_that_is_no_sales_user_is_refused() {
    entra_refused_when(
        |claims| claims["oid"] = json!(guid()),
        "not a sales user of this connection",
    )
    .await;
    entra_refused_when(
        |claims| {
            claims.as_object_mut().unwrap().remove("oid");
        },
        "names no user (oid)",
    )
    .await;
}

#[tokio::test]
async fn entra_another_tenants_key_is_refused() {
    let sandbox = shared();
    let (ours, theirs) = keys();
    let connection = entra_connection(sandbox, vec![ours.jwk.clone()]).await;
    // Signed with another tenant's key under the key id our set has.
    assert_eq!(ours.kid, theirs.kid);
    refused(
        sandbox,
        &entra(&sign(theirs, &entra_claims(&connection))),
        connection.id,
        "signature does not match",
    )
    .await;
    // And an assertion another Entra tenant rightly issued does not sign in to ours: its own
    // tenant is not connected.
    let mut claims = entra_claims(&connection);
    let elsewhere = guid();
    claims["tid"] = json!(elsewhere);
    claims["iss"] = json!(format!(
        "https://login.microsoftonline.com/{elsewhere}/v2.0"
    ));
    refused(
        sandbox,
        &entra(&sign(theirs, &claims)),
        connection.id,
        "No connection trusts this Entra tenant",
    )
    .await;
}

#[tokio::test]
async fn entra_an_unreachable_key_set_refuses_rather_than_trusting() {
    let sandbox = shared();
    let (key, _) = keys();
    let connection = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    {
        let conn = db::open(&sandbox.db_path).unwrap();
        conn.execute(
            "UPDATE crm_connections SET jwks_url = 'http://127.0.0.1:9/keys' WHERE id = ?1",
            [connection.id],
        )
        .unwrap();
    }
    refused(
        sandbox,
        &entra(&sign(key, &entra_claims(&connection))),
        connection.id,
        "signing keys could not be fetched",
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Salesforce canvas

#[tokio::test]
async fn canvas_a_valid_signed_request_gets_a_token_bound_to_tenant_user_and_connection() {
    let sandbox = shared();
    let connection = canvas_connection(sandbox);
    let body = canvas(&signed_request(
        &connection.secret,
        &canvas_request(&connection),
    ));
    let answer = accepted(sandbox, &body, connection.id).await;
    let lifetime = answer.expires_at - Utc::now();
    assert!(
        lifetime.num_seconds() <= SSO_TOKEN_MAX_SECONDS,
        "{lifetime}"
    );
    assert_eq!(token_claims(&answer.token)["connection"], connection.id);
    let me: Me = get_json(sandbox, &answer.token, "/v1/me").await;
    assert_eq!(me.user.crm_user, seed::REP_B);
    assert_eq!(me.tenant.name, seed::TENANT_B);
    assert_eq!(
        me.connection_origins,
        Some(vec![SALESFORCE_ORIGIN.to_owned()])
    );
    // issuedAt in milliseconds, as Java writes it, counts too.
    let mut request = canvas_request(&connection);
    request["issuedAt"] = json!(Utc::now().timestamp_millis());
    accepted(
        sandbox,
        &canvas(&signed_request(&connection.secret, &request)),
        connection.id,
    )
    .await;
}

#[tokio::test]
async fn canvas_a_tampered_payload_is_refused() {
    let sandbox = shared();
    let connection = canvas_connection(sandbox);
    let genuine = signed_request(&connection.secret, &canvas_request(&connection));
    let (signature, _) = genuine.split_once('.').unwrap();
    // Another user of the same org, under the genuine signature.
    let mut request = canvas_request(&connection);
    request["context"]["user"]["userId"] = json!(salesforce_id("005"));
    let tampered = format!("{signature}.{}", STANDARD.encode(request.to_string()));
    refused(
        sandbox,
        &canvas(&tampered),
        connection.id,
        "signature does not match",
    )
    .await;
}

#[tokio::test]
async fn canvas_a_wrong_secret_is_refused() {
    let sandbox = shared();
    let connection = canvas_connection(sandbox);
    let body = canvas(&signed_request(
        "not-the-consumer-secret-of-this-app",
        &canvas_request(&connection),
    ));
    refused(sandbox, &body, connection.id, "signature does not match").await;
    // Nor is a signature that is not base64, nor a request without one.
    let payload = STANDARD.encode(canvas_request(&connection).to_string());
    refused(
        sandbox,
        &canvas(&format!("%%%.{payload}")),
        connection.id,
        "not base64",
    )
    .await;
    refused(
        sandbox,
        &canvas(&payload),
        connection.id,
        "'<signature>.<payload>'",
    )
    .await;
}

#[tokio::test]
async fn canvas_a_stale_signed_request_is_refused() {
    canvas_refused_when(
        |request| request["issuedAt"] = json!(now() - 5 * 60 - 5),
        "more than 5 minutes old",
    )
    .await;
    canvas_refused_when(|request| request["issuedAt"] = Value::Null, "no issuedAt").await;
}

#[tokio::test]
async fn canvas_an_unknown_org_is_refused() {
    canvas_refused_when(
        |request| {
            request["context"]["organization"]["organizationId"] = json!(salesforce_id("00D"))
        },
        "No connection has this Salesforce org",
    )
    .await;
}

#[tokio::test]
async fn canvas_a_user_who_is_no_sales_user_is_refused() {
    canvas_refused_when(
        |request| request["context"]["user"]["userId"] = json!(salesforce_id("005")),
        "not a sales user of this connection",
    )
    .await;
}

#[tokio::test]
async fn canvas_another_algorithm_is_refused() {
    canvas_refused_when(
        |request| request["algorithm"] = json!("HMACSHA1"),
        "must be HMACSHA256",
    )
    .await;
}

#[tokio::test]
async fn a_token_reads_its_connections_tenant_only() {
    let sandbox = shared();
    let (key, _) = keys();
    let dynamics = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let salesforce = canvas_connection(sandbox);
    let a = accepted(
        sandbox,
        &entra(&sign(key, &entra_claims(&dynamics))),
        dynamics.id,
    )
    .await
    .token;
    let b = accepted(
        sandbox,
        &canvas(&signed_request(
            &salesforce.secret,
            &canvas_request(&salesforce),
        )),
        salesforce.id,
    )
    .await
    .token;
    for (token, own, other) in [
        (&a, seed::DEMO_LEAD, seed::B_LEAD),
        (&b, seed::B_LEAD, seed::DEMO_LEAD),
    ] {
        let mine = get(sandbox, token, &format!("/v1/records/lead/{own}")).await;
        assert_eq!(mine.status(), StatusCode::OK);
        for path in [
            format!("/v1/records/lead/{other}"),
            format!("/v1/records/lead/{other}/activities"),
            format!("/v1/records/lead/{other}/engagement"),
        ] {
            let (status, error) = error_of(get(sandbox, token, &path).await).await;
            assert_eq!(
                (status, error.code),
                (StatusCode::NOT_FOUND, ErrorCode::NotFound),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn a_token_of_a_removed_connection_is_refused_by_me() {
    let sandbox = shared();
    let connection = canvas_connection(sandbox);
    let body = canvas(&signed_request(
        &connection.secret,
        &canvas_request(&connection),
    ));
    let token = accepted(sandbox, &body, connection.id).await.token;
    {
        let conn = db::open(&sandbox.db_path).unwrap();
        connections::remove(&conn, connection.id).unwrap();
    }
    let (status, error) = error_of(get(sandbox, &token, "/v1/me").await).await;
    assert_eq!(
        (status, error.code),
        (StatusCode::UNAUTHORIZED, ErrorCode::TokenInvalid)
    );
    // And the signed request that worked a moment ago no longer does.
    refused(
        sandbox,
        &body,
        connection.id,
        "No connection has this Salesforce org",
    )
    .await;
}

#[tokio::test]
async fn a_development_token_is_bound_to_the_tenants_generic_connection() {
    let sandbox = shared();
    let me: Me = get_json(sandbox, &token_for(sandbox, "rep-ava").await, "/v1/me").await;
    assert_eq!(
        me.connection_origins,
        Some(vec![
            "http://127.0.0.1:8788".to_owned(),
            "http://localhost:8788".to_owned()
        ])
    );
}

/// `GET path` with `token`, from the plugin inside the CRM page `host`.
async fn get_from(sandbox: &Sandbox, token: &str, host: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", sandbox.api))
        .bearer_auth(token)
        .header(SIDEBAR_HOST_HEADER, host)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_token_serves_the_plugin_only_inside_its_connections_crm_pages() {
    let sandbox = shared();
    let (key, _) = keys();
    let dynamics = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let exchanged = accepted(
        sandbox,
        &entra(&sign(key, &entra_claims(&dynamics))),
        dynamics.id,
    )
    .await
    .token;
    assert_eq!(
        token_claims(&exchanged)["connectionOrigins"],
        json!([ENTRA_ORIGIN])
    );
    let developer = token_for(sandbox, "rep-ava").await;
    let path = format!("/v1/records/lead/{}/activities", seed::DEMO_LEAD);
    for (token, own, others) in [
        (
            &exchanged,
            ENTRA_ORIGIN,
            // Another customer's Dynamics, matching the manifest's pattern; the demo CRM,
            // another connection of the same tenant; the origin written otherwise.
            [
                "https://fabrikam.crm4.dynamics.com",
                "http://127.0.0.1:8788",
                "https://northwind-test.crm4.dynamics.com/",
            ],
        ),
        (
            &developer,
            "http://127.0.0.1:8788",
            [
                "http://x.localhost:8788",
                ENTRA_ORIGIN,
                "http://127.0.0.1:8789",
            ],
        ),
    ] {
        let served = get_from(sandbox, token, own, &path).await;
        assert_eq!(served.status(), StatusCode::OK, "{own}");
        for other in others {
            let refused = get_from(sandbox, token, other, &path).await;
            let text = refused.text().await.unwrap();
            assert!(!text.contains(token.as_str()), "{text}");
            let error: ErrorBody = serde_json::from_str(&text).unwrap();
            assert_eq!(
                error.error.code,
                ErrorCode::HostNotConnected,
                "{other}: {text}"
            );
            assert!(error.error.message.contains(other), "{text}");
            let (status, _) = error_of(get_from(sandbox, token, other, "/v1/me").await).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{other}");
        }
        // A caller that names no CRM page is not the plugin: nothing to check.
        assert_eq!(get(sandbox, token, &path).await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_body_that_is_no_exchange_request_is_422() {
    let sandbox = shared();
    for body in [
        json!({"kind": "saml", "assertion": "x"}),
        json!({"kind": "entraId"}),
        json!("token"),
    ] {
        let (status, error) = error_of(exchange(sandbox, &body).await).await;
        assert_eq!(
            (status, error.code),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidParameter
            )
        );
    }
    for garbage in ["", "a.b.c", "not a jwt"] {
        let (status, error) = error_of(exchange(sandbox, &entra(garbage)).await).await;
        assert_eq!(
            (status, error.code),
            (StatusCode::UNAUTHORIZED, ErrorCode::SsoInvalid),
            "{garbage}"
        );
    }
}

#[tokio::test]
async fn a_crm_page_matching_a_manifest_pattern_may_call_the_exchange() {
    let sandbox = shared();
    let preflight = |origin: &'static str| {
        client()
            .request(Method::OPTIONS, format!("{}/v1/sso/exchange", sandbox.api))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://contoso.crm4.dynamics.com")
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://contoso.crm4.dynamics.com"
    );
    for origin in [
        "https://contoso.crm4.dynamics.com.evil.example",
        "http://contoso.crm4.dynamics.com",
    ] {
        let response = preflight(origin).await.unwrap();
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The demo identity provider

#[tokio::test]
async fn the_demo_signs_in_through_its_identity_provider_and_the_exchange() {
    let sandbox = shared();
    let keys: Value = reqwest::get(format!("{}{}", sandbox.host, demo_idp::JWKS_PATH))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1);
    assert_eq!(keys["keys"][0]["kty"], "RSA");
    assert!(
        keys["keys"][0].get("d").is_none(),
        "a private key part is published"
    );

    for (user, tenant) in [("rep-ava", seed::TENANT_A), (seed::REP_B, seed::TENANT_B)] {
        let answer: Value = client()
            .post(format!("{}{}", sandbox.host, demo_idp::ASSERTION_PATH))
            .json(&json!({"user": user}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let assertion = answer["assertion"].as_str().unwrap();
        let claims = token_claims(assertion);
        assert_eq!(
            claims["iss"],
            format!(
                "https://login.microsoftonline.com/{}/v2.0",
                claims["tid"].as_str().unwrap()
            )
        );
        let token = exchange(sandbox, &entra(assertion))
            .await
            .json::<TokenResponse>()
            .await
            .unwrap();
        let me: Me = get_json(sandbox, &token.token, "/v1/me").await;
        assert_eq!(
            (me.user.crm_user.as_str(), me.tenant.name.as_str()),
            (user, tenant)
        );
        assert_eq!(
            me.connection_origins,
            Some(vec![
                "http://127.0.0.1:8788".to_owned(),
                "http://localhost:8788".to_owned()
            ])
        );
    }
    let unknown = client()
        .post(format!("{}{}", sandbox.host, demo_idp::ASSERTION_PATH))
        .json(&json!({"user": "nobody"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------
// A sandbox without development endpoints, and with the failure limit on

fn strict() -> &'static Sandbox {
    static STRICT: OnceLock<Sandbox> = OnceLock::new();
    STRICT.get_or_init(|| {
        start(|config| {
            config.seed.activities = 2_000;
            config.dev_endpoints = false;
            config.sso_failures_per_minute = 3;
        })
    })
}

#[tokio::test]
async fn a_burst_of_refusals_from_one_client_is_rate_limited_and_mints_nothing() {
    let sandbox = strict();
    let (key, _) = keys();
    let connection = entra_connection(sandbox, vec![key.jwk.clone()]).await;
    let mut wrong = entra_claims(&connection);
    wrong["aud"] = json!(guid());
    let wrong = entra(&sign(key, &wrong));
    // The budget of 3, and the refusal that finds it empty.
    for _ in 0..4 {
        refused(sandbox, &wrong, connection.id, "audience").await;
    }
    for body in [wrong, entra(&sign(key, &entra_claims(&connection)))] {
        let response = exchange(sandbox, &body).await;
        assert!(response.headers().get("retry-after").is_some());
        let (status, error) = error_of(response).await;
        assert_eq!(
            (status, error.code),
            (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
        );
    }
    assert_eq!(sign_ins(sandbox, connection.id), 0);
}

#[tokio::test]
async fn without_development_endpoints_there_is_no_demo_identity_provider() {
    let sandbox = strict();
    for (method, path) in [
        (Method::GET, demo_idp::JWKS_PATH),
        (Method::POST, demo_idp::ASSERTION_PATH),
    ] {
        let response = client()
            .request(method, format!("{}{path}", sandbox.host))
            .json(&json!({"user": "rep-ava"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let dev = client()
        .post(format!("{}/dev/sso/token", sandbox.api))
        .json(&json!({"crmUser": "rep-ava"}))
        .send()
        .await
        .unwrap();
    assert_ne!(dev.status(), StatusCode::OK);
}
