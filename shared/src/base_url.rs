//! The one rule for a base URL the functions send credentials to (Moodle, Zoho's accounts and
//! API domains, the queues): `https://` everywhere, plain `http://` only for a loopback host (a
//! local Moodle, the Zoho simulator, moto), and no user name or password in it. Configuration
//! applies it to its variables at cold start; the Zoho client applies it to the `api_domain`
//! that Zoho's token endpoint answers, since every CRM request carries the access token there.

/// `value` checked and without a trailing slash, or why it is refused (a sentence that names no
/// variable: the caller knows which value it checked).
pub fn check(value: &str) -> Result<String, &'static str> {
    let trimmed = value.trim_end_matches('/');
    if trimmed.contains(char::is_whitespace) {
        return Err("must be an https URL such as https://host.example (it contains a space)");
    }
    let url = reqwest::Url::parse(trimmed).map_err(|_| "must be an https URL such as https://host.example")?;
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err("must be an https URL such as https://host.example (no host)");
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password");
    }
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(trimmed.to_owned()),
        "http" if loopback => Ok(trimmed.to_owned()),
        "http" => {
            Err("must use https:// (plain http:// is allowed only for a loopback host such as 127.0.0.1 or localhost)")
        }
        _ => Err("must be an https URL such as https://host.example"),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert_eq!(check("https://www.zohoapis.eu/").as_deref(), Ok("https://www.zohoapis.eu"));
        for loopback in ["http://127.0.0.1:8085", "http://localhost:9", "http://[::1]:5055", "http://127.9.9.9"] {
            assert!(check(loopback).is_ok(), "{loopback}");
        }
        for refused in [
            "http://www.zohoapis.com",
            "http://10.0.0.5",
            "ftp://www.zohoapis.com",
            "www.zohoapis.com",
            "https://user:pass@www.zohoapis.com",
            "https://www.zoho apis.com",
            "https://",
            "",
        ] {
            assert!(check(refused).is_err(), "{refused:?} must be refused");
        }
    }
}
