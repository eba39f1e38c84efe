//! Export: the interactions of the shown range as a CSV file, fetched 200 at a time and handed
//! to the browser as a Blob behind an object URL and an `<a download>` (no inline script, no
//! data URL, so the strict CSP holds).
//!
//! The last file's object URL and row count stay on the button (`data-csv-url`,
//! `data-csv-rows`) until the next export or unmount, and the Blob itself as the button's
//! `csvBlob` property: tests read what was downloaded with `button.csvBlob.text()` (fetching
//! the object URL is a connection the CSP's `connect-src 'self'` refuses).

use std::rc::Rc;

use chrono::{DateTime, Utc};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, Blob, BlobPropertyBag, HtmlAnchorElement, Url};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::domain::activity_filters::ActivityQuery;
use crate::domain::timeline::{csv, csv_file_name, TimelineRange};
use crate::plugin::api;
use crate::plugin::browser::window;
use crate::plugin::host::use_host;
use crate::plugin::intl::use_formats;
use crate::wire::query::ACTIVITIES_MAX_LIMIT;
use crate::wire::{ActivityKind, Entity};

/// The most activities one CSV holds (the message that says so names the number).
const MAX_EXPORT_ROWS: usize = 100_000;

#[derive(Properties, PartialEq)]
pub struct ExportButtonProps {
    pub entity: Entity,
    pub crm_id: AttrValue,
    /// The shown range, `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Only these kinds (empty: every kind).
    pub kinds: Vec<ActivityKind>,
    pub range: TimelineRange,
}

#[derive(Clone, PartialEq)]
enum Phase {
    Idle,
    Working(usize),
    Done(usize),
    Failed(Rc<str>),
}

/// The object URL of the last file; revoked when replaced or dropped.
struct ObjectUrl(String);

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.0);
    }
}

#[component]
pub fn ExportButton(props: &ExportButtonProps) -> Html {
    let host = use_host();
    let formats = use_formats();
    let phase = use_state_eq(|| Phase::Idle);
    let file = use_state(|| None::<Rc<ObjectUrl>>);
    let in_flight = use_mut_ref(|| None::<AbortController>);
    let button = use_node_ref();
    {
        let in_flight = in_flight.clone();
        use_effect_with((), move |_| {
            move || {
                if let Some(controller) = in_flight.borrow_mut().take() {
                    controller.abort();
                }
            }
        });
    }

    let onclick = {
        let (session, phase, file, in_flight) = (
            host.session.clone(),
            phase.clone(),
            file.clone(),
            in_flight.clone(),
        );
        let (entity, crm_id, button) = (props.entity, props.crm_id.clone(), button.clone());
        let formats = formats.clone();
        let name = csv_file_name(&props.crm_id, props.range);
        let query = ActivityQuery {
            kinds: props.kinds.clone(),
            text: None,
            from: Some(props.from),
            to: Some(props.to),
            cursor: None,
            limit: ACTIVITIES_MAX_LIMIT,
        };
        Callback::from(move |_: MouseEvent| {
            if matches!(*phase, Phase::Working(_)) {
                return;
            }
            let Ok(controller) = AbortController::new() else {
                return;
            };
            let signal = controller.signal();
            *in_flight.borrow_mut() = Some(controller);
            phase.set(Phase::Working(0));
            let (session, phase, file, query, name) = (
                session.clone(),
                phase.clone(),
                file.clone(),
                query.clone(),
                name.clone(),
            );
            let (crm_id, button, formats) = (crm_id.clone(), button.clone(), formats.clone());
            spawn_local(async move {
                let mut activities = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let page_query = match &cursor {
                        Some(cursor) => query.at_cursor(cursor),
                        None => query.clone(),
                    };
                    let endpoint = api::activities(entity, &crm_id, &page_query);
                    match session.fetch(&endpoint, &signal).await {
                        Err(error) if error.is_aborted() => return,
                        Err(error) => {
                            phase.set(Phase::Failed(Rc::from(error.user_message())));
                            return;
                        }
                        Ok(page) => {
                            let progress = !page.items.is_empty();
                            activities.extend(page.items);
                            phase.set(Phase::Working(activities.len()));
                            // A page that brings nothing new yet promises more, or the same
                            // cursor again, would go on for ever: stop with what is wrong.
                            let stop = match page.next_cursor {
                                None => break,
                                Some(next) if !progress || cursor.as_ref() == Some(&next) => {
                                    Some("The marketing platform kept sending the same page. Try again later.".to_owned())
                                }
                                Some(_) if activities.len() >= MAX_EXPORT_ROWS => Some(
                                    "More than 100,000 activities in this period: choose a \
                                     shorter period to export."
                                        .to_owned(),
                                ),
                                Some(next) => {
                                    cursor = Some(next);
                                    None
                                }
                            };
                            if let Some(message) = stop {
                                phase.set(Phase::Failed(Rc::from(message)));
                                return;
                            }
                        }
                    }
                }
                let text = csv(&activities, formats.zone_name(), |at| {
                    formats.wall_clock(at)
                });
                match download(&text, &name) {
                    Some((url, blob)) => {
                        if let Some(button) = button.get() {
                            let _ = js_sys::Reflect::set(&button, &"csvBlob".into(), &blob);
                        }
                        file.set(Some(Rc::new(ObjectUrl(url))));
                        phase.set(Phase::Done(activities.len()));
                    }
                    None => phase.set(Phase::Failed(Rc::from(
                        "The browser did not let the sidebar save the file.",
                    ))),
                }
            });
        })
    };

    let status = match &*phase {
        Phase::Idle => String::new(),
        Phase::Working(count) => format!(
            "Preparing\u{2026} {} interactions",
            formats.count(*count as u64)
        ),
        Phase::Done(count) => format!("Exported {} interactions", formats.count(*count as u64)),
        Phase::Failed(message) => message.to_string(),
    };
    let rows = match &*phase {
        Phase::Done(count) => Some(count.to_string()),
        _ => None,
    };
    html! {
        <div class="timeline-export" data-from={props.from.to_rfc3339()} data-to={props.to.to_rfc3339()}>
            // Not disabled while it works, so the focus stays on it (a click then does
            // nothing): a disabled button would drop the focus to the page.
            <button
                type="button"
                ref={button}
                class="button export-button"
                aria-disabled={matches!(*phase, Phase::Working(_)).then_some("true")}
                aria-busy={matches!(*phase, Phase::Working(_)).then_some("true")}
                data-csv-url={file.as_ref().map(|file| file.0.clone())}
                data-csv-rows={rows}
                {onclick}
            >
                { "Export CSV" }
            </button>
            <span
                class={classes!("export-status", matches!(*phase, Phase::Failed(_)).then_some("failed"))}
                role="status"
            >
                { status }
            </span>
        </div>
    }
}

/// Saves `text` as `name` through a Blob, an object URL and a detached `<a download>`; returns
/// the object URL and the Blob.
fn download(text: &str, name: &str) -> Option<(String, Blob)> {
    let options = BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    // A BOM, so spreadsheet apps read the UTF-8 as UTF-8.
    let parts = js_sys::Array::of2(&JsValue::from_str("\u{FEFF}"), &JsValue::from_str(text));
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = Url::create_object_url_with_blob(&blob).ok()?;
    let anchor: HtmlAnchorElement = window()
        .document()?
        .create_element("a")
        .ok()?
        .dyn_into()
        .ok()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    Some((url, blob))
}
