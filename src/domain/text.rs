//! Unicode case folding for searches and comparisons. In the browser it is the engine's own
//! `toLowerCase`/`toUpperCase` (the same Unicode default case mapping as Rust's), which keeps
//! Rust's case tables (about 30 KB) out of the wasm; natively it is Rust's. The browser test
//! `case_folding_in_the_browser_covers_unicode` checks the two agree.

/// `text` in lower case (full Unicode, locale-independent).
pub fn lowercase(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}

/// `text` in upper case (full Unicode, locale-independent).
pub fn uppercase(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).to_upper_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_uppercase()
    }
}
