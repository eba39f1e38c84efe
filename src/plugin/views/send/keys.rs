//! Send's idempotency keys, as a context of their own: provided once for the plugin's life
//! (above every view, so a Send view that is left and opened again finds its keys), and read
//! by the Send view only.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::domain::compose::{SendKey, SendKeys};
use crate::plugin::browser::{random_key, window};

/// The `Idempotency-Key` of every message sent from this plugin instance. Cheap to clone;
/// clones share the keys.
#[derive(Clone, Default)]
pub struct SendKeysContext(Rc<RefCell<SendKeys>>);

impl PartialEq for SendKeysContext {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl SendKeysContext {
    /// The `Idempotency-Key` for a message fingerprint, and whether a send with it was already
    /// answered. Remembered in memory for the plugin's life (so a retry after a timeout reuses
    /// it even where the browser refuses storage) and copied to `sessionStorage` (a random key,
    /// no record data) so a reload of the same compose finds it again.
    pub fn key_for(&self, fingerprint: &str) -> SendKey {
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
        let key = self.0.borrow_mut().key_for(fingerprint, stored, random_key);
        if let Some(storage) = &storage {
            let _ = storage.set_item(&name, &key.key);
            let _ = storage.set_item(&format!("crm-sidebar.key.{}", key.key), &name);
        }
        key
    }

    /// Remembers that the send with `key` was answered (its notes were logged). Returns whether
    /// it is the first answer under that key.
    pub fn mark_answered(&self, key: &str) -> bool {
        let first = self.0.borrow_mut().mark_answered(key);
        if let Some(storage) = window().session_storage().ok().flatten() {
            if let Ok(Some(name)) = storage.get_item(&format!("crm-sidebar.key.{key}")) {
                let _ = storage.set_item(&format!("{name}.answered"), "1");
            }
        }
        first
    }
}

/// Holds the keys for as long as it is mounted: mount it where it lives as long as the plugin.
/// (A hook rather than a component of its own: it is called once, by the sidebar.)
#[hook]
pub fn use_send_keys_provider() -> SendKeysContext {
    (*use_memo((), |()| SendKeysContext::default())).clone()
}

/// The keys provided above the view (see [`use_send_keys_provider`]).
#[hook]
pub fn use_send_keys() -> SendKeysContext {
    use_context::<SendKeysContext>()
        .expect("the Send view is only mounted under the keys' ContextProvider")
}
