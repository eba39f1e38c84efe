//! The views the host shows, a folder each: the view's component in its `mod.rs`, its
//! sub-components one per file, and its state as a reducer whose logic lives in
//! [`crate::domain`], where it is pure and tested without a browser.
//!
//! - [`record`]: a record's page: its header, its tabs and their panels.
//! - [`activity`]: the Activity tab, a record's marketing history, page by page.
//! - [`timeline`]: the Timeline tab, a record's interactions drawn over time.
//! - [`send`]: Send email, to a record or a list view's selection.
//! - [`programs`]: Program enrolment, of a record or a list view's selection.
//! - [`hot_prospects`]: the most engaged records of a rep or a team (a CRM tab).
//! - [`dashboard`]: a rep's or a team's sent messages and website visitors (a CRM tab).

//!
//! Each mount's bundle compiles only its own views (the crate's `views-*` features, see
//! Cargo.toml): a view left out costs the bundle no bytes, and [`crate::plugin::app`] answers a
//! context for it with a notice.

#[cfg(feature = "views-record")]
pub mod activity;
#[cfg(feature = "views-tab")]
pub mod dashboard;
#[cfg(feature = "views-tab")]
pub mod hot_prospects;
#[cfg(feature = "views-actions")]
pub mod programs;
#[cfg(feature = "views-record")]
pub mod record;
#[cfg(feature = "views-actions")]
pub mod send;
#[cfg(feature = "views-record")]
pub mod timeline;

use std::rc::Rc;

/// A reducer's step for a state that applies its own actions (`apply` says whether one changed
/// it): the same state when nothing changed, so the view does not render again.
pub fn applied<S: Clone, A>(state: Rc<S>, action: A, apply: fn(&mut S, A) -> bool) -> Rc<S> {
    let mut next = (*state).clone();
    if apply(&mut next, action) {
        Rc::new(next)
    } else {
        state
    }
}
