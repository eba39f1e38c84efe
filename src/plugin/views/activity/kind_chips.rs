//! The history's kind chips: one toggle per kind of activity the record has, with what the
//! search and period match of it.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use yew::prelude::*;

use crate::domain::activity_details::kind_glyph;
use crate::plugin::focus::reveal;
use crate::plugin::intl::Formats;
use crate::wire::ActivityKind;

/// Activities per kind.
pub type KindCounts = Option<Rc<BTreeMap<ActivityKind, u64>>>;

/// A chip for each kind the record has, pressed for those in `selected` (none: every kind).
/// `counts` are the activities per kind over the whole history (`None` while the profile
/// loads), `matching` what the search and period match per kind (`None` until the API said).
pub fn kind_chips(
    formats: &Formats,
    selected: &BTreeSet<ActivityKind>,
    counts: &KindCounts,
    matching: &KindCounts,
    on_toggle: &Callback<ActivityKind>,
) -> Html {
    // Kinds the record has (or has had since the profile loaded), plus any selected; every kind
    // while the counts are unknown.
    let has = |counts: &KindCounts, kind: &ActivityKind| {
        counts
            .as_ref()
            .is_some_and(|counts| counts.get(kind).copied().unwrap_or(0) > 0)
    };
    let kinds = ActivityKind::ALL.iter().copied().filter(|kind| {
        selected.contains(kind) || counts.is_none() || has(counts, kind) || has(matching, kind)
    });
    let chip = |kind: ActivityKind| {
        let pressed = selected.contains(&kind);
        let count = matching
            .as_ref()
            .map(|counts| counts.get(&kind).copied().unwrap_or(0));
        html! {
            <li>
                <button
                    type="button"
                    class={classes!("chip", format!("kind-{}", kind.as_str()), pressed.then_some("pressed"))}
                    aria-pressed={if pressed { "true" } else { "false" }}
                    onclick={on_toggle.reform(move |_| kind)}
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
