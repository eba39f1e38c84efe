//! The Timeline tab: a record's interactions drawn over time. The sandbox aggregates (one
//! `/engagement` answer per range), so a 10,000-activity record draws without fetching its
//! activities; only a selected bucket's interactions and an export go through `/activities`.
//!
//! - [`mod@controls`]: the period and "Emails only";
//! - [`summary`]: who, the range's figures, and the first and last [`edge`] interactions;
//! - [`chart`]: the lanes, and their numbers as a [`table`]; [`bucket`] lists a bucket's
//!   [`interaction`]s;
//! - [`export`]: the range as CSV; [`Period`] is what a bucket lists and an export downloads.
//!
//! The arithmetic lives in [`crate::domain::timeline`], the tab's state in
//! [`crate::domain::timeline_view`].

pub mod bucket;
pub mod chart;
pub mod controls;
pub mod edge;
pub mod export;
pub mod interaction;
pub mod summary;
pub mod table;

use std::rc::Rc;

use chrono::{DateTime, Utc};
use yew::prelude::*;

use crate::domain::activity_filters::ActivityQuery;

use crate::domain::timeline::{bucket_period, reduce, window, TimelineRange, Window, EMAIL_KINDS};
use crate::domain::timeline_view::{TimelineAction, TimelineView};
use crate::plugin::api;
use crate::plugin::browser::{clock, mark};
use crate::plugin::components::panels::{error_panel, message_panel, skeleton};
use crate::plugin::hooks::{use_fetch, Fetcher, Load};
use crate::plugin::intl::{use_formats, use_minute_clock};
use crate::plugin::views::applied;
use crate::wire::{ActivityKind, ActivityPage, Engagement, Entity, RecordProfile};
use bucket::BucketInteractions;
use chart::TimelineChart;
use controls::controls;
use export::ExportButton;
use summary::summary_panel;

/// A record's interactions of some kinds within `[from, to)`: what a selected bucket lists and
/// an export downloads.
#[derive(Clone, PartialEq)]
pub struct Period {
    pub entity: Entity,
    pub crm_id: AttrValue,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Only these kinds (empty: every kind).
    pub kinds: Vec<ActivityKind>,
}

impl Period {
    /// The first page of the period's interactions, `limit` a page.
    pub fn query(&self, limit: u32) -> ActivityQuery {
        ActivityQuery {
            kinds: self.kinds.clone(),
            text: None,
            from: Some(self.from),
            to: Some(self.to),
            cursor: None,
            limit,
        }
    }

    /// The page of the period's interactions that `query` asks for.
    pub fn page(&self, query: &ActivityQuery) -> api::Endpoint<ActivityPage> {
        api::activities(self.entity, &self.crm_id, query)
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub entity: Entity,
    pub crm_id: AttrValue,
    pub name: AttrValue,
    /// Marketing's profile, once loaded.
    pub profile: Option<Rc<RecordProfile>>,
    /// Bumped by the header's refresh button.
    pub reload: u32,
    /// Counts the new activities the live feed brought: each asks for the engagement again,
    /// with the chart on screen kept until it comes.
    #[prop_or_default]
    pub live: u32,
    /// The period shown first.
    #[prop_or_default]
    pub initial_range: TimelineRange,
}

impl Reducible for TimelineView {
    type Action = TimelineAction;

    fn reduce(self: Rc<Self>, action: TimelineAction) -> Rc<Self> {
        applied(self, action, TimelineView::apply)
    }
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let view = use_reducer(|| TimelineView::new(props.initial_range));
    // The zone the dates are shown in, as the browser resolved the host's: the API cuts its
    // buckets there.
    let formats = use_formats();
    // The first and last interaction say how long ago they were.
    let now = use_minute_clock();
    let time_zone = formats.resolved_time_zone().to_owned();

    use_effect_with((), |_| mark("timeline:open"));

    // The first interaction, once an answer named it: "All" starts there.
    let known_first = use_mut_ref(|| None);
    let deps = (
        view.range,
        (props.reload, props.live),
        props.entity,
        props.crm_id.clone(),
        time_zone,
    );
    let engagement = {
        let known_first = known_first.clone();
        use_fetch(
            deps,
            move |fetcher, (range, _, entity, crm_id, time_zone)| {
                let first = *known_first.borrow();
                async move {
                    let answer =
                        fetch_engagement(&fetcher, range, first, entity, &crm_id, &time_zone).await;
                    if let Ok(engagement) = &answer {
                        *known_first.borrow_mut() =
                            engagement.first.as_ref().map(|f| f.occurred_at);
                    }
                    answer
                }
            },
        )
    };

    let dispatch = {
        let view = view.dispatcher();
        Callback::from(move |action| view.dispatch(action))
    };
    // Only the live count changed since the last answer: the chart stays until the new one.
    let shown_for = use_mut_ref(|| None);
    let only_live = shown_for
        .borrow()
        .as_ref()
        .is_some_and(|shown| *shown == (view.range, props.reload, props.crm_id.clone()));
    let load = match engagement.load() {
        Load::Loading if only_live => engagement.last_answer(),
        load => load,
    };
    if load.loaded().is_some() {
        *shown_for.borrow_mut() = Some((view.range, props.reload, props.crm_id.clone()));
    }
    let body = match load {
        Load::Loading => skeleton("Loading the timeline", 4),
        Load::Failed { error, .. } if error.is_not_known() => message_panel(
            "\u{2709}",
            format!("{} is not yet known to marketing", props.name).into(),
            None,
            html! {},
        ),
        Load::Failed { error, retry } => error_panel(error.user_message().into(), retry),
        Load::Loaded(engagement) => html! {
            <>
                { summary_panel(
                    &formats,
                    &now,
                    &props.name,
                    props.profile.as_ref().and_then(|p| p.email.clone()).map(AttrValue::from),
                    &engagement,
                    view.emails_only,
                ) }
                { chart(props, &view, &engagement, &dispatch) }
            </>
        },
    };

    html! {
        <div class="timeline">
            { controls(&view, &dispatch) }
            <div class="timeline-body">{ body }</div>
        </div>
    }
}

/// The engagement of `range` up to now. "All" before anything named the first interaction
/// (`first`) asks a small window first: its first and last cover the whole history.
async fn fetch_engagement(
    fetcher: &Fetcher,
    range: TimelineRange,
    first: Option<DateTime<Utc>>,
    entity: Entity,
    crm_id: &str,
    time_zone: &str,
) -> Result<Engagement, api::ApiError> {
    let now = clock::now();
    let fetch = |period: Window| {
        let endpoint = api::engagement(entity, crm_id, &period, time_zone);
        fetcher.fetch(endpoint)
    };
    if let Some(period) = window(range, now, first) {
        return fetch(period).await;
    }
    let probe = fetch(window(TimelineRange::Days30, now, None).unwrap()).await?;
    let first = probe.first.as_ref().map(|first| first.occurred_at);
    match window(range, now, first) {
        Some(all) if first.is_some() => fetch(all).await,
        _ => Ok(probe),
    }
}

/// The chart of the answer, its export, and the interactions of the bucket selected in it.
fn chart(
    props: &TimelineProps,
    view: &TimelineView,
    engagement: &Rc<Engagement>,
    dispatch: &Callback<TimelineAction>,
) -> Html {
    let data = Rc::new(reduce(engagement, view.emails_only));
    if data.is_empty() {
        return message_panel(
            "\u{2205}",
            "No marketing activity in this period".into(),
            (view.range != TimelineRange::All).then_some("Try a longer period.".into()),
            html! {},
        );
    }
    let kinds = if view.emails_only {
        EMAIL_KINDS.to_vec()
    } else {
        Vec::new()
    };
    let period = |from, to| Period {
        entity: props.entity,
        crm_id: props.crm_id.clone(),
        from,
        to,
        kinds: kinds.clone(),
    };
    let selected = view.selected_in(engagement);
    let list = selected
        .and_then(|index| data.buckets.get(index).map(|bucket| (index, bucket)))
        .map(|(index, bucket)| {
            let (from, to) =
                bucket_period(bucket.start, bucket.end, engagement.from, engagement.to);
            html! {
                <BucketInteractions
                    key={format!("{index}-{}", view.emails_only)}
                    period={period(from, to)}
                    bucket={engagement.bucket}
                />
            }
        });
    let on_select = {
        let answer = engagement.clone();
        dispatch.reform(move |index| TimelineAction::Select {
            answer: answer.clone(),
            index,
        })
    };
    html! {
        <>
            <TimelineChart
                data={data.clone()}
                bucket={engagement.bucket}
                {selected}
                {on_select}
            />
            <ExportButton
                period={period(engagement.from, engagement.to)}
                range={view.range}
            />
            { list.unwrap_or_default() }
        </>
    }
}
