//! One component per file. Top-down: [`record_view`] is a record's page (header, tabs, panels);
//! [`activity_history`] is the Activity tab, which fetches and filters, and [`activity_list`] its
//! virtualized list of [`activity_row`]s.

pub mod activity_history;
pub mod activity_list;
pub mod activity_row;
pub mod filter_bar;
pub mod panels;
pub mod record_header;
pub mod record_view;
pub mod tabs;
pub mod timeline;
pub mod timeline_bucket;
pub mod timeline_chart;
pub mod timeline_export;
pub mod virtual_rows;
