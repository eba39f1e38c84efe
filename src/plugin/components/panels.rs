//! The states a panel can be in besides showing data: loading, empty, failed, not there yet.

use yew::prelude::*;

use crate::wire::query::MAX_SEARCH_CHARS;

// Plain view functions, not components: they hold no state, and a component costs the wasm
// its own copies of Yew's lifecycle code. Each one's root carries a key of its own, so that
// one panel giving way to another (a skeleton to an error) replaces its element, as a
// different component did, instead of patching it (an alert is announced when it appears).

/// Grey placeholder rows while the first answer is on its way; `label` says what is loading,
/// for screen readers.
pub fn skeleton(label: &'static str, rows: usize) -> Html {
    html! {
        <div key="skeleton" class="skeleton" role="status" aria-busy="true">
            <span class="visually-hidden">{ label }</span>
            { for (0..rows).map(|_| html! {
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

/// A centred message: an empty list, a record marketing doesn't know, a view that is coming.
/// `glyph` is shown above the title, `children` (actions, buttons) under the text.
pub fn message_panel(
    glyph: &'static str,
    title: AttrValue,
    detail: Option<AttrValue>,
    children: Html,
) -> Html {
    html! {
        <div key="message-panel" class="message-panel">
            <span class="message-glyph" aria-hidden="true">{ glyph }</span>
            <p class="message-title">{ title }</p>
            if let Some(detail) = detail {
                <p class="message-detail">{ detail }</p>
            }
            { children }
        </div>
    }
}

/// A failure the user can retry.
pub fn error_panel(message: AttrValue, on_retry: Callback<()>) -> Html {
    failure(message, on_retry, false)
}

/// A failure the user can retry, in one line: for the foot of a list or above what stays.
pub fn compact_error(message: AttrValue, on_retry: Callback<()>) -> Html {
    failure(message, on_retry, true)
}

fn failure(message: AttrValue, on_retry: Callback<()>, compact: bool) -> Html {
    let class = classes!("error-panel", compact.then_some("compact"));
    html! {
        <div key="error-panel" {class} role="alert">
            <p class="error-message">{ message }</p>
            <button type="button" class="button" onclick={on_retry.reform(|_| ())}>
                { "Try again" }
            </button>
        </div>
    }
}

/// The ↻ button of a view whose data can be fetched again. `label` says what it refreshes, for
/// screen readers ("Refresh marketing data"). While `busy` (a refresh is running) the button
/// spins and ignores clicks, but keeps focus (it is aria-disabled, not disabled).
pub fn refresh_button(
    id: Option<&'static str>,
    label: &'static str,
    busy: bool,
    on_refresh: Callback<()>,
) -> Html {
    let onclick = Callback::from(move |_: MouseEvent| {
        if !busy {
            on_refresh.emit(())
        }
    });
    let busy_attr = if busy { "true" } else { "false" };
    html! {
        <button
            key="refresh-button"
            {id}
            type="button"
            class={classes!("icon-button", "refresh", busy.then_some("spinning"))}
            aria-label={label}
            title="Refresh"
            aria-busy={busy_attr}
            aria-disabled={busy_attr}
            {onclick}
        >
            <span aria-hidden="true">{ "\u{21BB}" }</span>
        </button>
    }
}

/// A labelled search box: `label` is its accessible name, also shown as the placeholder;
/// `on_input` hears each change of the text, as typed.
pub fn search_field(
    id: &'static str,
    label: &'static str,
    class: Option<&'static str>,
    value: AttrValue,
    on_input: Callback<String>,
) -> Html {
    html! {
        <div key="search-field" class={classes!("search-field", class)}>
            <label class="visually-hidden" for={id}>{ label }</label>
            <input
                {id}
                type="search"
                placeholder={label}
                autocomplete="off"
                maxlength={MAX_SEARCH_CHARS.to_string()}
                {value}
                oninput={on_input.reform(|e: InputEvent| {
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
