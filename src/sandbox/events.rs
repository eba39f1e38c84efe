//! The live feed of new activities, `GET /v1/events`: server-sent events over an ordinary
//! response body, or one long poll, for the records a caller follows (their own, a manager's
//! team's, or one record), never another tenant's.
//!
//! **Publishing.** The feed hears of activities from the database itself: hooks on the one
//! connection note the ids of the activities each transaction inserts, and [`super::Db::run`]
//! publishes those a commit made before it lets go of the connection. So whatever commits an
//! activity (`POST /dev/activities`, a send or its scheduled delivery, an enrolment, the visitor
//! simulator) feeds the stream without a call of its own, and activities are published in commit
//! order.
//!
//! **The cursor** is the id of the last activity a client has, and activity ids grow in commit
//! order (one connection writes). A stream subscribes to its tenant's channel and reads the newest
//! id while it holds the connection, so every later commit reaches it through the channel and
//! every earlier one through a replay from the database: resuming after a cursor gives each
//! followed activity once, in order. A client that fell behind the channel is replayed from the
//! database too. A cursor too far behind to replay cheaply gets a `reset` instead.
//!
//! **Idle cost.** One broadcast channel per tenant; an idle stream is a parked task holding a
//! channel receiver and two timers (heartbeat and token expiry), and touches neither the database
//! nor the CPU until a commit or a timer wakes it.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use rusqlite::hooks::Action;
use rusqlite::{params, Connection};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;
use utoipa::OpenApi;

use super::auth::{self, Caller};
use super::db;
use super::db::find_record;
use super::error::{ApiResult, Failure};
use super::http::{check_crm_id, parse_entity, QueryParams};
use super::prospects::{owner_param, owners_for};
use super::{AppState, Db};
use crate::wire::*;

/// The routes of this module, merged into the plugin origin's API router.
pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/events", get(events))
}

/// The OpenAPI description of this module's endpoint, merged into the document.
#[derive(OpenApi)]
#[openapi(
    paths(events),
    components(schemas(ActivityEvent, FeedPosition, EventPage)),
    tags((name = "events", description = "The live feed of new activity for the records a user follows"))
)]
pub struct Doc;

/// How many activities (of every tenant) a resuming client may be behind and still be replayed
/// from the database: a bounded scan of the newest rows. Further behind it is told to reload.
pub const MAX_REPLAY: i64 = 20_000;

/// Most activities in one long-poll answer; the rest come with the next poll.
pub const MAX_PAGE_EVENTS: usize = 500;

/// Batches of commits a tenant's channel keeps for a slow stream before it must replay.
const CHANNEL_CAPACITY: usize = 256;

/// A committed activity as the feed hands it on: who may see it, and its event.
#[derive(Clone, Debug)]
pub struct Published {
    pub id: i64,
    pub tenant_id: i64,
    pub record_id: i64,
    pub owner_id: Option<i64>,
    pub event: ActivityEvent,
    /// `event` as JSON, written once for every stream that sends it.
    pub json: String,
}

/// The activities committed in one use of the connection ([`super::Db::run`]), in id order.
type Batch = Arc<[Published]>;

/// Ids of inserted activities: of the open transaction, and of commits not yet published.
#[derive(Default)]
struct Inserted {
    pending: Option<(i64, i64)>,
    committed: Option<(i64, i64)>,
}

fn widen(range: Option<(i64, i64)>, first: i64, last: i64) -> Option<(i64, i64)> {
    Some(match range {
        None => (first, last),
        Some((low, high)) => (low.min(first), high.max(last)),
    })
}

/// Every tenant's channel, and what the connection committed since the last publication.
pub struct Feed {
    channels: Mutex<HashMap<i64, broadcast::Sender<Batch>>>,
    inserted: Arc<Mutex<Inserted>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Feed {
    /// A feed of the activities committed through `conn`.
    pub fn watching(conn: &Connection) -> Feed {
        let feed = Feed {
            channels: Mutex::default(),
            inserted: Arc::default(),
        };
        let inserted = feed.inserted.clone();
        conn.update_hook(Some(move |action, _: &str, table: &str, id: i64| {
            if action == Action::SQLITE_INSERT && table == "activities" {
                let mut inserted = lock(&inserted);
                inserted.pending = widen(inserted.pending, id, id);
            }
        }));
        let inserted = feed.inserted.clone();
        conn.commit_hook(Some(move || {
            let mut inserted = lock(&inserted);
            if let Some((first, last)) = inserted.pending.take() {
                inserted.committed = widen(inserted.committed, first, last);
            }
            // Let the commit go on.
            false
        }));
        let inserted = feed.inserted.clone();
        conn.rollback_hook(Some(move || lock(&inserted).pending = None));
        feed
    }

    /// Hands the activities committed since the last call to their tenants' streams. Called with
    /// the connection still held, so batches go out in commit order.
    pub fn publish_committed(&self, conn: &Connection) {
        let Some((first, last)) = lock(&self.inserted).committed.take() else {
            return;
        };
        let mut channels = lock(&self.channels);
        channels.retain(|_, sender| sender.receiver_count() > 0);
        if channels.is_empty() {
            return;
        }
        let published = match read_published(conn, first - 1, last, None) {
            Ok(published) => published,
            Err(error) => {
                // The streams replay from the database when they resume; the log says why.
                tracing::warn!("publishing activities {first}..={last}: {error}");
                return;
            }
        };
        let mut by_tenant: HashMap<i64, Vec<Published>> = HashMap::new();
        for activity in published {
            by_tenant
                .entry(activity.tenant_id)
                .or_default()
                .push(activity);
        }
        for (tenant_id, batch) in by_tenant {
            if let Some(sender) = channels.get(&tenant_id) {
                // An error means nobody listens any more.
                let _ = sender.send(batch.into());
            }
        }
    }

    fn subscribe(&self, tenant_id: i64) -> broadcast::Receiver<Batch> {
        lock(&self.channels)
            .entry(tenant_id)
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }
}

/// The activities with an id in `(after, up_to]`, of `tenant_id` or of every tenant, in id order.
fn read_published(
    conn: &Connection,
    after: i64,
    up_to: i64,
    tenant_id: Option<i64>,
) -> rusqlite::Result<Vec<Published>> {
    // CROSS JOIN keeps `activities` the outer loop: a walk over the id range, whatever the
    // planner would guess about the tenant's records.
    let mut statement = conn.prepare_cached(
        "SELECT a.id, a.kind, a.occurred_at, a.subject, a.url, a.campaign_id, a.details,
                r.id, r.tenant_id, r.entity, r.crm_id, r.owner_id
         FROM activities a CROSS JOIN records r ON r.id = a.record_id
         WHERE a.id > ?1 AND a.id <= ?2 AND (?3 IS NULL OR r.tenant_id = ?3)
         ORDER BY a.id",
    )?;
    let rows = statement.query_map(params![after, up_to, tenant_id], |row| {
        let activity = db::activity_at(row, 0)?;
        let event = ActivityEvent {
            cursor: activity.id.to_string(),
            entity: db::column_enum(row.get(9)?, Entity::parse)?,
            crm_id: row.get(10)?,
            activity,
        };
        Ok(Published {
            id: event.activity.id,
            record_id: row.get(7)?,
            tenant_id: row.get(8)?,
            owner_id: row.get(11)?,
            json: serde_json::to_string(&event).unwrap_or_default(),
            event,
        })
    })?;
    rows.collect()
}

fn newest_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM activities", [], |row| {
        row.get(0)
    })
}

// ---------------------------------------------------------------------------------------------
// Who follows what

/// The records a stream follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The records these users own.
    Owners(Vec<i64>),
    /// One record; while marketing does not know it (`record_id` is `None`), the record that
    /// gets its entity and CRM id, as a send creates it.
    Record {
        record_id: Option<i64>,
        entity: Entity,
        crm_id: String,
    },
}

/// A stream's reader: what it follows and how far it has read.
#[derive(Clone, Debug)]
pub struct Follower {
    pub tenant_id: i64,
    pub scope: Scope,
    /// Every activity up to this id has been handed on, or is not followed.
    pub position: i64,
}

impl Follower {
    pub fn follows(&self, activity: &Published) -> bool {
        activity.tenant_id == self.tenant_id
            && match &self.scope {
                Scope::Owners(owners) => activity
                    .owner_id
                    .is_some_and(|owner| owners.contains(&owner)),
                Scope::Record {
                    record_id: Some(id),
                    ..
                } => activity.record_id == *id,
                Scope::Record {
                    record_id: None,
                    entity,
                    crm_id,
                } => activity.event.entity == *entity && activity.event.crm_id == *crm_id,
            }
    }

    /// The followed activities of `batch` not had yet; the position moves past the whole batch.
    fn take<'b>(&mut self, batch: &'b [Published]) -> Vec<&'b Published> {
        let mut taken = Vec::new();
        for activity in batch {
            if activity.id > self.position {
                self.position = activity.id;
                if self.follows(activity) {
                    taken.push(activity);
                }
            }
        }
        taken
    }
}

/// What a replay from the database found.
enum Replay {
    /// The followed activities after the position, in order; the position is now the newest id.
    Activities(Vec<Published>),
    /// The position was too far behind (or not one of this database's): it is now the newest id,
    /// and what came between is not replayed.
    Reset,
}

/// Replays what the follower missed from the database.
async fn replay(db: &Db, follower: &mut Follower) -> ApiResult<Replay> {
    let (tenant_id, after) = (follower.tenant_id, follower.position);
    let (newest, found) = db
        .run(move |conn| {
            let newest = newest_id(conn)?;
            if after > newest || newest - after > MAX_REPLAY {
                return Ok((newest, None));
            }
            Ok((
                newest,
                Some(read_published(conn, after, newest, Some(tenant_id))?),
            ))
        })
        .await?;
    follower.position = newest;
    Ok(match found {
        None => Replay::Reset,
        Some(found) => Replay::Activities(
            found
                .into_iter()
                .filter(|activity| follower.follows(activity))
                .collect(),
        ),
    })
}

// ---------------------------------------------------------------------------------------------
// GET /v1/events

/// What a request asks to follow, before the database is asked who that is.
enum Asked {
    Owner(OwnerSelection),
    Record {
        entity: Entity,
        crm_id: String,
        email: Option<String>,
    },
}

/// The validated query of a feed request.
struct FeedQuery {
    asked: Asked,
    /// Resume after this cursor (`after`, or else the `Last-Event-ID` header).
    after: Option<i64>,
    /// Long poll for up to this long instead of streaming.
    wait: Option<StdDuration>,
}

fn parse_cursor(text: &str, field: &str) -> ApiResult<i64> {
    Some(text)
        .filter(|text| (1..=18).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|text| text.parse::<i64>().ok())
        .ok_or_else(|| Failure::invalid(field, "The cursor is not valid."))
}

/// One message of the `text/event-stream`, as the document describes it: the event's name, its
/// JSON as `data`, and the cursor as `id` (all but `error`).
pub struct FeedMessage;

impl utoipa::PartialSchema for FeedMessage {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let text = || ObjectBuilder::new().schema_type(Type::String);
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A server-sent event: `position` and `reset` carry `{\"cursor\"}`, `activity` an \
                 ActivityEvent, `error` an ErrorBody, each as JSON in `data`.",
            ))
            .property(
                "event",
                text().enum_values(Some(["position", "activity", "reset", "error"])),
            )
            .property("data", text().content_media_type("application/json"))
            .property("id", text().pattern(Some("^[0-9]{1,18}$")))
            .required("event")
            .required("data")
            .into()
    }
}

impl utoipa::ToSchema for FeedMessage {}

impl FeedQuery {
    fn parse(query: &QueryParams, headers: &HeaderMap) -> ApiResult<FeedQuery> {
        let asked = match query.raw("record") {
            Some(_) if query.raw("owner").is_some() => {
                // Each is valid alone, which is all a document's parameters can say.
                return Err(Failure::conflict(
                    "record",
                    "Follow either an owner or a record, not both.",
                ));
            }
            Some(record) => {
                let (entity, crm_id) = record.split_once('/').ok_or_else(|| {
                    Failure::invalid(
                        "record",
                        "'record' must be entity/crmId, e.g. lead/00Q5e01.",
                    )
                })?;
                let entity = parse_entity(entity).map_err(|_| {
                    Failure::invalid(
                        "record",
                        "'record' must start with lead/, contact/ or account/.",
                    )
                })?;
                check_crm_id("record", crm_id)?;
                Asked::Record {
                    entity,
                    crm_id: crm_id.trim().to_owned(),
                    email: query.get("email").map(|email| email.trim().to_owned()),
                }
            }
            None => Asked::Owner(owner_param(query)?),
        };
        let after = match query.raw("after") {
            Some(text) => Some(parse_cursor(text, "after")?),
            None => headers
                .get(LAST_EVENT_ID_HEADER)
                .map(|value| {
                    let text = value.to_str().unwrap_or_default();
                    parse_cursor(text, LAST_EVENT_ID_HEADER)
                })
                .transpose()?,
        };
        let wait = query
            .raw("wait")
            .map(|text| {
                text.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|seconds| *seconds <= FEED_MAX_WAIT_SECONDS)
                    .map(|seconds| StdDuration::from_secs(u64::from(seconds)))
                    .ok_or_else(|| {
                        Failure::invalid(
                            "wait",
                            format!("'wait' must be 0 to {FEED_MAX_WAIT_SECONDS} seconds."),
                        )
                    })
            })
            .transpose()?;
        Ok(FeedQuery { asked, after, wait })
    }
}

/// Who the caller may follow, subscribed to their tenant's channel at the newest id. Both happen
/// while the connection is held, so no commit falls between the channel and the position.
async fn subscribe(
    db: &Db,
    caller: Caller,
    asked: Asked,
) -> ApiResult<(broadcast::Receiver<Batch>, Follower)> {
    let feed = db.feed().clone();
    db.run(move |conn| {
        let scope = match asked {
            Asked::Owner(selection) => Scope::Owners(
                owners_for(conn, &caller, selection, "activity")?
                    .iter()
                    .map(|owner| owner.id)
                    .collect(),
            ),
            Asked::Record {
                entity,
                crm_id,
                email,
            } => Scope::Record {
                record_id: find_record(conn, caller.tenant_id, entity, &crm_id, email.as_deref())?,
                entity,
                crm_id,
            },
        };
        let receiver = feed.subscribe(caller.tenant_id);
        let follower = Follower {
            tenant_id: caller.tenant_id,
            scope,
            position: newest_id(conn)?,
        };
        Ok((receiver, follower))
    })
    .await
}

/// When the request's token dies, on the runtime's clock.
fn token_expiry(state: &AppState, headers: &HeaderMap) -> ApiResult<Instant> {
    // The `Caller` extractor has checked the header already; this reads the expiry it does not
    // keep.
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .map(|(_, token)| token.trim())
        .unwrap_or_default();
    let claims = auth::verify(&state.config.jwt_secret, token)?;
    // The API refuses a token once the second of its `exp` is over.
    let refused_from = claims.exp.saturating_add(1).saturating_mul(1_000);
    let left = (refused_from - Utc::now().timestamp_millis()).max(0) as u64;
    Ok(Instant::now() + StdDuration::from_millis(left))
}

#[utoipa::path(get, path = "/v1/events", tag = "events",
    description = "New activities of the records the caller follows, as they are recorded: the caller's own \
records (`owner=me`, the default), a manager's team's or one rep's (`owner`, authorized as for hot \
prospects), or one record (`record=entity/crmId`, found by `email` when marketing does not know the CRM \
id). Without `wait` the answer is a `text/event-stream` that stays open: `position` (first, and with a \
heartbeat after unfollowed activity moved the cursor), `activity` (an ActivityEvent), `reset` (the cursor \
was too old: reload, then follow on) and `error` (an ErrorBody; the stream ends, with `tokenExpired` when the \
token dies). Every message but `error` has the cursor as its `id:`; a comment line (`: keep-alive`) comes \
every 15 s otherwise. Resume with the last cursor as `after` or in `Last-Event-ID`: every followed activity \
committed since comes once, in order. With `wait` the answer is one JSON EventPage: at once when activities \
follow the cursor (or without `after`, to learn the cursor), else when one is recorded or after `wait` \
seconds (sooner when the token expires). The token goes in the Authorization header only.",
    params(
        ("owner" = Option<String>, Query, pattern = "^(me|team|[1-9][0-9]{0,17})$", description = "`me` (default), `team` or a user id"),
        ("record" = Option<String>, Query, max_length = 108, pattern = "^(lead|contact|account)/.*[^\\t\\n\\x0B\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]",
            description = "`entity/crmId` of one record (a CRM id of 1 to 100 characters, not blank), instead of `owner`: both is 409"),
        ("email" = Option<String>, Query, description = "With `record`: find the record by email when the CRM id is unknown; empty means none"),
        ("after" = Option<String>, Query, pattern = "^[0-9]{1,18}$", description = "Resume after this cursor"),
        ("Last-Event-ID" = Option<String>, Header, nullable = false, pattern = "^[0-9]{1,18}$", description = "Resume after this cursor, when `after` is absent"),
        ("wait" = Option<u32>, Query, minimum = 0, maximum = 30, description = "Long poll: answer one EventPage within this many seconds"),
    ),
    responses(
        (status = 200, description = "A stream of server-sent events, or with `wait` one page",
            content((FeedMessage = "text/event-stream"), (EventPage = "application/json"))),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The owner is not the caller nor, for a manager, on their team", body = ErrorBody),
        (status = 409, description = "Both `owner` and `record`", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let query = FeedQuery::parse(&QueryParams::parse(query), &headers)?;
    let expires_at = token_expiry(&state, &headers)?;
    let (receiver, mut follower) = subscribe(&state.db, caller, query.asked).await?;
    let resumed = query.after.is_some();
    if let Some(after) = query.after {
        follower.position = after;
    }
    // The answer ends when the token does, or sooner where the server holds none that long.
    let closes_at = match state.config.feed_max_hold {
        Some(hold) => expires_at.min(Instant::now() + hold),
        None => expires_at,
    };
    match query.wait {
        Some(wait) => {
            let page = long_poll(&state.db, receiver, follower, resumed, wait, closes_at).await?;
            Ok(Json(page).into_response())
        }
        None => {
            let heartbeat = state.config.feed_heartbeat;
            let stream = Stream::open(
                state.db.clone(),
                receiver,
                follower,
                resumed,
                Ends {
                    token: expires_at,
                    closes: closes_at,
                },
                heartbeat,
            )
            .await?;
            let events = futures_util::stream::unfold(stream, |stream| async {
                let (message, stream) = stream.next().await?;
                Some((Ok::<_, Infallible>(message.into_event()), stream))
            });
            let mut response = Sse::new(events).into_response();
            // Asks nginx-like proxies not to hold the stream back.
            response
                .headers_mut()
                .insert("x-accel-buffering", HeaderValue::from_static("no"));
            Ok(response)
        }
    }
}

/// A message of a stream, before it is written as a server-sent event.
#[derive(Clone, Debug, PartialEq)]
enum Message {
    /// `position` or `reset`.
    Position {
        name: &'static str,
        cursor: i64,
    },
    Activity {
        cursor: i64,
        json: String,
    },
    Heartbeat,
    /// The `ErrorBody` that ends the stream.
    Error(String),
}

impl Message {
    fn activity(activity: &Published) -> Message {
        Message::Activity {
            cursor: activity.id,
            json: activity.json.clone(),
        }
    }

    fn error(failure: Failure) -> Message {
        let body = ErrorBody {
            error: failure.error,
        };
        Message::Error(serde_json::to_string(&body).unwrap_or_default())
    }

    fn into_event(self) -> Event {
        match self {
            Message::Position { name, cursor } => {
                let cursor = cursor.to_string();
                let data = serde_json::to_string(&FeedPosition {
                    cursor: cursor.clone(),
                })
                .unwrap_or_default();
                Event::default().id(cursor).event(name).data(data)
            }
            Message::Activity { cursor, json } => Event::default()
                .id(cursor.to_string())
                .event(feed_event::ACTIVITY)
                .data(json),
            Message::Heartbeat => Event::default().comment("keep-alive"),
            Message::Error(body) => Event::default().event(feed_event::ERROR).data(body),
        }
    }
}

/// When a stream ends: with `tokenExpired` when its token dies, or quietly (after saying where it
/// stands) when the server holds no stream longer. `closes` is never after `token`.
#[derive(Clone, Copy)]
struct Ends {
    token: Instant,
    closes: Instant,
}

/// One open stream.
struct Stream {
    db: Db,
    receiver: broadcast::Receiver<Batch>,
    follower: Follower,
    /// The last position the client was given as an `id:`.
    told: i64,
    queue: VecDeque<Message>,
    ends: Ends,
    heartbeat: StdDuration,
    heartbeat_at: Instant,
    ended: bool,
}

impl Stream {
    /// A stream that first says where it starts, then replays what followed a resumed cursor.
    async fn open(
        db: Db,
        receiver: broadcast::Receiver<Batch>,
        follower: Follower,
        resumed: bool,
        ends: Ends,
        heartbeat: StdDuration,
    ) -> ApiResult<Stream> {
        let mut stream = Stream {
            db,
            receiver,
            told: follower.position,
            follower,
            queue: VecDeque::new(),
            ends,
            heartbeat,
            heartbeat_at: Instant::now() + heartbeat,
            ended: false,
        };
        stream.tell(feed_event::POSITION);
        if resumed {
            stream.catch_up().await?;
        }
        Ok(stream)
    }

    fn tell(&mut self, name: &'static str) {
        self.told = self.follower.position;
        self.queue.push_back(Message::Position {
            name,
            cursor: self.told,
        });
    }

    fn hand_on<'a>(&mut self, activities: impl IntoIterator<Item = &'a Published>) {
        for activity in activities {
            self.told = activity.id;
            self.queue.push_back(Message::activity(activity));
        }
    }

    /// Queues what the database holds after the follower's position.
    async fn catch_up(&mut self) -> ApiResult<()> {
        match replay(&self.db, &mut self.follower).await? {
            Replay::Reset => self.tell(feed_event::RESET),
            Replay::Activities(found) => self.hand_on(&found),
        }
        Ok(())
    }

    /// The stream's next message; `None` ends the response.
    async fn next(mut self) -> Option<(Message, Stream)> {
        loop {
            if let Some(message) = self.queue.pop_front() {
                return Some((message, self));
            }
            if self.ended {
                return None;
            }
            tokio::select! {
                biased;
                _ = tokio::time::sleep_until(self.ends.closes) => {
                    if self.ends.closes >= self.ends.token {
                        self.queue.push_back(Message::error(Failure::token_expired()));
                    } else if self.follower.position > self.told {
                        self.tell(feed_event::POSITION);
                    }
                    self.ended = true;
                }
                received = self.receiver.recv() => match received {
                    Ok(batch) => {
                        let taken = self.follower.take(&batch);
                        self.hand_on(taken);
                    }
                    // The position is still after the last activity handed on, so the replay
                    // gives exactly what the channel dropped; what it still holds is then
                    // skipped as had.
                    Err(RecvError::Lagged(_)) => {
                        if let Err(failure) = self.catch_up().await {
                            self.queue.push_back(Message::error(failure));
                            self.ended = true;
                        }
                    }
                    Err(RecvError::Closed) => self.ended = true,
                },
                _ = tokio::time::sleep_until(self.heartbeat_at) => {
                    self.heartbeat_at += self.heartbeat;
                    if self.follower.position > self.told {
                        self.tell(feed_event::POSITION);
                    } else {
                        self.queue.push_back(Message::Heartbeat);
                    }
                }
            }
        }
    }
}

/// A long-poll page of `found`, at most [`MAX_PAGE_EVENTS`] of them: a longer burst's rest
/// comes with the next poll.
fn page_of(found: Vec<Published>, position: i64) -> EventPage {
    let position = match found.get(MAX_PAGE_EVENTS) {
        Some(_) => found[MAX_PAGE_EVENTS - 1].id,
        None => position,
    };
    EventPage {
        items: found
            .into_iter()
            .take(MAX_PAGE_EVENTS)
            .map(|activity| activity.event)
            .collect(),
        cursor: position.to_string(),
        reset: false,
    }
}

fn reset_page(position: i64) -> EventPage {
    EventPage {
        items: Vec::new(),
        cursor: position.to_string(),
        reset: true,
    }
}

/// One long-poll answer: what follows the cursor, at once if anything does (or without a cursor,
/// where the feed stands), else the followed activities of the first commit within `wait`.
async fn long_poll(
    db: &Db,
    mut receiver: broadcast::Receiver<Batch>,
    mut follower: Follower,
    resumed: bool,
    wait: StdDuration,
    closes_at: Instant,
) -> ApiResult<EventPage> {
    if !resumed {
        return Ok(page_of(Vec::new(), follower.position));
    }
    match replay(db, &mut follower).await? {
        Replay::Reset => return Ok(reset_page(follower.position)),
        Replay::Activities(found) if !found.is_empty() => {
            return Ok(page_of(found, follower.position))
        }
        Replay::Activities(_) => {}
    }
    let deadline = (Instant::now() + wait).min(closes_at);
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => break,
            received = receiver.recv() => match received {
                Ok(batch) => {
                    let taken: Vec<Published> = follower.take(&batch).into_iter().cloned().collect();
                    if !taken.is_empty() {
                        return Ok(page_of(taken, follower.position));
                    }
                }
                Err(RecvError::Lagged(_)) => match replay(db, &mut follower).await? {
                    Replay::Reset => return Ok(reset_page(follower.position)),
                    Replay::Activities(found) if !found.is_empty() => {
                        return Ok(page_of(found, follower.position))
                    }
                    Replay::Activities(_) => {}
                },
                Err(RecvError::Closed) => break,
            }
        }
    }
    Ok(page_of(Vec::new(), follower.position))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(id: i64, tenant_id: i64, record_id: i64, owner_id: Option<i64>) -> Published {
        let event = ActivityEvent {
            cursor: id.to_string(),
            entity: Entity::Lead,
            crm_id: format!("L-{record_id}"),
            activity: Activity {
                id,
                kind: ActivityKind::PageVisit,
                occurred_at: Utc::now(),
                subject: None,
                url: None,
                campaign_id: None,
                details: ActivityDetails::default(),
            },
        };
        Published {
            id,
            tenant_id,
            record_id,
            owner_id,
            json: String::new(),
            event,
        }
    }

    #[test]
    fn a_follower_takes_its_own_tenant_s_followed_activities_once() {
        let mut follower = Follower {
            tenant_id: 1,
            scope: Scope::Owners(vec![7, 8]),
            position: 10,
        };
        let batch = [
            published(9, 1, 100, Some(7)),
            published(11, 1, 100, Some(7)),
            published(12, 2, 100, Some(7)),
            published(13, 1, 101, Some(9)),
            published(14, 1, 102, None),
            published(15, 1, 103, Some(8)),
        ];
        let taken: Vec<i64> = follower.take(&batch).iter().map(|a| a.id).collect();
        assert_eq!(
            taken,
            vec![11, 15],
            "not 9 (had), 12 (tenant 2), 13, 14 (not followed)"
        );
        assert_eq!(follower.position, 15);
        assert!(
            follower.take(&batch).is_empty(),
            "a batch seen again gives nothing"
        );
    }

    #[test]
    fn a_record_follower_matches_by_id_or_until_known_by_crm_id() {
        let known = Follower {
            tenant_id: 1,
            scope: Scope::Record {
                record_id: Some(100),
                entity: Entity::Lead,
                crm_id: "L-100".into(),
            },
            position: 0,
        };
        assert!(known.follows(&published(1, 1, 100, None)));
        assert!(!known.follows(&published(1, 1, 101, None)));
        assert!(!known.follows(&published(1, 2, 100, None)));
        let unknown = Follower {
            scope: Scope::Record {
                record_id: None,
                entity: Entity::Lead,
                crm_id: "L-101".into(),
            },
            ..known
        };
        assert!(unknown.follows(&published(1, 1, 101, None)));
        assert!(!unknown.follows(&published(1, 2, 101, None)));
    }

    fn page_visit(record_id: i64) -> impl Fn(&Connection) -> i64 {
        move |conn| {
            db::insert_activity(
                conn,
                &db::NewActivity {
                    record_id,
                    occurred_at: Utc::now(),
                    kind: ActivityKind::PageVisit,
                    subject: None,
                    url: None,
                    campaign_id: None,
                    details: &ActivityDetails::default(),
                },
            )
            .unwrap()
        }
    }

    #[tokio::test]
    async fn a_stream_that_fell_behind_its_channel_is_replayed_from_the_database() {
        let conn = db::open_in_memory().unwrap();
        let tenant = db::insert_tenant(&conn, "T").unwrap();
        let user = db::insert_user(&conn, tenant, "rep", "Rep", Role::Rep, None).unwrap();
        let record = db::insert_record(&conn, &db::NewRecord::lead(tenant, "L-1")).unwrap();
        let other = db::insert_record(&conn, &db::NewRecord::lead(tenant, "L-2")).unwrap();
        let db = Db::new(conn);
        let caller = Caller {
            tenant_id: tenant,
            user_id: user,
            role: Role::Rep,
            crm_user: "rep".into(),
            connection_id: None,
        };
        let asked = Asked::Record {
            entity: Entity::Lead,
            crm_id: "L-1".into(),
            email: None,
        };
        let (receiver, follower) = subscribe(&db, caller, asked).await.unwrap();
        let hour = StdDuration::from_secs(3600);
        let stream = Stream::open(
            db.clone(),
            receiver,
            follower,
            false,
            Ends {
                token: Instant::now() + hour,
                closes: Instant::now() + hour,
            },
            hour,
        )
        .await
        .unwrap();
        let (first, mut stream) = stream.next().await.unwrap();
        assert!(matches!(
            first,
            Message::Position {
                name: "position",
                ..
            }
        ));
        // More commits than the channel keeps, while nobody reads the stream.
        let mut recorded = Vec::new();
        for i in 0..CHANNEL_CAPACITY + 20 {
            let add = page_visit(if i % 3 == 0 { other } else { record });
            let id = db.run(move |conn| Ok(add(conn))).await.unwrap();
            if i % 3 != 0 {
                recorded.push(id);
            }
        }
        let mut received = Vec::new();
        while received.len() < recorded.len() {
            let next = tokio::time::timeout(StdDuration::from_secs(5), stream.next());
            let (message, next) = next.await.expect("every activity comes").unwrap();
            stream = next;
            match message {
                Message::Activity { cursor, json } => {
                    let event: ActivityEvent = serde_json::from_str(&json).unwrap();
                    assert_eq!((event.activity.id, event.crm_id.as_str()), (cursor, "L-1"));
                    received.push(cursor);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(received, recorded, "all, once, in order");
        let add = page_visit(record);
        let newer = db.run(move |conn| Ok(add(conn))).await.unwrap();
        let (message, _) = stream.next().await.unwrap();
        assert!(matches!(message, Message::Activity { cursor, .. } if cursor == newer));
    }

    #[test]
    fn commits_are_published_in_order_and_rollbacks_never() {
        let conn = db::open_in_memory().unwrap();
        let feed = Feed::watching(&conn);
        let tenant = db::insert_tenant(&conn, "T").unwrap();
        let record = db::insert_record(&conn, &db::NewRecord::lead(tenant, "L-1")).unwrap();
        let mut receiver = feed.subscribe(tenant);
        let add = page_visit(record);
        let rolled_back = conn.unchecked_transaction().unwrap();
        add(&rolled_back);
        drop(rolled_back);
        feed.publish_committed(&conn);
        assert!(receiver.try_recv().is_err(), "a rollback publishes nothing");

        let tx = conn.unchecked_transaction().unwrap();
        let first = add(&tx);
        let second = add(&tx);
        tx.commit().unwrap();
        let third = add(&conn);
        feed.publish_committed(&conn);
        let batch = receiver.try_recv().unwrap();
        let ids: Vec<i64> = batch.iter().map(|a| a.id).collect();
        assert_eq!(ids, vec![first, second, third]);
        assert_eq!(batch[0].event.crm_id, "L-1");
        assert!(batch[0].json.contains("\"crmId\":\"L-1\""));
        feed.publish_committed(&conn);
        assert!(receiver.try_recv().is_err(), "each commit once");
    }
}
