//! The recipients of one send, each with when they first opened and first clicked it; a name
//! asks the host to open the record. One page of the API holds every recipient a send may have
//! (200), so they are asked for in one request: a pager's code would cost the plugin's size
//! budget bytes for a second page that never comes.

use yew::prelude::*;

use super::OpenRecord;
use crate::plugin::api;
use crate::plugin::components::panels::{error_panel, skeleton};
use crate::plugin::hooks::{use_fetch, Load};
use crate::plugin::intl::{use_formats, Formats};
use crate::wire::{SendOutcome, SentRecipient};

#[derive(Properties, PartialEq)]
pub struct SendRecipientsProps {
    pub send_id: i64,
    /// Loads the recipients again when it changes (the send's counts changed).
    pub refreshes: u32,
    pub on_open_record: OpenRecord,
}

#[component]
pub fn SendRecipients(props: &SendRecipientsProps) -> Html {
    let formats = use_formats();
    let recipients = use_fetch((props.send_id, props.refreshes), |fetcher, (send_id, _)| {
        fetcher.fetch(api::sent_recipients(send_id))
    });
    // A reload after a live activity keeps the rows on screen until the new ones come.
    let list = match (recipients.load(), recipients.latest()) {
        (Load::Failed { error, retry }, _) => error_panel(error.user_message().into(), retry),
        (_, None) => skeleton("Loading the recipients", 3),
        (_, Some(page)) if page.items.is_empty() => {
            html! { <p class="recipients-none">{ "Nobody was addressed." }</p> }
        }
        (_, Some(page)) => html! {
            <ul class="recipient-list" aria-label="Recipients">
                { for page.items.iter().map(|r| recipient_row(r, &formats, &props.on_open_record)) }
            </ul>
        },
    };
    html! {
        <section class="recipients" aria-label="Recipients">{ list }</section>
    }
}

/// A recipient: their name (which opens the record), and what they did with the email.
fn recipient_row(r: &SentRecipient, formats: &Formats, on_open: &OpenRecord) -> Html {
    let open = on_open.reform({
        let (entity, id) = (r.entity, r.crm_id.clone());
        move |_| (entity, id.clone())
    });
    let at =
        |label: &str, when: Option<&chrono::DateTime<chrono::Utc>>, class: &'static str| match when
        {
            Some(when) => html! {
                <span class={class}>
                    { format!("{label} ") }
                    <time datetime={when.to_rfc3339()}>{ formats.date_time(when) }</time>
                </span>
            },
            None => html! {},
        };
    let status = match (r.outcome, r.reason) {
        (SendOutcome::Excluded, Some(reason)) => Some(format!("Not sent: {}", reason.label())),
        (SendOutcome::Excluded, None) => Some("Not sent".to_owned()),
        (SendOutcome::Failed, _) => Some("Not sent: the mail server refused it".to_owned()),
        (SendOutcome::Scheduled, _) => Some("Scheduled".to_owned()),
        (SendOutcome::Sent, _) if r.bounced => Some("Bounced".to_owned()),
        (SendOutcome::Sent, _) if r.first_opened_at.is_none() => Some("Not opened yet".to_owned()),
        (SendOutcome::Sent, _) => None,
    };
    html! {
        <li class="recipient" data-crm-id={r.crm_id.clone()}>
            <button type="button" class="link-button recipient-name"
                title={format!("Open {} in the CRM", r.name)} onclick={open}>
                { r.name.clone() }
            </button>
            if let Some(email) = &r.email {
                <span class="recipient-email">{ email.clone() }</span>
            }
            <span class="recipient-engagement">
                { at("First opened", r.first_opened_at.as_ref(), "recipient-opened") }
                { at("First clicked", r.first_clicked_at.as_ref(), "recipient-clicked") }
                if let Some(status) = status {
                    <span class="recipient-status">{ status }</span>
                }
                if r.unsubscribed {
                    <span class="recipient-status">{ "Unsubscribed" }</span>
                }
            </span>
        </li>
    }
}
