//! Export: the interactions of the shown range as a CSV file, fetched 200 at a time and handed
//! to the browser as a Blob behind an object URL and an `<a download>` (no inline script, no
//! data URL, so the strict CSP holds).
//!
//! The last file's object URL and row count stay on the button (`data-csv-url`,
//! `data-csv-rows`) until the next export or unmount, and the Blob itself as the button's
//! `csvBlob` property: tests read what was downloaded with `button.csvBlob.text()` (fetching
//! the object URL is a connection the CSP's `connect-src 'self'` refuses).

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};
use yew::prelude::*;

use crate::domain::timeline::{csv, csv_file_name, TimelineRange};
use crate::plugin::api::ApiError;
use crate::plugin::browser::window;
use crate::plugin::hooks::{use_request, Fetcher};
use crate::plugin::intl::use_formats;
use crate::plugin::views::timeline::Period;
use crate::wire::query::ACTIVITIES_MAX_LIMIT;
use crate::wire::Activity;

/// The most activities one CSV holds (the message that says so names the number).
const MAX_EXPORT_ROWS: usize = 100_000;

#[derive(Properties, PartialEq)]
pub struct ExportButtonProps {
    /// The shown range.
    pub period: Period,
    pub range: TimelineRange,
}

/// Where the export is.
#[derive(Clone, PartialEq)]
enum Phase {
    Idle,
    /// Pages are coming; this many interactions so far.
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
    let formats = use_formats();
    // While it is working, the export's pages are on their way: a click starts that.
    let phase = use_state_eq(|| Phase::Idle);
    let file = use_state(|| None::<Rc<ObjectUrl>>);
    let button = use_node_ref();

    let (period, progress) = (props.period.clone(), phase.setter());
    let activities = move |fetcher: Fetcher, working: &bool| {
        working.then(|| async move {
            let progress = Callback::from(move |count| progress.set(Phase::Working(count)));
            every_activity(&fetcher, &period, progress).await
        })
    };
    let saved = {
        let (finished, file, button) = (phase.setter(), file.setter(), button.clone());
        let (formats, name) = (
            formats.clone(),
            csv_file_name(&props.period.crm_id, props.range),
        );
        Callback::from(
            move |(_, answer): (bool, Result<Result<Vec<Activity>, &'static str>, ApiError>)| {
                finished.set(match answer {
                    Err(error) => Phase::Failed(Rc::from(error.user_message())),
                    Ok(Err(message)) => Phase::Failed(Rc::from(message)),
                    Ok(Ok(activities)) => {
                        let text = csv(&activities, formats.zone_name(), |at| {
                            formats.wall_clock(at)
                        });
                        match download(&text, &name) {
                            Some((url, blob)) => {
                                if let Some(button) = button.get() {
                                    let _ = js_sys::Reflect::set(&button, &"csvBlob".into(), &blob);
                                }
                                file.set(Some(Rc::new(ObjectUrl(url))));
                                Phase::Done(activities.len())
                            }
                            None => Phase::Failed(Rc::from(
                                "The browser did not let the sidebar save the file.",
                            )),
                        }
                    }
                });
            },
        )
    };
    let working = matches!(*phase, Phase::Working(_));
    use_request(working, 0, activities, saved);

    let onclick = {
        let phase = phase.clone();
        Callback::from(move |_: MouseEvent| {
            if !matches!(*phase, Phase::Working(_)) {
                phase.set(Phase::Working(0));
            }
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
        <div class="timeline-export" data-from={props.period.from.to_rfc3339()} data-to={props.period.to.to_rfc3339()}>
            // Not disabled while it works, so the focus stays on it (a click then does
            // nothing): a disabled button would drop the focus to the page.
            <button
                type="button"
                ref={button}
                class="button export-button"
                aria-disabled={working.then_some("true")}
                aria-busy={working.then_some("true")}
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

/// Every activity of `period`, a page at a time, telling `progress` the count so far; or why
/// the export stops short.
async fn every_activity(
    fetcher: &Fetcher,
    period: &Period,
    progress: Callback<usize>,
) -> Result<Result<Vec<Activity>, &'static str>, ApiError> {
    let query = period.query(ACTIVITIES_MAX_LIMIT);
    let mut activities = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_query = match &cursor {
            Some(cursor) => query.at_cursor(cursor),
            None => query.clone(),
        };
        let page = fetcher.fetch(period.page(&page_query)).await?;
        let brought = !page.items.is_empty();
        activities.extend(page.items);
        progress.emit(activities.len());
        // A page that brings nothing new yet promises more, or the same cursor again, would go
        // on for ever: stop with what is wrong.
        match page.next_cursor {
            None => return Ok(Ok(activities)),
            Some(next) if !brought || cursor.as_ref() == Some(&next) => {
                return Ok(Err(
                    "The marketing platform kept sending the same page. Try again later.",
                ))
            }
            Some(_) if activities.len() >= MAX_EXPORT_ROWS => {
                return Ok(Err(
                    "More than 100,000 activities in this period: choose a \
                               shorter period to export.",
                ))
            }
            Some(next) => cursor = Some(next),
        }
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
