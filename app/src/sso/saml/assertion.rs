//! Checks on the signed assertion itself: validity window, audience, bearer subject confirmation,
//! and attribute extraction. Only ever given content that xmlsec verified.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use samael::schema::Assertion;

use super::{SamlError, ServiceProvider};

const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

fn malformed(reason: &str) -> SamlError {
    SamlError::Malformed(reason.to_string())
}

/// Validity window and audience; returns `Conditions/@NotOnOrAfter`.
pub(super) fn check_conditions(
    assertion: &Assertion,
    sp: &ServiceProvider,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<Option<DateTime<Utc>>, SamlError> {
    let conditions = assertion.conditions.as_ref().ok_or(SamlError::AudienceMissing)?;
    if conditions.not_before.is_some_and(|nb| now + skew < nb) {
        return Err(SamlError::NotYetValid);
    }
    if conditions.not_on_or_after.is_some_and(|noa| now - skew >= noa) {
        return Err(SamlError::Expired);
    }
    let restrictions = conditions.audience_restrictions.as_deref().unwrap_or_default();
    if restrictions.is_empty() {
        return Err(SamlError::AudienceMissing);
    }
    // Several AudienceRestriction elements must all be satisfied.
    if !restrictions.iter().all(|r| r.audience.iter().any(|a| a.trim() == sp.entity_id)) {
        return Err(SamlError::AudienceMismatch);
    }
    Ok(conditions.not_on_or_after)
}

/// Some bearer `SubjectConfirmation` must pass every check; returns its `NotOnOrAfter`.
pub(super) fn check_subject_confirmation(
    assertion: &Assertion,
    sp: &ServiceProvider,
    expected_in_response_to: &str,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<DateTime<Utc>, SamlError> {
    let bearers = assertion
        .subject
        .iter()
        .flat_map(|s| s.subject_confirmations.iter().flatten())
        .filter(|c| c.method.as_deref() == Some(BEARER));
    let mut first_error = None;
    for confirmation in bearers {
        let verdict = (|| {
            let data = confirmation
                .subject_confirmation_data
                .as_ref()
                .ok_or_else(|| malformed("the bearer confirmation has no SubjectConfirmationData"))?;
            // The Web SSO profile requires the Recipient on a bearer confirmation: a response that names
            // neither Destination nor Recipient could be replayed to any service provider that trusts the IdP.
            match data.recipient.as_deref() {
                Some(r) if r == sp.acs_url => {}
                Some(_) => return Err(SamlError::WrongDestination),
                None => return Err(malformed("the bearer confirmation has no Recipient")),
            }
            if data.in_response_to.as_deref() != Some(expected_in_response_to) {
                return Err(SamlError::InResponseToMismatch);
            }
            if data.not_before.is_some_and(|nb| now + skew < nb) {
                return Err(SamlError::NotYetValid);
            }
            let expiry =
                data.not_on_or_after.ok_or_else(|| malformed("the bearer confirmation has no NotOnOrAfter"))?;
            if now - skew >= expiry {
                return Err(SamlError::Expired);
            }
            Ok(expiry)
        })();
        match verdict {
            Ok(expiry) => return Ok(expiry),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| malformed("the assertion has no bearer SubjectConfirmation")))
}

pub(super) fn attributes(assertion: &Assertion) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for attribute in assertion.attribute_statements.iter().flatten().flat_map(|s| &s.attributes) {
        let values: Vec<String> = attribute.values.iter().filter_map(|v| v.value.clone()).collect();
        let mut keys: Vec<&str> = attribute.name.as_deref().into_iter().collect();
        if let Some(friendly) = attribute.friendly_name.as_deref()
            && !keys.contains(&friendly)
        {
            keys.push(friendly);
        }
        for key in keys {
            out.entry(key.to_string()).or_default().extend(values.iter().cloned());
        }
    }
    out
}
