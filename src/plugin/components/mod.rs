//! The widgets the views share, one per file: [`panels`] (loading, empty, failed), [`tabs`],
//! [`detail_line`] (a detail of an activity),
//! [`virtual_rows`] (a long list with only the rows in view in the DOM), and, until they move
//! into views of their own, the Send, Programs and Hot Prospects views.

pub mod detail_line;
pub mod hot_prospects;
pub mod panels;
pub mod programs;
pub mod send_email;
pub mod send_results;
pub mod tabs;
pub mod virtual_rows;
