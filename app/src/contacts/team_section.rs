//! The Contacts tab's teaming section: our prime and subcontractors with their share of the work and where
//! the NDA or teaming agreement stands, then the competitors; add, change and take off.

use super::teaming::{
    AddPursuitOrganization, AgreementStatus, RemovePursuitOrganization, TeamMember, TeamingInput, TeamingRole,
    UpdatePursuitOrganization, team_workshare,
};
use crate::{
    ids::{OrganizationId, ProjectId, PursuitOrganizationId},
    ui::{ErrorNote, Field, Notice, outcome},
};
use leptos::prelude::*;
use rust_decimal::Decimal;

#[component]
pub fn TeamSection(
    project: ProjectId,
    team: Vec<TeamMember>,
    choices: Vec<(OrganizationId, String)>,
    may_write: bool,
    add: ServerAction<AddPursuitOrganization>,
    update: ServerAction<UpdatePursuitOrganization>,
    remove: ServerAction<RemovePursuitOrganization>,
) -> impl IntoView {
    let (add_error, added) = outcome(add.into(), "Added to the pursuit.");
    let (update_error, _) = outcome(update.into(), "Saved.");
    let (remove_error, _) = outcome(remove.into(), "Taken off.");
    let editing = RwSignal::new(None::<PursuitOrganizationId>);
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            editing.set(None);
        }
    });
    let share = team_workshare(&team);
    let left = (Decimal::ONE_HUNDRED - share).max(Decimal::ZERO);
    let on_team = team.iter().any(|m| m.teaming_role.on_our_team());
    view! {
        <section class="card card--flush" aria-labelledby="teaming-heading" data-testid="teaming">
            <div class="card__header">
                <h2 class="card__title" id="teaming-heading">"Teaming"</h2>
                {on_team.then(|| view! {
                    <p class="muted" data-testid="team-share">
                        {format!("Our team: {}% of the work assigned, {}% open.", share.normalize(), left.normalize())}
                    </p>
                })}
            </div>
            <ErrorNote error=update_error/>
            <ErrorNote error=remove_error/>
            {if team.is_empty() {
                view! { <p class="empty">"No prime, subcontractors or competitors on this pursuit yet."</p> }.into_any()
            } else {
                let columns = if may_write { 6 } else { 5 };
                view! {
                    <table class="table">
                        <caption class="sr-only">"Our team, then the competitors"</caption>
                        <thead><tr>
                            <th scope="col">"Organization"</th>
                            <th scope="col">"Place"</th>
                            <th scope="col" class="num">"Workshare"</th>
                            <th scope="col">"Agreement"</th>
                            <th scope="col">"Notes"</th>
                            {may_write.then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}
                        </tr></thead>
                        <tbody>
                            {team.into_iter().map(|m| view! { <MemberRow member=m project may_write columns editing remove update/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        {may_write.then(|| view! {
            <ActionForm action=add attr:class="card form" attr:data-testid="add-teaming">
                <h2 class="card__title">"Add a partner or competitor"</h2>
                <input type="hidden" name="project" value=project.to_string()/>
                <div class="form-grid">
                    <Field label="Organization" id="teaming-organization" hint="Companies only; not listed? Add it under Organizations first." let:f>
                        <select class="input" id=f.id aria-describedby=f.described_by name="input[organization]" required>
                            <option value="">"Choose an organization"</option>
                            {choices.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                        </select>
                    </Field>
                    <TeamingFields prefix="teaming" input=TeamingInput::default()/>
                </div>
                <ErrorNote error=add_error/>
                <Notice done=added/>
                <div class="button-row">
                    <button class="button button--primary" type="submit" disabled=move || add.pending().get()>"Add to this pursuit"</button>
                </div>
            </ActionForm>
        })}
    }
}

#[component]
fn MemberRow(
    member: TeamMember,
    project: ProjectId,
    may_write: bool,
    columns: usize,
    editing: RwSignal<Option<PursuitOrganizationId>>,
    update: ServerAction<UpdatePursuitOrganization>,
    remove: ServerAction<RemovePursuitOrganization>,
) -> impl IntoView {
    let id = member.id;
    let input = TeamingInput {
        organization: member.organization.to_string(),
        teaming_role: member.teaming_role.as_str().into(),
        workshare_percent: member.workshare_percent.map(|w| w.normalize().to_string()).unwrap_or_default(),
        agreement_status: member.agreement_status.as_str().into(),
        notes: member.notes.clone().unwrap_or_default(),
    };
    let name = member.name.clone();
    let people = match member.people {
        0 => None,
        1 => Some("1 person on this pursuit".to_string()),
        n => Some(format!("{n} people on this pursuit")),
    };
    view! {
        <tr data-testid="team-member">
            <td>
                <a class="cell-title" href=format!("/organizations/{}", member.organization)>{member.name.clone()}</a>
                <div class="muted">{[member.business_size.map(|s| s.label().to_string()), people].into_iter().flatten().collect::<Vec<_>>().join(" \u{b7} ")}</div>
            </td>
            <td>{member.teaming_role.label()}</td>
            <td class="num">{member.workshare_percent.map(|w| format!("{}%", w.normalize())).unwrap_or_else(|| "—".into())}</td>
            <td><span class=member.agreement_status.badge()>{member.agreement_status.label()}</span></td>
            <td class="muted">{member.notes.clone().unwrap_or_default()}</td>
            {may_write.then(|| view! {
                <td class="cell-actions">
                    <button class="button button--ghost button--small" type="button" aria-label=format!("Change {name}'s entry")
                        on:click=move |_| editing.set(Some(id))>"Change"</button>
                    <ActionForm action=remove>
                        <input type="hidden" name="project" value=project.to_string()/>
                        <input type="hidden" name="entry" value=id.to_string()/>
                        <button class="button button--ghost button--small" type="submit" aria-label=format!("Remove {} from this pursuit", member.name)>"Remove"</button>
                    </ActionForm>
                </td>
            })}
        </tr>
        {move || (editing.get() == Some(id)).then(|| {
            let input = input.clone();
            view! {
                <tr><td colspan=columns.to_string()>
                    <ActionForm action=update attr:class="form" attr:data-testid="change-teaming">
                        <input type="hidden" name="project" value=project.to_string()/>
                        <input type="hidden" name="entry" value=id.to_string()/>
                        <input type="hidden" name="input[organization]" value=input.organization.clone()/>
                        <div class="form-grid"><TeamingFields prefix="change-teaming" input/></div>
                        <div class="button-row">
                            <button class="button button--primary" type="submit">"Save"</button>
                            <button class="button button--ghost" type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
                        </div>
                    </ActionForm>
                </td></tr>
            }
        })}
    }
}

/// Place, workshare, agreement and notes, named as the server function's `input`.
#[component]
fn TeamingFields(prefix: &'static str, input: TeamingInput) -> impl IntoView {
    view! {
        <Field label="Place" id=format!("{prefix}-role") let:f>
            <select class="input" id=f.id aria-describedby=f.described_by name="input[teaming_role]" required>
                <option value="">"Choose"</option>
                {TeamingRole::ALL.iter().map(|r| view! {
                    <option value=r.as_str() selected=input.teaming_role == r.as_str()>{r.label()}</option>
                }).collect_view()}
            </select>
        </Field>
        <Field label="Workshare (%)" id=format!("{prefix}-workshare") hint="Our team's shares add up to 100% at most; none for a competitor." let:f>
            <input class="input" id=f.id aria-describedby=f.described_by name="input[workshare_percent]" inputmode="decimal"
                maxlength="8" value=input.workshare_percent.clone()/>
        </Field>
        <Field label="Agreement" id=format!("{prefix}-agreement") let:f>
            <select class="input" id=f.id aria-describedby=f.described_by name="input[agreement_status]">
                {AgreementStatus::ALL.iter().map(|a| view! {
                    <option value=a.as_str() selected=input.agreement_status == a.as_str() || (input.agreement_status.is_empty() && *a == AgreementStatus::None)>{a.label()}</option>
                }).collect_view()}
            </select>
        </Field>
        <Field label="Notes" id=format!("{prefix}-notes") hint="NDA or teaming agreement details, exclusivity, who signs." let:f>
            <input class="input" id=f.id aria-describedby=f.described_by name="input[notes]" maxlength="2000" value=input.notes.clone()/>
        </Field>
    }
}
