//! The small server-made HTML page for answers that are not Leptos pages (errors before routing, SAML
//! outcomes), styled like the sign-in card.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `body_html` is trusted markup (callers escape what they put in it); the title is escaped here.
pub fn card_page(status: StatusCode, title: &str, body_html: &str, back_to_sign_in: bool) -> Response {
    let link = if back_to_sign_in {
        "<p><a class=\"button button--secondary\" href=\"/sign-in\">Back to sign-in</a></p>"
    } else {
        ""
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · GWM CRM</title><link rel=\"stylesheet\" href=\"/pkg/{css}.css\"><link rel=\"icon\" href=\"/favicon.svg\"></head>\
         <body><main class=\"auth-page\"><div class=\"auth-card\"><h1 class=\"auth-card__title\">{title}</h1>{body_html}{link}</div></main></body></html>",
        title = html_escape(title),
        css = app::OUTPUT_NAME,
    );
    (status, Html(html)).into_response()
}
