//! The history's rows, virtualized: only the rows in view (plus overscan, at most
//! [`MAX_RENDERED_ROWS`]) are in the DOM, between two spacers sized through the CSSOM (the CSP
//! forbids `style` attributes, not `element.style`).

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

use crate::domain::activity_history::Row;
use crate::domain::paging::ListPhase;
use crate::plugin::browser::{mark_once, window};
use crate::plugin::components::virtual_rows::set_height;
use crate::plugin::hooks::more_footer;
use crate::plugin::intl::{use_formats, use_minute_clock};
use crate::plugin::views::activity::history::History;
use crate::plugin::views::activity::row::ActivityRow;

/// Rows rendered beyond each edge of the viewport, so fast scrolling does not show blanks.
const OVERSCAN_ROWS: usize = 8;
/// The DOM never holds more rows than this, whatever the viewport.
pub const MAX_RENDERED_ROWS: usize = 100;
/// The next page is asked for when the last rendered row is this close to the end.
const NEAR_END_ROWS: usize = 10;
/// The viewport height assumed before the first measurement.
const INITIAL_VIEWPORT: u32 = 600;

#[derive(Properties, PartialEq)]
pub struct ActivityListProps {
    pub history: History,
    pub on_toggle: Callback<i64>,
    /// An expanded row's id and drawn height.
    pub on_measure: Callback<(i64, u32)>,
    /// Asked when the user nears the end of what is loaded (and to retry a failed page).
    pub on_load_more: Callback<()>,
    /// Told whether the list is scrolled away from its top, as the user scrolls.
    #[prop_or_default]
    pub on_scrolled_down: Callback<bool>,
    /// The user activated the "new activity" chip: the list is back at its top.
    #[prop_or_default]
    pub on_show_arrived: Callback<()>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Viewport {
    scroll_top: u32,
    height: u32,
}

fn measure(element: &Element) -> Viewport {
    Viewport {
        scroll_top: element.scroll_top().max(0) as u32,
        height: match element.client_height() {
            height if height > 0 => height as u32,
            _ => INITIAL_VIEWPORT,
        },
    }
}

#[component]
pub fn ActivityList(props: &ActivityListProps) -> Html {
    let formats = use_formats();
    let now = use_minute_clock();
    let scroller = use_node_ref();
    let top_spacer = use_node_ref();
    let bottom_spacer = use_node_ref();
    let viewport = use_state_eq(|| Viewport {
        scroll_top: 0,
        height: INITIAL_VIEWPORT,
    });

    let history = &props.history;
    let rows = history.rows();
    let window_ = history.layout().window(
        viewport.scroll_top,
        viewport.height,
        OVERSCAN_ROWS,
        MAX_RENDERED_ROWS,
    );

    // Measure once mounted and whenever the frame is resized.
    {
        let (scroller, viewport) = (scroller.clone(), viewport.clone());
        use_effect_with((), move |_| {
            let remeasure = move || {
                if let Some(element) = scroller.cast::<Element>() {
                    viewport.set(measure(&element));
                }
            };
            remeasure();
            let listener = EventListener::new(&window(), "resize", move |_| remeasure());
            move || drop(listener)
        });
    }
    let onscroll = {
        let (scroller, viewport) = (scroller.clone(), viewport.clone());
        let on_scrolled_down = props.on_scrolled_down.clone();
        Callback::from(move |_: Event| {
            if let Some(element) = scroller.cast::<Element>() {
                let measured = measure(&element);
                on_scrolled_down.emit(measured.scroll_top > 0);
                viewport.set(measured);
            }
        })
    };

    {
        let (top_spacer, bottom_spacer) = (top_spacer.clone(), bottom_spacer.clone());
        use_effect_with(
            (window_.top_spacer, window_.bottom_spacer),
            move |(top, bottom)| {
                set_height(&top_spacer, *top);
                set_height(&bottom_spacer, *bottom);
            },
        );
    }

    // More rows when the window nears the end of what is loaded (also fills a tall viewport).
    {
        let on_load_more = props.on_load_more.clone();
        let near_end = window_.end + NEAR_END_ROWS >= rows.len();
        let can_load = matches!(history.phase, ListPhase::Idle) && history.next_cursor.is_some();
        use_effect_with((near_end && can_load, rows.len()), move |(wanted, _)| {
            if *wanted {
                on_load_more.emit(());
            }
        });
    }

    // The first activity row painted, for the host's timings.
    use_effect_with(!window_.is_empty(), |has_rows| {
        if *has_rows {
            let mark =
                wasm_bindgen::closure::Closure::once_into_js(|| mark_once("sidebar:first-row"));
            let _ = window().request_animation_frame(mark.unchecked_ref());
        }
    });

    let today = formats.today();
    let total = history.entries().len();
    let set_size = if history.next_cursor.is_some() {
        -1
    } else {
        total as i64
    };
    let rendered = (window_.first..window_.end).map(|at| match rows[at] {
        // A day header is keyed by the activity under it: a day may head two runs of rows
        // if the API ever answers out of order, an activity id is listed once.
        Row::Day(day) => {
            let under = match rows.get(at + 1) {
                Some(Row::Activity(index)) => history.entries()[*index].id(),
                _ => 0,
            };
            html! {
                <li key={format!("day-{under}")} class="day-row">
                    <h2 class="day-label">{ formats.day_header(day, today) }</h2>
                </li>
            }
        }
        Row::Activity(index) => {
            let entry = &history.entries()[index];
            html! {
                <ActivityRow
                    key={entry.id()}
                    entry={entry.clone()}
                    expanded={history.is_expanded(entry.id())}
                    position={index + 1}
                    set_size={set_size}
                    fresh={history.is_fresh(entry.id())}
                    now={now}
                    on_toggle={props.on_toggle.clone()}
                    on_measure={props.on_measure.clone()}
                />
            }
        }
    });

    let footer = if history.is_complete() {
        html! { <p class="list-footer">{ history.filters.end_of_list() }</p> }
    } else {
        more_footer(
            &history.phase,
            "Loading older activity\u{2026}",
            props.on_load_more.clone(),
        )
    };

    // Deep in a long history the day header of the rows on top has scrolled away: it stays
    // pinned above them. No height of its own, so the list's arithmetic is unchanged; hidden
    // from screen readers, which have the real header.
    let pinned_day = history.day_scrolled_past(viewport.scroll_top).map(|day| {
        html! {
            <div class="day-pinned" aria-hidden="true">
                <p class="day-row day-label-row">
                    <span class="day-label">{ formats.day_header(day, today) }</span>
                </p>
            </div>
        }
    });

    // New activities wait above a list the user scrolled down: a chip says how many, and
    // brings the list back to its top with them.
    let held = history.held();
    let chip = (held > 0).then(|| {
        let (scroller, on_show_arrived) = (scroller.clone(), props.on_show_arrived.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            if let Some(element) = scroller.cast::<Element>() {
                element.set_scroll_top(0);
            }
            on_show_arrived.emit(());
        });
        let label = if held == 1 {
            "1 new activity".to_owned()
        } else {
            format!("{} new activities", formats.count(held as u64))
        };
        html! {
            <button type="button" class="new-chip" {onclick}>
                <span aria-hidden="true">{ "\u{2191} " }</span>{ label }
            </button>
        }
    });

    html! {
        <>
        <div class="new-chip-slot" aria-live="polite">{ for chip }</div>
        <div class="history-scroll" ref={scroller} {onscroll}>
            { for pinned_day }
            <div class="spacer" ref={top_spacer} aria-hidden="true"></div>
            <ul class="history-rows" aria-label="Marketing activity, newest first">
                { for rendered }
            </ul>
            <div class="spacer" ref={bottom_spacer} aria-hidden="true"></div>
            { footer }
        </div>
        </>
    }
}
