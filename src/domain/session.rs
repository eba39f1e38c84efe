//! When to ask the host for a fresh token.

use chrono::{DateTime, Utc};

/// How long before expiry a token is renewed.
pub const REFRESH_LEAD_MS: i64 = 60_000;

/// How long the host has to answer a `tokenRequest`.
pub const TOKEN_ANSWER_TIMEOUT_MS: u32 = 10_000;

/// `setTimeout` fires at once for delays past 2^31 - 1 ms.
const MAX_TIMER_MS: i64 = i32::MAX as i64;

/// Milliseconds from `now` until the token expiring at `expires_at` should be renewed: about a
/// minute before expiry, but never later than half its remaining life, so a host that hands out
/// short tokens is not asked again in a tight loop. `None` for a token that arrived expired (a
/// host's clock or `expiresAt` is wrong): renewing it on a timer would only bring another one
/// like it, again and again, so it is renewed when the API says it expired, once per call.
pub fn refresh_delay_ms(now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Option<u32> {
    let remaining = (expires_at - now).num_milliseconds();
    if remaining <= 0 {
        return None;
    }
    let lead = REFRESH_LEAD_MS.min(remaining / 2);
    Some((remaining - lead).min(MAX_TIMER_MS) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_normal_token_is_renewed_a_minute_before_it_expires() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(
            refresh_delay_ms(now, now + Duration::seconds(900)),
            Some(840_000)
        );
    }

    #[test]
    fn a_short_token_is_renewed_at_half_life_and_an_expired_one_not_on_a_timer() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(
            refresh_delay_ms(now, now + Duration::seconds(30)),
            Some(15_000)
        );
        assert_eq!(refresh_delay_ms(now, now - Duration::seconds(1)), None);
        assert_eq!(refresh_delay_ms(now, now), None);
    }

    #[test]
    fn a_far_expiry_does_not_overflow_the_timer() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(
            refresh_delay_ms(now, now + Duration::days(365)),
            Some(i32::MAX as u32)
        );
    }
}
