//! The interactions of the bucket selected in the timeline, newest first, a page of 50 at a time
//! ("Newer" / "Older", pages already fetched are kept), with their details (clicked link, page
//! and time on it, form and its fields). A busy month can hold thousands: only the page on
//! screen is in the DOM.

use std::rc::Rc;

use yew::prelude::*;

use crate::domain::paging::{ListPhase, Pager, PagerAction};
use crate::plugin::api::ApiError;
use crate::plugin::components::panels::{compact_error, skeleton};
use crate::plugin::focus::reveal;
use crate::plugin::hooks::{more_footer, use_request, Fetcher};
use crate::plugin::intl::use_formats;
use crate::plugin::views::applied;
use crate::plugin::views::timeline::interaction::interaction_item;
use crate::plugin::views::timeline::Period;
use crate::wire::query::ACTIVITIES_DEFAULT_LIMIT;
use crate::wire::{Activity, ActivityPage, BucketSize};

#[derive(Properties, PartialEq)]
pub struct BucketInteractionsProps {
    /// The bucket's period, clipped to the chart's.
    pub period: Period,
    pub bucket: BucketSize,
}

/// The bucket's interactions, a page on screen.
type Interactions = Pager<Activity, ApiError>;

impl Reducible for Interactions {
    type Action = PagerAction<Activity, ApiError>;

    fn reduce(self: Rc<Self>, action: Self::Action) -> Rc<Self> {
        applied(self, action, Pager::apply)
    }
}

/// Mount it keyed by the bucket: another bucket is another listing.
#[component]
pub fn BucketInteractions(props: &BucketInteractionsProps) -> Html {
    let formats = use_formats();
    let pager = use_reducer(Interactions::default);
    use_interaction_pages(&pager, props);
    let older = {
        let pager = pager.dispatcher();
        Callback::from(move |()| pager.dispatch(PagerAction::Older))
    };
    let newer = {
        let pager = pager.dispatcher();
        Callback::from(move |()| pager.dispatch(PagerAction::Newer))
    };

    let period = format!(
        "{} \u{2013} {}",
        formats.date_time(&props.period.from),
        formats.date_time(&props.period.to)
    );
    // Another page: its top, not where the previous one ended, is what the user reads next.
    let section = use_node_ref();
    {
        let (section, previous) = (section.clone(), use_mut_ref(|| 0usize));
        use_effect_with(pager.shown, move |shown| {
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
        use_effect_with(props.period.from, move |_| {
            if let Some(heading) = heading.cast::<web_sys::Element>() {
                reveal(&heading);
            }
        });
    }
    let items = pager.page();
    let status = match &pager.phase {
        ListPhase::Loading => skeleton("Loading interactions", 3),
        ListPhase::Failed(error) => compact_error(error.user_message().into(), older.clone()),
        ListPhase::Idle if items.is_empty() => html! {
            <p class="list-footer">{ "No interactions in this period." }</p>
        },
        phase => more_footer(phase, "Loading older interactions\u{2026}", older.clone()),
    };
    let ready = matches!(pager.phase, ListPhase::Idle);
    html! {
        <section
            ref={section}
            class="timeline-panel timeline-bucket"
            aria-label="Interactions of the selected period"
            data-from={props.period.from.to_rfc3339()}
            data-to={props.period.to.to_rfc3339()}
        >
            <h2 class="bucket-title" ref={heading}>
                { "Interactions" }
                <span class="bucket-period">{ period }</span>
            </h2>
            <ul class="interactions" aria-busy={if ready { "false" } else { "true" }}>
                { for items.iter().map(|activity| interaction_item(&formats, activity)) }
            </ul>
            { status }
            { for page_buttons(&pager, &older, &newer) }
        </section>
    }
}

/// Asks for the page the pager is waiting for, of the bucket's period and kinds.
#[hook]
fn use_interaction_pages(pager: &UseReducerHandle<Interactions>, props: &BucketInteractionsProps) {
    let period = props.period.clone();
    let page = move |fetcher: Fetcher, asking: &Option<Option<String>>| {
        let first = period.query(ACTIVITIES_DEFAULT_LIMIT);
        let query = match asking.as_ref()? {
            Some(cursor) => first.at_cursor(cursor),
            None => first,
        };
        Some(fetcher.fetch(period.page(&query)))
    };
    let dispatch = pager.dispatcher();
    use_request(
        pager.asking(),
        0,
        page,
        Callback::from(
            move |(asking, answer): (Option<Option<String>>, Result<ActivityPage, ApiError>)| {
                if let Some(after) = asking {
                    let page = answer.map(|page| (page.items, page.next_cursor));
                    dispatch.dispatch(PagerAction::Answered { after, page });
                }
            },
        ),
    );
}

/// "Newer" and "Older", once there is more than one page.
fn page_buttons(pager: &Interactions, older: &Callback<()>, newer: &Callback<()>) -> Option<Html> {
    let items = pager.page();
    if items.is_empty() || !(pager.shown > 0 || pager.has_older()) {
        return None;
    }
    let before = pager.before();
    let loading_more = matches!(pager.phase, ListPhase::LoadingMore);
    Some(html! {
        <nav class="bucket-pager" aria-label="Pages of interactions">
            // aria-disabled rather than disabled: a button that had keyboard focus keeps it.
            <button type="button" class="button bucket-newer"
                aria-disabled={(pager.shown == 0).to_string()}
                onclick={newer.reform(|_| ())}>
                { "\u{2039} Newer" }
            </button>
            <span class="bucket-range" aria-live="polite">
                { format!("{}\u{2013}{}", before + 1, before + items.len()) }
            </span>
            <button type="button" class="button bucket-older"
                aria-disabled={(!pager.has_older() || loading_more).to_string()}
                onclick={older.reform(|_| ())}>
                { "Older \u{203a}" }
            </button>
        </nav>
    })
}
