//! JSON text in and out of the wire types. Natively through serde_json. In the browser the text
//! is parsed by the browser's own `JSON.parse` and the typed value is read from the result with
//! serde-wasm-bindgen, so no JSON text parser (nor its number parsing) is compiled into the
//! wasm.

use serde::de::DeserializeOwned;

/// Why a text is not the JSON of the type asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// `text` as a `T`.
#[cfg(not(target_arch = "wasm32"))]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error(e.to_string()))
}

/// `text` as a `T`.
#[cfg(target_arch = "wasm32")]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let value = parse(text)?;
    serde_wasm_bindgen::from_value(value).map_err(|e| Error(e.to_string()))
}

/// Not generic, so it is in the wasm once.
#[cfg(target_arch = "wasm32")]
fn parse(text: &str) -> Result<wasm_bindgen::JsValue, Error> {
    js_sys::JSON::parse(text).map_err(|_| Error("not JSON".into()))
}
