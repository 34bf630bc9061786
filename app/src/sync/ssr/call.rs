//! One call to a source: the address checked against internal networks (unless private fetches are
//! allowed), credentials added where the adapter says, the answer read within limits, and an `Exchange`
//! that says what happened in words that never carry a secret (reqwest's own errors name the URL, which
//! can hold an API key: they are never formatted).

use super::{
    adapter::{Adapter, KeyPlacement, PageRequest},
    credentials::Credentials,
};
use crate::outbound;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::{StatusCode, Url, header::HeaderMap};
use std::time::{Duration, Instant};

/// The largest page body read (a 1,000-record SAM.gov page is about 5 MB).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Why a call gave no usable body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallFailure {
    /// The source's address or credentials cannot be used: nothing to retry.
    #[error("{0}")]
    Refused(String),
    #[error("the source did not answer in time")]
    Timeout,
    #[error("the source could not be reached")]
    Connection,
    #[error("the connection broke before the answer was complete")]
    Interrupted,
    #[error("the source refused the credentials (HTTP {0})")]
    Unauthorized(u16),
    #[error("the source asked us to slow down (HTTP 429)")]
    TooMany,
    #[error("the source answered HTTP {0}")]
    Status(u16),
    #[error("the answer was larger than {} MiB", MAX_BODY_BYTES / 1024 / 1024)]
    TooLarge,
}

impl CallFailure {
    /// Worth trying again within the same poll.
    pub fn retryable(&self) -> bool {
        match self {
            CallFailure::Timeout | CallFailure::Connection | CallFailure::Interrupted => true,
            CallFailure::Status(code) => *code >= 500 || *code == 408,
            _ => false,
        }
    }
}

/// What one call did, for the integration log and the poll.
#[derive(Debug)]
pub struct Exchange {
    /// Path and query, credentials removed.
    pub endpoint: String,
    pub method: &'static str,
    pub status: Option<u16>,
    pub elapsed_ms: i32,
    pub rate_limit_remaining: Option<i32>,
    pub rate_limit_reset_at: Option<DateTime<Utc>>,
    pub retry_after: Option<Duration>,
    pub outcome: Result<Bytes, CallFailure>,
}

enum Auth {
    None,
    Query(&'static str, String),
    Header(&'static str, String),
    Basic(String, String),
    Bearer(String),
}

/// A source ready to be called: the checked client, its base address and how to sign in.
pub struct Connection {
    client: reqwest::Client,
    base: Url,
    auth: Auth,
}

impl Connection {
    /// Checks the address and prepares the client. OAuth2 sources get their token here (an exchange that
    /// is logged like any other).
    pub async fn open(
        base: &str,
        adapter: &dyn Adapter,
        credentials: &Credentials,
        timeout: Duration,
        allow_private: bool,
    ) -> (Result<Connection, CallFailure>, Option<Exchange>) {
        let base = match Url::parse(base.trim_end_matches('/')) {
            Ok(url) => url,
            Err(_) => return (Err(CallFailure::Refused("The source's address is not a valid URL.".into())), None),
        };
        let client = match outbound::client_for(&base, allow_private, timeout).await {
            Ok(client) => client,
            Err(e) => return (Err(CallFailure::Refused(format!("The source's address cannot be used: {e}."))), None),
        };
        let auth = match credentials {
            Credentials::None => Auth::None,
            Credentials::ApiKey { key } => match adapter.api_key_placement() {
                KeyPlacement::Query(name) => Auth::Query(name, key.clone()),
                KeyPlacement::Header(name) => Auth::Header(name, key.clone()),
            },
            Credentials::Basic { username, password } => Auth::Basic(username.clone(), password.clone()),
            Credentials::OAuth2 { token_url, client_id, client_secret, scope } => {
                let (token, exchange) =
                    fetch_token(token_url, client_id, client_secret, scope.as_deref(), timeout, allow_private).await;
                match token {
                    Ok(token) => Auth::Bearer(token),
                    Err(e) => return (Err(e), exchange),
                }
            }
        };
        (Ok(Connection { client, base, auth }), None)
    }

    /// GETs one page.
    pub async fn get(&self, request: &PageRequest) -> Exchange {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{}", self.base.path().trim_end_matches('/'), request.path));
        let endpoint = {
            let mut shown = url.clone();
            shown.query_pairs_mut().extend_pairs(&request.query);
            format!("{}{}", shown.path(), shown.query().map(|q| format!("?{q}")).unwrap_or_default())
        };
        url.query_pairs_mut().extend_pairs(&request.query);
        let mut builder = self.client.get(url.clone()).header("accept", "application/json");
        match &self.auth {
            Auth::None => {}
            Auth::Query(name, key) => {
                url.query_pairs_mut().append_pair(name, key);
                builder = self.client.get(url).header("accept", "application/json");
            }
            Auth::Header(name, key) => builder = builder.header(*name, key),
            Auth::Basic(user, password) => builder = builder.basic_auth(user, Some(password)),
            Auth::Bearer(token) => builder = builder.bearer_auth(token),
        }
        send(builder, endpoint, "GET").await
    }
}

async fn send(builder: reqwest::RequestBuilder, endpoint: String, method: &'static str) -> Exchange {
    let started = Instant::now();
    let mut exchange = Exchange {
        endpoint: endpoint.chars().take(500).collect(),
        method,
        status: None,
        elapsed_ms: 0,
        rate_limit_remaining: None,
        rate_limit_reset_at: None,
        retry_after: None,
        outcome: Err(CallFailure::Connection),
    };
    let outcome = match builder.send().await {
        Err(e) => Err(if e.is_timeout() { CallFailure::Timeout } else { CallFailure::Connection }),
        Ok(mut res) => {
            let status = res.status();
            exchange.status = Some(status.as_u16());
            read_limits(res.headers(), &mut exchange);
            let mut body = Vec::new();
            let mut read = Ok(());
            loop {
                match res.chunk().await {
                    Ok(Some(chunk)) if body.len() + chunk.len() > MAX_BODY_BYTES => {
                        read = Err(CallFailure::TooLarge);
                        break;
                    }
                    Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                    Ok(None) => break,
                    Err(e) => {
                        read = Err(if e.is_timeout() { CallFailure::Timeout } else { CallFailure::Interrupted });
                        break;
                    }
                }
            }
            match (status, read) {
                (StatusCode::TOO_MANY_REQUESTS, _) => Err(CallFailure::TooMany),
                (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _) => {
                    Err(CallFailure::Unauthorized(status.as_u16()))
                }
                (s, _) if !s.is_success() => Err(CallFailure::Status(s.as_u16())),
                (_, Err(e)) => Err(e),
                (_, Ok(())) => Ok(Bytes::from(body)),
            }
        }
    };
    exchange.elapsed_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    exchange.outcome = outcome;
    exchange
}

/// Rate-limit headers (`X-RateLimit-Remaining`, `X-RateLimit-Reset` as epoch seconds or seconds from now)
/// and `Retry-After` (seconds or an HTTP date).
fn read_limits(headers: &HeaderMap, exchange: &mut Exchange) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    exchange.rate_limit_remaining = header("x-ratelimit-remaining").and_then(|v| v.parse().ok());
    exchange.rate_limit_reset_at = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok()).and_then(|n| {
        if n > 1_000_000_000 { DateTime::from_timestamp(n, 0) } else { Some(Utc::now() + chrono::Duration::seconds(n)) }
    });
    exchange.retry_after = header("retry-after").and_then(retry_after);
}

/// A Retry-After value: seconds, or an HTTP date (at most a day ahead is honoured).
pub fn retry_after(value: &str) -> Option<Duration> {
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
            (at - Utc::now()).to_std().unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(Duration::from_secs(86_400)))
}

async fn fetch_token(
    token_url: &str,
    client_id: &str,
    client_secret: &str,
    scope: Option<&str>,
    timeout: Duration,
    allow_private: bool,
) -> (Result<String, CallFailure>, Option<Exchange>) {
    let Ok(url) = Url::parse(token_url) else {
        return (Err(CallFailure::Refused("The token URL is not a valid URL.".into())), None);
    };
    let client = match outbound::client_for(&url, allow_private, timeout).await {
        Ok(client) => client,
        Err(e) => return (Err(CallFailure::Refused(format!("The token URL cannot be used: {e}."))), None),
    };
    let mut form = vec![("grant_type", "client_credentials")];
    form.extend(scope.map(|s| ("scope", s)));
    let builder = client.post(url.clone()).basic_auth(client_id, Some(client_secret)).form(&form);
    let mut exchange = send(builder, url.path().to_string(), "POST").await;
    let token = match &exchange.outcome {
        Ok(body) => serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("access_token").and_then(|t| t.as_str()).map(str::to_string))
            .ok_or_else(|| CallFailure::Refused("The token endpoint's answer has no access_token.".into())),
        Err(e) => Err(e.clone()),
    };
    if let Err(e) = &token {
        exchange.outcome = Err(e.clone());
    }
    // The token is a secret: the exchange keeps no body.
    exchange.outcome = exchange.outcome.map(|_| Bytes::new());
    (token, Some(exchange))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates_and_caps_at_a_day() {
        assert_eq!(retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("999999"), Some(Duration::from_secs(86_400)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO), "a past date: now");
        assert_eq!(retry_after("soon"), None);
        assert!(CallFailure::Status(503).retryable() && !CallFailure::Status(404).retryable());
        assert!(!CallFailure::Unauthorized(401).retryable() && !CallFailure::TooMany.retryable());
    }
}
