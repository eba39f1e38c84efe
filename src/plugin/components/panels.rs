//! The states a panel can be in besides showing data: loading, empty, failed, not there yet.

use yew::prelude::*;

use crate::wire::query::MAX_SEARCH_CHARS;

#[derive(Properties, PartialEq)]
pub struct SkeletonProps {
    /// What is loading, for screen readers.
    pub label: AttrValue,
    #[prop_or(6)]
    pub rows: usize,
}

/// Grey placeholder rows while the first answer is on its way.
#[component]
pub fn Skeleton(props: &SkeletonProps) -> Html {
    html! {
        <div class="skeleton" role="status" aria-busy="true">
            <span class="visually-hidden">{ props.label.clone() }</span>
            { for (0..props.rows).map(|_| html! {
                <div class="skeleton-row" aria-hidden="true">
                    <span class="skeleton-dot"></span>
                    <span class="skeleton-lines">
                        <span class="skeleton-line"></span>
                        <span class="skeleton-line short"></span>
                    </span>
                </div>
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct MessagePanelProps {
    pub title: AttrValue,
    #[prop_or_default]
    pub detail: Option<AttrValue>,
    /// A glyph shown above the title.
    #[prop_or_default]
    pub glyph: Option<AttrValue>,
    /// Actions (buttons) under the text.
    #[prop_or_default]
    pub children: Html,
}

/// A centred message: an empty list, a record marketing doesn't know, a view that is coming.
#[component]
pub fn MessagePanel(props: &MessagePanelProps) -> Html {
    html! {
        <div class="message-panel">
            if let Some(glyph) = &props.glyph {
                <span class="message-glyph" aria-hidden="true">{ glyph.clone() }</span>
            }
            <p class="message-title">{ props.title.clone() }</p>
            if let Some(detail) = &props.detail {
                <p class="message-detail">{ detail.clone() }</p>
            }
            { props.children.clone() }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ErrorPanelProps {
    pub message: AttrValue,
    #[prop_or_default]
    pub on_retry: Option<Callback<()>>,
    /// A one-line variant for the foot of a list.
    #[prop_or_default]
    pub compact: bool,
}

/// A failure the user can retry.
#[component]
pub fn ErrorPanel(props: &ErrorPanelProps) -> Html {
    let class = classes!("error-panel", props.compact.then_some("compact"));
    html! {
        <div {class} role="alert">
            <p class="error-message">{ props.message.clone() }</p>
            if let Some(on_retry) = &props.on_retry {
                <button type="button" class="button" onclick={on_retry.reform(|_| ())}>
                    { "Try again" }
                </button>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct RefreshButtonProps {
    #[prop_or_default]
    pub id: Option<AttrValue>,
    /// What it refreshes, for screen readers ("Refresh marketing data").
    pub label: AttrValue,
    /// A refresh is running: the button spins and ignores clicks, but keeps focus (it is
    /// aria-disabled, not disabled).
    pub busy: bool,
    pub on_refresh: Callback<()>,
}

/// The ↻ button of a view whose data can be fetched again.
#[component]
pub fn RefreshButton(props: &RefreshButtonProps) -> Html {
    let onclick = {
        let (on_refresh, busy) = (props.on_refresh.clone(), props.busy);
        Callback::from(move |_: MouseEvent| {
            if !busy {
                on_refresh.emit(())
            }
        })
    };
    let busy = if props.busy { "true" } else { "false" };
    html! {
        <button
            id={props.id.clone()}
            type="button"
            class={classes!("icon-button", "refresh", props.busy.then_some("spinning"))}
            aria-label={props.label.clone()}
            title="Refresh"
            aria-busy={busy}
            aria-disabled={busy}
            {onclick}
        >
            <span aria-hidden="true">{ "\u{21BB}" }</span>
        </button>
    }
}

#[derive(Properties, PartialEq)]
pub struct SearchFieldProps {
    pub id: AttrValue,
    /// Its accessible name, also shown as the placeholder.
    pub label: AttrValue,
    pub value: AttrValue,
    /// Each change of the text, as typed.
    pub on_input: Callback<String>,
    #[prop_or_default]
    pub class: Classes,
}

/// A labelled search box.
#[component]
pub fn SearchField(props: &SearchFieldProps) -> Html {
    html! {
        <div class={classes!("search-field", props.class.clone())}>
            <label class="visually-hidden" for={props.id.clone()}>{ props.label.clone() }</label>
            <input
                id={props.id.clone()}
                type="search"
                placeholder={props.label.clone()}
                autocomplete="off"
                maxlength={MAX_SEARCH_CHARS.to_string()}
                value={props.value.clone()}
                oninput={props.on_input.reform(|e: InputEvent| {
                    e.target_unchecked_into::<web_sys::HtmlInputElement>().value()
                })}
            />
        </div>
    }
}

/// The tag of a view's title. A list view's action (one that can close: `on_done`) is the whole
/// page, so its title is the page's `h1`; on a record's tab it is an `h2` under the record's
/// name.
pub fn title_tag(whole_page: bool) -> &'static str {
    if whole_page {
        "h1"
    } else {
        "h2"
    }
}
