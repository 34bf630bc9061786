//! /settings/security: the two-step verification requirement.

use crate::admin::{SetSecurityPolicy, security_policy};
use crate::auth::MfaRequirement;
use crate::ui::{ErrorNote, LoadError, Notice, outcome};
use leptos::prelude::*;
use leptos_meta::Title;

fn label(r: MfaRequirement) -> (&'static str, &'static str) {
    match r {
        MfaRequirement::Off => ("Optional", "Anyone may turn on two-step verification on their account page."),
        MfaRequirement::Admins => (
            "Required for administrators",
            "Everyone holding an admin permission must set it up at their next sign-in.",
        ),
        MfaRequirement::Everyone => (
            "Required for everyone",
            "Every password sign-in needs a code from an authenticator app. SSO users verify with their identity provider.",
        ),
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let save = ServerAction::<SetSecurityPolicy>::new();
    let policy = Resource::new(move || save.version().get(), |_| security_policy());
    let (error, done) = outcome(save.into(), "Saved. It applies from each person's next sign-in.");
    view! {
        <Title text="Security · Settings · GWM CRM"/>
        <section class="page">
            <header class="page__header">
                <div>
                    <p class="eyebrow"><a href="/settings">"Settings"</a></p>
                    <h1 class="page__title">"Security"</h1>
                </div>
            </header>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match policy.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(current) => view! {
                            <div class="card">
                                <h2 class="card__title">"Two-step verification"</h2>
                                <ErrorNote error/>
                                <Notice done/>
                                <ActionForm action=save attr:class="form">
                                    {MfaRequirement::ALL.iter().copied().map(|r| {
                                        let (title, text) = label(r);
                                        view! {
                                            <label class="check check--card">
                                                <input type="radio" name="mfa_required" value=r.as_str() checked=r == current/>
                                                <span><strong>{title}</strong><br/><span class="muted">{text}</span></span>
                                            </label>
                                        }
                                    }).collect_view()}
                                    <div class="form__actions"><button class="button button--primary" type="submit">"Save"</button></div>
                                </ActionForm>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
