//! The entry component: refuses hosts the manifest does not allow, then shows the view the host
//! asked for.

use std::cell::Cell;
#[cfg(feature = "views-actions")]
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::plugin::bridge::Bridge;
use crate::plugin::browser::window;
use crate::plugin::components::panels::{compact_error, error_panel, message_panel, skeleton};
#[cfg(feature = "views-record")]
use crate::plugin::components::tabs::Tab;
use crate::plugin::focus::use_focus_keeper;
use crate::plugin::host::{use_host, BridgeProvider};
use crate::plugin::intl::FormatsProvider;
#[cfg(feature = "views-tab")]
use crate::plugin::views::dashboard::Dashboard;
#[cfg(feature = "views-tab")]
use crate::plugin::views::hot_prospects::HotProspects;
#[cfg(feature = "views-actions")]
use crate::plugin::views::programs::Programs;
#[cfg(feature = "views-record")]
use crate::plugin::views::record::RecordView;
#[cfg(feature = "views-actions")]
use crate::plugin::views::send::{
    use_send_keys_provider, use_sent_notes_provider, SendEmail, SendKeysContext, SentNotes,
    NOTE_ANSWER_TIMEOUT_MS,
};
#[cfg(feature = "views-actions")]
use crate::protocol::CrmRecord;
use crate::protocol::{Context, Manifest, PluginMessage, Theme, View};
#[cfg(feature = "views-actions")]
use crate::wire::MAX_ENROL_RECORDS;

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The `host` parameter of the plugin's URL: the origin of the page embedding it.
    pub host: Option<AttrValue>,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    match props
        .host
        .as_ref()
        .filter(|host| Manifest::bundled().allows(host))
    {
        Some(host) => html! {
            <BridgeProvider host={host.clone()}>
                <Sidebar />
            </BridgeProvider>
        },
        None => not_enabled(props.host.as_ref()),
    }
}

/// Shown instead of everything else; nothing is posted to a host that is not allowed.
fn not_enabled(host: Option<&AttrValue>) -> Html {
    // Without `?host=`, the embedding page's origin is the best name for it.
    let origin = host.map(|host| host.to_string()).or_else(|| {
        let referrer = window().document()?.referrer();
        web_sys::Url::new(&referrer).ok().map(|url| url.origin())
    });
    let title = format!(
        "This sidebar is not enabled for {}",
        origin.as_deref().unwrap_or("this page")
    );
    html! {
        <main class="sidebar">
            { message_panel(
                "\u{2298}",
                title.into(),
                Some("Ask your administrator to add this CRM to the marketing sidebar's allowed hosts.".into()),
                html! {},
            ) }
        </main>
    }
}

/// Shown instead of the view once the API refused the host: the manifest lets every customer's
/// CRM frame the plugin, but a token serves only the pages of its own CRM connection.
fn not_connected(host: &str) -> Html {
    message_panel(
        "\u{2298}",
        format!("This sidebar is not connected for {host}").into(),
        Some(
            "Ask your administrator to add this CRM to its connection in the marketing platform."
                .into(),
        ),
        html! {},
    )
}

/// The host's view, once its context arrived.
#[component]
pub fn Sidebar() -> Html {
    let host = use_host();
    let theme = host
        .context
        .as_ref()
        .map(|context| context.theme)
        .unwrap_or_default();
    let theme = match theme {
        Theme::Light => "light",
        Theme::Dark => "dark",
    };
    // On <html> too, so the page behind the app (overscroll, scrollbars) follows the theme.
    use_effect_with(theme, |theme| {
        if let Some(root) = window()
            .document()
            .and_then(|document| document.document_element())
        {
            let _ = root.set_attribute("data-theme", theme);
        }
    });

    // "Done" of a list-view action: the host closes the panel it opened.
    let close = {
        let bridge = host.bridge.clone();
        Callback::from(move |()| bridge.post(&PluginMessage::Close))
    };
    // An expired session keeps the view and everything typed or chosen in it: the notice asks
    // the host again on "Try again", and goes away as soon as a token arrives. A context the
    // host could not send is asked for again with `ready`.
    let again = if host.context_failed || host.context.is_none() {
        host.ask_context.clone()
    } else {
        let session = host.session.clone();
        Callback::from(move |()| {
            let session = session.clone();
            spawn_local(async move {
                session.renew().await;
            });
        })
    };
    let notice = match (&host.context, host.expired, host.context_failed) {
        _ if host.host_refused => None,
        (None, _, _) | (Some(_), false, false) => None,
        (Some(_), true, _) => {
            Some("Your session expired \u{2014} reopen the sidebar. What you entered here is kept.")
        }
        (Some(_), false, true) => Some(
            "The CRM couldn't update the sidebar; it still shows what is below. Try again or \
             reopen the sidebar.",
        ),
    };
    let notice = notice.map(|message| {
        html! {
            <div class="session-expired">
                { compact_error(message.into(), again.clone()) }
            </div>
        }
    });
    let content = match &host.context {
        _ if host.host_refused => not_connected(host.bridge.host()),
        None if host.context_failed || host.expired => error_panel(
            "Can't connect to the CRM \u{2014} reopen the sidebar.".into(),
            again,
        ),
        None => skeleton("Connecting to the CRM", 4),
        Some(context) => html! {
            <FormatsProvider
                locale={context.user.locale.clone()}
                time_zone={context.user.time_zone.clone()}
            >
                { view(context, &close) }
            </FormatsProvider>
        },
    };
    // Hot prospects and the dashboard are CRM tabs of their own: they may use a wider column.
    // The tab gives the hot-prospects table the height of its rows; the dashboard's lists
    // scroll inside the frame it is given, like a record's.
    let shown = host.context.as_ref().map(|context| context.view);
    let tab = shown == Some(View::HotProspects);
    let wide = tab || shown == Some(View::Dashboard);
    // A list-view action sits in a panel the host opened for it: Escape closes it, as it would
    // a dialog of the CRM's own.
    let in_panel = host.context.as_ref().is_some_and(|context| {
        context.record.is_none()
            && !context.selection.is_empty()
            && matches!(context.view, View::Send | View::Programs)
    });
    use_escape_closes(in_panel, close.clone());
    let main = use_node_ref();
    use_fit_to_content(tab, main.clone(), host.bridge.clone());
    use_focus_keeper(main.clone());
    // Send's idempotency keys live as long as the sidebar: a message sent from a view the user
    // left and opened again goes under the same key. So do its CRM notes: one the CRM did not
    // store waits for a retry there.
    #[cfg(feature = "views-actions")]
    let send_keys = use_send_keys_provider();
    #[cfg(feature = "views-actions")]
    let sent_notes = use_sent_notes_provider(NOTE_ANSWER_TIMEOUT_MS);
    #[cfg(feature = "views-actions")]
    let content = html! {
        <ContextProvider<SendKeysContext> context={send_keys}>
            <ContextProvider<SentNotes> context={sent_notes}>{ content }</ContextProvider<SentNotes>>
        </ContextProvider<SendKeysContext>>
    };
    html! {
        <main
            ref={main}
            class={classes!("sidebar", wide.then_some("sidebar-wide"), format!("theme-{theme}"))}
            data-theme={theme}
        >
            { for notice }
            { content }
        </main>
    }
}

/// While `enabled`, Escape asks the host to close the view, unless something in it used the
/// key (a dialog, a search box it clears) or an action is on its way (a send whose results and
/// CRM notes are still to come).
#[hook]
fn use_escape_closes(enabled: bool, close: Callback<()>) {
    use_effect_with(enabled, move |enabled| {
        let listener = enabled.then(|| {
            let document = window().document()?;
            Some(gloo_events::EventListener::new(
                &document.clone(),
                "keydown",
                move |event| {
                    let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    // An input method composing text takes its own Escape (it cancels that).
                    if event.key() != "Escape" || event.default_prevented() || event.is_composing()
                    {
                        return;
                    }
                    // A search box with text clears it on Escape (the browser's own); that
                    // Escape is not also a close.
                    let clears = event
                        .target()
                        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
                        .is_some_and(|input| {
                            input.type_() == "search" && !input.value().is_empty()
                        });
                    let busy = document
                        .query_selector("button[aria-busy='true']")
                        .ok()
                        .flatten()
                        .is_some();
                    if !clears && !busy {
                        close.emit(());
                    }
                },
            ))
        });
        move || drop(listener)
    });
}

/// While `enabled`, the page takes the height of its content rather than the frame's (the frame
/// scrolls if the host keeps it smaller), and every change of that height is posted to the host
/// as `resize`. Views built around a scrolling list fill the frame instead and post nothing.
#[hook]
fn use_fit_to_content(enabled: bool, main: NodeRef, bridge: Bridge) {
    use_effect_with((enabled, bridge), move |(enabled, bridge)| {
        let root = window()
            .document()
            .and_then(|document| document.document_element());
        let observer = enabled
            .then(|| main.cast::<web_sys::Element>())
            .flatten()
            .and_then(|main| {
                if let Some(root) = &root {
                    let _ = root.set_attribute("data-fit", "content");
                }
                let (bridge, posted) = (bridge.clone(), Cell::new(0));
                let measured = Closure::<dyn Fn()>::new({
                    let main = main.clone();
                    move || {
                        let height = main.get_bounding_client_rect().height().ceil() as u32;
                        if posted.replace(height) != height {
                            bridge.post(&PluginMessage::Resize { height });
                        }
                    }
                });
                let observer =
                    web_sys::ResizeObserver::new(measured.as_ref().unchecked_ref()).ok()?;
                observer.observe(&main);
                Some((observer, measured))
            });
        move || {
            if let Some((observer, _measured)) = observer {
                observer.disconnect();
            }
            if let Some(root) = root {
                let _ = root.remove_attribute("data-fit");
            }
        }
    });
}

/// The view the context asks for, if this bundle has it (see [`crate::plugin::views`]).
fn view(context: &Context, close: &Callback<()>) -> Html {
    // Unused in a bundle without list-view actions.
    let _ = close;
    match (context.view, &context.record) {
        #[cfg(feature = "views-tab")]
        (View::HotProspects, _) => html! { <HotProspects /> },
        #[cfg(feature = "views-tab")]
        (View::Dashboard, _) => html! { <Dashboard /> },
        #[cfg(not(feature = "views-tab"))]
        (View::HotProspects | View::Dashboard, _) => not_in_bundle(),
        #[cfg(feature = "views-record")]
        (view, Some(record)) => html! {
            <RecordView
                key={format!("{}/{}", record.entity, record.id)}
                record={record.clone()}
                initial_tab={Tab::for_view(view)}
            />
        },
        #[cfg(not(feature = "views-record"))]
        (_, Some(_)) => not_in_bundle(),
        // Keyed by the selection: another selection is another send or enrolment, with none
        // of the previous one's results.
        #[cfg(feature = "views-actions")]
        (View::Send, None) if !context.selection.is_empty() => html! {
            <SendEmail
                key={selection_key(&context.selection)}
                records={Rc::new(context.selection.clone())}
                on_done={close.clone()}
            />
        },
        #[cfg(feature = "views-actions")]
        (View::Programs, None) if context.selection.len() > MAX_ENROL_RECORDS => message_panel(
            "\u{2630}",
            "Can't enrol this selection".into(),
            Some(
                format!(
                    "{} records are selected; programs take at most {MAX_ENROL_RECORDS} at a time. \
                     Select fewer records in the list and try again.",
                    context.selection.len()
                )
                .into(),
            ),
            html! {},
        ),
        #[cfg(feature = "views-actions")]
        (View::Programs, None) if !context.selection.is_empty() => html! {
            <Programs
                key={selection_key(&context.selection)}
                records={Rc::new(context.selection.clone())}
                on_done={close.clone()}
            />
        },
        #[cfg(not(feature = "views-actions"))]
        (View::Send | View::Programs, None) if !context.selection.is_empty() => not_in_bundle(),
        (_, None) => message_panel(
            "\u{2630}",
            "Open a lead, contact or account".into(),
            Some("Its marketing activity shows here.".into()),
            html! {},
        ),
    }
}

/// Shown for a view this page's bundle leaves out: the host opened the wrong page of the plugin
/// for its mount (the manifest names each mount's page, `entryUrls`).
#[cfg(not(all(
    feature = "views-tab",
    feature = "views-record",
    feature = "views-actions"
)))]
fn not_in_bundle() -> Html {
    message_panel(
        "\u{2298}",
        "This view is not enabled on this page".into(),
        Some(
            "Ask your administrator to open the marketing sidebar's page for this part of the CRM."
                .into(),
        ),
        html! {},
    )
}

/// One key per selection of records (entity and id of each, in order).
#[cfg(feature = "views-actions")]
fn selection_key(selection: &[CrmRecord]) -> String {
    selection
        .iter()
        .map(|r| format!("{}/{}", r.entity, r.id))
        .collect::<Vec<_>>()
        .join(",")
}
