//! /account: your password, two-step verification and signed-in sessions.

use super::{ChangePassword, ConfirmMfaEnrollment, DisableMfa, EndMySession, StartMfaEnrollment, account_overview};
use crate::{
    auth::{MfaEnrollment, SessionSummary},
    format,
    ui::{ErrorNote, Field, LoadError, Notice, outcome},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// A list of sessions with an "End" button each (the current one is marked and cannot be ended here).
#[component]
pub fn SessionList(
    sessions: Vec<SessionSummary>,
    on_end: impl Fn(uuid::Uuid) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    if sessions.is_empty() {
        return view! { <p class="muted">"No active sessions."</p> }.into_any();
    }
    view! {
        <ul class="list" data-testid="sessions">
            {sessions.into_iter().map(|s| {
                let on_end = on_end.clone();
                let id = s.id;
                let device = s.user_agent.clone().map(|ua| describe_agent(&ua)).unwrap_or_else(|| "Unknown device".into());
                view! {
                    <li class="list__item">
                        <span>
                            <strong>{device}</strong>
                            {s.current.then(|| view! { <span class="badge badge--ok">"This session"</span> })}
                            {s.mfa_verified.then(|| view! { <span class="badge">"MFA"</span> })}
                            <br/>
                            <span class="muted">{format!("{} · signed in {} · last active {}", s.ip_address.clone().unwrap_or_else(|| "unknown address".into()), format::date_time(s.created_at), format::date_time(s.last_activity_at))}</span>
                        </span>
                        {(!s.current).then(|| view! {
                            <button class="button button--ghost" type="button" on:click=move |_| on_end(id)>"End"</button>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// "Chrome on Linux" from a user agent, good enough to recognise one's own devices.
fn describe_agent(ua: &str) -> String {
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"].iter().find(|b| ua.contains(*b)).map(|b| match *b {
        "Edg/" => "Edge",
        "Firefox/" => "Firefox",
        "Chrome/" => "Chrome",
        _ => "Safari",
    });
    let os = ["Windows", "Mac OS", "iPhone", "Android", "Linux"].iter().find(|o| ua.contains(*o)).copied();
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {}", o.replace("Mac OS", "macOS")),
        (Some(b), None) => b.to_string(),
        _ => ua.chars().take(40).collect(),
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let end = ServerAction::<EndMySession>::new();
    let start = ServerAction::<StartMfaEnrollment>::new();
    let confirm = ServerAction::<ConfirmMfaEnrollment>::new();
    let disable = ServerAction::<DisableMfa>::new();
    let overview = Resource::new(
        move || (change.version().get(), end.version().get(), confirm.version().get(), disable.version().get()),
        |_| account_overview(),
    );
    let (change_err, change_ok) = outcome(change.into(), "Password changed. Your other sessions have ended.");
    let (end_err, _) = outcome(end.into(), "");
    let (disable_err, disable_ok) = outcome(disable.into(), "Two-step verification is off.");
    view! {
        <Title text="Your account · GWM CRM"/>
        <section class="page">
            <header class="page__header"><div><p class="eyebrow">"Account"</p><h1 class="page__title">"Your account"</h1></div></header>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(o) => view! {
                            <p class="muted">{format!("{} · {}", o.name, o.email)}</p>
                            <div class="two-col">
                                {(!o.is_saml_user).then(|| view! {
                                    <div class="card">
                                        <h2 class="card__title">"Password"</h2>
                                        <ErrorNote error=change_err/>
                                        <Notice done=change_ok/>
                                        <ActionForm action=change attr:class="form">
                                            <Field label="Current password" id="account-current_password" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by type="password" name="current_password" autocomplete="current-password" required/></Field>
                                            <Field label="New password" id="account-new_password" required=true hint="At least 12 characters, not containing your email." let:f><input id=f.id aria-describedby=f.described_by class="input" type="password" name="new_password" autocomplete="new-password" required/></Field>
                                            <div class="form__actions"><button class="button button--primary" type="submit">"Change password"</button></div>
                                        </ActionForm>
                                    </div>
                                })}
                                <div class="card">
                                    <h2 class="card__title">"Two-step verification"</h2>
                                    {if o.is_saml_user {
                                        view! { <p class="muted">"You sign in through your organization's identity provider, which handles verification."</p> }.into_any()
                                    } else if o.mfa_enabled {
                                        view! {
                                            <p><span class="badge badge--ok">"On"</span>{format!(" {} recovery codes left.", o.recovery_codes_left)}</p>
                                            <ErrorNote error=disable_err/>
                                            {(!o.mfa_required).then(|| view! {
                                                <ActionForm action=disable attr:class="form form--inline">
                                                    <Field label="Password, to turn it off" id="account-mfa-off-password" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by type="password" name="current_password" required/></Field>
                                                    <button class="button button--secondary" type="submit">"Turn off"</button>
                                                </ActionForm>
                                            })}
                                            <EnrollmentFlow start confirm again=true/>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <Notice done=disable_ok/>
                                            <p class="muted">"Protect your account with a code from an authenticator app at each sign-in."</p>
                                            <EnrollmentFlow start confirm again=false/>
                                        }.into_any()
                                    }}
                                </div>
                            </div>
                            <div class="card">
                                <h2 class="card__title">"Where you're signed in"</h2>
                                <ErrorNote error=end_err/>
                                <SessionList sessions=o.sessions on_end=move |id| { end.dispatch(EndMySession { session_id: id }); }/>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn EnrollmentFlow(
    start: ServerAction<StartMfaEnrollment>,
    confirm: ServerAction<ConfirmMfaEnrollment>,
    again: bool,
) -> impl IntoView {
    let (start_err, _) = outcome(start.into(), "");
    let (confirm_err, _) = outcome(confirm.into(), "");
    let enrollment = move || start.value().get().and_then(Result::ok);
    let codes = move || confirm.value().get().and_then(Result::ok);
    view! {
        <ErrorNote error=start_err/>
        {move || match (codes(), enrollment()) {
            (Some(rc), _) => view! {
                <div class="form-ok" role="status">
                    <strong>"Two-step verification is on. Save these recovery codes now; they are not shown again:"</strong>
                    <ul class="recovery-codes" data-testid="recovery-codes">{rc.codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
                </div>
            }.into_any(),
            (None, Some(e)) => view! { <ScanAndConfirm enrollment=e confirm error=confirm_err/> }.into_any(),
            (None, None) => view! {
                <ActionForm action=start attr:class="form form--inline">
                    <Field label="Your password" id="account-change-password-current" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by type="password" name="current_password" autocomplete="current-password" required/></Field>
                    <button class="button button--primary" type="submit">{if again { "Move to a new device" } else { "Set up an authenticator app" }}</button>
                </ActionForm>
            }.into_any(),
        }}
    }
}

#[component]
fn ScanAndConfirm(
    enrollment: MfaEnrollment,
    confirm: ServerAction<ConfirmMfaEnrollment>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <p class="muted">"Scan this with your authenticator app, or type the key, then enter the code it shows."</p>
        <div class="qr" inner_html=enrollment.qr_svg role="img" aria-label="QR code for your authenticator app"></div>
        <p class="secret-key" data-testid="mfa-secret">{enrollment.secret}</p>
        <ErrorNote error/>
        <ActionForm action=confirm attr:class="form form--inline">
            <Field label="Code from the app" id="account-code" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="code" inputmode="numeric" autocomplete="one-time-code" required/></Field>
            <button class="button button--primary" type="submit">"Turn on"</button>
        </ActionForm>
    }
}
