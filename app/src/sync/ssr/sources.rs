//! A source as typed, checked: every number within its limits, the address a URL, the search's lists
//! well-formed, the credentials complete; the secret sealed. One checker for the settings page and the
//! operator's `gwm-crm sources add`.

use super::{adapter_for, credentials::Credentials, queries::NewSource};
use crate::{
    error::AppError,
    sync::{AuthKind, SearchCriteria, SourceInput, SourceKind},
};

fn invalid<T>(message: impl Into<String>) -> Result<T, AppError> {
    Err(AppError::Validation(message.into()))
}

fn number(label: &str, raw: &str, default: i32, range: std::ops::RangeInclusive<i32>) -> Result<i32, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(default);
    }
    match raw.parse::<i32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => invalid(format!("{label} must be a whole number from {} to {}.", range.start(), range.end())),
    }
}

fn list(raw: &str) -> Vec<String> {
    raw.split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Checks what was typed and seals the secret. `secret` is the API key, password or client secret.
pub fn check(input: &SourceInput, secret: Option<&str>, key: &[u8; 32]) -> Result<NewSource, AppError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return invalid("The source's name must be 1 to 100 characters.");
    }
    let kind: SourceKind = input.kind.parse().map_err(|_| {
        AppError::Validation(
            "Choose the kind of source: SAM.gov (sam_gov) or a GWM opportunity feed (gwm_feed).".into(),
        )
    })?;
    let endpoint = input.endpoint.trim().trim_end_matches('/');
    let url_ok =
        reqwest::Url::parse(endpoint).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !url_ok || endpoint.len() > 500 {
        return invalid("The address must be an http(s) URL of at most 500 characters, like https://api.sam.gov.");
    }
    let auth: AuthKind = input
        .auth
        .parse()
        .map_err(|_| AppError::Validation("Choose how to sign in: none, api_key, basic_auth or oauth2.".into()))?;
    let secret = secret.map(str::to_string).unwrap_or_default();
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_string();
    let credentials = match auth {
        AuthKind::None => Credentials::None,
        AuthKind::ApiKey => Credentials::ApiKey { key: secret },
        AuthKind::BasicAuth => Credentials::Basic { username: text(&input.username), password: secret },
        AuthKind::OAuth2 => Credentials::OAuth2 {
            token_url: text(&input.token_url),
            client_id: text(&input.client_id),
            client_secret: secret,
            scope: Some(text(&input.scope)).filter(|s| !s.is_empty()),
        },
    };
    if kind == SourceKind::SamGov && auth != AuthKind::ApiKey {
        return invalid("SAM.gov signs in with an API key: choose api_key.");
    }
    credentials.validate()?;
    let max_page = i32::try_from(adapter_for(kind).max_page_size()).unwrap_or(1000);
    let criteria = SearchCriteria {
        posted_within_days: u16::try_from(number(
            "The posted window",
            &input.posted_within_days,
            30,
            1..=i32::from(SearchCriteria::MAX_DAYS),
        )?)
        .unwrap_or(30),
        naics_codes: list(&input.naics_codes),
        set_asides: list(&input.set_asides),
        notice_types: list(&input.notice_types),
        keywords: Some(input.keywords.trim().to_string()).filter(|k| !k.is_empty()),
    };
    if criteria.naics_codes.len() > 50
        || criteria.naics_codes.iter().any(|c| !(2..=6).contains(&c.len()) || !c.chars().all(|d| d.is_ascii_digit()))
    {
        return invalid("NAICS codes are 2 to 6 digits each, at most 50 of them (e.g. 541512, 541519).");
    }
    for (label, values) in [("set-asides", &criteria.set_asides), ("notice types", &criteria.notice_types)] {
        if values.len() > 20 || values.iter().any(|v| v.chars().count() > 50) {
            return invalid(format!("List at most 20 {label}, each at most 50 characters."));
        }
    }
    if criteria.keywords.as_ref().is_some_and(|k| k.chars().count() > 200) {
        return invalid("Keywords must be at most 200 characters.");
    }
    Ok(NewSource {
        name: name.to_string(),
        kind,
        endpoint: endpoint.to_string(),
        auth,
        sealed_credentials: credentials.seal(key)?,
        credential_hint: credentials.hint(),
        rate_limit_per_hour: number("The rate limit per hour", &input.rate_limit_per_hour, 1000, 1..=100_000)?,
        timeout_seconds: number("The timeout", &input.timeout_seconds, 30, 1..=600)?,
        retry_attempts: number("The retry attempts", &input.retry_attempts, 3, 0..=10)?,
        page_size: number("The page size", &input.page_size, max_page, 1..=max_page)?,
        criteria,
        polling_frequency_minutes: number("The polling frequency", &input.polling_frequency_minutes, 60, 5..=10_080)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sam() -> SourceInput {
        SourceInput {
            name: "SAM.gov".into(),
            kind: "sam_gov".into(),
            endpoint: "https://api.sam.gov/".into(),
            auth: "api_key".into(),
            naics_codes: "541512, 541519".into(),
            ..SourceInput::default()
        }
    }

    #[test]
    fn a_source_is_checked_with_messages_that_say_what_to_fix() {
        let key = [1u8; 32];
        let ok = check(&sam(), Some("abcd-efgh-1234"), &key).unwrap();
        assert_eq!(
            (ok.endpoint.as_str(), ok.page_size, ok.polling_frequency_minutes),
            ("https://api.sam.gov", 1000, 60)
        );
        assert_eq!(ok.criteria.naics_codes, ["541512", "541519"]);
        assert_eq!(ok.credential_hint.as_deref(), Some("1234"));
        for (change, says) in [
            (SourceInput { page_size: "1001".into(), ..sam() }, "page size"),
            (SourceInput { page_size: "-1".into(), ..sam() }, "page size"),
            (SourceInput { timeout_seconds: "9999999999".into(), ..sam() }, "timeout"),
            (SourceInput { polling_frequency_minutes: "1".into(), ..sam() }, "polling frequency"),
            (SourceInput { posted_within_days: "366".into(), ..sam() }, "posted window"),
            (SourceInput { naics_codes: "54151x".into(), ..sam() }, "NAICS"),
            (SourceInput { endpoint: "ftp://x".into(), ..sam() }, "http(s) URL"),
            (SourceInput { name: "x".repeat(101), ..sam() }, "1 to 100"),
            (SourceInput { kind: "rss".into(), ..sam() }, "kind of source"),
            (SourceInput { auth: "none".into(), ..sam() }, "API key"),
        ] {
            let e = check(&change, Some("abcd-efgh-1234"), &key).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
        assert!(check(&sam(), None, &key).unwrap_err().to_string().contains("secret"));
    }
}
