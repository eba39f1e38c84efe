//! Keyboard focus that survives re-renders.
//!
//! A control that had focus and is then removed (an error's "Try again" once the retry starts, a
//! row the virtual list drops, "Clear filters" once nothing is filtered) or disabled (Send while
//! sending, Refresh while refreshing) leaves focus on `<body>`: a keyboard user starts over from
//! the top of the page, and a screen reader says nothing. [`use_focus_keeper`] moves focus to the
//! nearest part of the view that is still there instead.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use gloo_timers::callback::Timeout;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, FocusOptions, HtmlElement, MutationObserver, MutationObserverInit};
use yew::prelude::*;

use crate::plugin::browser::window;

/// Watches the app under `root`: when the element with focus goes away or is disabled, focus
/// moves to its nearest ancestor still in the page (made focusable with `tabindex="-1"` if it
/// is not), without scrolling. Focus the user moved elsewhere themselves is left alone.
#[hook]
pub fn use_focus_keeper(root: NodeRef) {
    use_effect_with((), move |()| {
        let guards = root
            .cast::<Element>()
            .and_then(|root| keep_focus_under(&root));
        move || {
            if let Some((observer, _closure, _focusin, _focusout)) = guards {
                observer.disconnect();
            }
        }
    });
}

type Guards = (
    MutationObserver,
    Closure<dyn Fn()>,
    EventListener,
    EventListener,
);

fn keep_focus_under(root: &Element) -> Option<Guards> {
    // The element with focus and its ancestors up to `root`, nearest first.
    let chain: Rc<RefCell<Vec<Element>>> = Rc::default();
    let focusin = {
        let (chain, top) = (chain.clone(), root.clone());
        EventListener::new(root.as_ref(), "focusin", move |event| {
            let mut ancestors = Vec::new();
            let mut at = event.target().and_then(|t| t.dyn_into::<Element>().ok());
            while let Some(element) = at {
                let done = element == top;
                at = element.parent_element();
                ancestors.push(element);
                if done {
                    break;
                }
            }
            *chain.borrow_mut() = ancestors;
        })
    };
    // Focus that left a control which is still there and usable a moment later was moved by
    // the user (a click elsewhere, Tab out of the frame): nothing to keep. (A control being
    // removed may report focusout while it is still in the page, hence the moment.)
    let focusout = {
        let chain = chain.clone();
        EventListener::new_with_options(
            root.as_ref(),
            "focusout",
            EventListenerOptions::run_in_capture_phase(),
            move |event| {
                let Some(left) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                    return;
                };
                let chain = chain.clone();
                Timeout::new(0, move || {
                    let mut chain = chain.borrow_mut();
                    if chain.first() == Some(&left) && left.is_connected() && !is_disabled(&left) {
                        chain.clear();
                    }
                })
                .forget();
            },
        )
    };
    let rescue = Closure::<dyn Fn()>::new({
        let chain = chain.clone();
        // A copy: focusing the new home fires `focusin` at once, whose listener rewrites the
        // chain while this call is still running.
        move || {
            let copy = chain.borrow().clone();
            rescue(&copy)
        }
    });
    let observer = MutationObserver::new(rescue.as_ref().unchecked_ref()).ok()?;
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_subtree(true);
    options.set_attributes(true);
    options.set_attribute_filter(&js_sys::Array::of2(&"disabled".into(), &"hidden".into()));
    observer.observe_with_options(root, &options).ok()?;
    Some((observer, rescue, focusin, focusout))
}

fn is_disabled(element: &Element) -> bool {
    element.has_attribute("disabled")
        || element
            .closest("fieldset[disabled], [hidden]")
            .ok()
            .flatten()
            .is_some()
}

/// After the DOM changed: if the element that had focus is gone or disabled and focus is on
/// nothing (or still on it), focus its nearest ancestor that is still usable.
fn rescue(chain: &[Element]) {
    let Some(focused) = chain.first() else {
        return;
    };
    let document = window().document();
    let active = document.as_ref().and_then(|d| d.active_element());
    let body: Option<Element> = document.and_then(|d| d.body()).map(Into::into);
    let lost = !focused.is_connected() || is_disabled(focused);
    let on_nothing = active.is_none() || active == body || active.as_ref() == Some(focused);
    if !(lost && on_nothing) {
        return;
    }
    // The nearest HTML ancestor: an SVG chart's bars sit in an <svg>, which is not one.
    let Some(home) = chain
        .iter()
        .skip(1)
        .filter(|element| element.is_connected() && !is_disabled(element))
        .find_map(|element| element.dyn_ref::<HtmlElement>().cloned())
    else {
        return;
    };
    if !home.has_attribute("tabindex") {
        let _ = home.set_attribute("tabindex", "-1");
    }
    let options = FocusOptions::new();
    options.set_prevent_scroll(true);
    let _ = home.focus_with_options(&options);
}

/// Scrolls `element` wholly into view with the least movement, vertically and sideways. (A
/// browser moving focus stops once the element is partly in view.)
pub fn reveal(element: &Element) {
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
    options.set_inline(web_sys::ScrollLogicalPosition::Nearest);
    element.scroll_into_view_with_scroll_into_view_options(&options);
}
