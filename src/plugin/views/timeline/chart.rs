//! The timeline's chart: one SVG lane per behaviour, one focusable column per bucket, a readout
//! of the hovered or focused bucket's counts, and the same numbers as a [`ChartTable`] for
//! screen readers.
//!
//! The SVG stretches sideways (`preserveAspectRatio="none"`) and its height is fixed by CSS, so
//! it fills 320 px as well as a full tab without inline styles. Buckets share one tab stop; the
//! arrow keys, Home and End move between them, Enter or Space (or a click) selects one.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, KeyboardEvent};
use yew::prelude::*;

use crate::domain::timeline::{
    bucket_after_key, counts_text, geometry, ChartBucket, Geometry, TimelineData, LANE_HEIGHT,
    SLOT_WIDTH,
};
use crate::plugin::browser::{mark, window};
use crate::plugin::host::use_host;
use crate::plugin::intl::{use_formats, Formats};
use crate::plugin::views::timeline::table::ChartTable;
use crate::wire::BucketSize;

#[derive(Properties, PartialEq)]
pub struct TimelineChartProps {
    pub data: Rc<TimelineData>,
    pub bucket: BucketSize,
    pub selected: Option<usize>,
    pub on_select: Callback<usize>,
}

#[component]
pub fn TimelineChart(props: &TimelineChartProps) -> Html {
    let formats = use_formats();
    let host = use_host();
    let locale = host
        .context
        .as_ref()
        .map(|context| context.user.locale.clone())
        .unwrap_or_default();
    let names = use_memo((locale, props.bucket), |(locale, bucket)| {
        BucketNames::new(locale, *bucket)
    });
    let svg = use_node_ref();
    let count = props.data.buckets.len();
    // The bucket hovered or focused, for the readout.
    let active = use_state_eq(|| None::<usize>);
    // The bucket holding the one tab stop.
    let stop = use_state_eq(|| props.selected.unwrap_or(count.saturating_sub(1)));

    // The chart is painted once the frame after this render is drawn.
    use_effect_with(props.data.clone(), |_| {
        let painted = Closure::once_into_js(|| mark("timeline:chart"));
        let _ = window().request_animation_frame(painted.unchecked_ref());
    });

    let labels: Rc<Vec<String>> = Rc::new(
        props
            .data
            .buckets
            .iter()
            .map(|bucket| names.name(&formats, bucket))
            .collect(),
    );
    let columns = Columns {
        props,
        chart: geometry(&props.data),
        labels: &labels,
        formats: &formats,
        active: &active,
        stop: &stop,
        stop_at: (*stop).min(count.saturating_sub(1)),
        svg: &svg,
    };
    let rules = (0..props.data.lanes.len()).map(|row| {
        html! {
            <rect
                class="lane-rule"
                x="0"
                y={((row as u32 + 1) * LANE_HEIGHT - 1).to_string()}
                width={columns.chart.width.to_string()}
                height="1"
            />
        }
    });
    let readout = match (*active).or(props.selected).filter(|at| *at < count) {
        Some(at) => format!("{}: {}", labels[at], columns.counts(at)),
        None => "Point at or tab to a bar to see its counts; select it to list its interactions."
            .to_owned(),
    };
    let lanes = props.data.lanes;
    let totals = props.data.lane_totals();
    html! {
        <section class="timeline-panel timeline-chart-panel" aria-label="Engagement over time">
            <div class="timeline-chart">
                <ul class="lane-labels" aria-hidden="true">
                    { for lanes.iter().map(|lane| html! {
                        <li class={classes!("lane-label", lane.class())}>
                            <span class="lane-name">{ lane.label() }</span>
                            <span class="lane-total">{ formats.count(totals[*lane as usize]) }</span>
                        </li>
                    }) }
                </ul>
                <svg
                    ref={svg.clone()}
                    class={classes!("timeline-svg", format!("lanes-{}", lanes.len()))}
                    viewBox={format!("0 0 {} {}", columns.chart.width, columns.chart.height)}
                    preserveAspectRatio="none"
                    role="group"
                    aria-label="Activity per period; use the arrow keys to move between periods"
                    onmouseleave={{
                        let active = active.clone();
                        Callback::from(move |_: MouseEvent| active.set(None))
                    }}
                >
                    { for rules }
                    { for (0..count).map(|at| columns.column(at)) }
                </svg>
            </div>
            <div class="timeline-axis" aria-hidden="true">
                <span>{ labels.first().cloned().unwrap_or_default() }</span>
                <span>{ labels.last().cloned().unwrap_or_default() }</span>
            </div>
            <p class="timeline-readout" aria-live="polite">{ readout }</p>
            <ChartTable data={props.data.clone()} bucket={props.bucket} labels={labels.clone()} />
        </section>
    }
}

/// What draws the chart's columns, one per bucket.
struct Columns<'a> {
    props: &'a TimelineChartProps,
    chart: Geometry,
    /// Each bucket's name in the user's locale.
    labels: &'a [String],
    formats: &'a Formats,
    active: &'a UseStateHandle<Option<usize>>,
    stop: &'a UseStateHandle<usize>,
    /// The bucket holding the tab stop, within the chart.
    stop_at: usize,
    svg: &'a NodeRef,
}

impl Columns<'_> {
    /// Bucket `at`'s counts in words.
    fn counts(&self, at: usize) -> String {
        let data = &self.props.data;
        counts_text(data.lanes, &data.buckets[at].counts, |n| {
            self.formats.number(n)
        })
    }

    /// Bucket `index`'s column: its bars over a target as tall as the chart, one button.
    fn column(&self, index: usize) -> Html {
        let count = self.props.data.buckets.len();
        let selected = self.props.selected == Some(index);
        let aria = format!("{}: {}", self.labels[index], self.counts(index));
        let on_select = self.props.on_select.clone();
        let onkeydown = {
            let (on_select, stop, svg) = (on_select.clone(), self.stop.clone(), self.svg.clone());
            Callback::from(move |event: KeyboardEvent| {
                let key = event.key();
                if key == "Enter" || key == " " {
                    event.prevent_default();
                    on_select.emit(index);
                } else if let Some(to) = bucket_after_key(index, count, &key) {
                    event.prevent_default();
                    stop.set(to);
                    focus_bucket(&svg, to);
                }
            })
        };
        let onfocus = {
            let (active, stop) = (self.active.clone(), self.stop.clone());
            Callback::from(move |_: FocusEvent| {
                active.set(Some(index));
                stop.set(index);
            })
        };
        let onmouseenter = {
            let active = self.active.clone();
            Callback::from(move |_: MouseEvent| active.set(Some(index)))
        };
        let onclick = {
            let stop = self.stop.clone();
            Callback::from(move |_: MouseEvent| {
                stop.set(index);
                on_select.emit(index);
            })
        };
        let bars = self
            .chart
            .bars
            .iter()
            .filter(|bar| bar.bucket == index)
            .map(|bar| {
                html! {
                    <rect
                        class={classes!("bar", bar.lane.class())}
                        x={bar.x.to_string()}
                        y={bar.y.to_string()}
                        width={bar.width.to_string()}
                        height={bar.height.to_string()}
                    />
                }
            });
        let active = **self.active == Some(index);
        html! {
            <g
                class={classes!("bucket", selected.then_some("selected"), active.then_some("active"))}
                data-bucket={index.to_string()}
                role="button"
                tabindex={if index == self.stop_at { "0" } else { "-1" }}
                aria-label={aria}
                aria-pressed={if selected { "true" } else { "false" }}
                {onkeydown}
                {onfocus}
                {onmouseenter}
                {onclick}
            >
                <rect
                    class="bucket-hit"
                    x={Geometry::slot_x(index).to_string()}
                    y="0"
                    width={SLOT_WIDTH.to_string()}
                    height={self.chart.height.to_string()}
                />
                { for bars }
            </g>
        }
    }
}

/// Moves keyboard focus to bucket `index`. SVG elements have `focus()` too, but web-sys only
/// binds it on `HTMLElement`.
fn focus_bucket(svg: &NodeRef, index: usize) {
    let Some(target) = svg.cast::<Element>().and_then(|svg| {
        svg.query_selector(&format!("[data-bucket=\"{index}\"]"))
            .ok()
            .flatten()
    }) else {
        return;
    };
    if let Some(focus) = Reflect::get(&target, &"focus".into())
        .ok()
        .and_then(|focus| focus.dyn_into::<Function>().ok())
    {
        let _ = focus.call0(&target);
    }
}

/// Names a bucket in the user's locale: "3 Mar 2026", "Week of 2 Mar 2026", "March 2026".
struct BucketNames {
    bucket: BucketSize,
    format: JsValue,
}

impl BucketNames {
    fn new(locale: &str, bucket: BucketSize) -> BucketNames {
        let options: &[(&str, &str)] = match bucket {
            BucketSize::Month => &[("month", "long"), ("year", "numeric")],
            _ => &[("day", "numeric"), ("month", "short"), ("year", "numeric")],
        };
        let format = date_format(locale, options)
            .or_else(|| date_format("", options))
            .unwrap_or(JsValue::UNDEFINED);
        BucketNames { bucket, format }
    }

    /// A bucket starts at local midnight: its local date, formatted from its noon in UTC, names
    /// it whatever the user's zone.
    fn name(&self, formats: &Formats, bucket: &ChartBucket) -> String {
        let day = formats.local_date(&bucket.start);
        let text = Reflect::get(&self.format, &"format".into())
            .ok()
            .and_then(|format| format.dyn_into::<Function>().ok())
            .and_then(|format| {
                let at =
                    js_sys::Date::new(&JsValue::from_f64(day.noon_utc().timestamp_millis() as f64));
                format.call1(&JsValue::UNDEFINED, &at).ok()
            })
            .and_then(|text| text.as_string())
            .unwrap_or_else(|| format!("{}-{:02}-{:02}", day.year, day.month, day.day));
        match self.bucket {
            BucketSize::Week => format!("Week of {text}"),
            _ => text,
        }
    }
}

/// `new Intl.DateTimeFormat(locale, {...options, timeZone: "UTC"})`, or `None` when the browser
/// refuses the locale (js-sys's constructor would throw through the wasm).
fn date_format(locale: &str, options: &[(&str, &str)]) -> Option<JsValue> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let object = Object::new();
    for (key, value) in options.iter().chain(&[("timeZone", "UTC")]) {
        Reflect::set(&object, &(*key).into(), &(*value).into()).ok()?;
    }
    let locales = if locale.is_empty() {
        JsValue::UNDEFINED
    } else {
        Array::of1(&locale.into()).into()
    };
    Reflect::construct(&constructor, &Array::of2(&locales, &object)).ok()
}
