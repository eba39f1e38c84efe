//! The history's kind chips: one toggle per kind of activity the record has, with what the
//! search and period match of it.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use yew::prelude::*;

use crate::domain::activity_details::kind_glyph;
use crate::plugin::focus::reveal;
use crate::plugin::intl::use_formats;
use crate::wire::ActivityKind;

/// Activities per kind.
type KindCounts = Option<Rc<BTreeMap<ActivityKind, u64>>>;

#[derive(Properties, PartialEq)]
pub struct KindChipsProps {
    /// The kinds the history is narrowed to (none: every kind).
    pub selected: BTreeSet<ActivityKind>,
    /// Activities per kind over the whole history; `None` while the profile loads.
    pub counts: KindCounts,
    /// What the search and period match per kind; `None` until the API said.
    pub matching: KindCounts,
    pub on_toggle: Callback<ActivityKind>,
}

#[component]
pub fn KindChips(props: &KindChipsProps) -> Html {
    let formats = use_formats();
    // Kinds the record has (or has had since the profile loaded), plus any selected; every kind
    // while the counts are unknown.
    let has = |counts: &KindCounts, kind: &ActivityKind| {
        counts
            .as_ref()
            .is_some_and(|counts| counts.get(kind).copied().unwrap_or(0) > 0)
    };
    let kinds = ActivityKind::ALL.iter().copied().filter(|kind| {
        props.selected.contains(kind)
            || props.counts.is_none()
            || has(&props.counts, kind)
            || has(&props.matching, kind)
    });
    let chip = |kind: ActivityKind| {
        let pressed = props.selected.contains(&kind);
        let count = props
            .matching
            .as_ref()
            .map(|counts| counts.get(&kind).copied().unwrap_or(0));
        html! {
            <li>
                <button
                    type="button"
                    class={classes!("chip", format!("kind-{}", kind.as_str()), pressed.then_some("pressed"))}
                    aria-pressed={if pressed { "true" } else { "false" }}
                    onclick={props.on_toggle.reform(move |_| kind)}
                >
                    <span class="chip-glyph" aria-hidden="true">{ kind_glyph(kind) }</span>
                    { kind.label() }
                    if let Some(count) = count {
                        <span class="chip-count">{ formats.count(count) }</span>
                    }
                </button>
            </li>
        }
    };
    // A narrow frame scrolls the chips sideways: the one that gets focus shows whole, so its
    // label and focus ring are seen.
    let reveal_focused = Callback::from(|event: FocusEvent| {
        if let Some(chip) = event.target_dyn_into::<web_sys::Element>() {
            reveal(&chip);
        }
    });
    html! {
        <ul class="chips" aria-label="Activity types" onfocusin={reveal_focused}>
            { for kinds.map(chip) }
        </ul>
    }
}
