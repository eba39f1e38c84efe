//! "Website visitors": the owners' records on the website this week, those on the site now
//! first (with a live dot and the page they are on), then earlier today, then this week, a page
//! at a time in a virtual list whose rows are the groups' headings and the visitors. A name
//! asks the host to open the record; "Send email" writes to them.

use std::rc::Rc;

use chrono::{DateTime, Utc};
use yew::prelude::*;

use crate::domain::dashboard::{
    page_name, visitor_record, visitor_rows, visits_summary, VisitorGroup, VisitorRow, NO_VISITORS,
};
use crate::domain::paging::ListPhase;
use crate::plugin::api;
use crate::plugin::components::panels::{
    compact_error, error_panel, message_panel, refresh_button, skeleton,
};
use crate::plugin::components::virtual_rows::VirtualRows;
use crate::plugin::hooks::{more_footer, use_pages};
use crate::plugin::intl::{use_formats, use_minute_clock, Formats};
use crate::protocol::CrmRecord;
use crate::wire::{OwnerSelection, Visitor, Visitors};

use super::OpenRecord;

/// The height assumed for a row before it is measured: a visitor's name, the page line and
/// "Send email" beside the name.
const VISITOR_ROW_ESTIMATE: u32 = 64;

#[derive(Properties, PartialEq)]
pub struct WebsiteVisitorsProps {
    /// Whose visitors; `None` while who the user is is being asked.
    pub owner: Option<OwnerSelection>,
    /// More than the user's own records are listed: each names its owner.
    pub show_owner: bool,
    /// Loads the visitors again from their first page when it changes.
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
    let viewport = use_node_ref();
    let owner = props.owner;
    // Until who the user is is known there is no owner, and no request; the skeleton stays.
    let visitors = use_pages::<Visitors, _>(
        owner.map(OwnerSelection::to_query).unwrap_or_default(),
        props.refreshes,
        0,
        move |cursor| Some(api::visitors(owner?, cursor)),
    );
    let pages = visitors.pages();
    let busy = matches!(pages.phase, ListPhase::Loading) && pages.answered;

    let body = match &pages.phase {
        // Before any answer the phase is loading or failed.
        ListPhase::Failed(error) if owner.is_some() && !pages.answered => {
            error_panel(error.user_message().into(), visitors.retry())
        }
        _ if owner.is_none() || !pages.answered => html! {
            { skeleton("Loading your website visitors", 4) }
        },
        phase => {
            let today = formats.today();
            let rows = Rc::new(visitor_rows(&pages.items, now, |at| {
                formats.local_date(at) == today
            }));
            html! {
                <>
                    if let ListPhase::Failed(error) = phase {
                        { compact_error(
                            format!("Couldn't refresh the visitors: {} These are from before.", error.user_message()).into(),
                            visitors.retry(),
                        ) }
                    }
                    if rows.is_empty() {
                        { message_panel(
                            "\u{25CE}",
                            "No known visitors this week".into(),
                            Some(NO_VISITORS.into()),
                            html! {},
                        ) }
                    } else {
                        <VirtualRows
                            keys={Rc::new(rows.iter().map(|row| row.key()).collect::<Vec<_>>())}
                            estimate={VISITOR_ROW_ESTIMATE}
                            render={row_renderer(rows, pages.items.clone(), formats.clone(), now, props)}
                            more={pages.next_cursor.is_some()}
                            on_near_end={visitors.more()}
                            hold={phase.holds()}
                            counted={false}
                            class="visitor-list"
                            label="Website visitors, most recent first"
                            row_class="visitor-row"
                            viewport={viewport.clone()}
                        />
                        { more_footer(phase, "Loading earlier visitors\u{2026}", visitors.more()) }
                    }
                </>
            }
        }
    };

    html! {
        <section class="dashboard-section visitors-section" aria-labelledby="visitors-title">
            <header class="dashboard-section-header">
                <h2 id="visitors-title" class="dashboard-section-title">{ "Website visitors" }</h2>
                { refresh_button(
                    Some("visitors-refresh"),
                    "Refresh website visitors",
                    busy,
                    props.on_refresh.clone(),
                ) }
            </header>
            <div ref={viewport} class="dashboard-section-body" aria-busy={busy.to_string()}>{ body }</div>
        </section>
    }
}

/// Draws the row at an index of `rows`: a group's heading, or a visitor of `items`.
fn row_renderer(
    rows: Rc<Vec<VisitorRow>>,
    items: Rc<Vec<Visitor>>,
    formats: Rc<Formats>,
    now: DateTime<Utc>,
    props: &WebsiteVisitorsProps,
) -> Callback<usize, Html> {
    let show_owner = props.show_owner;
    let (on_open_record, on_write) = (props.on_open_record.clone(), props.on_write.clone());
    Callback::from(move |at: usize| match rows.get(at) {
        Some(VisitorRow::Heading(group)) => group_heading(*group),
        Some(VisitorRow::Visitor {
            at: index, group, ..
        }) => match items.get(*index) {
            Some(v) => visitor_row(
                v,
                *group,
                &formats,
                &now,
                show_owner,
                &on_open_record,
                &on_write,
            ),
            None => html! {},
        },
        None => html! {},
    })
}

fn group_heading(group: VisitorGroup) -> Html {
    html! {
        <h3 id={format!("visitors-{}", group.as_str())}
            class={classes!("visitor-group-title", format!("visitor-group-{}", group.as_str()))}>
            if group == VisitorGroup::OnSiteNow {
                <span class="live-dot" aria-hidden="true"></span>
            }
            { group.title() }
        </h3>
    }
}

/// A visitor: their name (which opens the record), the page they are on or were last on and
/// when, how often they came, and "Send email".
fn visitor_row(
    v: &Visitor,
    group: VisitorGroup,
    formats: &Formats,
    now: &DateTime<Utc>,
    show_owner: bool,
    on_open_record: &OpenRecord,
    on_write: &Callback<CrmRecord>,
) -> Html {
    let name = crate::wire::display_name(
        v.first_name.as_deref(),
        v.last_name.as_deref(),
        v.email.as_deref(),
        &v.crm_id,
    );
    let open = on_open_record.reform({
        let (entity, id) = (v.entity, v.crm_id.clone());
        move |_| (entity, id.clone())
    });
    let write = on_write.reform({
        let record = visitor_record(v);
        move |_| record.clone()
    });
    let viewed = &v.last_page.viewed_at;
    let meta: Vec<String> = [v.company.clone(), show_owner.then(|| v.owner.name.clone())]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    html! {
        <article class={classes!("visitor", format!("visitor-{}", group.as_str()))}
            data-crm-id={v.crm_id.clone()}>
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
        </article>
    }
}
