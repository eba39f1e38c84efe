//! Which CRM pages may embed the plugin: the entries of `allowedHostOrigins` in
//! `manifest/plugin.json` are exact origins (`https://crm.example.com`) or patterns with a
//! leading wildcard (`https://*.crm4.dynamics.com`). The same list is the plugin page's
//! `frame-ancestors`, so a pattern matches here exactly what it matches there as a CSP host
//! source; the plugin, the sandbox's CORS and the CSP then agree on one list.

/// Whether `origin`, as a browser writes one (`scheme://host[:port]`, lower case, no default
/// port), is allowed by the entry `allowed`.
///
/// An exact entry must equal the origin. A pattern `scheme://*.suffix[:port]` needs the same
/// scheme and port, and a host made of one or more DNS labels followed by `.suffix`:
/// `https://*.crm4.dynamics.com` allows `https://contoso.crm4.dynamics.com` and
/// `https://eu.contoso.crm4.dynamics.com`, not `https://crm4.dynamics.com`, nor
/// `https://contoso.crm4.dynamics.com.evil.example`.
pub fn origin_matches(allowed: &str, origin: &str) -> bool {
    let Some((scheme, suffix)) = allowed.split_once("://*.") else {
        return allowed == origin;
    };
    let labels = origin
        .strip_prefix(scheme)
        .and_then(|rest| rest.strip_prefix("://"))
        .and_then(|rest| rest.strip_suffix(suffix))
        .and_then(|rest| rest.strip_suffix('.'));
    // What the wildcard stands for must be DNS labels, so that nothing else (a path, a user,
    // another port) can ride in front of the suffix.
    labels.is_some_and(are_dns_labels)
}

/// Whether `text` is one or more DNS labels as an origin writes them: lower-case letters,
/// digits and hyphens, separated by single dots.
pub fn are_dns_labels(text: &str) -> bool {
    text.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// Whether any entry of `allowed` allows `origin` (see [`origin_matches`]).
pub fn any_matches<S: AsRef<str>>(allowed: &[S], origin: &str) -> bool {
    allowed
        .iter()
        .any(|entry| origin_matches(entry.as_ref(), origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_origin_matches_only_itself() {
        assert!(origin_matches(
            "http://127.0.0.1:8788",
            "http://127.0.0.1:8788"
        ));
        for other in [
            "http://127.0.0.1:8789",
            "http://127.0.0.1:8788/",
            "https://127.0.0.1:8788",
            "http://localhost:8788",
            "",
        ] {
            assert!(!origin_matches("http://127.0.0.1:8788", other), "{other}");
        }
    }

    #[test]
    fn a_wildcard_stands_for_one_or_more_labels() {
        let pattern = "https://*.crm4.dynamics.com";
        assert!(origin_matches(pattern, "https://contoso.crm4.dynamics.com"));
        assert!(origin_matches(
            pattern,
            "https://eu-1.contoso.crm4.dynamics.com"
        ));
        assert!(origin_matches(pattern, "https://x1.crm4.dynamics.com"));
    }

    #[test]
    fn a_wildcard_needs_at_least_one_label_of_its_own() {
        let pattern = "https://*.crm4.dynamics.com";
        for origin in [
            "https://crm4.dynamics.com",
            "https://.crm4.dynamics.com",
            "https://a..crm4.dynamics.com",
            "https://xcrm4.dynamics.com",
        ] {
            assert!(!origin_matches(pattern, origin), "{origin}");
        }
    }

    #[test]
    fn a_wildcard_keeps_the_scheme_the_suffix_and_the_port() {
        let pattern = "https://*.crm4.dynamics.com";
        for origin in [
            "http://contoso.crm4.dynamics.com",
            "https://contoso.crm4.dynamics.com:8443",
            "https://contoso.crm4.dynamics.com.evil.example",
            "https://contoso.crm.dynamics.com",
            "wss://contoso.crm4.dynamics.com",
        ] {
            assert!(!origin_matches(pattern, origin), "{origin}");
        }
        let with_port = "http://*.localhost:8788";
        assert!(origin_matches(with_port, "http://crm.localhost:8788"));
        assert!(!origin_matches(with_port, "http://crm.localhost:8789"));
        assert!(!origin_matches(with_port, "http://crm.localhost"));
    }

    #[test]
    fn nothing_but_labels_can_stand_in_front_of_the_suffix() {
        let pattern = "https://*.my.salesforce.com";
        for origin in [
            "https://evil.example/.my.salesforce.com",
            "https://user@acme.my.salesforce.com",
            "https://evil.example:1.my.salesforce.com",
            "https://ACME.my.salesforce.com",
            "https://acme_1.my.salesforce.com",
            "https://acme .my.salesforce.com",
        ] {
            assert!(!origin_matches(pattern, origin), "{origin}");
        }
    }

    #[test]
    fn a_star_anywhere_but_in_front_matches_nothing() {
        assert!(!origin_matches("*", "https://crm.example.com"));
        assert!(!origin_matches(
            "https://crm.*.com",
            "https://crm.example.com"
        ));
        assert!(!origin_matches("https://*", "https://crm.example.com"));
    }

    #[test]
    fn a_list_allows_what_any_entry_allows() {
        let list = ["http://127.0.0.1:8788", "https://*.lightning.force.com"];
        assert!(any_matches(&list, "https://acme.lightning.force.com"));
        assert!(any_matches(&list, "http://127.0.0.1:8788"));
        assert!(!any_matches(&list, "https://acme.my.salesforce.com"));
        assert!(!any_matches::<&str>(&[], "http://127.0.0.1:8788"));
    }
}
