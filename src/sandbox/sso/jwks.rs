//! The signing keys of Entra connections, fetched from their JWKS URLs and kept: a key id not
//! seen yet makes the set be fetched again, at most once a minute per URL, and a set is fetched
//! afresh after a day, so keys Microsoft rolls over come in and keys it drops go.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;

/// The least time between two fetches of one URL for an unknown key id.
pub const REFETCH_AFTER: Duration = Duration::from_secs(60);
/// How long a fetched set is used before it is fetched again anyway.
const MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);
/// Microsoft's key set is a few kilobytes.
const MAX_BYTES: usize = 512 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Why no key was found.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    /// The set has no RSA key with this id.
    Unknown,
    /// The set could not be fetched, and none is kept.
    Unavailable,
}

#[derive(Default)]
struct KeySet {
    keys: Vec<Jwk>,
    /// When the last fetch was tried, whether it worked or not: an unreachable server is not
    /// asked more often than a reachable one.
    fetched_at: Option<Instant>,
}

impl KeySet {
    fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys
            .iter()
            .find(|key| key.common.key_id.as_deref() == Some(kid))
    }
}

/// The key sets of every JWKS URL asked for so far, and the one HTTP client that fetches them.
pub struct KeySets {
    client: reqwest::Client,
    sets: Mutex<HashMap<String, Arc<tokio::sync::Mutex<KeySet>>>>,
    refetch_after: Duration,
}

impl Default for KeySets {
    fn default() -> Self {
        KeySets::new()
    }
}

impl KeySets {
    pub fn new() -> KeySets {
        KeySets {
            client: reqwest::Client::builder()
                .timeout(FETCH_TIMEOUT)
                // A key set is where the connection says it is, not where that page points.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("the TLS backend initializes"),
            sets: Mutex::new(HashMap::new()),
            refetch_after: REFETCH_AFTER,
        }
    }

    /// The RSA key `kid` of the set at `url`.
    pub async fn key(&self, url: &str, kid: &str) -> Result<DecodingKey, KeyError> {
        let set = {
            let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
            sets.entry(url.to_owned()).or_default().clone()
        };
        // One fetch per URL at a time: requests that wait for it find the keys it brought.
        let mut set = set.lock().await;
        let stale = set.fetched_at.is_none_or(|at| at.elapsed() >= MAX_AGE);
        let may_refetch = set
            .fetched_at
            .is_some_and(|at| at.elapsed() >= self.refetch_after);
        if stale || (set.find(kid).is_none() && may_refetch) {
            set.fetched_at = Some(Instant::now());
            match self.fetch(url).await {
                Ok(keys) => set.keys = keys,
                // A set kept from before stays in use while its server is down.
                Err(error) => tracing::warn!("cannot fetch the signing keys at {url}: {error}"),
            }
        }
        match set.find(kid) {
            Some(key) => DecodingKey::from_jwk(key).map_err(|_| KeyError::Unknown),
            None if set.keys.is_empty() => Err(KeyError::Unavailable),
            None => Err(KeyError::Unknown),
        }
    }

    /// The RSA signing keys with an id in the set at `url`; other keys are left out, so one
    /// key of a kind jsonwebtoken does not read cannot spoil the set.
    async fn fetch(&self, url: &str) -> Result<Vec<Jwk>, String> {
        #[derive(Deserialize)]
        struct Set {
            keys: Vec<serde_json::Value>,
        }
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BYTES {
                return Err(format!("more than {MAX_BYTES} bytes"));
            }
        }
        let set: Set = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(set
            .keys
            .into_iter()
            .filter_map(|key| serde_json::from_value::<Jwk>(key).ok())
            .filter(|key| {
                key.common.key_id.is_some()
                    && matches!(key.algorithm, AlgorithmParameters::RSA(_))
                    && matches!(key.common.key_algorithm, None | Some(KeyAlgorithm::RS256))
                    && matches!(
                        key.common.public_key_use,
                        None | Some(PublicKeyUse::Signature)
                    )
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// An RSA public key as a JWK; its numbers need not make a real key to be looked up.
    fn rsa_jwk(kid: &str) -> Value {
        json!({"kty": "RSA", "use": "sig", "kid": kid, "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"})
    }

    /// Serves `keys` (which the test may change) on loopback and counts the fetches.
    async fn serve(keys: Arc<Mutex<Vec<Value>>>) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let fetches = Arc::new(AtomicUsize::new(0));
        let counted = fetches.clone();
        let app = axum::Router::new().route(
            "/keys",
            axum::routing::get(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                let body = json!({"keys": keys.lock().unwrap().clone()});
                async move { axum::Json(body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/keys", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, fetches)
    }

    #[tokio::test]
    async fn a_key_rolled_over_is_found_once_the_set_may_be_fetched_again() {
        use std::sync::atomic::Ordering;
        let served = Arc::new(Mutex::new(vec![rsa_jwk("old")]));
        let (url, fetches) = serve(served.clone()).await;
        let mut sets = KeySets::new();
        sets.refetch_after = Duration::from_secs(3600);
        assert!(sets.key(&url, "old").await.is_ok());
        served.lock().unwrap().push(rsa_jwk("new"));
        assert_eq!(sets.key(&url, "new").await.err(), Some(KeyError::Unknown));
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "within the wait, no fetch"
        );

        sets.refetch_after = Duration::ZERO;
        assert!(sets.key(&url, "new").await.is_ok());
        assert!(sets.key(&url, "old").await.is_ok());
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            2,
            "a known key needs no fetch"
        );
    }

    #[tokio::test]
    async fn only_rsa_signing_keys_are_kept() {
        let served = Arc::new(Mutex::new(vec![
            json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}),
            json!({"kid": "broken"}),
            {
                let mut encryption = rsa_jwk("encryption");
                encryption["use"] = json!("enc");
                encryption
            },
            {
                let mut other = rsa_jwk("rs512");
                other["alg"] = json!("RS512");
                other
            },
            rsa_jwk("good"),
        ]));
        let (url, _) = serve(served).await;
        let sets = KeySets::new();
        assert!(sets.key(&url, "good").await.is_ok());
        for kid in ["hmac", "broken", "encryption", "rs512"] {
            assert_eq!(
                sets.key(&url, kid).await.err(),
                Some(KeyError::Unknown),
                "{kid}"
            );
        }
    }

    #[tokio::test]
    async fn a_set_that_cannot_be_fetched_is_unavailable() {
        let sets = KeySets::new();
        let error = sets.key("http://127.0.0.1:9/keys", "any").await.err();
        assert_eq!(error, Some(KeyError::Unavailable));
    }
}
