//! The SAML endpoints of each tenant: SP metadata, SP-initiated sign-in and the assertion consumer service.

use app::{
    auth::{
        Permission,
        ssr::{Caller, Resource, TenantAtAddress, Visitor},
    },
    error::AppError,
    sso::{
        saml,
        ssr::{
            acs::{self, AcsOutcome, SsoError},
            service_provider,
        },
    },
    state::AppState,
    tenancy::TenantRef,
};
use axum::{
    Extension, Form,
    extract::{Query, State, rejection::FormRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

fn tenant(visitor: &Visitor) -> Result<&TenantRef, Box<Response>> {
    match &visitor.tenant {
        TenantAtAddress::Known(t) => Ok(t),
        _ => Err(Box::new(page(
            StatusCode::NOT_FOUND,
            "No organization here",
            "Open single sign-on from your organization's own address.",
            true,
        ))),
    }
}

use super::page::{card_page as page, html_escape};

fn failure(err: SsoError) -> Response {
    match err {
        SsoError::App(e) => {
            let status = e.status();
            page(status, "Single sign-on failed", &format!("<p>{}</p>", html_escape(&e.to_string())), true)
        }
        SsoError::UnknownRequest => page(
            StatusCode::BAD_REQUEST,
            "Single sign-on failed",
            &format!("<p>{}</p>", html_escape(&err.to_string())),
            true,
        ),
        other => page(
            StatusCode::UNAUTHORIZED,
            "Single sign-on failed",
            &format!("<p>{}</p>", html_escape(&other.to_string())),
            true,
        ),
    }
}

pub async fn metadata(State(state): State<AppState>, Extension(visitor): Extension<Visitor>) -> Response {
    if let Err(response) = tenant(&visitor) {
        return *response;
    }
    match saml::sp_metadata_xml(&service_provider(&visitor.request, state.settings.auth.https)) {
        Ok(xml) => ([(header::CONTENT_TYPE, "application/samlmetadata+xml")], xml).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "SP metadata could not be rendered");
            failure(SsoError::App(AppError::Internal(visitor.request.request_id.clone())))
        }
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    test: Option<String>,
}

/// The admin's test sign-in needs `admin.sso`, checked (and a refusal recorded) by the one authorize.
async fn may_test(state: &AppState, visitor: &Visitor) -> Result<(), AppError> {
    let caller = Caller::of_visitor(state.clone(), visitor.clone())?;
    let (tx, _) = caller.enter(Permission::AdminSso, Resource::Tenant).await?;
    caller.commit(tx).await
}

pub async fn login(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<LoginQuery>,
) -> Response {
    let tenant = match tenant(&visitor) {
        Ok(t) => t.clone(),
        Err(response) => return *response,
    };
    let is_test = q.test.is_some();
    if is_test {
        match may_test(&state, &visitor).await {
            Ok(()) => {}
            Err(AppError::Forbidden(_) | AppError::Unauthenticated) => {
                return page(
                    StatusCode::FORBIDDEN,
                    "Not allowed",
                    "<p>Only administrators who manage single sign-on can run a test sign-in.</p>",
                    true,
                );
            }
            Err(e) => return failure(SsoError::App(e)),
        }
    }
    match acs::start(&state, &visitor.request, &tenant, q.next.as_deref().unwrap_or("/"), is_test).await {
        Ok(started) => {
            let cookie = acs::binding_cookie(Some(&started.browser_nonce), state.settings.auth.https);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&started.redirect_url)).into_response()
        }
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
pub struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

pub async fn consume(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    session: Session,
    headers: HeaderMap,
    form: Result<Form<AcsForm>, FormRejection>,
) -> Response {
    let nonce = acs::binding_nonce(headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()));
    match form {
        Ok(Form(form)) => consume_bound(state, visitor, session, nonce, form).await,
        Err(rejection) => {
            // Too large, not a form, or not UTF-8: refused like the rest, and on record.
            let status = rejection.status();
            if let TenantAtAddress::Known(tenant) = &visitor.tenant
                && let Err(e) = acs::record_unreadable_post(
                    &state,
                    &visitor.request,
                    tenant,
                    &format!("the post could not be read ({status})"),
                )
                .await
            {
                tracing::warn!(error = %e, "an unreadable ACS post could not be audited");
            }
            page(
                status,
                "Single sign-on failed",
                "<p>The identity provider's answer could not be read. Start again from the sign-in page.</p>",
                true,
            )
        }
    }
}

async fn consume_bound(
    state: AppState,
    visitor: Visitor,
    session: Session,
    nonce: Option<String>,
    form: AcsForm,
) -> Response {
    let tenant = match tenant(&visitor) {
        Ok(t) => t.clone(),
        Err(response) => return *response,
    };
    let (Some(response), Some(relay_state)) = (form.saml_response, form.relay_state) else {
        if let Err(e) =
            acs::record_unreadable_post(&state, &visitor.request, &tenant, "SAMLResponse or RelayState missing").await
        {
            tracing::warn!(error = %e, "an incomplete ACS post could not be audited");
        }
        return page(
            StatusCode::BAD_REQUEST,
            "Single sign-on failed",
            "<p>The identity provider's answer is incomplete (SAMLResponse and RelayState are required). Start again.</p>",
            true,
        );
    };
    let outcome =
        acs::consume(&state, &visitor.request, &session, &tenant, &response, &relay_state, nonce.as_deref()).await;
    // The binding has done its work once its request is consumed (whatever the verdict); a stray post with an
    // unknown RelayState leaves a sign-in in progress alone.
    let consumed = !matches!(outcome, Err(SsoError::UnknownRequest));
    let mut response = respond(outcome);
    if consumed && let Ok(cookie) = header::HeaderValue::from_str(&acs::binding_cookie(None, state.settings.auth.https))
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn respond(outcome: Result<AcsOutcome, SsoError>) -> Response {
    match outcome {
        Ok(AcsOutcome::SignedIn { return_to }) => Redirect::to(&return_to).into_response(),
        Ok(AcsOutcome::Tested { name_id, attributes, verdict }) => {
            let rows: String = attributes
                .iter()
                .map(|(k, v)| format!("<dt>{}</dt><dd>{}</dd>", html_escape(k), html_escape(&v.join(", "))))
                .collect();
            let body = format!(
                "<p class=\"form-ok\" data-testid=\"sso-test-result\">The identity provider's response is valid.</p>\
                 <p><strong>Outcome:</strong> {}</p><dl class=\"facts\"><dt>NameID</dt><dd>{}</dd>{rows}</dl>\
                 <p><a class=\"button button--secondary\" href=\"/settings/sso\">Back to SSO settings</a></p>",
                html_escape(&verdict),
                html_escape(&name_id)
            );
            page(StatusCode::OK, "Test sign-in", &body, false)
        }
        Err(e) => failure(e),
    }
}
