//! /settings/users: everyone in the organization, and adding someone.

use crate::ui::{ErrorNote, Field, LoadError, Notice, outcome};
use crate::{
    admin::{UserSummary, list_roles, list_users},
    format,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<crate::admin::CreateUser>::new();
    let users = Resource::new(move || create.version().get(), |_| list_users());
    let roles = Resource::new(|| (), |_| list_roles());
    let (error, done) = outcome(create.into(), "User added. Share the temporary password with them safely.");
    view! {
        <Title text="Users · Settings · GWM CRM"/>
        <section class="page">
            <header class="page__header">
                <div>
                    <p class="eyebrow"><a href="/settings">"Settings"</a></p>
                    <h1 class="page__title">"Users"</h1>
                </div>
            </header>
            <details class="card">
                <summary class="card__summary">"Add a user"</summary>
                <ErrorNote error/>
                <Notice done/>
                <ActionForm action=create attr:class="form form--grid">
                    <Field label="Email" id="user-email" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by type="email" name="email" required/></Field>
                    <Field label="First name" id="user-first_name" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="first_name" required/></Field>
                    <Field label="Last name" id="user-last_name" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="last_name" required/></Field>
                    <Field label="Title" id="user-title" let:f><input class="input" id=f.id aria-describedby=f.described_by name="title"/></Field>
                    <Field label="Role" id="user-role_id" required=true let:f>
                        <select id=f.id aria-describedby=f.described_by class="input" name="role_id" required>
                            <Suspense fallback=|| ()>
                                {move || roles.get().and_then(Result::ok).map(|rs| rs.into_iter().map(|r| view! {
                                    <option value=r.id.to_string() selected={r.name == "Viewer"}>{r.name.clone()}</option>
                                }).collect_view())}
                            </Suspense>
                        </select>
                    </Field>
                    <Field label="Temporary password" id="user-password" required=true hint="At least 12 characters; they can change it after signing in." let:f>
                        <input id=f.id aria-describedby=f.described_by class="input" type="password" name="password" autocomplete="new-password" required/></Field>
                    <div class="form__actions"><button class="button button--primary" type="submit">"Add user"</button></div>
                </ActionForm>
            </details>
            <Suspense fallback=|| view! { <p class="muted">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(list) => view! { <UserTable users=list/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn UserTable(users: Vec<UserSummary>) -> impl IntoView {
    let count = users.len();
    view! {
        <p class="muted">{crate::format::count(count as i64, "user", "users")}</p>
        <div class="table-wrap">
            <table class="table">
                <thead><tr><th>"Name"</th><th>"Roles"</th><th>"Status"</th><th>"Last sign-in"</th><th class="num">"Sessions"</th></tr></thead>
                <tbody>
                    {users.into_iter().map(|u| {
                        let href = format!("/settings/users/{}", u.id);
                        view! {
                            <tr>
                                <td>
                                    <a class="cell-title" href=href>{format!("{} {}", u.first_name, u.last_name)}</a>
                                    <div class="cell-sub">{u.email.clone()}</div>
                                </td>
                                <td>{u.role_names.join(", ")}</td>
                                <td><UserBadges user=u.clone()/></td>
                                <td>{u.last_login_at.map(format::date_time).unwrap_or_else(|| "never".into())}</td>
                                <td class="num">{u.active_sessions}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Active / inactive, locked, MFA, SSO.
#[component]
pub fn UserBadges(user: UserSummary) -> impl IntoView {
    view! {
        <span class="badges">
            {if user.is_active { view! { <span class="badge badge--ok">"Active"</span> } } else { view! { <span class="badge badge--muted">"Deactivated"</span> } }}
            {user.locked.then(|| view! { <span class="badge badge--danger">"Locked"</span> })}
            {user.mfa_enabled.then(|| view! { <span class="badge">"MFA"</span> })}
            {user.is_saml_user.then(|| view! { <span class="badge">"SSO"</span> })}
        </span>
    }
}
