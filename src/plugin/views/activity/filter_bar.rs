//! The history's filters: [`KindChips`] with counts, a debounced search and a period.

use std::collections::BTreeMap;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::domain::activity_filters::{DateRange, Filters};
use crate::plugin::views::activity::kind_chips::KindChips;
use crate::wire::query::MAX_SEARCH_CHARS;
use crate::wire::ActivityKind;

/// Keystrokes within this many milliseconds make one search.
pub const SEARCH_DEBOUNCE_MS: u32 = 300;

#[derive(Properties, PartialEq)]
pub struct FilterBarProps {
    pub filters: Filters,
    /// Activities per kind over the whole history; `None` while the profile loads. A kind has
    /// a chip if the record ever had one.
    #[prop_or_default]
    pub counts: Option<Rc<BTreeMap<ActivityKind, u64>>>,
    /// What the search and period match per kind: the number on each chip. `None` until the
    /// API said (or when it failed).
    #[prop_or_default]
    pub matching: Option<Rc<BTreeMap<ActivityKind, u64>>>,
    /// How many times the filters were cleared (from anywhere): each clear drops a search
    /// still waiting for its debounce.
    #[prop_or_default]
    pub clears: u32,
    pub on_toggle_kind: Callback<ActivityKind>,
    /// The search text, once the user paused typing.
    pub on_text: Callback<String>,
    pub on_range: Callback<DateRange>,
    pub on_clear: Callback<()>,
}

#[component]
pub fn FilterBar(props: &FilterBarProps) -> Html {
    // What the input shows; the filters follow it after the debounce.
    let text = use_state(|| props.filters.text.clone());
    let debounce = use_mut_ref(|| None::<Timeout>);
    let last_sent = use_mut_ref(|| props.filters.text.clone());

    // The filters' text changed from outside, or they were cleared (by the no-match panel's
    // button, say): the input follows, and a search still waiting for its debounce is dropped
    // rather than landing on the cleared history a moment later.
    {
        let (text, debounce, last_sent) = (text.clone(), debounce.clone(), last_sent.clone());
        let seen_clears = use_mut_ref(|| props.clears);
        use_effect_with(
            (props.filters.text.clone(), props.clears),
            move |(outer, clears)| {
                let cleared = seen_clears.replace(*clears) != *clears;
                if *last_sent.borrow() != *outer || cleared {
                    debounce.borrow_mut().take();
                    *last_sent.borrow_mut() = outer.clone();
                    text.set(outer.clone());
                }
            },
        );
    }

    let send = {
        let (on_text, last_sent) = (props.on_text.clone(), last_sent.clone());
        move |value: String| {
            *last_sent.borrow_mut() = value.clone();
            on_text.emit(value);
        }
    };
    let oninput = {
        let (text, debounce, send) = (text.clone(), debounce.clone(), send.clone());
        Callback::from(move |event: InputEvent| {
            let value = event.target_unchecked_into::<HtmlInputElement>().value();
            text.set(value.clone());
            let send = send.clone();
            // Replacing the timeout cancels the previous keystroke's.
            *debounce.borrow_mut() = Some(Timeout::new(SEARCH_DEBOUNCE_MS, move || send(value)));
        })
    };
    let onkeydown = {
        let (debounce, send) = (debounce.clone(), send.clone());
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" {
                debounce.borrow_mut().take();
                send(event.target_unchecked_into::<HtmlInputElement>().value());
            }
        })
    };
    let onchange = {
        let on_range = props.on_range.clone();
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(range) = DateRange::parse(&value) {
                on_range.emit(range);
            }
        })
    };

    // An option's `selected` attribute only sets the default: once the user picked a period,
    // the select shows what it is told here (after "Clear filters", say).
    let range_select = use_node_ref();
    {
        let range_select = range_select.clone();
        use_effect_with(props.filters.range, move |range| {
            if let Some(select) = range_select.cast::<HtmlSelectElement>() {
                select.set_value(range.as_str());
            }
        });
    }

    let filters = &props.filters;
    html! {
        <div class="filters">
            <div class="filter-row">
                <div class="search-field">
                    <label for="history-search" class="visually-hidden">{ "Search activity" }</label>
                    <input
                        id="history-search"
                        type="search"
                        placeholder="Search subject, page, form\u{2026}"
                        autocomplete="off"
                        maxlength={MAX_SEARCH_CHARS.to_string()}
                        value={(*text).clone()}
                        {oninput}
                        {onkeydown}
                    />
                </div>
                <label for="history-range" class="visually-hidden">{ "Period" }</label>
                <select id="history-range" class="range-select" ref={range_select} {onchange}>
                    { for DateRange::ALL.iter().map(|range| html! {
                        <option value={range.as_str()} selected={*range == filters.range}>
                            { range.label() }
                        </option>
                    }) }
                </select>
            </div>
            <div class="chip-row">
                <KindChips
                    selected={filters.kinds.clone()}
                    counts={props.counts.clone()}
                    matching={props.matching.clone()}
                    on_toggle={props.on_toggle_kind.clone()}
                />
                if filters.is_active() {
                    <button
                        type="button"
                        class="link-button"
                        onclick={props.on_clear.reform(|_| ())}
                    >
                        { "Clear filters" }
                    </button>
                }
            </div>
        </div>
    }
}
