//! GWM CRM's shared crate: domain types, server functions and components, compiled for the server (`ssr`)
//! and for the browser (`hydrate`). Everything that touches the database lives behind `ssr`.
#![recursion_limit = "512"]

pub mod account;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod closed_set;
pub mod contacts;
pub mod dashboard;
pub mod documents;
pub mod domain;
pub mod error;
pub mod format;
pub mod ids;
pub mod imports;
pub mod input;
pub mod notifications;
pub mod pipeline;
pub mod projects;
pub mod roles;
pub mod search;
pub mod shell;
pub mod sso;
pub mod storage;
pub mod sync;
pub mod tenancy;
pub mod ui;

#[cfg(test)]
mod layers;

#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod csv_out;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod outbound;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod search_words;
#[cfg(feature = "ssr")]
pub mod server_prelude;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

/// The name of the compiled css/js/wasm under /pkg (the build adds a content hash: `gwm_crm.<hash>.wasm`).
pub const OUTPUT_NAME: &str = "gwm_crm";

/// The Content-Security-Policy of a rendered page: scripts only from this origin or carrying this
/// response's nonce (Leptos puts it on its hydration and streaming scripts).
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let inline = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let nonce = leptos::nonce::use_nonce().map(|n| n.to_string());
        if let Ok(value) = axum::http::HeaderValue::from_str(&content_security_policy(nonce.as_deref())) {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    // The bundle's name carries its content hash (the server sets it from the built files): the stylesheet is
    // linked here, in the server-only document, under the same name as the script and wasm.
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <link rel="stylesheet" href=stylesheet/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="GWM CRM"/>
        <Router>
            <Routes fallback=|| view! { <shell::AppShell><NotFound/></shell::AppShell> }>
                <Route path=path!("/sign-in") view=auth::SignInPage/>
                <ParentRoute path=path!("") view=shell::AppShellOutlet>
                    <Route path=path!("/") view=dashboard::DashboardPage ssr=SsrMode::Async/>
                    // Async: the page is sent once its data is loaded, so its status code can still reflect
                    // errors (unknown tenant: 404) and a slow query never leaves a half-streamed page.
                    <Route path=path!("/projects") view=projects::ProjectsPage ssr=SsrMode::Async/>
                    <Route path=path!("/pipeline") view=pipeline::PipelinePage/>
                    <Route path=path!("/projects/new") view=projects::NewProjectPage/>
                    <Route path=path!("/projects/import") view=|| view! { <imports::ImportStartPage kind=imports::ImportKind::Projects/> }/>
                    <Route path=path!("/projects/:id") view=projects::ProjectPage/>
                    <Route path=path!("/projects/:id/edit") view=projects::EditProjectPage/>
                    <Route path=path!("/projects/:id/documents") view=documents::ProjectDocumentsPage/>
                    <Route path=path!("/projects/:id/contacts") view=contacts::PursuitContactsPage/>
                    <Route path=path!("/opportunities") view=sync::OpportunitiesPage/>
                    <Route path=path!("/opportunities/:id") view=sync::OpportunityPage/>
                    <Route path=path!("/contacts") view=contacts::ContactsPage/>
                    <Route path=path!("/contacts/new") view=contacts::NewContactPage/>
                    <Route path=path!("/contacts/import") view=|| view! { <imports::ImportStartPage kind=imports::ImportKind::Contacts/> }/>
                    <Route path=path!("/contacts/:id") view=contacts::ContactPage/>
                    <Route path=path!("/contacts/:id/edit") view=contacts::EditContactPage/>
                    <Route path=path!("/organizations") view=contacts::OrganizationsPage/>
                    <Route path=path!("/organizations/new") view=contacts::NewOrganizationPage/>
                    <Route path=path!("/organizations/import") view=|| view! { <imports::ImportStartPage kind=imports::ImportKind::Organizations/> }/>
                    <Route path=path!("/imports/:id") view=imports::ImportJobPage/>
                    <Route path=path!("/organizations/:id") view=contacts::OrganizationPage/>
                    <Route path=path!("/organizations/:id/edit") view=contacts::EditOrganizationPage/>
                    <Route path=path!("/notifications") view=notifications::NotificationsPage/>
                    <Route path=path!("/documents") view=documents::LibraryPage/>
                    <Route path=path!("/documents/:id") view=documents::DocumentPage/>
                    <Route path=path!("/account") view=account::AccountPage/>
                    <Route path=path!("/settings") view=admin::SettingsHome/>
                    <Route path=path!("/settings/users") view=admin::UsersPage/>
                    <Route path=path!("/settings/users/:id") view=admin::UserPage/>
                    <Route path=path!("/settings/roles") view=admin::RolesPage/>
                    <Route path=path!("/settings/security") view=admin::SecurityPage/>
                    <Route path=path!("/settings/sso") view=sso::SsoPage/>
                    <Route path=path!("/settings/sources") view=sync::SourcesPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · GWM CRM"/>
        <section class="page">
            <div class="callout">
                <h1 class="callout__title">"This page does not exist"</h1>
                <p>"Check the address, or go back to " <a href="/projects">"your projects"</a> "."</p>
            </div>
        </section>
    }
}
