//! /settings/sso: connect the organization's SAML identity provider, map its groups to roles, test it.

use super::{SaveSsoSettings, SsoOverview, load_sso_settings};
use crate::ui::{ErrorNote, Field, LoadError, Notice, outcome};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SsoPage() -> impl IntoView {
    let save = ServerAction::<SaveSsoSettings>::new();
    let overview = Resource::new(move || save.version().get(), |_| load_sso_settings());
    let (error, done) =
        outcome(save.into(), "Saved. Use \u{201c}Test sign-in\u{201d} to check it before people rely on it.");
    // Set only in the browser, once the page is interactive: the end-to-end tests wait for it.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text="Single sign-on · Settings · GWM CRM"/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <header class="page__header">
                <div>
                    <p class="eyebrow"><a href="/settings">"Settings"</a></p>
                    <h1 class="page__title">"Single sign-on (SAML 2.0)"</h1>
                </div>
            </header>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(o) => view! { <SsoForm overview=o save error done/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SsoForm(
    overview: SsoOverview,
    save: ServerAction<SaveSsoSettings>,
    error: Signal<Option<String>>,
    done: Signal<Option<&'static str>>,
) -> impl IntoView {
    let SsoOverview { sp_entity_id, sp_acs_url, sp_metadata_url, config, roles } = overview;
    let configured = config.is_some();
    let c = config.unwrap_or(super::SsoConfig {
        idp_entity_id: String::new(),
        idp_sso_url: String::new(),
        idp_metadata_url: None,
        attribute_email: "email".into(),
        attribute_first_name: "givenName".into(),
        attribute_last_name: "sn".into(),
        attribute_groups: "groups".into(),
        default_role_id: None,
        jit_provisioning: true,
        sso_only: false,
        is_enabled: true,
        group_mappings: Vec::new(),
    });
    let mappings = c.group_mappings.iter().map(|(g, r)| format!("{g} = {r}")).collect::<Vec<_>>().join("\n");
    view! {
        <div class="two-col">
            <div class="card">
                <h2 class="card__title">"Give these to your identity provider"</h2>
                <dl class="facts">
                    <dt>"Entity ID"</dt><dd><code data-testid="sp-entity-id">{sp_entity_id}</code></dd>
                    <dt>"Assertion consumer service (HTTP-POST)"</dt><dd><code>{sp_acs_url}</code></dd>
                    <dt>"Metadata"</dt><dd><a href=sp_metadata_url.clone() rel="external">{sp_metadata_url.clone()}</a></dd>
                </dl>
                <p class="field__hint">"Responses must be signed with RSA-SHA256 or stronger and carry an audience restriction for the entity ID above."</p>
            </div>
            <div class="card">
                <h2 class="card__title">"Status"</h2>
                {if configured {
                    view! {
                        <p>{if c.is_enabled { view! { <span class="badge badge--ok">"Enabled"</span> }.into_any() } else { view! { <span class="badge badge--muted">"Disabled"</span> }.into_any() }}
                           {c.sso_only.then(|| view! { <span class="badge">" SSO only"</span> })}</p>
                        <p class="muted">"Identity provider: "<code>{c.idp_entity_id.clone()}</code></p>
                        <a class="button button--secondary" href="/saml/login?test=1" target="_blank" rel="external">"Test sign-in"</a>
                        <p class="field__hint">"Opens your identity provider in a new tab and shows what it sent, without signing anyone in."</p>
                    }.into_any()
                } else {
                    view! { <p class="muted">"Not set up yet. People sign in with passwords."</p> }.into_any()
                }}
            </div>
        </div>
        <div class="card">
            <h2 class="card__title">"Identity provider"</h2>
            <ErrorNote error/>
            <Notice done/>
            <ActionForm action=save attr:class="form">
                <Field label="Metadata URL" id="sso-metadata_url" hint="Fetched when you save. Or paste the metadata XML below instead." let:f>
                    <input id=f.id aria-describedby=f.described_by class="input" type="url" name="metadata_url" value=c.idp_metadata_url.clone().unwrap_or_default() placeholder="https://idp.example.com/metadata.xml"/></Field>
                <Field label="Metadata XML" id="sso-metadata_xml" let:f>
                    <textarea id=f.id aria-describedby=f.described_by class="input textarea" name="metadata_xml" rows="4" placeholder=if configured { "Leave empty to keep the current metadata" } else { "<EntityDescriptor …>" }></textarea></Field>
                <div class="form--grid form">
                    <Field label="Email attribute" id="sso-attribute_email" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="attribute_email" value=c.attribute_email.clone() required/></Field>
                    <Field label="First name attribute" id="sso-attribute_first_name" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="attribute_first_name" value=c.attribute_first_name.clone() required/></Field>
                    <Field label="Last name attribute" id="sso-attribute_last_name" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="attribute_last_name" value=c.attribute_last_name.clone() required/></Field>
                    <Field label="Groups attribute" id="sso-attribute_groups" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="attribute_groups" value=c.attribute_groups.clone() required/></Field>
                </div>
                <Field label="Group to role mapping" id="sso-group_mappings" hint="One per line: group name = role name. People get every mapped role of their groups." let:f>
                    <textarea id=f.id aria-describedby=f.described_by class="input textarea" name="group_mappings" rows="3" placeholder="capture-team = Capture manager">{mappings}</textarea></Field>
                <Field label="Default role (when no group maps)" id="sso-default_role_id" let:f>
                    <select id=f.id aria-describedby=f.described_by class="input" name="default_role_id">
                        <option value="">"None: refuse people without a mapped group"</option>
                        {roles.into_iter().map(|r| view! { <option value=r.id.to_string() selected=Some(r.id) == c.default_role_id>{r.name.clone()}</option> }).collect_view()}
                    </select></Field>
                <label class="check"><input type="checkbox" name="jit_provisioning" checked=c.jit_provisioning/><span>"Create accounts on first sign-in (just-in-time provisioning)"</span></label>
                <label class="check"><input type="checkbox" name="is_enabled" checked=c.is_enabled/><span>"Offer \u{201c}Sign in with SSO\u{201d}"</span></label>
                <label class="check"><input type="checkbox" name="sso_only" checked=c.sso_only/><span>"SSO only: turn off password sign-in for everyone in this organization"</span></label>
                <div class="form__actions"><button class="button button--primary" type="submit">"Save"</button></div>
            </ActionForm>
        </div>
    }
}
