//! /projects/:id/contacts: the people around one pursuit, most influential first, with their role, stance and
//! our relationship to each; give someone a role, change it, or take it away.

use super::{
    RelationshipType, Stance,
    from_sync::AddSyncedContact,
    pursuit::{
        AddPursuitContact, PursuitContacts, PursuitRole, RemovePursuitContact, RoleInput, UpdatePursuitContact,
        load_pursuit_contacts,
    },
    strength_label,
    synced_section::SyncedSection,
    team_section::TeamSection,
    teaming::{AddPursuitOrganization, RemovePursuitOrganization, UpdatePursuitOrganization},
};
use crate::{
    ids::ProjectId,
    ui::{ErrorNote, Field, Notice, PageOf, outcome},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PursuitContactsPage() -> impl IntoView {
    let params = use_params_map();
    let add = ServerAction::<AddPursuitContact>::new();
    let update = ServerAction::<UpdatePursuitContact>::new();
    let remove = ServerAction::<RemovePursuitContact>::new();
    let team = TeamActions { add: ServerAction::new(), update: ServerAction::new(), remove: ServerAction::new() };
    let from_notice = ServerAction::<AddSyncedContact>::new();
    let data = Resource::new(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                add.version().get() + update.version().get() + remove.version().get(),
                team.add.version().get() + team.update.version().get() + team.remove.version().get(),
                from_notice.version().get(),
            )
        },
        |(id, ..)| async move {
            let id: ProjectId = crate::input::parse_id("Project", &id)?;
            load_pursuit_contacts(id).await
        },
    );
    view! { <PageOf title="Contacts" data show=move |data| view! { <RolesView data add update remove team from_notice/> }/> }
}

/// The teaming section's actions: they live as long as the page, so the list reloads after each.
#[derive(Clone, Copy)]
struct TeamActions {
    add: ServerAction<AddPursuitOrganization>,
    update: ServerAction<UpdatePursuitOrganization>,
    remove: ServerAction<RemovePursuitOrganization>,
}

#[component]
fn RolesView(
    data: PursuitContacts,
    add: ServerAction<AddPursuitContact>,
    update: ServerAction<UpdatePursuitContact>,
    remove: ServerAction<RemovePursuitContact>,
    team: TeamActions,
    from_notice: ServerAction<AddSyncedContact>,
) -> impl IntoView {
    let map = super::influence_map::render(&data);
    let PursuitContacts {
        project,
        project_name,
        roles,
        choices,
        team: members,
        organization_choices,
        synced,
        may_write,
    } = data;
    let (add_error, added) = outcome(add.into(), "Added.");
    let (update_error, _) = outcome(update.into(), "Saved.");
    let (remove_error, _) = outcome(remove.into(), "Removed.");
    let editing = RwSignal::new(None::<crate::ids::PursuitContactId>);
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            editing.set(None);
        }
    });
    let count = roles.len();
    view! {
        <Title text=format!("Contacts · {project_name} · GWM CRM")/>
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href=format!("/projects/{project}")>{project_name.clone()}</a></p>
                <h1 class="page__title">"People on this pursuit"</h1>
                <p class="muted">"Who decides, who evaluates, who writes the requirement, and where each stands toward us."</p>
            </div>
        </header>
        <nav class="tabs" aria-label="Project sections">
            <a class="tabs__tab" href=format!("/projects/{project}")>"Overview"</a>
            <a class="tabs__tab" href=format!("/projects/{project}/documents")>"Documents"</a>
            <span class="tabs__tab tabs__tab--current" aria-current="page">"Contacts"</span>
        </nav>
        <section class="card" aria-labelledby="influence-map-heading">
            <h2 class="card__title" id="influence-map-heading">"Influence map"</h2>
            <div class="map-frame" inner_html=map></div>
            <ul class="map-legend" aria-label="How to read the map">
                {Stance::ALL.iter().map(|s| view! {
                    <li>
                        <svg class="map-key" viewBox="0 0 14 14" aria-hidden="true">
                            <circle class=format!("map-node map-stance--{}", s.as_str()) cx="7" cy="7" r="6"/>
                        </svg>
                        {format!("{} ({})", s.label(), super::influence_map::stance_sign(*s))}
                    </li>
                }).collect_view()}
                <li>"Larger circle: more influence; dashed: not rated"</li>
                <li>"Heavier line: stronger relationship with us"</li>
            </ul>
        </section>
        {synced.map(|synced| view! { <SyncedSection project synced may_write add=from_notice/> })}
        <ErrorNote error=update_error/>
        <ErrorNote error=remove_error/>
        <div class="card card--flush" data-testid="pursuit-contacts">
            {if roles.is_empty() {
                view! { <p class="empty">"Nobody has a role on this pursuit yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <caption class="sr-only">{format!("{count} people, most influential first")}</caption>
                        <thead><tr>
                            <th scope="col">"Person"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Influence"</th>
                            <th scope="col">"Stance"</th>
                            <th scope="col">"Our relationship"</th>
                            {may_write.then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}
                        </tr></thead>
                        <tbody>
                            {roles.into_iter().map(|r| view! { <RoleRow role=r project may_write editing update remove/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </div>
        {may_write.then(|| view! {
            <ActionForm action=add attr:class="card form" attr:data-testid="add-role">
                <h2 class="card__title">"Give someone a role"</h2>
                <input type="hidden" name="project" value=project.to_string()/>
                <div class="form-grid">
                    <Field label="Person" id="role-contact" hint="Not listed? Add them under Contacts first." let:f>
                        <select class="input" id=f.id aria-describedby=f.described_by name="input[contact]" required>
                            <option value="">"Choose a person"</option>
                            {choices.into_iter().map(|(id, label)| view! { <option value=id.to_string()>{label}</option> }).collect_view()}
                        </select>
                    </Field>
                    <RoleFields prefix="role" input=RoleInput::default()/>
                </div>
                <ErrorNote error=add_error/>
                <Notice done=added/>
                <div class="button-row">
                    <button class="button button--primary" type="submit" disabled=move || add.pending().get()>"Add to this pursuit"</button>
                </div>
            </ActionForm>
        })}
        <TeamSection project team=members choices=organization_choices may_write add=team.add update=team.update remove=team.remove/>
    }
}

#[component]
fn RoleRow(
    role: PursuitRole,
    project: ProjectId,
    may_write: bool,
    editing: RwSignal<Option<crate::ids::PursuitContactId>>,
    update: ServerAction<UpdatePursuitContact>,
    remove: ServerAction<RemovePursuitContact>,
) -> impl IntoView {
    let id = role.id;
    let input = RoleInput {
        contact: role.contact.to_string(),
        relationship_type: role.relationship_type.map(|t| t.as_str().to_string()).unwrap_or_default(),
        influence_level: role.influence_level.map(|i| i.to_string()).unwrap_or_default(),
        stance: role.stance.as_str().to_string(),
        notes: role.notes.clone().unwrap_or_default(),
    };
    let name = role.name.clone();
    let columns = if may_write { 6 } else { 5 };
    view! {
        <tr data-testid="role">
            <td>
                <a class="cell-title" href=format!("/contacts/{}", role.contact)>{role.name.clone()}</a>
                <div class="muted">{[role.title.clone(), role.organization.as_ref().map(|(_, n)| n.clone())].into_iter().flatten().collect::<Vec<_>>().join(" \u{b7} ")}</div>
                {role.notes.clone().map(|n| view! { <div class="muted">{n}</div> })}
            </td>
            <td>{role.relationship_type.map(|t| t.label()).unwrap_or("—")}</td>
            <td>{role.influence_level.map(|i| format!("{i} of 5")).unwrap_or_else(|| "—".into())}</td>
            <td><span class=role.stance.badge()>{role.stance.label()}</span></td>
            <td>{role.strength.map(strength_label).unwrap_or("not rated")}</td>
            {may_write.then(|| view! {
                <td class="cell-actions">
                    <button class="button button--ghost button--small" type="button" aria-label=format!("Change {name}'s role")
                        on:click=move |_| editing.set(Some(id))>"Change"</button>
                    <ActionForm action=remove>
                        <input type="hidden" name="project" value=project.to_string()/>
                        <input type="hidden" name="role" value=id.to_string()/>
                        <button class="button button--ghost button--small" type="submit" aria-label=format!("Remove {}'s role", role.name)>"Remove"</button>
                    </ActionForm>
                </td>
            })}
        </tr>
        {move || (editing.get() == Some(id)).then(|| {
            let input = input.clone();
            view! {
                <tr><td colspan=columns.to_string()>
                    <ActionForm action=update attr:class="form" attr:data-testid="change-role">
                        <input type="hidden" name="project" value=project.to_string()/>
                        <input type="hidden" name="role" value=id.to_string()/>
                        <input type="hidden" name="input[contact]" value=input.contact.clone()/>
                        <div class="form-grid"><RoleFields prefix="change" input/></div>
                        <div class="button-row">
                            <button class="button button--primary" type="submit">"Save role"</button>
                            <button class="button button--ghost" type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
                        </div>
                    </ActionForm>
                </td></tr>
            }
        })}
    }
}

/// Role, influence, stance and notes, named as the server function's `input`.
#[component]
fn RoleFields(prefix: &'static str, input: RoleInput) -> impl IntoView {
    view! {
        <Field label="Role" id=format!("{prefix}-relationship_type") let:f>
            <select class="input" id=f.id aria-describedby=f.described_by name="input[relationship_type]" required>
                <option value="">"Choose a role"</option>
                {RelationshipType::ALL.iter().map(|t| view! {
                    <option value=t.as_str() selected=input.relationship_type == t.as_str()>{t.label()}</option>
                }).collect_view()}
            </select>
        </Field>
        <Field label="Influence" id=format!("{prefix}-influence_level") let:f>
            <select class="input" id=f.id aria-describedby=f.described_by name="input[influence_level]">
                <option value="">"Not rated"</option>
                {(1..=5).map(|n| view! {
                    <option value=n.to_string() selected=input.influence_level == n.to_string()>{format!("{n} of 5")}</option>
                }).collect_view()}
            </select>
        </Field>
        <Field label="Stance toward us" id=format!("{prefix}-stance") let:f>
            <select class="input" id=f.id aria-describedby=f.described_by name="input[stance]">
                {Stance::ALL.iter().map(|s| view! {
                    <option value=s.as_str() selected=input.stance == s.as_str() || (input.stance.is_empty() && *s == Stance::Unknown)>{s.label()}</option>
                }).collect_view()}
            </select>
        </Field>
        <Field label="Notes" id=format!("{prefix}-notes") let:f>
            <input class="input" id=f.id aria-describedby=f.described_by name="input[notes]" maxlength="2000" value=input.notes.clone()/>
        </Field>
    }
}
