//! /settings/users/:id: one person's details, roles, sessions, and the account actions.

use super::users::UserBadges;
use crate::ui::{ErrorNote, Field, LoadError, Notice, outcome};
use crate::{
    admin::{
        AssignRole, EndUserSessions, RemoveRoleAssignment, ResetUserPassword, SetUserActive, UnlockUser, UpdateUser,
        UserProfile, user_detail,
    },
    format,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let update = ServerAction::<UpdateUser>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let unlock = ServerAction::<UnlockUser>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let assign = ServerAction::<AssignRole>::new();
    let remove = ServerAction::<RemoveRoleAssignment>::new();
    let end = ServerAction::<EndUserSessions>::new();
    let versions =
        move || (update.version().get(), set_active.version().get(), unlock.version().get(), reset.version().get());
    let detail = Resource::new(
        move || (id(), versions(), assign.version().get(), remove.version().get(), end.version().get()),
        |(id, ..)| async move { user_detail(id.parse()?).await },
    );
    let actions = UserActions { update, set_active, unlock, reset, assign, remove, end };
    view! {
        <Title text="User · Settings · GWM CRM"/>
        <section class="page">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(d) => view! { <UserView detail=d actions/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[derive(Clone, Copy)]
struct UserActions {
    update: ServerAction<UpdateUser>,
    set_active: ServerAction<SetUserActive>,
    unlock: ServerAction<UnlockUser>,
    reset: ServerAction<ResetUserPassword>,
    assign: ServerAction<AssignRole>,
    remove: ServerAction<RemoveRoleAssignment>,
    end: ServerAction<EndUserSessions>,
}

#[component]
fn UserView(detail: UserProfile, actions: UserActions) -> impl IntoView {
    let UserProfile { user, assignments, sessions, roles, projects } = detail;
    let where_filter = RwSignal::new(String::new());
    let uid = user.id;
    let no_sessions = sessions.is_empty();
    let (update_err, update_ok) = outcome(actions.update.into(), "Saved.");
    let (active_err, _) = outcome(actions.set_active.into(), "");
    let (unlock_err, _) = outcome(actions.unlock.into(), "");
    let (reset_err, reset_ok) = outcome(actions.reset.into(), "Password reset. Their sessions have ended.");
    let (assign_err, assign_ok) = outcome(actions.assign.into(), "Role given.");
    let (remove_err, _) = outcome(actions.remove.into(), "");
    let (end_err, end_ok) = outcome(actions.end.into(), "Sessions ended.");
    let name = format!("{} {}", user.first_name, user.last_name);
    view! {
        <Title text=format!("{name} · Users · GWM CRM")/>
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href="/settings">"Settings"</a>" / "<a href="/settings/users">"Users"</a></p>
                <h1 class="page__title">{name.clone()}</h1>
                <p class="muted">{user.email.clone()}" · last sign-in "{user.last_login_at.map(format::date_time).unwrap_or_else(|| "never".into())}</p>
            </div>
            <UserBadges user=user.clone()/>
        </header>
        <div class="two-col">
            <div class="card">
                <h2 class="card__title">"Details"</h2>
                <ErrorNote error=update_err/>
                <Notice done=update_ok/>
                <ActionForm action=actions.update attr:class="form">
                    <input type="hidden" name="user_id" value=uid.to_string()/>
                    <Field label="First name" id="member-first_name" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="first_name" value=user.first_name.clone() required/></Field>
                    <Field label="Last name" id="member-last_name" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="last_name" value=user.last_name.clone() required/></Field>
                    <Field label="Title" id="member-title" let:f><input class="input" id=f.id aria-describedby=f.described_by name="title" value=user.title.clone().unwrap_or_default()/></Field>
                    <div class="form__actions"><button class="button button--primary" type="submit">"Save"</button></div>
                </ActionForm>
            </div>
            <div class="card">
                <h2 class="card__title">"Account"</h2>
                <ErrorNote error=active_err/>
                <ErrorNote error=unlock_err/>
                <div class="button-row">
                    <ActionForm action=actions.set_active>
                        <input type="hidden" name="user_id" value=uid.to_string()/>
                        <input type="hidden" name="active" value=(!user.is_active).to_string()/>
                        {if user.is_active {
                            view! { <button class="button button--danger" type="submit">"Deactivate"</button> }.into_any()
                        } else {
                            view! { <button class="button button--secondary" type="submit">"Reactivate"</button> }.into_any()
                        }}
                    </ActionForm>
                    {user.locked.then(|| view! {
                        <ActionForm action=actions.unlock>
                            <input type="hidden" name="user_id" value=uid.to_string()/>
                            <button class="button button--secondary" type="submit">"Unlock"</button>
                        </ActionForm>
                    })}
                </div>
                <p class="field__hint">"Deactivating ends their sessions at once; their history stays."</p>
                {(!user.is_saml_user).then(|| view! {
                    <h3 class="card__subtitle">"Reset password"</h3>
                    <ErrorNote error=reset_err/>
                    <Notice done=reset_ok/>
                    <ActionForm action=actions.reset attr:class="form form--inline">
                        <input type="hidden" name="user_id" value=uid.to_string()/>
                        <Field label="New temporary password" id="member-password" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by type="password" name="password" autocomplete="new-password" required/></Field>
                        <button class="button button--secondary" type="submit">"Reset"</button>
                    </ActionForm>
                })}
            </div>
        </div>
        <div class="card">
            <h2 class="card__title">"Roles"</h2>
            <ErrorNote error=remove_err/>
            <ul class="list">
                {assignments.into_iter().map(|a| {
                    let scope = a.project_name.clone().map(|p| format!("on {p}")).unwrap_or_else(|| "whole organization".into());
                    let until = a.expires_at.map(|e| format!(" · until {}", format::date(e))).unwrap_or_default();
                    view! {
                        <li class="list__item">
                            <span><strong>{a.role_name.clone()}</strong><span class="muted">{format!(" {scope}{until}")}</span></span>
                            <ActionForm action=actions.remove>
                                <input type="hidden" name="user_id" value=uid.to_string()/>
                                <input type="hidden" name="assignment_id" value=a.id.to_string()/>
                                <button class="button button--ghost" type="submit" aria-label=format!("Remove {}", a.role_name)>"Remove"</button>
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <h3 class="card__subtitle">"Give a role"</h3>
            <ErrorNote error=assign_err/>
            <Notice done=assign_ok/>
            <ActionForm action=actions.assign attr:class="form form--inline">
                <input type="hidden" name="user_id" value=uid.to_string()/>
                <Field label="Role" id="member-role_id" let:f>
                    <select id=f.id aria-describedby=f.described_by class="input" name="role_id">
                        {roles.into_iter().map(|r| view! { <option value=r.id.to_string()>{r.name}</option> }).collect_view()}
                    </select>
                </Field>
                // A tenant has hundreds of pursuits: typing narrows the list (the whole organization stays first).
                <Field label="Find a pursuit" id="member-find-a-pursuit" let:f>
                    <input id=f.id aria-describedby=f.described_by class="input" type="search" placeholder="Name contains…" aria-controls="role-where"
                        on:input=move |ev| where_filter.set(event_target_value(&ev))/>
                </Field>
                <Field label="Where" id="role-where" let:f>
                    <select id=f.id aria-describedby=f.described_by class="input" name="project_id">
                        <option value="">"Whole organization"</option>
                        {projects.into_iter().map(|(id, name)| {
                            let needle = name.to_lowercase();
                            view! {
                                <option value=id.to_string()
                                    hidden=move || where_filter.with(|f| !f.trim().is_empty() && !needle.contains(&f.trim().to_lowercase()))>
                                    {name}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                </Field>
                <Field label="Until (optional)" id="member-expires_on" let:f><input class="input" id=f.id aria-describedby=f.described_by type="date" name="expires_on"/></Field>
                <button class="button button--secondary" type="submit">"Give role"</button>
            </ActionForm>
        </div>
        <div class="card">
            <div class="card__header">
                <h2 class="card__title">"Signed-in sessions"</h2>
                <ActionForm action=actions.end>
                    <input type="hidden" name="user_id" value=uid.to_string()/>
                    <button class="button button--secondary" type="submit" disabled=no_sessions>"End all"</button>
                </ActionForm>
            </div>
            <ErrorNote error=end_err/>
            <Notice done=end_ok/>
            <crate::account::SessionList sessions=sessions on_end=move |sid: uuid::Uuid| {
                actions.end.dispatch(EndUserSessions { user_id: uid, session_id: Some(sid.to_string()) });
            }/>
        </div>
    }
}
