//! "Website visitors": the owners' records on the website this week, those on the site now
//! first (with a live dot and the page they are on), then earlier today, then this week. A name
//! asks the host to open the record; "Send email" writes to them.

use yew::prelude::*;

use crate::domain::dashboard::{
    page_name, visitor_groups, visitor_record, visits_summary, VisitorGroup, NO_VISITORS,
};
use crate::plugin::api;
use crate::plugin::components::panels::{ErrorPanel, MessagePanel, RefreshButton, Skeleton};
use crate::plugin::hooks::{use_fetch, Load};
use crate::plugin::intl::{use_formats, use_minute_clock, Formats};
use crate::protocol::CrmRecord;
use crate::wire::{OwnerSelection, Visitor};

use super::OpenRecord;

#[derive(Properties, PartialEq)]
pub struct WebsiteVisitorsProps {
    /// Whose visitors; `None` while who the user is is being asked.
    pub owner: Option<OwnerSelection>,
    /// More than the user's own records are listed: each names its owner.
    pub show_owner: bool,
    /// Loads the visitors again when it changes.
    pub refreshes: u32,
    pub on_refresh: Callback<()>,
    pub on_open_record: OpenRecord,
    /// "Send email" to a visitor.
    pub on_write: Callback<CrmRecord>,
}

#[component]
pub fn WebsiteVisitors(props: &WebsiteVisitorsProps) -> Html {
    let formats = use_formats();
    let now = use_minute_clock();
    let visitors = use_fetch((props.owner, props.refreshes), |fetcher, (owner, _)| {
        // Until who the user is is known there is no owner; the skeleton stays meanwhile.
        let endpoint = owner.map(api::visitors);
        async move {
            match endpoint {
                Some(endpoint) => fetcher.fetch(endpoint).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let load = visitors.load();
    let latest = visitors.latest().and_then(|v| (*v).clone());
    let busy = matches!(load, Load::Loading) && latest.is_some();
    let failure = match &load {
        Load::Failed { error, retry } => Some((error.user_message(), retry.clone())),
        _ => None,
    };

    let body = match (latest, failure) {
        (None, Some((message, retry))) => html! { <ErrorPanel {message} on_retry={retry} /> },
        (None, None) => html! { <Skeleton label="Loading your website visitors" rows={4} /> },
        (Some(answer), failure) => {
            let today = formats.today();
            let groups = visitor_groups(&answer.items, now, |at| formats.local_date(at) == today);
            html! {
                <>
                    if let Some((message, retry)) = failure {
                        <ErrorPanel compact=true
                            message={format!("Couldn't refresh the visitors: {message} These are from before.")}
                            on_retry={retry} />
                    }
                    if groups.is_empty() {
                        <MessagePanel glyph="\u{25CE}" title="No known visitors this week" detail={NO_VISITORS} />
                    }
                    { for groups.into_iter().map(|(group, members)| html! {
                        <section class={classes!("visitor-group", format!("visitor-group-{}", group.as_str()))}
                            aria-labelledby={format!("visitors-{}", group.as_str())}>
                            <h3 id={format!("visitors-{}", group.as_str())} class="visitor-group-title">
                                if group == VisitorGroup::OnSiteNow {
                                    <span class="live-dot" aria-hidden="true"></span>
                                }
                                { group.title() }
                            </h3>
                            <ul class="visitor-list">
                                { for members.into_iter().map(|v| visitor_row(v, group, &formats, &now, props)) }
                            </ul>
                        </section>
                    }) }
                </>
            }
        }
    };

    html! {
        <section class="dashboard-section visitors-section" aria-labelledby="visitors-title">
            <header class="dashboard-section-header">
                <h2 id="visitors-title" class="dashboard-section-title">{ "Website visitors" }</h2>
                <RefreshButton
                    id="visitors-refresh"
                    label="Refresh website visitors"
                    {busy}
                    on_refresh={props.on_refresh.clone()}
                />
            </header>
            <div class="dashboard-section-body" aria-busy={busy.to_string()}>{ body }</div>
        </section>
    }
}

/// A visitor: their name (which opens the record), the page they are on or were last on and
/// when, how often they came, and "Send email".
fn visitor_row(
    v: &Visitor,
    group: VisitorGroup,
    formats: &Formats,
    now: &chrono::DateTime<chrono::Utc>,
    props: &WebsiteVisitorsProps,
) -> Html {
    let name = crate::wire::display_name(
        v.first_name.as_deref(),
        v.last_name.as_deref(),
        v.email.as_deref(),
        &v.crm_id,
    );
    let open = props.on_open_record.reform({
        let (entity, id) = (v.entity, v.crm_id.clone());
        move |_| (entity, id.clone())
    });
    let write = props.on_write.reform({
        let record = visitor_record(v);
        move |_| record.clone()
    });
    let viewed = &v.last_page.viewed_at;
    let meta: Vec<String> = [
        v.company.clone(),
        props.show_owner.then(|| v.owner.name.clone()),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect();
    html! {
        <li class="visitor" data-crm-id={v.crm_id.clone()}>
            <div class="visitor-who">
                <button type="button" class="link-button visitor-name"
                    title={format!("Open {name} in the CRM")} onclick={open}>
                    { name.clone() }
                </button>
                if !meta.is_empty() {
                    <span class="visitor-meta">{ meta.join(" \u{00B7} ") }</span>
                }
            </div>
            <p class="visitor-page">
                { if group == VisitorGroup::OnSiteNow { "On " } else { "Last on " } }
                <span class="visitor-page-name" title={v.last_page.url.clone().unwrap_or_default()}>
                    { page_name(v) }
                </span>
                { " \u{00B7} " }
                <time datetime={viewed.to_rfc3339()} title={formats.date_time(viewed)}>
                    { formats.relative(viewed, now) }
                </time>
                { format!(" \u{00B7} {}", visits_summary(v)) }
            </p>
            <button type="button" class="button visitor-send" onclick={write}
                aria-label={format!("Send email to {name}")}>
                { "Send email" }
            </button>
        </li>
    }
}
