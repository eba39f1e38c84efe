//! The interactions of the bucket selected in the timeline, newest first, a page of 50 at a time
//! ("Newer" / "Older", pages already fetched are kept), with their details (clicked link, page
//! and time on it, form and its fields). A busy month can hold thousands: only the page on
//! screen is in the DOM. Every value is record data and is rendered as text; only `http(s)` URLs
//! become links.

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::activity_details::{detail_lines, kind_glyph, summary, DetailLine};
use crate::domain::activity_filters::ActivityQuery;
use crate::plugin::api::{self, ApiError};
use crate::plugin::components::panels::{ErrorPanel, Skeleton};
use crate::plugin::focus::reveal;
use crate::plugin::host::use_host;
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
    /// The pages fetched so far, newest first.
    pages: Rc<Vec<Rc<Vec<Activity>>>>,
    /// After the last fetched page; `None` once it is the last.
    next_cursor: Option<String>,
    /// The page on screen.
    shown: usize,
    phase: Phase,
}

impl Listing {
    fn with_page(&self, page: Vec<Activity>, next_cursor: Option<String>) -> Listing {
        let mut pages = (*self.pages).clone();
        pages.push(Rc::new(page));
        Listing {
            shown: pages.len() - 1,
            pages: Rc::new(pages),
            next_cursor,
            phase: Phase::Ready,
        }
    }

    /// Whether an older page exists, fetched or not.
    fn has_older(&self) -> bool {
        self.shown + 1 < self.pages.len() || self.next_cursor.is_some()
    }
}

/// Mount it keyed by the bucket: another bucket is another listing.
#[component]
pub fn BucketInteractions(props: &BucketInteractionsProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let listing = use_state(|| Listing {
        pages: Rc::default(),
        next_cursor: None,
        shown: 0,
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

    // Fetches the page at `cursor` (after the pages of `current`) and shows it.
    let fetch = {
        let (session, entity, crm_id) = (host.session.clone(), props.entity, props.crm_id.clone());
        let (listing, in_flight, query) = (listing.clone(), in_flight.clone(), query.clone());
        Callback::from(move |(current, cursor): (Listing, Option<String>)| {
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
                    Ok(page) => listing.set(current.with_page(page.items, page.next_cursor)),
                    Err(error) => listing.set(Listing {
                        phase: Phase::Failed(failure(&error)),
                        ..current
                    }),
                }
            });
        })
    };

    {
        let (fetch, in_flight, listing) = (fetch.clone(), in_flight.clone(), listing.clone());
        use_effect_with((), move |_| {
            fetch.emit(((*listing).clone(), None));
            move || {
                if let Some(controller) = in_flight.borrow_mut().take() {
                    controller.abort();
                }
            }
        });
    }

    // The next older page: shown again if fetched before, else fetched (also the retry).
    let older = {
        let (fetch, listing) = (fetch.clone(), listing.clone());
        Callback::from(move |()| {
            let current = (*listing).clone();
            if matches!(current.phase, Phase::Loading | Phase::LoadingMore) {
                return;
            }
            if current.pages.is_empty() {
                listing.set(Listing {
                    phase: Phase::Loading,
                    ..current.clone()
                });
                fetch.emit((current, None));
            } else if current.shown + 1 < current.pages.len() {
                listing.set(Listing {
                    shown: current.shown + 1,
                    phase: Phase::Ready,
                    ..current
                });
            } else if let Some(cursor) = current.next_cursor.clone() {
                listing.set(Listing {
                    phase: Phase::LoadingMore,
                    ..current.clone()
                });
                fetch.emit((current, Some(cursor)));
            }
        })
    };
    let newer = {
        let listing = listing.clone();
        Callback::from(move |()| {
            let current = (*listing).clone();
            if current.shown > 0 && current.phase != Phase::LoadingMore {
                listing.set(Listing {
                    shown: current.shown - 1,
                    phase: Phase::Ready,
                    ..current
                });
            }
        })
    };

    let period = format!(
        "{} \u{2013} {}",
        formats.date_time(&props.from),
        formats.date_time(&props.to)
    );
    // Another page: its top, not where the previous one ended, is what the user reads next.
    let section = use_node_ref();
    {
        let (section, previous) = (section.clone(), use_mut_ref(|| 0usize));
        use_effect_with(listing.shown, move |shown| {
            if previous.replace(*shown) != *shown {
                if let Some(section) = section.cast::<web_sys::Element>() {
                    section.scroll_into_view_with_bool(true);
                }
            }
        });
    }
    // A period just opened: its heading comes into view (the least scroll that shows it), so
    // the list below the chart is seen; focus stays on the chart.
    let heading = use_node_ref();
    {
        let heading = heading.clone();
        use_effect_with(props.from, move |_| {
            if let Some(heading) = heading.cast::<web_sys::Element>() {
                reveal(&heading);
            }
        });
    }
    let empty = Rc::new(Vec::new());
    let items = listing.pages.get(listing.shown).unwrap_or(&empty);
    let before: usize = listing.pages[..listing.shown.min(listing.pages.len())]
        .iter()
        .map(|page| page.len())
        .sum();
    let paged = listing.shown > 0 || listing.has_older();
    let status = match &listing.phase {
        Phase::Loading => html! { <Skeleton label="Loading interactions" rows={3} /> },
        Phase::Failed(message) => html! {
            <ErrorPanel compact=true message={message.to_string()} on_retry={older.clone()} />
        },
        Phase::LoadingMore => html! {
            <p class="list-footer" role="status">{ "Loading older interactions\u{2026}" }</p>
        },
        Phase::Ready if items.is_empty() => html! {
            <p class="list-footer">{ "No interactions in this period." }</p>
        },
        Phase::Ready => html! {},
    };
    let pager = (paged && !items.is_empty()).then(|| {
        html! {
            <nav class="bucket-pager" aria-label="Pages of interactions">
                // aria-disabled rather than disabled: a button that had keyboard focus keeps it.
                <button type="button" class="button bucket-newer"
                    aria-disabled={(listing.shown == 0).to_string()}
                    onclick={newer.reform(|_| ())}>
                    { "\u{2039} Newer" }
                </button>
                <span class="bucket-range" aria-live="polite">
                    { format!("{}\u{2013}{}", before + 1, before + items.len()) }
                </span>
                <button type="button" class="button bucket-older"
                    aria-disabled={(!listing.has_older() || listing.phase == Phase::LoadingMore).to_string()}
                    onclick={older.reform(|_| ())}>
                    { "Older \u{203a}" }
                </button>
            </nav>
        }
    });

    html! {
        <section
            ref={section}
            class="timeline-panel timeline-bucket"
            aria-label="Interactions of the selected period"
            data-from={props.from.to_rfc3339()}
            data-to={props.to.to_rfc3339()}
        >
            <h2 class="bucket-title" ref={heading}>
                { "Interactions" }
                <span class="bucket-period">{ period }</span>
            </h2>
            <ul class="interactions" aria-busy={if listing.phase == Phase::Ready { "false" } else { "true" }}>
                { for items.iter().map(|activity| html! {
                    <InteractionItem key={activity.id} activity={Rc::new(activity.clone())} />
                }) }
            </ul>
            { status }
            { for pager }
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
