//! The views the host shows, one folder each: the view's component in its `mod.rs`, its
//! sub-components one per file, its state as a reducer (whose logic lives in
//! [`crate::domain`] where it is pure).
//!
//! - [`activity`]: a record's marketing history, filtered, newest first, page by page.

pub mod activity;
