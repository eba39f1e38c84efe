//! The widgets the views share, one per file: [`panels`] (loading, empty, failed), [`tabs`],
//! [`detail_line`] (a detail of an activity), [`virtual_rows`] (a long list with only the
//! rows in view in the DOM) and [`owner_picker`] (a manager's choice of whose records a tab
//! shows).

pub mod detail_line;
pub mod owner_picker;
pub mod panels;
pub mod tabs;
pub mod virtual_rows;
