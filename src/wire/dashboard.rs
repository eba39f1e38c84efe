//! Wire types of the sales dashboard (issue: Sales dashboard, live): the messages a rep sent and
//! how each recipient engaged, the website visitors among the rep's records, and the live feed of
//! new activity that keeps the dashboard, Hot Prospects and an open record up to date.
//!
//! **The live feed** (`GET /v1/events`) is server-sent events over an ordinary response body, read
//! with `fetch` streaming so the token can travel in the `Authorization` header (never the URL).
//! Its messages:
//!
//! | `event:` | `id:` | `data:` | meaning |
//! | --- | --- | --- | --- |
//! | `position` | cursor | [`FeedPosition`] | first message of every stream (the stream is live), then again with a heartbeat when activity the caller does not follow moved the cursor on |
//! | `activity` | cursor | [`ActivityEvent`] | a new activity of a followed record |
//! | `reset` | cursor | [`FeedPosition`] | the cursor given was too old to replay: reload, then follow from here |
//! | `error` | — | [`super::ErrorBody`] | the stream ends; `tokenExpired` when the token died mid-stream |
//!
//! and a comment line (`: keep-alive`) every [`FEED_HEARTBEAT_SECONDS`] otherwise, so proxies that
//! buffer flush and a dead peer is found. A client resumes after the last `id:` it read (the
//! `Last-Event-ID` header or `after`), and gets every followed activity committed since, once, in
//! commit order. With `wait` the same feed answers one JSON [`EventPage`] instead (long polling),
//! for networks whose proxies hold a stream back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "sandbox")]
use utoipa::ToSchema;

use super::{Activity, Entity, ExclusionReason, SendOutcome, UserSummary};

/// Sends in a page of `GET /v1/sends` when `limit` is not given.
pub const SENDS_DEFAULT_LIMIT: u32 = 20;
pub const SENDS_MAX_LIMIT: u32 = 100;
/// Recipients in a page of `GET /v1/sends/{id}/recipients` when `limit` is not given.
pub const SEND_RECIPIENTS_DEFAULT_LIMIT: u32 = 50;
/// As many as one send may have, so one page can hold them all.
pub const SEND_RECIPIENTS_MAX_LIMIT: u32 = 200;
/// Visitors in a page of `GET /v1/visitors` when `limit` is not given.
pub const VISITORS_DEFAULT_LIMIT: u32 = 50;
pub const VISITORS_MAX_LIMIT: u32 = 200;
/// A visitor with a page view this recent is on the site now.
pub const ACTIVE_NOW_MINUTES: i64 = 5;
/// Page views further apart than this are two visits.
pub const VISIT_GAP_MINUTES: i64 = 30;
/// The period of a visitor's visit count.
pub const VISIT_COUNT_DAYS: i64 = 30;
/// Without `since`, visitors of the last this many days (today and this week).
pub const VISITORS_DEFAULT_DAYS: i64 = 7;
/// Most pages listed for one visit, newest first.
pub const MAX_PAGES_PER_VISIT: usize = 20;

/// The longest `wait` of a long poll of `GET /v1/events`.
pub const FEED_MAX_WAIT_SECONDS: u32 = 30;
/// How often an idle stream of `GET /v1/events` sends a heartbeat.
pub const FEED_HEARTBEAT_SECONDS: u64 = 15;
/// The request header a reconnecting stream names its last cursor in (as `EventSource` does).
pub const LAST_EVENT_ID_HEADER: &str = "Last-Event-ID";

/// The `event:` names of the live feed.
pub mod feed_event {
    pub const POSITION: &str = "position";
    pub const ACTIVITY: &str = "activity";
    pub const RESET: &str = "reset";
    pub const ERROR: &str = "error";
}

/// One message a rep sent (or scheduled), with how its recipients engaged: one row of
/// `GET /v1/sends`.
///
/// Every engagement count is of distinct recipients: the ones the email went to with at least one
/// activity of that kind under the send's campaign, however many they have.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    pub id: i64,
    /// The campaign of the send's activities: `SEND-<id>`.
    pub campaign_id: String,
    /// The subject as composed, merge fields (`{{firstName}}`) not filled in.
    pub subject: String,
    pub template_id: i64,
    /// `null` when the template is gone.
    pub template_name: Option<String>,
    pub sender: UserSummary,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub created_at: DateTime<Utc>,
    /// When a scheduled send goes (or went) out; `null` for a send made at once.
    #[serde(default, deserialize_with = "crate::wire::rfc3339::option")]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Everyone the rep addressed, excluded and failed recipients included.
    pub recipients: u32,
    /// Recipients the email went to.
    pub sent: u32,
    /// Recipients still waiting for `scheduledAt`.
    pub scheduled: u32,
    /// `sent` minus `bounced`.
    pub delivered: u32,
    pub opened: u32,
    pub clicked: u32,
    pub bounced: u32,
    pub unsubscribed: u32,
}

/// `GET /v1/sends`: newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SentMessages {
    /// Whose sends are listed: the caller, one rep, or a manager followed by their reps.
    pub owners: Vec<UserSummary>,
    pub items: Vec<SentMessage>,
    /// Pass back as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One recipient of a sent message and what they did with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SentRecipient {
    pub entity: Entity,
    pub crm_id: String,
    /// The name the send addressed them by.
    pub name: String,
    pub email: Option<String>,
    /// What the send did with them (a scheduled recipient becomes `sent` or `excluded` when due).
    pub outcome: SendOutcome,
    /// Present exactly when `outcome` is `excluded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ExclusionReason>,
    #[serde(default, deserialize_with = "crate::wire::rfc3339::option")]
    pub first_opened_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::wire::rfc3339::option")]
    pub first_clicked_at: Option<DateTime<Utc>>,
    pub bounced: bool,
    pub unsubscribed: bool,
}

/// `GET /v1/sends/{id}/recipients`: in the order the rep listed them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SentRecipients {
    pub items: Vec<SentRecipient>,
    pub next_cursor: Option<String>,
}

/// One page view of a visit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PageView {
    /// The `pageVisit` activity.
    pub activity_id: i64,
    pub url: Option<String>,
    /// The page's title.
    pub title: Option<String>,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub viewed_at: DateTime<Utc>,
}

/// A known person on the website: one row of `GET /v1/visitors`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Visitor {
    pub entity: Entity,
    pub crm_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub owner: UserSummary,
    /// The newest page view.
    pub last_page: PageView,
    /// A page view in the last [`ACTIVE_NOW_MINUTES`] minutes: on the site now.
    pub active_now: bool,
    /// The pages of the newest visit (views at most [`VISIT_GAP_MINUTES`] apart), newest first,
    /// at most [`MAX_PAGES_PER_VISIT`].
    pub pages: Vec<PageView>,
    /// Visits in the last [`VISIT_COUNT_DAYS`] days.
    pub visits_30_days: u32,
}

/// `GET /v1/visitors`: the owners' records that viewed a page since `since`, most recent first
/// (ties by record), a page at a time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Visitors {
    pub owners: Vec<UserSummary>,
    pub items: Vec<Visitor>,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub since: DateTime<Utc>,
    #[serde(deserialize_with = "crate::wire::rfc3339::deserialize")]
    pub generated_at: DateTime<Utc>,
    /// Pass back as `cursor` (with the same `owner` and `since`) for the next, older page;
    /// absent or `null` on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A new activity of a followed record: the `data:` of an `activity` message of the live feed,
/// and an item of an [`EventPage`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivityEvent {
    /// Resume after this event with it (also the message's `id:`). Opaque.
    pub cursor: String,
    /// The marketing record the activity belongs to.
    pub entity: Entity,
    pub crm_id: String,
    pub activity: Activity,
}

/// Where the live feed stands: the `data:` of its `position` and `reset` messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FeedPosition {
    pub cursor: String,
}

/// `GET /v1/events?wait=…`: the long-poll answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sandbox", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    /// Followed activities after the cursor asked with, oldest first.
    pub items: Vec<ActivityEvent>,
    /// Ask again with this as `after`.
    pub cursor: String,
    /// The cursor asked with was too old to replay: reload what is shown, then go on from
    /// `cursor`.
    pub reset: bool,
}
