//! "My sent messages": the owners' sends, newest first, a page at a time in a virtual list, each
//! with its rates and bars. Opening one shows its recipients in place of the list (which stays
//! mounted, hidden, so going back finds it where it was).

use std::rc::Rc;

use yew::prelude::*;

use super::recipients::SendRecipients;
use super::OpenRecord;
use crate::domain::dashboard::{recipients_summary, send_rates, send_time, Rate, NO_SENDS};
use crate::domain::paging::ListPhase;
use crate::plugin::api;
use crate::plugin::components::panels::{
    compact_error, error_panel, message_panel, refresh_button, skeleton,
};
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::plugin::hooks::{more_footer, use_pages};
use crate::plugin::intl::{use_formats, Formats};
use crate::wire::{OwnerSelection, SentMessage, SentMessages};

/// The height assumed for a send's row before it is measured: subject, a line of facts and
/// the rates.
const SEND_ROW_ESTIMATE: u32 = 132;

#[derive(Properties, PartialEq)]
pub struct SentMessagesProps {
    /// Whose sends; `None` while who the user is is being asked.
    pub owner: Option<OwnerSelection>,
    /// More than the user's own sends are listed: each names its sender.
    pub show_sender: bool,
    /// Loads the list again from its first page when it changes.
    pub refreshes: u32,
    /// The send whose recipients are shown.
    pub opened: Option<i64>,
    pub on_open: Callback<Option<i64>>,
    pub on_refresh: Callback<()>,
    pub on_open_record: OpenRecord,
}

#[component]
pub fn SentMessagesSection(props: &SentMessagesProps) -> Html {
    let formats = use_formats();
    let viewport = use_node_ref();
    let owner = props.owner;
    let sends = use_pages::<SentMessages, _>(
        owner.map(OwnerSelection::to_query).unwrap_or_default(),
        props.refreshes,
        0,
        move |cursor| Some(api::sent_messages(owner?, cursor)),
    );
    let pages = sends.pages();
    let loading = matches!(pages.phase, ListPhase::Loading);
    let opened = props
        .opened
        .and_then(|id| pages.items.iter().find(|s| s.id == id).cloned());

    let list = match &pages.phase {
        _ if owner.is_none() || pages.is_first_load() => html! {
            { skeleton("Loading your sent messages", 4) }
        },
        ListPhase::Failed(error) if pages.items.is_empty() || !pages.answered => {
            error_panel(error.user_message().into(), sends.retry())
        }
        _ if pages.is_empty_list() => message_panel(
            "\u{2709}",
            "No sent messages yet".into(),
            Some(NO_SENDS.into()),
            html! {},
        ),
        phase => html! {
            <>
                if let ListPhase::Failed(error) = phase {
                    { compact_error(
                        format!("Couldn't refresh the list: {} These are from before.", error.user_message()).into(),
                        sends.retry(),
                    ) }
                }
                <VirtualRows
                    keys={Rc::new(pages.keys())}
                    estimate={SEND_ROW_ESTIMATE}
                    render={row_renderer(pages.items.clone(), formats.clone(), props)}
                    more={pages.next_cursor.is_some()}
                    on_near_end={sends.more()}
                    hold={phase.holds()}
                    class="send-list"
                    label="Sent messages, newest first"
                    row_class="send-row"
                    viewport={viewport.clone()}
                />
                { more_footer(phase, "Loading older messages\u{2026}", sends.more()) }
            </>
        },
    };

    html! {
        <section class="dashboard-section sends-section" aria-labelledby="sends-title">
            <header class="dashboard-section-header">
                <h2 id="sends-title" class="dashboard-section-title">{ "My sent messages" }</h2>
                { refresh_button(
                    Some("sends-refresh"),
                    "Refresh sent messages",
                    loading && pages.answered,
                    props.on_refresh.clone(),
                ) }
            </header>
            if let Some(send) = &opened {
                { opened_send(send, &formats, props) }
            }
            <div ref={viewport} class="dashboard-section-body" hidden={opened.is_some()}>
                { list }
            </div>
        </section>
    }
}

/// Draws the send at an index of `items`.
fn row_renderer(
    items: Rc<Vec<SentMessage>>,
    formats: Rc<Formats>,
    props: &SentMessagesProps,
) -> Callback<usize, Html> {
    let (on_open, show_sender) = (props.on_open.clone(), props.show_sender);
    Callback::from(move |at: usize| match items.get(at) {
        Some(send) => send_row(send, &formats, show_sender, &on_open),
        None => html! {},
    })
}

/// A send: its subject (which opens its recipients), what and when, and its rates.
fn send_row(
    send: &SentMessage,
    formats: &Formats,
    show_sender: bool,
    on_open: &Callback<Option<i64>>,
) -> Html {
    let (when, at) = send_time(send);
    let id = send.id;
    let template = send
        .template_name
        .clone()
        .unwrap_or_else(|| "A deleted template".to_owned());
    html! {
        <article class="send" data-send-id={id.to_string()}>
            <button type="button" class="link-button send-subject"
                title="Show who it went to"
                onclick={on_open.reform(move |_| Some(id))}>
                { send.subject.clone() }
            </button>
            <p class="send-meta">
                <span class="send-template">{ template }</span>
                { " \u{00B7} " }
                { format!("{when} ") }
                <time datetime={at.to_rfc3339()}>{ formats.date_time(&at) }</time>
                { " \u{00B7} " }
                <span class="send-recipients">{ recipients_summary(send) }</span>
                if show_sender {
                    <span class="send-sender">{ format!(" \u{00B7} by {}", send.sender.name) }</span>
                }
            </p>
            { rate_bars(&send_rates(send), formats) }
        </article>
    }
}

/// A send's rates: each its count, its percent and a bar of that percent.
pub(super) fn rate_bars(rates: &[Rate], formats: &Formats) -> Html {
    html! {
        <dl class="send-rates">
            { for rates.iter().map(|rate| {
                let percent = rate.percent();
                html! {
                    <div class={classes!("rate", format!("rate-{}", rate.kind.as_str()))}>
                        <dt class="rate-label">{ rate.kind.label() }</dt>
                        <dd class="rate-figures">
                            <span class="rate-count">{ formats.count(rate.count.into()) }</span>
                            <span class="rate-percent">{ format!("{}\u{00A0}%", formats.number(percent.into())) }</span>
                        </dd>
                        // A bar of SVG, not a styled width: the page's CSP allows no inline style.
                        <dd class="rate-bar" aria-hidden="true">
                            <svg viewBox="0 0 100 4" preserveAspectRatio="none" focusable="false">
                                <rect class="rate-track" width="100" height="4" />
                                <rect class="rate-fill" width={percent.to_string()} height="4" />
                            </svg>
                        </dd>
                    </div>
                }
            }) }
        </dl>
    }
}

/// The open send: a way back to the list, what it was, and its recipients.
fn opened_send(send: &SentMessage, formats: &Formats, props: &SentMessagesProps) -> Html {
    let (when, at) = send_time(send);
    html! {
        <div class="dashboard-section-body send-detail" data-send-id={send.id.to_string()}>
            <button type="button" class="link-button send-back"
                onclick={props.on_open.reform(|_| None)}>
                { "\u{2190} All sent messages" }
            </button>
            <h3 class="send-detail-subject">{ send.subject.clone() }</h3>
            <p class="send-meta">
                { format!("{when} ") }
                <time datetime={at.to_rfc3339()}>{ formats.date_time(&at) }</time>
                { format!(" \u{00B7} {}", recipients_summary(send)) }
            </p>
            { rate_bars(&send_rates(send), formats) }
            <SendRecipients
                send_id={send.id}
                refreshes={props.refreshes}
                on_open_record={props.on_open_record.clone()}
            />
        </div>
    }
}
