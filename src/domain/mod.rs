//! Pure logic of the plugin's views (no browser, no I/O), unit-tested natively.
//!
//! - [`activity_filters`]: what the user filters the history by, and the query string it becomes.
//! - [`activity_history`]: the history view's state and every change to it, as one reducer.
//! - [`activity_details`]: the detail lines an expanded activity shows.
//! - [`record_page`]: a record's page: its tabs and the reloads of marketing's data.
//! - [`timeline`]: the engagement chart's arithmetic; [`timeline_view`]: the Timeline tab's
//!   choices (period, emails only, the selected bucket).
//! - [`virtual_list`]: which rows of a long list are worth putting in the DOM; [`paging`]: a
//!   list the API serves a page at a time, by cursor.
//! - [`time`]: calendar days and relative times, without a time zone database.
//! - [`session`]: when to ask the host for a fresh token.
//! - [`live_feed`]: following the live feed of new activity: its scope, its server-sent events,
//!   and the waits between reconnections.
//! - [`wording`]: the words a sales user reads (profile fields, names, a selection of records);
//!   [`email_policy`]: who marketing may email, and how it says why not.
//! - [`programs`]: the Programs view's selection, search and enrolment outcomes.
//! - [`programs_view`]: the Programs view as one reducer, and what its Enrol button says.
//! - [`prospects`]: the hot-prospects view as one reducer, and its words.
//! - [`dashboard`]: the sales dashboard as one reducer, a send's rates and the visitors' groups.
//! - [`owners`]: whose records a view a manager can widen shows (hot prospects, the dashboard).
//! - [`compose`]: the Send view's message, its one idempotent send and what follows it;
//!   [`crm_notes`]: the CRM notes it logs, fitted to the CRM, until the host says they are stored.
//! - [`schedule`]: when a send goes out, and why a typed time cannot be used.
//! - [`text`]: case folding for searches and comparisons.
//! - [`merge`]: merge fields and their rendering; [`preflight`]: who an email may go to.

pub mod activity_details;
pub mod activity_filters;
pub mod activity_history;
pub mod compose;
pub mod crm_notes;
pub mod dashboard;
pub mod email_policy;
pub mod live_feed;
pub mod merge;
pub mod owners;
pub mod paging;
pub mod preflight;
pub mod programs;
pub mod programs_view;
pub mod prospects;
pub mod record_page;
pub mod schedule;
pub mod session;
pub mod text;
pub mod time;
pub mod timeline;
pub mod timeline_view;
pub mod virtual_list;
pub mod wording;
