//! Marketing sidebar for CRMs, in layers that import only the ones before them.
//!
//! - [`wire`]: the API contract shared by the plugin and the sandbox.
//! - [`host_origins`]: which CRM origins may embed the plugin (exact or by pattern).
//! - [`protocol`]: the host bridge protocol `crm-sidebar/1`.
//! - [`domain`]: the pure logic of the plugin's views (their state and actions, paging, wording),
//!   unit-tested natively.
//! - `plugin` (wasm only): the Yew app shown in the CRM's iframe.
//! - `sandbox` (feature `sandbox`, native only): a real HTTP implementation of the marketing
//!   platform API on SQLite, for the demo, the tests and the benchmarks.
//! - `dist` (feature `dist`, native only): Trunk's release output made ready to deliver.

pub mod domain;
pub mod host_origins;
pub mod protocol;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod plugin;

#[cfg(all(feature = "sandbox", not(target_arch = "wasm32")))]
pub mod sandbox;

#[cfg(all(feature = "dist", not(target_arch = "wasm32")))]
pub mod dist;
