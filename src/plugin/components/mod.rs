//! The widgets the views share, one per file: [`panels`] (loading, empty, failed), [`tabs`],
//! [`detail_line`] (a detail of an activity), [`virtual_rows`] (a long list with only the
//! rows in view in the DOM), [`owner_picker`] (a manager's choice of whose records a tab
//! shows) and [`freshness`] (the live feed's "Live" or "Reconnecting…").

pub mod detail_line;
pub mod freshness;
pub mod owner_picker;
pub mod panels;
pub mod tabs;
pub mod virtual_rows;
