//! Hooks the views share, so that how a request lives with its view is written once.
//!
//! - [`fetch`]: [`use_fetch`] holds one answer as a [`Load`] (loading, loaded, failed with a
//!   retry); [`use_request`] hands answers to a view's own reducer. Both abort what is in flight
//!   when their dependencies change or the view unmounts.
//! - [`paging`]: [`use_pages`], a list the API serves a page at a time, built on [`use_request`].
//! - [`live_feed`]: [`use_live_feed`], the live feed of new activities (`GET /v1/events`) for a
//!   record or an owner, and how fresh the view is.

pub mod fetch;
pub mod live_feed;
pub mod paging;

pub use fetch::{use_fetch, use_request, Fetcher, Load, UseFetch};
pub use live_feed::{use_live_feed, FeedScope, Freshness, LiveNews};
pub use paging::{more_footer, typing_pause, use_pages, UsePages};
