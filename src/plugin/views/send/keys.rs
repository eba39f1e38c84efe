//! Send's idempotency keys.

use std::cell::RefCell;

use crate::domain::compose::{SendKey, SendKeys};
use crate::plugin::{random_key, window};
/// The `Idempotency-Key` for a message fingerprint, and whether a send with it was already
/// answered. Remembered in memory for the plugin's life (so a retry after a timeout reuses it
/// even where the browser refuses storage) and copied to `sessionStorage` (a random key, no
/// record data) so a reload of the same compose finds it again.
pub fn idempotency_key(keys: &RefCell<SendKeys>, fingerprint: &str) -> SendKey {
    let storage = window().session_storage().ok().flatten();
    let name = format!("crm-sidebar.send.{fingerprint}");
    let stored = || {
        let storage = storage.as_ref()?;
        let key = storage.get_item(&name).ok().flatten()?;
        let answered = storage
            .get_item(&format!("{name}.answered"))
            .ok()
            .flatten()
            .is_some();
        Some(SendKey { key, answered })
    };
    let key = keys.borrow_mut().key_for(fingerprint, stored, random_key);
    if let Some(storage) = &storage {
        let _ = storage.set_item(&name, &key.key);
        let _ = storage.set_item(&format!("crm-sidebar.key.{}", key.key), &name);
    }
    key
}

/// Remembers that the send with `key` was answered (its notes were logged). Returns whether it
/// is the first answer under that key.
pub fn mark_answered(keys: &RefCell<SendKeys>, key: &str) -> bool {
    let first = keys.borrow_mut().mark_answered(key);
    if let Some(storage) = window().session_storage().ok().flatten() {
        if let Ok(Some(name)) = storage.get_item(&format!("crm-sidebar.key.{key}")) {
            let _ = storage.set_item(&format!("{name}.answered"), "1");
        }
    }
    first
}
