//! The interactions of the bucket selected in the timeline, newest first, 50 at a time, with
//! their details (clicked link, page and time on it, form and its fields). Every value is record
//! data and is rendered as text; only `http(s)` URLs become links.

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::activity_details::{detail_lines, kind_glyph, summary, DetailLine};
use crate::domain::activity_filters::ActivityQuery;
use crate::plugin::api::{self, ApiError};
use crate::plugin::bridge::use_host;
use crate::plugin::components::panels::{ErrorPanel, Skeleton};
use crate::plugin::intl::use_formats;
use crate::wire::query::ACTIVITIES_DEFAULT_LIMIT;
use crate::wire::{Activity, ActivityKind, BucketSize, Entity};

#[derive(Properties, PartialEq)]
pub struct BucketInteractionsProps {
    pub entity: Entity,
    pub crm_id: AttrValue,
    /// The bucket's period, clipped to the chart's: `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Only these kinds (empty: every kind).
    pub kinds: Vec<ActivityKind>,
    pub bucket: BucketSize,
}

#[derive(Clone, PartialEq)]
enum Phase {
    Loading,
    Ready,
    LoadingMore,
    Failed(Rc<str>),
}

#[derive(Clone, PartialEq)]
struct Listing {
    items: Rc<Vec<Activity>>,
    next_cursor: Option<String>,
    phase: Phase,
}

/// Mount it keyed by the bucket: another bucket is another listing.
#[component]
pub fn BucketInteractions(props: &BucketInteractionsProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let listing = use_state(|| Listing {
        items: Rc::default(),
        next_cursor: None,
        phase: Phase::Loading,
    });
    let in_flight = use_mut_ref(|| None::<AbortController>);
    let query = ActivityQuery {
        kinds: props.kinds.clone(),
        text: None,
        from: Some(props.from),
        to: Some(props.to),
        cursor: None,
        limit: ACTIVITIES_DEFAULT_LIMIT,
    };

    // Fetches the page at `cursor` and appends it to `items`.
    let fetch = {
        let (session, entity, crm_id) = (host.session.clone(), props.entity, props.crm_id.clone());
        let (listing, in_flight, query) = (listing.clone(), in_flight.clone(), query.clone());
        Callback::from(
            move |(items, cursor): (Rc<Vec<Activity>>, Option<String>)| {
                let Some(controller) = start(&in_flight) else {
                    return;
                };
                let query = match &cursor {
                    Some(cursor) => query.at_cursor(cursor),
                    None => query.clone(),
                };
                let endpoint = api::activities(entity, &crm_id, &query);
                let (session, listing) = (session.clone(), listing.clone());
                let signal = controller.signal();
                spawn_local(async move {
                    match session.fetch(&endpoint, &signal).await {
                        Err(error) if error.is_aborted() => {}
                        Ok(page) => {
                            let mut all = (*items).clone();
                            all.extend(page.items);
                            listing.set(Listing {
                                items: Rc::new(all),
                                next_cursor: page.next_cursor,
                                phase: Phase::Ready,
                            });
                        }
                        Err(error) => listing.set(Listing {
                            items,
                            next_cursor: cursor,
                            phase: Phase::Failed(failure(&error)),
                        }),
                    }
                });
            },
        )
    };

    {
        let (fetch, in_flight) = (fetch.clone(), in_flight.clone());
        use_effect_with((), move |_| {
            fetch.emit((Rc::default(), None));
            move || {
                if let Some(controller) = in_flight.borrow_mut().take() {
                    controller.abort();
                }
            }
        });
    }

    let load_more = {
        let (fetch, listing) = (fetch.clone(), listing.clone());
        Callback::from(move |()| {
            if listing.phase == Phase::LoadingMore {
                return;
            }
            let current = (*listing).clone();
            listing.set(Listing {
                phase: if current.items.is_empty() {
                    Phase::Loading
                } else {
                    Phase::LoadingMore
                },
                ..current.clone()
            });
            fetch.emit((current.items, current.next_cursor));
        })
    };

    let period = format!(
        "{} \u{2013} {}",
        formats.date_time(&props.from),
        formats.date_time(&props.to)
    );
    let items = &listing.items;
    let footer = match &listing.phase {
        Phase::Loading => html! { <Skeleton label="Loading interactions" rows={3} /> },
        Phase::Failed(message) => html! {
            <ErrorPanel compact=true message={message.to_string()} on_retry={load_more.clone()} />
        },
        Phase::LoadingMore => html! {
            <p class="list-footer" role="status">{ "Loading more\u{2026}" }</p>
        },
        Phase::Ready if listing.next_cursor.is_some() => html! {
            <button type="button" class="button bucket-more" onclick={load_more.reform(|_| ())}>
                { "Load more" }
            </button>
        },
        Phase::Ready if items.is_empty() => html! {
            <p class="list-footer">{ "No interactions in this period." }</p>
        },
        Phase::Ready => html! {},
    };

    html! {
        <section
            class="timeline-panel timeline-bucket"
            aria-label="Interactions of the selected period"
            data-from={props.from.to_rfc3339()}
            data-to={props.to.to_rfc3339()}
        >
            <h3 class="bucket-title">
                { "Interactions" }
                <span class="bucket-period">{ period }</span>
            </h3>
            <ul class="interactions" aria-busy={if listing.phase == Phase::Ready { "false" } else { "true" }}>
                { for items.iter().map(|activity| html! {
                    <InteractionItem key={activity.id} activity={Rc::new(activity.clone())} />
                }) }
            </ul>
            { footer }
        </section>
    }
}

/// Aborts the listing's request in flight and starts a new controller.
fn start(in_flight: &Rc<RefCell<Option<AbortController>>>) -> Option<AbortController> {
    if let Some(previous) = in_flight.borrow_mut().take() {
        previous.abort();
    }
    let controller = AbortController::new().ok()?;
    *in_flight.borrow_mut() = Some(controller.clone());
    Some(controller)
}

fn failure(error: &ApiError) -> Rc<str> {
    Rc::from(error.user_message())
}

#[derive(Properties, PartialEq)]
struct InteractionItemProps {
    activity: Rc<Activity>,
}

#[component]
fn InteractionItem(props: &InteractionItemProps) -> Html {
    let formats = use_formats();
    let activity = &props.activity;
    let at = activity.occurred_at;
    let kind = activity.kind;
    html! {
        <li class="interaction" data-activity-id={activity.id.to_string()}>
            <div class="interaction-head">
                <span class={classes!("kind-icon", format!("kind-{}", kind.as_str()))} aria-hidden="true">
                    { kind_glyph(kind) }
                </span>
                <span class="interaction-kind">{ kind.label() }</span>
                <time class="interaction-time" datetime={at.to_rfc3339()}>{ formats.date_time(&at) }</time>
            </div>
            if let Some(text) = summary(activity) {
                <p class="interaction-subject">{ text.to_owned() }</p>
            }
            <dl class="interaction-details">
                { for detail_lines(activity).into_iter().map(detail) }
            </dl>
        </li>
    }
}

fn detail(line: DetailLine) -> Html {
    let value = match line.href {
        Some(href) => html! {
            <a {href} target="_blank" rel="noopener noreferrer">{ line.value }</a>
        },
        None => html! { { line.value } },
    };
    html! {
        <div class="interaction-detail">
            <dt>{ line.label }</dt>
            <dd>{ value }</dd>
        </div>
    }
}
