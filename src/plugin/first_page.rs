//! The first page of a record's history, asked for as the host's context arrives (the sidebar's
//! bundle only: the CRM tab's has no history).

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;
use yew::platform::spawn_local;

use crate::plugin::api::{ApiError, Endpoint};
use crate::plugin::fetcher::Fetcher;
use crate::plugin::session::Session;
use crate::wire::ActivityPage;

/// How long a [`FirstPage`] stays the history's to take: a history that mounts later (the rep
/// came back to the tab) asks for a fresh page.
const FIRST_PAGE_FRESH_MS: f64 = 3_000.0;

/// The first page of a record's history, asked for the moment the host's context arrives (by
/// [`crate::plugin::host::BridgeProvider`]): the request leaves before any view renders, in
/// parallel with the profile. The history takes it instead of asking, once, while it is fresh;
/// a page asked for anything else (other filters, another record, a reload) is asked as usual.
#[derive(Clone, Default)]
pub struct FirstPage(Rc<RefCell<Option<Asked>>>);

struct Asked {
    path: String,
    at_ms: f64,
    /// Aborts the request: the view that took it left.
    controller: AbortController,
    /// Settles once `answer` holds the answer. (A promise rather than a channel: the browser
    /// has one, and the wasm does not need to carry another.)
    done: js_sys::Promise,
    answer: Rc<RefCell<Option<Result<ActivityPage, ApiError>>>>,
}

impl FirstPage {
    /// Asks for `endpoint` now, in place of what was asked before and not taken (that answer is
    /// dropped when it comes).
    pub fn ask(&self, session: Session, endpoint: Endpoint<ActivityPage>) {
        let Ok(controller) = AbortController::new() else {
            return;
        };
        let answer = Rc::new(RefCell::new(None));
        let mut settle = None;
        let done = js_sys::Promise::new(&mut |resolve, _| settle = Some(resolve));
        let path = endpoint.path().to_owned();
        let call = Fetcher::new(session, controller.signal()).fetch(endpoint);
        {
            let answer = answer.clone();
            spawn_local(async move {
                *answer.borrow_mut() = Some(call.await);
                if let Some(settle) = settle {
                    let _ = settle.call0(&JsValue::NULL);
                }
            });
        }
        *self.0.borrow_mut() = Some(Asked {
            path,
            at_ms: js_sys::Date::now(),
            controller,
            done,
            answer,
        });
    }

    /// The answer to `endpoint` when it was asked for in the last few seconds and not taken,
    /// from then on aborted with what `fetcher` asks; `None` leaves the caller to ask.
    pub fn take(
        &self,
        fetcher: &Fetcher,
        endpoint: &Endpoint<ActivityPage>,
    ) -> Option<impl Future<Output = Result<ActivityPage, ApiError>> + 'static> {
        let mut slot = self.0.borrow_mut();
        let fresh = slot.as_ref().is_some_and(|asked| {
            asked.path == endpoint.path() && js_sys::Date::now() - asked.at_ms < FIRST_PAGE_FRESH_MS
        });
        let Asked {
            controller,
            done,
            answer,
            ..
        } = slot.take().filter(|_| fresh)?;
        let abort = EventListener::once(fetcher.signal(), "abort", move |_| controller.abort());
        Some(async move {
            let _ = JsFuture::from(done).await;
            drop(abort);
            answer.borrow_mut().take().unwrap_or(Err(ApiError::Aborted))
        })
    }
}
