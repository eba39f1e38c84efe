//! The record's tabs: real buttons with `role="tab"`, one tab stop, arrow keys between tabs.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::plugin::browser::window;
use crate::protocol::View;

/// A tab of a record's page. Add a variant, its label and its panel in `RecordView` to add one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Activity,
    Timeline,
    Programs,
    Send,
}

impl Tab {
    pub const ALL: &'static [Tab] = &[Tab::Activity, Tab::Timeline, Tab::Programs, Tab::Send];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Activity => "Activity",
            Tab::Timeline => "Timeline",
            Tab::Programs => "Programs",
            Tab::Send => "Send",
        }
    }

    /// The id stem of its button (`tab-…`) and panel (`panel-…`).
    pub fn id(self) -> &'static str {
        match self {
            Tab::Activity => "activity",
            Tab::Timeline => "timeline",
            Tab::Programs => "programs",
            Tab::Send => "send",
        }
    }

    pub fn button_id(self) -> String {
        format!("tab-{}", self.id())
    }

    pub fn panel_id(self) -> String {
        format!("panel-{}", self.id())
    }

    /// The tab a host view opens on.
    pub fn for_view(view: View) -> Tab {
        match view {
            View::Activity | View::HotProspects => Tab::Activity,
            View::Timeline => Tab::Timeline,
            View::Programs => Tab::Programs,
            View::Send => Tab::Send,
        }
    }

    /// The tab a key moves to from `self`, if the key moves.
    fn after_key(self, key: &str) -> Option<Tab> {
        let at = Tab::ALL.iter().position(|tab| *tab == self)?;
        let last = Tab::ALL.len() - 1;
        let to = match key {
            "ArrowRight" => {
                if at == last {
                    0
                } else {
                    at + 1
                }
            }
            "ArrowLeft" => {
                if at == 0 {
                    last
                } else {
                    at - 1
                }
            }
            "Home" => 0,
            "End" => last,
            _ => return None,
        };
        Some(Tab::ALL[to])
    }
}

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
