//! Wire types of templates, pre-flight, sends and resubscribe requests (issue: Send email).
