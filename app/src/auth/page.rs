//! The sign-in page: organization (when the address names none), email and password, then the second
//! factor or its first-time setup, or single sign-on.

use super::{
    MfaEnrollment, RecoveryCodes, SignInStep, confirm_sign_in_enrollment, sign_in, sign_in_options, verify_sign_in_code,
};
use crate::{error::AppError, ui::Field};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Password,
    Code,
    Enroll(MfaEnrollment),
    Recovery(RecoveryCodes),
}

fn go_to(next: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(next);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = next;
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next"));
    let options = Resource::new(|| (), |_| sign_in_options());
    let stage = RwSignal::new(Stage::Password);
    let error = RwSignal::new(None::<String>);
    // Flips in the browser only: tests (and people) wait for it before typing.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let after = move |result: Result<SignInStep, AppError>| match result {
        Ok(SignInStep::SignedIn { next }) => go_to(&next),
        Ok(SignInStep::NeedsCode) => {
            error.set(None);
            stage.set(Stage::Code);
        }
        Ok(SignInStep::NeedsEnrollment(enrollment)) => {
            error.set(None);
            stage.set(Stage::Enroll(enrollment));
        }
        Err(e) => error.set(Some(e.to_string())),
    };

    view! {
        <Title text="Sign in · GWM CRM"/>
        <main id="main" class="auth-page" data-hydrated=move || hydrated.get().to_string()>
            <div class="auth-card">
                <div class="brand brand--auth">
                    <span class="brand__mark" aria-hidden="true">"G"</span>
                    <span class="brand__name">"GWM CRM"</span>
                </div>
                <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let opts = options.await;
                        let (organization, sso_available, sso_only) = match &opts {
                            Ok(o) => (o.organization.clone(), o.sso_available, o.sso_only),
                            Err(_) => (None, false, false),
                        };
                        let unknown = opts.err().map(|e| e.to_string());
                        view! {
                            {unknown.map(|msg| view! { <p class="form-error" role="alert">{msg}</p> })}
                            {move || match stage.get() {
                                Stage::Password => view! {
                                    <PasswordStep organization=organization.clone() sso_available sso_only next=Signal::derive(next) error on_result=after/>
                                }.into_any(),
                                Stage::Code => view! { <CodeStep error on_result=after/> }.into_any(),
                                Stage::Enroll(enrollment) => view! { <EnrollStep enrollment error stage/> }.into_any(),
                                Stage::Recovery(codes) => view! { <RecoveryStep codes/> }.into_any(),
                            }}
                        }
                    })}
                </Suspense>
            </div>
        </main>
    }
}

#[component]
fn FormError(error: RwSignal<Option<String>>) -> impl IntoView {
    move || error.get().map(|msg| view! { <p class="form-error" role="alert" data-testid="sign-in-error">{msg}</p> })
}

#[component]
fn PasswordStep(
    organization: Option<String>,
    sso_available: bool,
    sso_only: bool,
    next: Signal<Option<String>>,
    error: RwSignal<Option<String>>,
    on_result: impl Fn(Result<SignInStep, AppError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let org = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let ask_org = organization.is_none();
    let submit = Action::new(move |(org, email, password, next): &(Option<String>, String, String, Option<String>)| {
        let (org, email, password, next) = (org.clone(), email.clone(), password.clone(), next.clone());
        async move { sign_in(org, email, password, next).await }
    });
    Effect::new(move |_| {
        if let Some(result) = submit.value().get() {
            on_result(result);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let org = ask_org.then(|| org.get_untracked());
        submit.dispatch((org, email.get_untracked(), password.get_untracked(), next.get_untracked()));
    };
    let sso_href = move || match next.get() {
        Some(n) => format!("/saml/login?next={}", crate::format::url_encode(&n)),
        None => "/saml/login".to_string(),
    };
    view! {
        <h1 class="auth-card__title">"Sign in"</h1>
        {organization.map(|name| view! { <p class="muted auth-card__org">{name}</p> })}
        <FormError error/>
        {(!sso_only).then(|| view! {
            <form class="form" on:submit=on_submit novalidate>
                {ask_org.then(|| view! {
                    <Field label="Organization ID" id="signin-organization" required=true
                        hint="The first part of your organization's address, as in acme.gwmcrm.com." let:f>
                        <input class="input" id=f.id aria-describedby=f.described_by name="organization" autocomplete="organization" required bind:value=org
                            placeholder="acme"/>
                    </Field>
                })}
                <Field label="Email" id="signin-email" required=true let:f>
                    <input class="input" id=f.id aria-describedby=f.described_by type="email" name="email" autocomplete="username" required bind:value=email/>
                </Field>
                <Field label="Password" id="signin-password" required=true let:f>
                    <input class="input" id=f.id aria-describedby=f.described_by type="password" name="password" autocomplete="current-password" required bind:value=password/>
                </Field>
                <button class="button button--primary" type="submit" disabled=move || submit.pending().get()>
                    {move || if submit.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        })}
        {sso_available.then(|| view! {
            <div class="auth-card__sso">
                {(!sso_only).then(|| view! { <p class="divider"><span>"or"</span></p> })}
                <a class="button button--secondary" href=sso_href rel="external">"Sign in with SSO"</a>
            </div>
        })}
    }
}

#[component]
fn CodeStep(
    error: RwSignal<Option<String>>,
    on_result: impl Fn(Result<SignInStep, AppError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let submit = Action::new(move |code: &String| {
        let code = code.clone();
        async move { verify_sign_in_code(code).await }
    });
    Effect::new(move |_| {
        if let Some(result) = submit.value().get() {
            on_result(result);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        submit.dispatch(code.get_untracked());
    };
    view! {
        <h1 class="auth-card__title">"Two-step verification"</h1>
        <p class="muted">"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
        <FormError error/>
        <form class="form" on:submit=on_submit>
            <Field label="Code" id="signin-code" required=true let:f>
                <input class="input" id=f.id aria-describedby=f.described_by name="code" inputmode="numeric" autocomplete="one-time-code" required bind:value=code autofocus/>
            </Field>
            <button class="button button--primary" type="submit" disabled=move || submit.pending().get()>"Verify"</button>
        </form>
    }
}

#[component]
fn EnrollStep(enrollment: MfaEnrollment, error: RwSignal<Option<String>>, stage: RwSignal<Stage>) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let submit = Action::new(move |code: &String| {
        let code = code.clone();
        async move { confirm_sign_in_enrollment(code).await }
    });
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(codes)) => {
            error.set(None);
            stage.set(Stage::Recovery(codes));
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        submit.dispatch(code.get_untracked());
    };
    view! {
        <h1 class="auth-card__title">"Set up two-step verification"</h1>
        <p class="muted">"Your organization requires a second step at sign-in. Scan this code with an authenticator app (for example Microsoft Authenticator, Google Authenticator or 1Password), then enter the code it shows."</p>
        <div class="qr" inner_html=enrollment.qr_svg aria-label="QR code for your authenticator app" role="img"></div>
        <p class="muted">"Can't scan it? Enter this key by hand:"</p>
        <p class="secret-key" data-testid="mfa-secret">{enrollment.secret}</p>
        <FormError error/>
        <form class="form" on:submit=on_submit>
            <Field label="Code from the app" id="signin-new-code" required=true let:f>
                <input class="input" id=f.id aria-describedby=f.described_by name="code" inputmode="numeric" autocomplete="one-time-code" required bind:value=code/>
            </Field>
            <button class="button button--primary" type="submit" disabled=move || submit.pending().get()>"Turn on and continue"</button>
        </form>
    }
}

#[component]
pub fn RecoveryStep(codes: RecoveryCodes) -> impl IntoView {
    let next = codes.next.clone();
    view! {
        <h1 class="auth-card__title">"Save your recovery codes"</h1>
        <p class="muted">"Each code signs you in once if you lose your device. Store them somewhere safe: they are not shown again."</p>
        <ul class="recovery-codes" data-testid="recovery-codes">
            {codes.codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
        </ul>
        <button class="button button--primary" type="button" on:click=move |_| go_to(&next)>"I have saved them — continue"</button>
    }
}
