//! An error as an operator needs to read it: its own text followed by every cause, because
//! `reqwest`'s top-level text ("error sending request") hides the reason (refused, DNS, TLS).

/// `error: cause: cause …`. Callers only pass errors whose texts carry no secret.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn every_cause_follows_the_text() {
        let error = Outer(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused"));
        assert_eq!(super::with_causes(&error), "outer: connection refused");
    }
}
