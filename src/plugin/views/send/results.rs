//! What a send did, recipient by recipient, with a retry for the failed ones.

use std::rc::Rc;

use chrono::{DateTime, Utc};
use yew::prelude::*;

use super::notes::{use_sent_notes, SentNotes};
use crate::domain::compose::{noted, summary};
use crate::domain::crm_notes::NoteState;
use crate::plugin::components::panels::title_tag;
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::plugin::host::Host;
use crate::plugin::intl::{use_formats, Formats};
use crate::wire::{SendOutcome, SendResponse};

#[derive(Properties, PartialEq)]
pub struct SendResultsProps {
    pub response: Rc<SendResponse>,
    /// The server had already handled this exact message: nothing was sent again.
    pub replayed: bool,
    /// Sends the failed recipients again; absent when none failed.
    pub on_retry: Option<Callback<()>>,
    /// That retry is on its way.
    #[prop_or_default]
    pub retrying: bool,
    /// Why marketing refused the last retry (nothing was sent).
    #[prop_or_default]
    pub retry_refused: Option<AttrValue>,
    /// Back to composing a new message.
    pub on_new: Callback<()>,
    /// Closes the view (a list-view action); absent on a record's Send tab.
    #[prop_or_default]
    pub on_done: Option<Callback<()>>,
}

/// The height assumed for a recipient's row before it is measured: one line (also for the
/// pre-flight's excluded recipients).
pub const RESULT_ROW_ESTIMATE: u32 = 28;

#[component]
pub fn SendResults(props: &SendResultsProps) -> Html {
    let formats = use_formats();
    let response = &props.response;
    // The Send button that had focus is gone: the results' heading takes it (again after a
    // retry), so keyboard and screen-reader users land on what happened.
    let heading = use_node_ref();
    {
        let heading = heading.clone();
        use_effect_with(Rc::as_ptr(response) as usize, move |_| {
            if let Some(heading) = heading.cast::<web_sys::HtmlElement>() {
                let _ = heading.focus();
            }
        });
    }
    let sent_notes = use_sent_notes();
    let host = use_context::<Host>();
    // Up to 200 recipients: only those in view are in the DOM.
    let section = use_node_ref();
    let render = {
        let response = response.clone();
        let sent_notes = sent_notes.clone();
        Callback::from(move |at: usize| {
            let Some(r) = response.results.get(at) else {
                return html! {};
            };
            let (class, word) = match r.outcome {
                SendOutcome::Sent => ("badge-positive", "Sent"),
                SendOutcome::Scheduled => ("badge-pending", "Scheduled"),
                SendOutcome::Excluded => ("badge-negative", "Excluded"),
                SendOutcome::Failed => ("badge-negative", "Failed"),
            };
            let why = r
                .reason
                .map(|reason| reason.label().to_owned())
                .or_else(|| r.message.clone());
            let note = matches!(r.outcome, SendOutcome::Sent | SendOutcome::Scheduled)
                .then(|| sent_notes.as_ref()?.log().latest(r.entity, &r.crm_id))
                .flatten()
                .map(|note| note_badge(&note.state));
            html! {
                <div class="send-result" data-crm-id={r.crm_id.clone()} data-outcome={r.outcome.as_str()}>
                    <span class="send-result-name">{ r.name.clone() }</span>
                    <span class={classes!("badge", class)}>{ word }</span>
                    { for note }
                    if let Some(why) = why {
                        <span class="send-result-why">{ why }</span>
                    }
                </div>
            }
        })
    };
    let title = match response.scheduled_at {
        Some(at) => format!("Scheduled for {}", formats.date_time(&at)),
        None if response.count(SendOutcome::Sent) > 0 => "Email sent".to_owned(),
        None => "Nothing was sent".to_owned(),
    };
    html! {
        <section class="send send-results" aria-labelledby="send-results-title" ref={section.clone()}>
            <@{title_tag(props.on_done.is_some())} id="send-results-title" class="send-heading" tabindex="-1" ref={heading}>{ title }</@>
            <p class="send-summary" role="status">{ summary(response) }</p>
            if props.replayed {
                <p class="send-replayed">
                    { "Marketing had already handled this exact message from this tab; nobody got it twice. These are its results." }
                </p>
            }
            <VirtualRows
                keys={Rc::new((0..response.results.len() as i64).collect::<Vec<_>>())}
                estimate={RESULT_ROW_ESTIMATE}
                {render}
                class="send-result-list"
                label="Recipients"
                row_class="send-result-row"
                viewport={section}
            />
            { daily_limit(response.remaining_today, &response.limit_resets_at, &formats) }
            if let (Some(notes), Some(host)) = (&sent_notes, &host) {
                { unsaved_notes(notes, host, response) }
            }
            if let Some(refused) = &props.retry_refused {
                <p class="error-panel compact send-retry-refused error-message" role="alert">
                    { format!("The retry did not go: {refused} Nobody was emailed; you can retry again.") }
                </p>
            }
            <div class="send-actions">
                if let Some(on_retry) = &props.on_retry {
                    // Not disabled while the retry goes, so the focus stays on it; a second
                    // click does nothing.
                    <button id="send-retry" type="button" class="button button-primary"
                        aria-busy={props.retrying.to_string()}
                        onclick={on_retry.reform(|_| ())}>
                        { if props.retrying {
                            format!("Retrying {} failed\u{2026}", response.count(SendOutcome::Failed))
                        } else {
                            format!("Retry {} failed", response.count(SendOutcome::Failed))
                        } }
                    </button>
                }
                <button id="send-new" type="button" class="button" onclick={props.on_new.reform(|_| ())}>
                    { "Write another email" }
                </button>
                if let Some(on_done) = &props.on_done {
                    <button id="send-done" type="button" class="button" onclick={on_done.reform(|_| ())}>
                        { "Done" }
                    </button>
                }
            </div>
        </section>
    }
}

/// A recipient's CRM note, in a word.
fn note_badge(state: &NoteState) -> Html {
    let (class, word, state) = match state {
        NoteState::Saving => ("badge-pending", "Saving note\u{2026}", "saving"),
        NoteState::Saved => ("badge-positive", "Note saved", "saved"),
        NoteState::NotSaved(_) => ("badge-negative", "Note not saved", "notSaved"),
        NoteState::Unknown => ("badge-pending", "Note unconfirmed", "unknown"),
    };
    html! { <span class={classes!("badge", "send-result-note", class)} data-note={state}>{ word }</span> }
}

/// The notes of this send the CRM did not store, with a retry, and those it did not confirm:
/// both kept until stored or dismissed.
fn unsaved_notes(notes: &SentNotes, host: &Host, response: &SendResponse) -> Html {
    let log = notes.log();
    let mine: Vec<_> = noted(response)
        .filter_map(|r| log.latest(r.entity, &r.crm_id))
        .collect();
    let failed: Vec<_> = mine
        .iter()
        .filter_map(|n| match &n.state {
            NoteState::NotSaved(why) => Some((n.key, why.clone())),
            _ => None,
        })
        .collect();
    let unknown: Vec<u64> = mine
        .iter()
        .filter(|n| n.state == NoteState::Unknown)
        .map(|n| n.key)
        .collect();
    let dismiss = |keys: Vec<u64>| {
        let notes = notes.clone();
        Callback::from(move |_: MouseEvent| keys.iter().for_each(|key| notes.dismiss(*key)))
    };
    let failed_html = (!failed.is_empty()).then(|| {
        let count = failed.len();
        let why = failed[0].1.trim().trim_end_matches('.').to_owned();
        let retry = {
            let (notes, bridge) = (notes.clone(), host.bridge.clone());
            let keys: Vec<u64> = failed.iter().map(|(key, _)| *key).collect();
            Callback::from(move |_: MouseEvent| {
                keys.iter().for_each(|key| notes.retry(&bridge, *key))
            })
        };
        let keys = failed.iter().map(|(key, _)| *key).collect();
        html! {
            <div class="error-panel compact send-notes-unsaved" role="alert">
                <p class="error-message">{ match (count, why.is_empty()) {
                    (1, true) => "The CRM did not save the note for this email.".to_owned(),
                    (1, false) => format!("The CRM did not save the note for this email: {why}."),
                    (_, true) => format!("The CRM did not save {count} notes for this email."),
                    (_, false) => format!("The CRM did not save {count} notes for this email: {why}."),
                } }</p>
                <button id="send-notes-retry" type="button" class="button button-primary" onclick={retry}>
                    { if count == 1 { "Retry note".to_owned() } else { format!("Retry {count} notes") } }
                </button>
                <button id="send-notes-dismiss" type="button" class="button" onclick={dismiss(keys)}>{ "Dismiss" }</button>
            </div>
        }
    });
    let unknown_html = (!unknown.is_empty()).then(|| {
        let count = unknown.len();
        html! {
            <div class="send-notes-unknown" role="status">
                <p>{ if count == 1 {
                    "The CRM did not say whether it saved the note for this email: check the record's activity.".to_owned()
                } else {
                    format!("The CRM did not say whether it saved {count} notes for this email: check the records' activity.")
                } }</p>
                <button id="send-notes-unknown-dismiss" type="button" class="button" onclick={dismiss(unknown)}>{ "Dismiss" }</button>
            </div>
        }
    });
    html! { <>{ for failed_html }{ for unknown_html }</> }
}

/// What is left of the sender's daily allowance, and when it starts again. Marketing's days are
/// UTC days, so "today" would mislead: the reset is named in the user's own time.
pub(crate) fn daily_limit(remaining: u32, resets_at: &DateTime<Utc>, formats: &Formats) -> Html {
    let when = if formats.local_date(resets_at) == formats.today() {
        formats.time_of_day(resets_at)
    } else {
        formats.date_time(resets_at)
    };
    let text = match remaining {
        0 => format!("You can't send more emails until {when}, when your daily limit resets."),
        _ => format!(
            "You can send {} more until {when}, when your daily limit resets.",
            formats.count(u64::from(remaining))
        ),
    };
    html! { <p class="preflight-limit">{ text }</p> }
}
