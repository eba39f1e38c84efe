//! The one request that sends a message, and the CRM notes that follow its first answer.

use std::cell::Cell;

use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::keys::use_send_keys;
use super::notes::{use_sent_notes_context, SentNotes};
use crate::domain::compose::{fingerprint, noted, sent_note, ComposeAction, SendFailure, SendKey};
use crate::plugin::api;
use crate::plugin::bridge::Bridge;
use crate::plugin::browser::mark;
use crate::plugin::host::use_host;
use crate::plugin::intl::{use_formats, Formats};
use crate::protocol::HostLimits;
use crate::wire::{SendRequest, SendResponse};

/// A request to send, and the id of the send whose failed recipients it retries.
pub type SendOrder = (SendRequest, Option<i64>);

/// What the notes logged in the CRM say of a send.
#[derive(Clone, PartialEq)]
pub struct NoteOptions {
    /// "Log a 'Sent Email' note on the CRM record".
    pub log_note: bool,
    pub template_name: String,
}

/// Sends what it is given under the message's idempotency key, tells `dispatch` it went and
/// what came back, and logs the notes. A second order before the first is answered does
/// nothing, nor does any while the CRM could not say what the user looks at now.
#[hook]
pub fn use_send(notes: NoteOptions, dispatch: Callback<ComposeAction>) -> Callback<SendOrder> {
    let host = use_host();
    let formats = use_formats();
    let keys = use_send_keys();
    let sent_notes = use_sent_notes_context();
    // Set between the click and the answer: a second click in the same tick does nothing.
    let in_flight = use_memo((), |_| Cell::new(false));
    let user_id = host
        .context
        .as_ref()
        .map(|c| c.user.id.clone())
        .unwrap_or_default();
    let limits = host.context.as_ref().map(|c| c.limits).unwrap_or_default();
    let (session, bridge, stale) = (host.session, host.bridge, host.context_failed);
    Callback::from(move |(request, retry_of): SendOrder| {
        if stale || in_flight.replace(true) {
            return;
        }
        mark("sidebar:send-click");
        dispatch.emit(ComposeAction::Sent {
            request: request.clone(),
            retry_of,
        });
        let SendKey { key, .. } = keys.key_for(&fingerprint(&user_id, &request, retry_of));
        let (dispatch, session, bridge, in_flight) = (
            dispatch.clone(),
            session.clone(),
            bridge.clone(),
            in_flight.clone(),
        );
        let (keys, formats, notes) = (keys.clone(), formats.clone(), notes.clone());
        let sent_notes = sent_notes.clone();
        spawn_local(async move {
            // Not tied to the view: a send the user left still finishes and logs its notes.
            let Ok(controller) = AbortController::new() else {
                in_flight.set(false);
                return;
            };
            let endpoint = api::send_email(&request, &key);
            let answer = session
                .fetch_replayed(&endpoint, &controller.signal())
                .await;
            in_flight.set(false);
            let answer = match answer {
                Ok((response, replayed)) => {
                    // Only the first answer under this key logs notes: an earlier answer
                    // (before a reload, or to the same message sent from a view the user left
                    // meanwhile) already did.
                    let first = keys.mark_answered(&key);
                    if notes.log_note && first {
                        let to = (&bridge, &sent_notes, limits);
                        log_notes(to, &response, &notes.template_name, &formats);
                    }
                    // Already sent: answered here before, or (a "Send again" after a lost
                    // answer) the server says its first attempt had gone through.
                    Ok((response, !first || replayed))
                }
                Err(error) => Err(SendFailure {
                    message: error.user_message(),
                    outcome_unknown: error.outcome_unknown(),
                }),
            };
            let answered = answer.is_ok();
            dispatch.emit(ComposeAction::Answered { request, answer });
            if answered {
                mark("sidebar:send-results");
            }
        });
    })
}

/// A "Sent Email" (or "Scheduled Email") note on each CRM record the email went, or will go, to,
/// its subject fitted to the CRM.
fn log_notes(
    (bridge, sent_notes, limits): (&Bridge, &SentNotes, HostLimits),
    response: &SendResponse,
    template_name: &str,
    formats: &Formats,
) {
    // The time as the user chose it, with the zone: the note is read in the CRM, by anyone.
    let scheduled_for = response
        .scheduled_at
        .map(|at| format!("{} ({})", formats.date_time(&at), formats.zone_name()));
    for result in noted(response) {
        let note = sent_note(
            result,
            template_name,
            &response.campaign_id,
            scheduled_for.as_deref().unwrap_or_default(),
        );
        sent_notes.post(
            bridge,
            result.entity,
            result.crm_id.clone(),
            note,
            limits.note_subject,
        );
    }
}
