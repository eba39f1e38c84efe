//! A list whose rows have heights only the browser knows (text that wraps, an outcome line that
//! comes and goes), virtualized: only the rows near the viewport are in the DOM, between two
//! spacers that stand in for the rest.
//!
//! A row not rendered yet counts as `estimate` pixels; once rendered, its measured height is
//! kept by its key, so the spacers grow exact as the user scrolls. The list scrolls with the page
//! or with a scrolling ancestor (`viewport`): it works out what is visible from where it is in the
//! window, clipped by that ancestor, and listens to every scroll in the document.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ResizeObserver};
use yew::prelude::*;

use crate::domain::virtual_list::Layout;
use crate::plugin::browser::window;
use crate::plugin::hooks::fetch::Generation;

/// Rows rendered beyond each edge of the viewport, so scrolling and Tab find the next row there.
const OVERSCAN_ROWS: usize = 6;
/// The DOM never holds more rows than this, whatever the viewport.
pub const MAX_RENDERED_ROWS: usize = 60;
/// The next page is asked for when the last rendered row is this close to the end.
const NEAR_END_ROWS: usize = 10;

#[derive(Properties, PartialEq)]
pub struct VirtualRowsProps {
    /// One stable key per row, in order (an id): measured heights are kept by it.
    pub keys: Rc<Vec<i64>>,
    /// The height, in pixels, assumed for a row not measured yet.
    pub estimate: u32,
    /// The content of row `i` (inside its `<li>`).
    pub render: Callback<usize, Html>,
    /// Whether more rows may come after the last (the list's size is then unknown).
    #[prop_or_default]
    pub more: bool,
    /// Asked when the rendered rows near the end of the list, while `more` and not `hold`.
    #[prop_or_default]
    pub on_near_end: Option<Callback<()>>,
    /// Not to ask for the end now: a page is on its way (the end is asked for again once it
    /// has come), or the last one failed (its Retry asks; scrolling must not, or a list whose
    /// pages keep failing would ask without end).
    #[prop_or_default]
    pub hold: bool,
    /// Whether each row is an item of the list for assistive technology (`aria-setsize`,
    /// `aria-posinset`); off where some rows are headings.
    #[prop_or(true)]
    pub counted: bool,
    /// The `<ul>`'s class and accessible name; each `<li>` gets `row_class`.
    pub class: Classes,
    pub label: AttrValue,
    pub row_class: Classes,
    /// The scrolling element that clips the list, if not the window.
    #[prop_or_default]
    pub viewport: Option<NodeRef>,
    /// A row kept in the DOM wherever the list is scrolled (the checked radio of a group, so
    /// that Tab into the group lands on it, as it does without virtualization).
    #[prop_or_default]
    pub pinned: Option<i64>,
}

/// The part of the list in the window: `top` pixels from its start, `height` pixels tall.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Visible {
    top: u32,
    height: u32,
}

/// What of `list` (the element holding the spacers and the rows) is inside the window and
/// `viewport`; `None` while the list is out of the layout (a hidden tab), which says nothing.
fn visible_part(list: &Element, viewport: Option<&Element>, total: u32) -> Option<Visible> {
    // No offset parent: the list or an ancestor is `display: none`.
    if list
        .dyn_ref::<HtmlElement>()
        .is_none_or(|list| list.offset_parent().is_none())
    {
        return None;
    }
    let window_height = window()
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(600.0);
    let (mut clip_top, mut clip_bottom) = (0.0, window_height);
    if let Some(viewport) = viewport {
        let rect = viewport.get_bounding_client_rect();
        // A viewport out of the layout (a hidden tab) clips nothing.
        if rect.height() > 0.0 {
            clip_top = rect.top().max(0.0);
            clip_bottom = rect.bottom().min(window_height);
        }
    }
    // Negative when the list starts above the clip's top edge.
    let start = list.get_bounding_client_rect().top();
    // `max` then `min`, not `f64::clamp`: its assertion formats floats, kilobytes of wasm.
    let total = f64::from(total);
    let top = (clip_top - start).max(0.0).min(total);
    let bottom = (clip_bottom - start).max(top).min(total);
    Some(Visible {
        top: top as u32,
        // A list out of view still renders its first (or last) rows.
        height: ((bottom - top) as u32).max(1),
    })
}

/// Sizes a spacer through the CSSOM (the CSP forbids `style` attributes, not `element.style`).
pub(crate) fn set_height(node: &NodeRef, pixels: u32) {
    if let Some(element) = node.cast::<HtmlElement>() {
        let _ = element
            .style()
            .set_property("height", &format!("{pixels}px"));
    }
}

#[component]
pub fn VirtualRows(props: &VirtualRowsProps) -> Html {
    let list = use_node_ref();
    let rows = use_node_ref();
    let top_spacer = use_node_ref();
    let bottom_spacer = use_node_ref();
    // Between the pinned row and the window, when the pinned row is outside it.
    let gap_spacer = use_node_ref();
    let heights = use_mut_ref(HashMap::<i64, u32>::new);
    // A measurement changed a row's height: the rows are laid out again.
    let measured = use_reducer(Generation::default);
    let visible = use_state_eq(|| Visible {
        top: 0,
        height: 600,
    });

    let layout = {
        let heights = heights.borrow();
        Layout::from_heights(
            props
                .keys
                .iter()
                .map(|key| heights.get(key).copied().unwrap_or(props.estimate)),
        )
    };
    let total = layout.total_height();
    let shown = layout.window(
        visible.top,
        visible.height,
        OVERSCAN_ROWS,
        MAX_RENDERED_ROWS,
    );
    // The pinned row when the window does not hold it, and the spacers around the rows:
    // above, between the pinned row and the window, below.
    let pinned = props
        .pinned
        .and_then(|key| props.keys.iter().position(|k| *k == key))
        .filter(|at| !(shown.first..shown.end).contains(at));
    let (top, gap, bottom) = match pinned {
        Some(at) if at < shown.first => (
            layout.offset(at),
            layout.offset(shown.first) - layout.offset(at + 1),
            shown.bottom_spacer,
        ),
        Some(at) => (
            shown.top_spacer,
            layout.offset(at) - layout.offset(shown.end),
            total - layout.offset(at + 1),
        ),
        None => (shown.top_spacer, 0, shown.bottom_spacer),
    };

    let remeasure = use_visible_part(list.clone(), props.viewport.clone(), total, visible.clone());

    // After every render: the spacers take their heights, the rendered rows are measured, and
    // the visible part is worked out again (the list may have moved or changed height).
    {
        let (rows, top_spacer, bottom_spacer) =
            (rows.clone(), top_spacer.clone(), bottom_spacer.clone());
        let (heights, measured, gap_spacer) =
            (heights.clone(), measured.clone(), gap_spacer.clone());
        use_effect(move || {
            set_height(&top_spacer, top);
            set_height(&gap_spacer, gap);
            set_height(&bottom_spacer, bottom);
            if measure_rows(&rows, &heights) {
                measured.dispatch(());
            }
            remeasure(total);
        });
    }

    // The next page when the rendered rows near the end of what is loaded (again once a page
    // on its way has come, whatever list it was for).
    {
        let wanted = props.more && !props.hold && shown.end + NEAR_END_ROWS >= props.keys.len();
        let on_near_end = props.on_near_end.clone();
        use_effect_with((wanted, props.keys.len()), move |(wanted, _)| {
            if let (true, Some(on_near_end)) = (*wanted, on_near_end) {
                on_near_end.emit(());
            }
        });
    }

    let set_size = props.counted.then(|| {
        if props.more {
            -1
        } else {
            props.keys.len() as i64
        }
    });
    let row = |at: usize| {
        let key = props.keys[at];
        html! {
            <li
                key={key}
                class={props.row_class.clone()}
                data-vkey={key.to_string()}
                aria-setsize={set_size.map(|n| n.to_string())}
                aria-posinset={set_size.map(|_| (at + 1).to_string())}
            >
                { props.render.emit(at) }
            </li>
        }
    };
    let gap_row = || {
        html! {
            <li key="gap" class="spacer" ref={gap_spacer.clone()} aria-hidden="true"></li>
        }
    };
    let rendered: Html = match pinned {
        Some(at) if at < shown.first => std::iter::once(row(at))
            .chain(std::iter::once(gap_row()))
            .chain((shown.first..shown.end).map(row))
            .collect(),
        Some(at) => (shown.first..shown.end)
            .map(row)
            .chain(std::iter::once(gap_row()))
            .chain(std::iter::once(row(at)))
            .collect(),
        None => (shown.first..shown.end).map(row).collect(),
    };
    html! {
        <div class="virtual-rows" ref={list}>
            <div class="spacer" ref={top_spacer} aria-hidden="true"></div>
            <ul class={props.class.clone()} aria-label={props.label.clone()} ref={rows}>
                { rendered }
            </ul>
            <div class="spacer" ref={bottom_spacer} aria-hidden="true"></div>
        </div>
    }
}

/// Measures the rendered rows into `heights`; whether any height changed.
fn measure_rows(rows: &NodeRef, heights: &Rc<RefCell<HashMap<i64, u32>>>) -> bool {
    let Some(ul) = rows.cast::<Element>() else {
        return false;
    };
    let children = ul.children();
    let mut heights = heights.borrow_mut();
    let mut changed = false;
    for index in 0..children.length() {
        let Some(row) = children
            .item(index)
            .and_then(|row| row.dyn_into::<HtmlElement>().ok())
        else {
            continue;
        };
        let Some(key) = row
            .get_attribute("data-vkey")
            .and_then(|key| key.parse::<i64>().ok())
        else {
            continue;
        };
        let height = row.offset_height().max(0) as u32;
        // A row out of the layout (a hidden tab) measures 0: keep what was known.
        if height > 0 && heights.insert(key, height) != Some(height) {
            changed = true;
        }
    }
    changed
}

/// Keeps `visible` as the part of the list in view: on every scroll (of the page or of an
/// ancestor) and every resize. Returns the measurement, for the layout after each render.
#[hook]
fn use_visible_part(
    list: NodeRef,
    viewport: Option<NodeRef>,
    total: u32,
    visible: UseStateHandle<Visible>,
) -> Rc<dyn Fn(u32)> {
    // Where the list is in the window, on every scroll (of the page or of an ancestor) and
    // every resize.
    let remeasure: Rc<dyn Fn(u32)> = {
        let (list, visible) = (list.clone(), visible.clone());
        let viewport = viewport.clone();
        Rc::new(move |total: u32| {
            if let Some(element) = list.cast::<Element>() {
                let clip = viewport.as_ref().and_then(NodeRef::cast::<Element>);
                if let Some(part) = visible_part(&element, clip.as_ref(), total) {
                    visible.set(part);
                }
            }
        })
    };
    let total_now = use_mut_ref(|| 0u32);
    *total_now.borrow_mut() = total;
    {
        let (remeasure, total_now) = (remeasure.clone(), total_now.clone());
        let (list, viewport) = (list.clone(), viewport.clone());
        use_effect_with((), move |()| {
            let on_change = move || remeasure(*total_now.borrow());
            let on_change = Rc::new(on_change);
            // A tab shown again, or a scroller resized, moves no scroll: its size changes.
            let resized = {
                let on_change = on_change.clone();
                Closure::<dyn Fn()>::new(move || on_change())
            };
            let observer = ResizeObserver::new(resized.as_ref().unchecked_ref()).ok();
            if let Some(observer) = &observer {
                let watched = [Some(&list), viewport.as_ref()];
                for element in watched
                    .into_iter()
                    .flatten()
                    .filter_map(NodeRef::cast::<Element>)
                {
                    observer.observe(&element);
                }
            }
            let scroll = {
                let on_change = on_change.clone();
                window().document().map(|document| {
                    EventListener::new_with_options(
                        &document,
                        "scroll",
                        EventListenerOptions::run_in_capture_phase(),
                        move |_| on_change(),
                    )
                })
            };
            let resize = EventListener::new(&window(), "resize", move |_| on_change());
            move || {
                if let Some(observer) = &observer {
                    observer.disconnect();
                }
                drop((scroll, resize, resized));
            }
        });
    }
    remeasure
}
