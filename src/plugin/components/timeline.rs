//! The Timeline tab: a record's interactions drawn over time. The sandbox aggregates (one
//! `/engagement` answer per range), so a 10,000-activity record draws without fetching its
//! activities; only a selected bucket's interactions and an export go through `/activities`.
//!
//! [`timeline_chart`](super::timeline_chart) draws the lanes, [`timeline_bucket`](super::timeline_bucket)
//! lists a bucket's interactions and [`timeline_export`](super::timeline_export) downloads the
//! range as CSV; the arithmetic lives in [`crate::domain::timeline`].

use std::rc::Rc;

use chrono::{DateTime, Utc};
use web_sys::AbortController;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::timeline::{
    bucket_period, reduce, summary_stats, window, TimelineRange, EMAIL_KINDS,
};
use crate::plugin::api::{self, ApiError};
use crate::plugin::browser::{clock, mark};
use crate::plugin::components::panels::{ErrorPanel, MessagePanel, Skeleton};
use crate::plugin::components::timeline_bucket::BucketInteractions;
use crate::plugin::components::timeline_chart::TimelineChart;
use crate::plugin::components::timeline_export::ExportButton;
use crate::plugin::host::use_host;
use crate::plugin::intl::{use_formats, use_minute_clock, Formats};
use crate::wire::{Engagement, Entity, Interaction, RecordProfile};

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub entity: Entity,
    pub crm_id: AttrValue,
    pub name: AttrValue,
    /// Marketing's profile, once loaded.
    pub profile: Option<Rc<RecordProfile>>,
    /// Bumped by the header's refresh button.
    pub reload: u32,
    /// The period shown first.
    #[prop_or_default]
    pub initial_range: TimelineRange,
}

#[derive(Clone)]
enum Load {
    Loading,
    Loaded(Rc<Engagement>),
    Failed(ApiError),
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let host = use_host();
    let range = use_state_eq(|| props.initial_range);
    let emails_only = use_state_eq(|| false);
    let retry = use_state_eq(|| 0u32);
    let load = use_state(|| Load::Loading);
    let selected = use_state_eq(|| None::<usize>);
    // The first interaction, once an answer named it: "All" starts there.
    let first = use_mut_ref(|| None::<DateTime<Utc>>);
    // The zone the dates are shown in, as the browser resolved the host's: the API cuts its
    // buckets there.
    let formats = use_formats();
    let time_zone = formats.resolved_time_zone().to_owned();

    use_effect_with((), |_| mark("timeline:open"));

    {
        let (session, load, selected, first) = (
            host.session.clone(),
            load.clone(),
            selected.clone(),
            first.clone(),
        );
        let deps = (
            *range,
            props.reload,
            *retry,
            props.entity,
            props.crm_id.clone(),
            time_zone,
        );
        use_effect_with(deps, move |(range, _, _, entity, crm_id, time_zone)| {
            load.set(Load::Loading);
            selected.set(None);
            let controller = AbortController::new().ok();
            if let Some(signal) = controller.as_ref().map(AbortController::signal) {
                let (range, entity, crm_id, time_zone) =
                    (*range, *entity, crm_id.clone(), time_zone.clone());
                spawn_local(async move {
                    let now = clock::now();
                    let known_first = *first.borrow();
                    let fetch = |window| {
                        let endpoint = api::engagement(entity, &crm_id, &window, &time_zone);
                        let (session, signal) = (session.clone(), signal.clone());
                        async move { session.fetch(&endpoint, &signal).await }
                    };
                    let result = match window(range, now, known_first) {
                        Some(window) => fetch(window).await,
                        // "All" before anything named the first interaction: a small window
                        // names it (its first and last cover the whole history).
                        None => {
                            match fetch(window(TimelineRange::Days30, now, None).unwrap()).await {
                                Ok(probe) => match &probe.first {
                                    Some(start) => {
                                        let all = window(range, now, Some(start.occurred_at));
                                        fetch(all.expect("a first interaction")).await
                                    }
                                    None => Ok(probe),
                                },
                                Err(error) => Err(error),
                            }
                        }
                    };
                    match result {
                        Err(error) if error.is_aborted() => {}
                        Ok(engagement) => {
                            *first.borrow_mut() =
                                engagement.first.as_ref().map(|first| first.occurred_at);
                            load.set(Load::Loaded(Rc::new(engagement)));
                        }
                        Err(error) => load.set(Load::Failed(error)),
                    }
                });
            }
            move || {
                if let Some(controller) = controller {
                    controller.abort();
                }
            }
        });
    }

    let on_range = {
        let range = range.clone();
        Callback::from(move |chosen: TimelineRange| range.set(chosen))
    };
    let on_emails_only = {
        let emails_only = emails_only.clone();
        Callback::from(move |_: Event| emails_only.set(!*emails_only))
    };
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |index: usize| selected.set(Some(index)))
    };

    let body = match &*load {
        Load::Loading => html! { <Skeleton label="Loading the timeline" rows={4} /> },
        Load::Failed(error) if error.is_not_known() => html! {
            <MessagePanel
                glyph="\u{2709}"
                title={format!("{} is not yet known to marketing", props.name)}
            />
        },
        Load::Failed(error) => {
            let retry = retry.clone();
            html! {
                <ErrorPanel
                    message={error.user_message()}
                    on_retry={Callback::from(move |()| retry.set(*retry + 1))}
                />
            }
        }
        Load::Loaded(engagement) => {
            let data = Rc::new(reduce(engagement, *emails_only));
            let kinds = if *emails_only {
                EMAIL_KINDS.to_vec()
            } else {
                Vec::new()
            };
            let chart = if data.is_empty() {
                html! {
                    <MessagePanel
                        glyph="\u{2205}"
                        title="No marketing activity in this period"
                        detail={(*range != TimelineRange::All).then_some(AttrValue::from("Try a longer period."))}
                    />
                }
            } else {
                let bucket = selected.and_then(|index| data.buckets.get(index).map(|b| (index, b)));
                let list = bucket.map(|(index, bucket)| {
                    let (from, to) =
                        bucket_period(bucket.start, bucket.end, engagement.from, engagement.to);
                    html! {
                        <BucketInteractions
                            key={format!("{index}-{}", *emails_only)}
                            entity={props.entity}
                            crm_id={props.crm_id.clone()}
                            {from}
                            {to}
                            kinds={kinds.clone()}
                            bucket={engagement.bucket}
                        />
                    }
                });
                html! {
                    <>
                        <TimelineChart
                            data={data.clone()}
                            bucket={engagement.bucket}
                            selected={*selected}
                            on_select={on_select}
                        />
                        <ExportButton
                            entity={props.entity}
                            crm_id={props.crm_id.clone()}
                            from={engagement.from}
                            to={engagement.to}
                            kinds={kinds.clone()}
                            range={*range}
                        />
                        { list.unwrap_or_default() }
                    </>
                }
            };
            html! {
                <>
                    { summary_panel(&SummaryPanelProps {
                        name: props.name.clone(),
                        email: props.profile.as_ref().and_then(|p| p.email.clone()).map(AttrValue::from),
                        engagement: engagement.clone(),
                        emails_only: *emails_only,
                        formats: &formats,
                    }) }
                    { chart }
                </>
            }
        }
    };

    html! {
        <div class="timeline">
            <div class="timeline-controls">
                <div class="timeline-ranges" role="group" aria-label="Period">
                    { for TimelineRange::ALL.iter().map(|option| {
                        let pressed = *option == *range;
                        let option = *option;
                        html! {
                            <button
                                type="button"
                                class={classes!("chip", "range-chip", pressed.then_some("pressed"))}
                                id={format!("timeline-range-{}", option.as_str())}
                                aria-pressed={if pressed { "true" } else { "false" }}
                                title={option.description()}
                                onclick={on_range.reform(move |_| option)}
                            >
                                // The spoken name starts with what is shown ("1 y"), so voice
                                // control finds it, then says what it means.
                                { option.label() }
                                <span class="visually-hidden">{ format!(", {}", option.description()) }</span>
                            </button>
                        }
                    }) }
                </div>
                <label class="timeline-toggle">
                    <input
                        type="checkbox"
                        id="timeline-emails-only"
                        checked={*emails_only}
                        onchange={on_emails_only}
                    />
                    { "Emails only" }
                </label>
            </div>
            <div class="timeline-body">{ body }</div>
        </div>
    }
}

struct SummaryPanelProps<'a> {
    formats: &'a Formats,
    name: AttrValue,
    email: Option<AttrValue>,
    engagement: Rc<Engagement>,
    emails_only: bool,
}

/// Who, the range's figures, and the first and last interaction (or email) of the whole history.
fn summary_panel(props: &SummaryPanelProps<'_>) -> Html {
    let data = reduce(&props.engagement, props.emails_only);
    let engagement = &props.engagement;
    let edges = if props.emails_only {
        [
            ("First email", engagement.first_email.clone()),
            ("Last email", engagement.last_email.clone()),
        ]
    } else {
        [
            ("First interaction", engagement.first.clone()),
            ("Last interaction", engagement.last.clone()),
        ]
    };
    let stats = summary_stats(&data.summary, props.emails_only, |n| {
        props.formats.number(n)
    });
    html! {
        <>
            <section class="timeline-panel timeline-summary" aria-label="Summary">
                <p class="timeline-who">
                    <span class="timeline-name">{ props.name.clone() }</span>
                    if let Some(email) = &props.email {
                        <span class="timeline-email">{ email.clone() }</span>
                    }
                </p>
                <dl class="timeline-stats">
                    { for stats.into_iter().map(|stat| html! {
                        <div class="timeline-stat">
                            <dt>{ stat.label }</dt>
                            <dd>{ stat.value }</dd>
                        </div>
                    }) }
                </dl>
            </section>
            <section class="timeline-panel timeline-edges" aria-label="First and last interaction">
                { for edges.into_iter().map(|(title, interaction)| html! {
                    <EdgeInteraction {title} {interaction} />
                }) }
            </section>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct EdgeInteractionProps {
    title: AttrValue,
    interaction: Option<Interaction>,
}

#[component]
fn EdgeInteraction(props: &EdgeInteractionProps) -> Html {
    let formats = use_formats();
    let now = use_minute_clock();
    let content = match &props.interaction {
        None => html! { <p class="edge-what">{ "None yet" }</p> },
        Some(interaction) => {
            let at = interaction.occurred_at;
            html! {
                <>
                    <p class="edge-what">
                        { interaction.kind.label() }
                        if let Some(subject) = interaction.subject.as_deref().filter(|s| !s.trim().is_empty()) {
                            <span class="edge-subject">{ format!(" \u{00B7} {subject}") }</span>
                        }
                    </p>
                    <p class="edge-when">
                        <time datetime={at.to_rfc3339()}>{ formats.date_time(&at) }</time>
                        { format!(" \u{00B7} {}", formats.relative(&at, &now)) }
                    </p>
                </>
            }
        }
    };
    html! {
        <div class="edge">
            <h2 class="edge-title">{ props.title.clone() }</h2>
            { content }
        </div>
    }
}
