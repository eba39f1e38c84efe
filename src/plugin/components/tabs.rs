//! The record's tabs: real buttons with `role="tab"`, one tab stop, arrow keys between tabs.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

pub use crate::domain::record_page::Tab;
use crate::plugin::browser::window;

#[derive(Properties, PartialEq)]
pub struct TabsProps {
    pub selected: Tab,
    pub on_select: Callback<Tab>,
}

#[component]
pub fn Tabs(props: &TabsProps) -> Html {
    let tab_button = |tab: Tab| {
        let selected = tab == props.selected;
        let onclick = props.on_select.reform(move |_| tab);
        let onkeydown = {
            let on_select = props.on_select.clone();
            Callback::from(move |event: KeyboardEvent| {
                let Some(next) = tab.after_key(&event.key()) else {
                    return;
                };
                event.prevent_default();
                on_select.emit(next);
                // The buttons are all rendered: focus follows the selection at once.
                if let Some(button) = window()
                    .document()
                    .and_then(|document| document.get_element_by_id(&next.button_id()))
                    .and_then(|element| element.dyn_into::<HtmlElement>().ok())
                {
                    let _ = button.focus();
                }
            })
        };
        html! {
            <button
                type="button"
                role="tab"
                id={tab.button_id()}
                class={classes!("tab", selected.then_some("selected"))}
                aria-selected={if selected { "true" } else { "false" }}
                aria-controls={tab.panel_id()}
                tabindex={if selected { "0" } else { "-1" }}
                {onclick}
                {onkeydown}
            >
                { tab.label() }
            </button>
        }
    };
    html! {
        <div class="tabs" role="tablist" aria-label="Marketing">
            { for Tab::ALL.iter().copied().map(tab_button) }
        </div>
    }
}
