//! /settings/roles: each role and what it may do; custom roles can be created, edited and deleted.

use crate::ui::{ErrorNote, Field, LoadError, Notice, outcome};
use crate::{
    admin::{DeleteRole, RoleSummary, SaveRole, list_roles},
    auth::Permission,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RolesPage() -> impl IntoView {
    let save = ServerAction::<SaveRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let roles = Resource::new(move || (save.version().get(), delete.version().get()), |_| list_roles());
    let editing = RwSignal::new(None::<RoleSummary>);
    let creating = RwSignal::new(false);
    let (save_err, save_ok) = outcome(save.into(), "Role saved.");
    let (delete_err, _) = outcome(delete.into(), "");
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            editing.set(None);
            creating.set(false);
        }
    });
    view! {
        <Title text="Roles · Settings · GWM CRM"/>
        <section class="page">
            <header class="page__header">
                <div>
                    <p class="eyebrow"><a href="/settings">"Settings"</a></p>
                    <h1 class="page__title">"Roles"</h1>
                    <p class="muted">"System roles come with every organization and cannot be changed. Custom roles are yours."</p>
                </div>
                <button class="button button--primary" type="button" on:click=move |_| { editing.set(None); creating.set(true); }>"New role"</button>
            </header>
            <ErrorNote error=save_err/>
            <ErrorNote error=delete_err/>
            <Notice done=save_ok/>
            {move || (creating.get() || editing.get().is_some()).then(|| view! { <RoleForm role=editing.get() save on_cancel=move || { editing.set(None); creating.set(false); }/> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading roles…"</p> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(list) => view! {
                            <div class="role-list">
                                {list.into_iter().map(|r| view! { <RoleCard role=r editing delete/> }).collect_view()}
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn RoleCard(
    role: RoleSummary,
    editing: RwSignal<Option<RoleSummary>>,
    delete: ServerAction<DeleteRole>,
) -> impl IntoView {
    let for_edit = role.clone();
    let id = role.id.to_string();
    view! {
        <article class="card role-card" data-role=role.name.clone()>
            <div class="card__header">
                <h2 class="card__title">{role.name.clone()}
                    {role.is_system_role.then(|| view! { <span class="badge">"System"</span> })}
                </h2>
                <span class="muted">{crate::format::count(role.users, "user", "users")}</span>
            </div>
            {role.description.clone().map(|d| view! { <p class="muted">{d}</p> })}
            <ul class="chips">
                {role.permissions.iter().map(|p| view! { <li class="chip" title=p.description()>{p.as_str()}</li> }).collect_view()}
            </ul>
            {(!role.is_system_role).then(|| view! {
                <div class="button-row">
                    <button class="button button--secondary" type="button" on:click=move |_| editing.set(Some(for_edit.clone()))>"Edit"</button>
                    <ActionForm action=delete>
                        <input type="hidden" name="role_id" value=id.clone()/>
                        <button class="button button--ghost" type="submit">"Delete"</button>
                    </ActionForm>
                </div>
            })}
        </article>
    }
}

#[component]
fn RoleForm(
    role: Option<RoleSummary>,
    save: ServerAction<SaveRole>,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = RwSignal::new(role.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let description = RwSignal::new(role.as_ref().and_then(|r| r.description.clone()).unwrap_or_default());
    let chosen = RwSignal::new(role.as_ref().map(|r| r.permissions.clone()).unwrap_or_default());
    let id = role.as_ref().map(|r| r.id.to_string());
    let heading = if role.is_some() { "Edit role" } else { "New role" };
    let mut areas: Vec<&'static str> = Permission::ALL.iter().map(|p| p.area()).collect();
    areas.dedup();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveRole {
            role_id: id.clone(),
            name: name.get_untracked(),
            description: Some(description.get_untracked()),
            permissions: chosen.get_untracked().iter().map(|p| p.as_str().to_string()).collect(),
        });
    };
    view! {
        <form class="card form" on:submit=on_submit>
            <h2 class="card__title">{heading}</h2>
            <Field label="Name" id="role-name" required=true let:f><input id=f.id aria-describedby=f.described_by class="input" bind:value=name required/></Field>
            <Field label="Description" id="role-description" let:f><input id=f.id aria-describedby=f.described_by class="input" bind:value=description/></Field>
            <fieldset class="permission-grid">
                <legend class="field__label">"Permissions"</legend>
                {areas.into_iter().map(|area| view! {
                    <div class="permission-group">
                        <h3 class="permission-group__title">{area}</h3>
                        {Permission::ALL.iter().copied().filter(|p| p.area() == area).map(|p| view! {
                            <label class="check">
                                <input type="checkbox" name="permissions" value=p.as_str()
                                    prop:checked=move || chosen.with(|c| c.contains(&p))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| { c.retain(|x| *x != p); if on { c.push(p); } });
                                    }/>
                                <span>{p.description()}<span class="muted">{format!(" ({})", p.as_str())}</span></span>
                            </label>
                        }).collect_view()}
                    </div>
                }).collect_view()}
            </fieldset>
            <div class="button-row">
                <button class="button button--primary" type="submit">"Save role"</button>
                <button class="button button--ghost" type="button" on:click=move |_| on_cancel()>"Cancel"</button>
            </div>
        </form>
    }
}
