//! The plugin's entry point, built by Trunk for wasm32.

#[cfg(target_arch = "wasm32")]
fn main() {
    crm_sidebar::plugin::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The plugin runs in a browser: build it with `trunk build`. The API is the `sandbox` binary.");
}
