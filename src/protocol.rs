//! The host bridge protocol `crm-sidebar/1`: the messages the CRM page and the plugin exchange
//! through `postMessage`, and the rules for accepting them. Pure Rust so the rules are tested
//! natively; `plugin::bridge` wires them to the browser.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire::{json, Entity, PersonFields};

pub const PROTOCOL: &str = "crm-sidebar/1";

/// The manifest, compiled in so the allow-list has one source (`manifest/plugin.json`).
pub const MANIFEST_JSON: &str = include_str!("../manifest/plugin.json");

/// Where the plugin is shown; chosen by the `view` query parameter and the host's context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum View {
    Activity,
    Timeline,
    Send,
    Programs,
    HotProspects,
    Dashboard,
}

impl View {
    pub fn parse(text: &str) -> Option<View> {
        use serde::de::IntoDeserializer;
        let text: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            text.into_deserializer();
        View::deserialize(text).ok()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// A CRM record as the host knows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmRecord {
    pub entity: Entity,
    pub id: String,
    #[serde(flatten)]
    pub person: PersonFields,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostUser {
    pub id: String,
    pub name: String,
    /// BCP 47 tag, e.g. `en-GB`.
    pub locale: String,
    /// IANA zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
}

/// The host's SSO token: on the wire the string it is; in Rust never printed, so a `{:?}` of a
/// message or context cannot put it in a log.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The token itself, for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    pub token: Secret,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub expires_at: DateTime<Utc>,
    pub view: View,
    #[serde(default)]
    pub record: Option<CrmRecord>,
    #[serde(default)]
    pub selection: Vec<CrmRecord>,
    pub user: HostUser,
    #[serde(default)]
    pub theme: Theme,
    /// What the CRM can store; absent, the smallest limits of the CRMs we know.
    #[serde(default)]
    pub limits: HostLimits,
}

/// Sizes the host's CRM can store, from `context.limits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostLimits {
    /// The longest note subject, in UTF-16 code units as the CRMs count them.
    #[serde(default = "HostLimits::default_note_subject")]
    pub note_subject: u32,
}

impl HostLimits {
    /// A Salesforce Task's subject holds 255, a Dynamics 365 note's 500: the smaller.
    pub const NOTE_SUBJECT: u32 = 255;

    fn default_note_subject() -> u32 {
        Self::NOTE_SUBJECT
    }
}

impl Default for HostLimits {
    fn default() -> Self {
        HostLimits {
            note_subject: Self::NOTE_SUBJECT,
        }
    }
}

impl Context {
    /// A selection names each record once: a repeat (same entity and id) is dropped, the first
    /// kept, so counts, sends and enrolments see each record once.
    fn dedup_selection(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.selection
            .retain(|record| seen.insert((record.entity, record.id.trim().to_owned())));
    }
}

/// Messages the host sends to the plugin, told apart by their `type`.
#[derive(Clone, Debug, PartialEq)]
pub enum HostMessage {
    /// `context`. Boxed: a context is ten times the size of a token message.
    Context(Box<Context>),
    /// `token`
    Token(TokenGrant),
    /// `tokenError`
    TokenError(TokenFailure),
    /// `activityLogged`: the CRM stored the note of that `logActivity`.
    ActivityLogged(NoteAnswer),
    /// `activityError`: the CRM did not store it, and why.
    ActivityError(NoteAnswer),
}

/// The host's answer to a `logActivity`, echoing its `noteId` as `id` (as `token` echoes a
/// `tokenRequest`'s). `message` says why the CRM refused it (empty when it stored it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoteAnswer {
    pub id: String,
    #[serde(default)]
    pub message: String,
}

/// A fresh token from the host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenGrant {
    /// Echoes the `id` of the `tokenRequest` it answers.
    #[serde(default)]
    pub id: Option<String>,
    pub token: Secret,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub expires_at: DateTime<Utc>,
}

/// The host could not get a token from its single sign-on. With `id`, for that `tokenRequest`;
/// without, for the `context` it owed after `ready` (or after the user switched record).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenFailure {
    #[serde(default)]
    pub id: Option<String>,
}

/// Messages the plugin sends to the host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum PluginMessage {
    Ready,
    TokenRequest {
        id: String,
    },
    OpenRecord {
        entity: Entity,
        id: String,
    },
    /// `id` is the record's: a host of before the acknowledgement reads it so. `noteId` is the
    /// request's, which `activityLogged` and `activityError` echo as their `id`.
    LogActivity {
        entity: Entity,
        id: String,
        subject: String,
        body: String,
        #[serde(rename = "noteId")]
        note_id: String,
    },
    Resize {
        height: u32,
    },
    Close,
}

#[derive(Serialize)]
struct Outgoing<'a> {
    protocol: &'static str,
    #[serde(flatten)]
    message: &'a PluginMessage,
}

impl PluginMessage {
    /// The JSON text of the object posted to the host, with the protocol tag.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&Outgoing {
            protocol: PROTOCOL,
            message: self,
        })
        // Not `expect`: its message would carry serde_json's error formatting into the wasm for
        // a failure that cannot happen (the messages are strings, numbers and a flat object).
        .unwrap_or_else(|_| unreachable!("plugin messages always serialize"))
    }
}

/// Why an incoming message was ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejected {
    WrongOrigin,
    NotFromParent,
    TooLarge,
    WrongProtocol,
    BadShape,
}

/// The largest message read, as JSON text: a context of 200 records is about 60 KB. Anything
/// bigger is ignored unread.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// The checks that cost nothing, made before a message is copied or read: it comes from the
/// expected host origin and from `window.parent`.
pub fn from_host(origin: &str, expected_origin: &str, from_parent: bool) -> Result<(), Rejected> {
    if origin != expected_origin {
        return Err(Rejected::WrongOrigin);
    }
    if !from_parent {
        return Err(Rejected::NotFromParent);
    }
    Ok(())
}

/// Accepts a message only from the expected host origin, from `window.parent`, with our protocol
/// tag and a known shape. `json` is the message data as JSON text, read into the typed message
/// by [`crate::wire::json`].
pub fn accept_host_message(
    origin: &str,
    expected_origin: &str,
    from_parent: bool,
    json: &str,
) -> Result<HostMessage, Rejected> {
    /// Only the tag; every other field is ignored here.
    #[derive(Deserialize)]
    struct Tag {
        protocol: Option<String>,
    }
    #[derive(Deserialize)]
    struct Kind {
        #[serde(rename = "type")]
        kind: String,
    }

    from_host(origin, expected_origin, from_parent)?;
    if json.len() > MAX_MESSAGE_BYTES {
        return Err(Rejected::TooLarge);
    }
    let tag: Tag = json::from_str(json).map_err(|_| Rejected::BadShape)?;
    if tag.protocol.as_deref() != Some(PROTOCOL) {
        return Err(Rejected::WrongProtocol);
    }
    // The message's fields are read by the type its `type` names, straight from the text (an
    // internally tagged enum would first copy the whole message into a generic value).
    let kind: Kind = json::from_str(json).map_err(|_| Rejected::BadShape)?;
    match kind.kind.as_str() {
        "context" => json::from_str(json).map(|mut context: Context| {
            context.dedup_selection();
            HostMessage::Context(Box::new(context))
        }),
        "token" => json::from_str(json).map(HostMessage::Token),
        "tokenError" => json::from_str(json).map(HostMessage::TokenError),
        "activityLogged" => json::from_str(json).map(HostMessage::ActivityLogged),
        "activityError" => json::from_str(json).map(HostMessage::ActivityError),
        _ => return Err(Rejected::BadShape),
    }
    .map_err(|_| Rejected::BadShape)
}

/// The plugin manifest fields the code relies on.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub id: String,
    pub version: String,
    pub allowed_host_origins: Vec<String>,
    /// The plugin page's Content-Security-Policy, directive -> sources: the sandbox serves it
    /// (not read by the plugin itself).
    #[cfg(feature = "sandbox")]
    pub csp: std::collections::BTreeMap<String, Vec<String>>,
}

impl Manifest {
    pub fn bundled() -> Manifest {
        // Not `expect`, which would format the error's `Debug` (and with it every `str`'s).
        json::from_str(MANIFEST_JSON)
            .unwrap_or_else(|_| panic!("manifest/plugin.json is validated by tests"))
    }

    /// Whether `origin` (scheme://host[:port], no path) may embed the plugin: an exact entry
    /// or a pattern of the allow-list matches it ([`crate::host_origins`]).
    pub fn allows(&self, origin: &str) -> bool {
        crate::host_origins::any_matches(&self.allowed_host_origins, origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOST: &str = "http://127.0.0.1:8788";

    fn context_json() -> serde_json::Value {
        json!({
            "protocol": PROTOCOL, "type": "context", "token": "t", "expiresAt": "2026-01-01T00:00:00Z",
            "view": "activity",
            "record": {"entity": "lead", "id": "L-1", "email": "a@b.c"},
            "user": {"id": "u1", "name": "Ann", "locale": "de-DE", "timeZone": "Europe/Berlin"},
            "theme": "dark"
        })
    }

    #[test]
    fn a_valid_context_from_the_parent_is_accepted() {
        let message = accept_host_message(HOST, HOST, true, &context_json().to_string()).unwrap();
        let HostMessage::Context(context) = message else {
            panic!("not a context")
        };
        assert_eq!(context.view, View::Activity);
        assert_eq!(context.theme, Theme::Dark);
        assert_eq!(context.record.unwrap().id, "L-1");
        assert!(context.selection.is_empty());
    }

    #[test]
    fn tokens_are_never_printed() {
        let mut data = context_json();
        data["token"] = json!("sso-secret-value");
        let message = accept_host_message(HOST, HOST, true, &data.to_string()).unwrap();
        let printed = format!("{message:?}");
        assert!(!printed.contains("sso-secret-value"), "{printed}");
        assert!(printed.contains("Secret(<redacted>)"), "{printed}");
        let HostMessage::Context(context) = message else {
            panic!("not a context")
        };
        assert_eq!(context.token.expose(), "sso-secret-value");

        let token = json!({"protocol": PROTOCOL, "type": "token", "id": "1",
                           "token": "renewed-secret", "expiresAt": "2026-01-01T00:00:00Z"});
        let message = accept_host_message(HOST, HOST, true, &token.to_string()).unwrap();
        assert!(!format!("{message:?}").contains("renewed-secret"));
    }

    #[test]
    fn messages_from_elsewhere_or_of_bad_shape_are_rejected() {
        let data = context_json().to_string();
        assert_eq!(
            accept_host_message("http://evil.example", HOST, true, &data),
            Err(Rejected::WrongOrigin)
        );
        assert_eq!(
            accept_host_message(HOST, HOST, false, &data),
            Err(Rejected::NotFromParent)
        );
        let mut other = context_json();
        other["protocol"] = json!("crm-sidebar/2");
        let reject =
            |value: serde_json::Value| accept_host_message(HOST, HOST, true, &value.to_string());
        assert_eq!(reject(other), Err(Rejected::WrongProtocol));
        let mut untagged = context_json();
        untagged.as_object_mut().unwrap().remove("protocol");
        assert_eq!(reject(untagged), Err(Rejected::WrongProtocol));
        let mut broken = context_json();
        broken["expiresAt"] = json!("tomorrow");
        assert!(matches!(reject(broken), Err(Rejected::BadShape)));
        let unknown = json!({"protocol": PROTOCOL, "type": "launchMissiles"});
        assert!(matches!(reject(unknown), Err(Rejected::BadShape)));
        let untyped =
            json!({"protocol": PROTOCOL, "token": "t", "expiresAt": "2026-01-01T00:00:00Z"});
        assert!(matches!(reject(untyped), Err(Rejected::BadShape)));
        let numbered = json!({"protocol": PROTOCOL, "type": 1});
        assert!(matches!(reject(numbered), Err(Rejected::BadShape)));
        // A token message's fields do not make a context, nor the other way round.
        let mut mislabelled = context_json();
        mislabelled["type"] = json!("token");
        mislabelled.as_object_mut().unwrap().remove("token");
        assert!(matches!(reject(mislabelled), Err(Rejected::BadShape)));
        for not_an_object in ["null", "42", "\"context\"", "[]", "{"] {
            assert!(matches!(
                accept_host_message(HOST, HOST, true, not_an_object),
                Err(Rejected::BadShape)
            ));
        }
    }

    #[test]
    fn a_selection_names_each_record_once() {
        let mut data = context_json();
        data["selection"] = json!([
            {"entity": "lead", "id": "L-1", "email": "a@b.c"},
            {"entity": "contact", "id": "L-1"},
            {"entity": "lead", "id": " L-1 ", "email": "other@b.c"},
            {"entity": "lead", "id": "L-2"},
        ]);
        let HostMessage::Context(context) =
            accept_host_message(HOST, HOST, true, &data.to_string()).unwrap()
        else {
            panic!("not a context")
        };
        let kept: Vec<_> = context
            .selection
            .iter()
            .map(|r| (r.entity, r.id.as_str(), r.person.email.as_deref()))
            .collect();
        assert_eq!(
            kept,
            [
                (Entity::Lead, "L-1", Some("a@b.c")),
                (Entity::Contact, "L-1", None),
                (Entity::Lead, "L-2", None),
            ]
        );
    }

    #[test]
    fn a_token_error_names_the_request_it_answers_or_none() {
        let accept = |value: serde_json::Value| {
            accept_host_message(HOST, HOST, true, &value.to_string()).unwrap()
        };
        assert_eq!(
            accept(json!({"protocol": PROTOCOL, "type": "tokenError", "id": "token-3"})),
            HostMessage::TokenError(TokenFailure {
                id: Some("token-3".into())
            })
        );
        assert_eq!(
            accept(json!({"protocol": PROTOCOL, "type": "tokenError"})),
            HostMessage::TokenError(TokenFailure { id: None })
        );
    }

    #[test]
    fn a_note_is_acknowledged_by_the_id_it_carries() {
        let note = PluginMessage::LogActivity {
            entity: Entity::Lead,
            id: "L-1".into(),
            subject: "Sent Email: Offer".into(),
            body: "Sent.".into(),
            note_id: "note-4".into(),
        };
        // `id` stays the record's, as hosts of before the acknowledgement read it.
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&note.to_json()).unwrap(),
            json!({"protocol": PROTOCOL, "type": "logActivity", "entity": "lead", "id": "L-1",
                   "subject": "Sent Email: Offer", "body": "Sent.", "noteId": "note-4"})
        );
        let accept =
            |value: serde_json::Value| accept_host_message(HOST, HOST, true, &value.to_string());
        assert_eq!(
            accept(json!({"protocol": PROTOCOL, "type": "activityLogged", "id": "note-4"})),
            Ok(HostMessage::ActivityLogged(NoteAnswer {
                id: "note-4".into(),
                message: String::new()
            }))
        );
        assert_eq!(
            accept(
                json!({"protocol": PROTOCOL, "type": "activityError", "id": "note-4",
                          "message": "Subject too long"})
            ),
            Ok(HostMessage::ActivityError(NoteAnswer {
                id: "note-4".into(),
                message: "Subject too long".into()
            }))
        );
        // An answer must say which note it is for.
        assert_eq!(
            accept(json!({"protocol": PROTOCOL, "type": "activityLogged"})),
            Err(Rejected::BadShape)
        );
    }

    #[test]
    fn the_note_subject_limit_comes_from_the_context_or_is_255() {
        let limit = |data: serde_json::Value| {
            let HostMessage::Context(context) =
                accept_host_message(HOST, HOST, true, &data.to_string()).unwrap()
            else {
                panic!("not a context")
            };
            context.limits.note_subject
        };
        assert_eq!(limit(context_json()), 255);
        let mut data = context_json();
        data["limits"] = json!({"noteSubject": 80});
        assert_eq!(limit(data.clone()), 80);
        data["limits"] = json!({});
        assert_eq!(limit(data), 255);
    }

    #[test]
    fn a_message_over_a_megabyte_is_ignored_unread() {
        let mut data = context_json();
        data["padding"] = json!("x".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(
            accept_host_message(HOST, HOST, true, &data.to_string()),
            Err(Rejected::TooLarge)
        );
        // The cheap checks come first: a large message from elsewhere is not even measured.
        assert_eq!(
            accept_host_message("http://evil.example", HOST, true, &data.to_string()),
            Err(Rejected::WrongOrigin)
        );
        data["padding"] = json!("x".repeat(MAX_MESSAGE_BYTES / 2));
        assert!(accept_host_message(HOST, HOST, true, &data.to_string()).is_ok());
    }

    #[test]
    fn outgoing_messages_carry_the_protocol_tag() {
        let parse = |text: String| serde_json::from_str::<serde_json::Value>(&text).unwrap();
        let json = parse(PluginMessage::TokenRequest { id: "7".into() }.to_json());
        assert_eq!(
            json,
            json!({"protocol": PROTOCOL, "type": "tokenRequest", "id": "7"})
        );
        let ready = parse(PluginMessage::Ready.to_json());
        assert_eq!(ready, json!({"protocol": PROTOCOL, "type": "ready"}));
    }

    #[test]
    fn the_bundled_manifest_allows_the_demo_host_only() {
        let manifest = Manifest::bundled();
        assert!(manifest.allows("http://127.0.0.1:8788"));
        assert!(!manifest.allows("http://127.0.0.1:8788/"));
        assert!(!manifest.allows("http://evil.example"));
    }
}
