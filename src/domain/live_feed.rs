//! Following the live feed of new activities (`GET /v1/events`) without a browser: what a
//! follower asks for, how it reads server-sent events out of the bytes as they come, and how long
//! it waits before it tries again. The plugin's hook ([`crate::plugin::hooks::live_feed`]) only
//! moves bytes and timers.

use crate::domain::activity_filters::encode_component;
use crate::wire::{Entity, OwnerSelection};

/// Whose new activities a view follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedScope {
    /// One record (the open sidebar's), found by `email` too when marketing does not know the
    /// CRM id.
    Record {
        entity: Entity,
        crm_id: String,
        email: Option<String>,
    },
    /// A rep's records, a manager's team's, or one rep's (as Hot Prospects asks).
    Owner(OwnerSelection),
}

impl FeedScope {
    /// The path and query of `GET /v1/events` for this scope, resuming after `after` when the
    /// follower has a cursor, as a long poll of `wait` seconds when given.
    pub fn path(&self, after: Option<&str>, wait: Option<u32>) -> String {
        let mut path = match self {
            FeedScope::Record {
                entity,
                crm_id,
                email,
            } => {
                let mut path = format!(
                    "/v1/events?record={}/{}",
                    entity.as_str(),
                    encode_component(crm_id)
                );
                if let Some(email) = email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
                    path.push_str("&email=");
                    path.push_str(&encode_component(email));
                }
                path
            }
            FeedScope::Owner(owner) => format!("/v1/events?owner={}", owner.to_query()),
        };
        if let Some(after) = after {
            path.push_str("&after=");
            path.push_str(&encode_component(after));
        }
        if let Some(wait) = wait {
            path.push_str(&format!("&wait={wait}"));
        }
        path
    }
}

/// One server-sent event: its `event:` name (`message` when it has none), its `id:` and its
/// `data:` lines joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseMessage {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

/// Cuts a response body into [`SseMessage`]s as its chunks arrive. A chunk may end anywhere,
/// even inside a character: bytes are kept until a blank line closes their message, and a whole
/// message is always whole UTF-8.
#[derive(Debug, Default)]
pub struct SseReader {
    pending: Vec<u8>,
}

impl SseReader {
    /// Takes the next chunk; returns the messages it completed. Comments (`: keep-alive`) end no
    /// message and are dropped.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseMessage> {
        // `\r\n` and `\n` both end a line; the feed never ends one with a lone `\r`.
        self.pending
            .extend(chunk.iter().copied().filter(|byte| *byte != b'\r'));
        let mut messages = Vec::new();
        while let Some(end) = self.pending.windows(2).position(|pair| pair == b"\n\n") {
            let block: Vec<u8> = self.pending.drain(..end + 2).collect();
            if let Some(message) = parse_block(&String::from_utf8_lossy(&block)) {
                messages.push(message);
            }
        }
        messages
    }
}

/// One message's lines, or `None` for a block of comments only.
fn parse_block(block: &str) -> Option<SseMessage> {
    let mut event = None;
    let mut id = None;
    let mut data: Option<String> = None;
    for line in block.lines() {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => event = Some(value.to_owned()),
            "id" => id = Some(value.to_owned()),
            "data" => match &mut data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
    if event.is_none() && id.is_none() && data.is_none() {
        return None;
    }
    Some(SseMessage {
        event: event.unwrap_or_else(|| "message".to_owned()),
        id,
        data: data.unwrap_or_default(),
    })
}

/// The first wait before reconnecting, doubled after each failed try.
pub const FIRST_RETRY_MS: u32 = 500;
/// The longest wait between tries.
pub const MAX_RETRY_MS: u32 = 30_000;

/// How long to wait before try number `failures + 1` after `failures` tries in a row failed
/// (a live stream that ended counts as one: the network blinked, the server restarted), from
/// [`FIRST_RETRY_MS`] doubling up to [`MAX_RETRY_MS`]. `spread` (0 to 1, random) moves each wait by up to a quarter,
/// so sidebars that lost the same server do not all come back in the same instant.
// Not `clamp`: its assertion formats floats, which costs the wasm 8 KB (see README).
#[allow(clippy::manual_clamp)]
pub fn retry_delay_ms(failures: u32, spread: f64) -> u32 {
    if failures == 0 {
        return 0;
    }
    let base = FIRST_RETRY_MS
        .saturating_mul(1 << (failures - 1).min(16))
        .min(MAX_RETRY_MS);
    let spread = spread.max(0.0).min(1.0);
    (f64::from(base) * (0.75 + spread / 4.0)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(event: &str, id: Option<&str>, data: &str) -> SseMessage {
        SseMessage {
            event: event.to_owned(),
            id: id.map(str::to_owned),
            data: data.to_owned(),
        }
    }

    #[test]
    fn messages_split_anywhere_come_out_whole() {
        let body = "event: position\nid: 7\ndata: {\"cursor\":\"7\"}\n\n: keep-alive\n\n\
                    event: activity\nid: 8\ndata: {\"subject\":\"Prix \u{e9}t\u{e9}\"}\n\n";
        let expected = vec![
            message("position", Some("7"), "{\"cursor\":\"7\"}"),
            message(
                "activity",
                Some("8"),
                "{\"subject\":\"Prix \u{e9}t\u{e9}\"}",
            ),
        ];
        // Every cut, including ones inside the two-byte `é`.
        for cut in 0..body.len() {
            let mut reader = SseReader::default();
            let mut got = reader.push(&body.as_bytes()[..cut]);
            got.extend(reader.push(&body.as_bytes()[cut..]));
            assert_eq!(got, expected, "cut at {cut}");
        }
    }

    #[test]
    fn crlf_lines_multi_line_data_and_nameless_events_are_read() {
        let mut reader = SseReader::default();
        let got = reader.push(b"data: one\r\ndata:two\r\n\r\nevent: error\r\ndata: {}\r\n\r\n");
        assert_eq!(
            got,
            vec![
                message("message", None, "one\ntwo"),
                message("error", None, "{}")
            ]
        );
    }

    #[test]
    fn comments_alone_and_an_unfinished_message_give_nothing() {
        let mut reader = SseReader::default();
        assert!(reader.push(b": keep-alive\n\n").is_empty());
        assert!(reader.push(b"event: activity\nid: 9\n").is_empty());
        assert_eq!(
            reader.push(b"data: {}\n\n"),
            vec![message("activity", Some("9"), "{}")]
        );
    }

    #[test]
    fn paths_name_the_scope_and_resume_after_the_cursor() {
        let record = FeedScope::Record {
            entity: Entity::Lead,
            crm_id: "LEAD 1/2".into(),
            email: Some(" ann@example.com ".into()),
        };
        assert_eq!(
            record.path(None, None),
            "/v1/events?record=lead/LEAD%201%2F2&email=ann%40example.com"
        );
        assert_eq!(
            FeedScope::Owner(OwnerSelection::Team).path(Some("42"), Some(10)),
            "/v1/events?owner=team&after=42&wait=10"
        );
        let no_email = FeedScope::Record {
            entity: Entity::Contact,
            crm_id: "C-1".into(),
            email: Some("  ".into()),
        };
        assert_eq!(
            no_email.path(Some("3"), None),
            "/v1/events?record=contact/C-1&after=3"
        );
    }

    #[test]
    fn retries_back_off_to_a_ceiling_with_a_spread() {
        assert_eq!(retry_delay_ms(0, 0.5), 0);
        assert_eq!(retry_delay_ms(1, 1.0), FIRST_RETRY_MS);
        assert_eq!(retry_delay_ms(2, 1.0), 2 * FIRST_RETRY_MS);
        assert_eq!(retry_delay_ms(3, 0.0), 3 * FIRST_RETRY_MS);
        assert_eq!(retry_delay_ms(40, 1.0), MAX_RETRY_MS);
        assert!(retry_delay_ms(40, 0.0) >= MAX_RETRY_MS * 3 / 4);
    }
}
