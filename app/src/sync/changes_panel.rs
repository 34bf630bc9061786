//! On a pursuit's page: every change the source made, newest first, with its impact and each field's old
//! and new value (deadlines in UTC and in the reader's own time); acknowledging one or all with a note
//! (which clears the board's badge and the health penalty); and any two versions compared field by field.

use super::changes::{
    AcknowledgeChanges, ChangeView, FieldDiff, ProjectChanges, VersionView, compare_versions, load_project_changes,
};
use crate::{
    error::AppError,
    format,
    ids::{OpportunityId, ProjectId},
    ui::{ErrorNote, Field, LocalTime, toasts},
};

/// Whose versions are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    Project(ProjectId),
    Opportunity(OpportunityId),
}

async fn compare(of: Versions, from: i32, to: i32) -> Result<Vec<FieldDiff>, AppError> {
    match of {
        Versions::Project(p) => compare_versions(p, from, to).await,
        Versions::Opportunity(o) => super::inbox::compare_opportunity_versions(o, from, to).await,
    }
}
use leptos::prelude::*;

#[component]
pub fn SourceChanges(project: ProjectId) -> impl IntoView {
    let acknowledge = ServerAction::<AcknowledgeChanges>::new();
    let changes = Resource::new(move || acknowledge.version().get(), move |_| load_project_changes(project));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match changes.await {
                    // The page says already whether the pursuit could be read; a failure here only hides the panel.
                    Err(_) => ().into_any(),
                    Ok(c) if c.changes.is_empty() && c.versions.len() < 2 => ().into_any(),
                    Ok(c) => view! { <Panel changes=c project acknowledge/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Panel(changes: ProjectChanges, project: ProjectId, acknowledge: ServerAction<AcknowledgeChanges>) -> impl IntoView {
    let ProjectChanges { changes, versions, unacknowledged, can_acknowledge } = changes;
    let note = RwSignal::new(String::new());
    let error = Signal::derive(move || acknowledge.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let toast = toasts();
    Effect::new(move |_| {
        if let (Some(Ok(n)), Some(t)) = (acknowledge.value().get(), toast) {
            t.say(format!("Acknowledged {}.", format::count(n as i64, "change", "changes")));
            note.set(String::new());
        }
    });
    let ack = move |ids: Vec<crate::ids::ChangeId>| {
        acknowledge.dispatch(AcknowledgeChanges {
            project_id: project,
            change_ids: (!ids.is_empty()).then_some(ids),
            note: note.get_untracked(),
        });
    };
    view! {
        <div class="card" data-testid="source-changes">
            <h2 class="card__title">
                "Changes from the source"
                {(unacknowledged > 0).then(|| view! {
                    <span class="badge badge--high" data-testid="unacknowledged">{format!("{unacknowledged} to acknowledge")}</span>
                })}
            </h2>
            <p class="field__hint">"Every change the source made to this opportunity, with how much it matters. Acknowledging clears the badge on the board and the health penalty; the change stays here."</p>
            <ErrorNote error/>
            {(can_acknowledge && unacknowledged > 0).then(|| view! {
                <div class="form form--inline changes__ack">
                    <Field label="Note (optional)" id="ack-note" hint="Kept with what you acknowledge, e.g. what the team will do." let:f>
                        <input id=f.id aria-describedby=f.described_by class="input" maxlength="1000"
                            prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/></Field>
                    <button class="button button--primary" type="button" disabled=move || acknowledge.pending().get()
                        on:click=move |_| ack(Vec::new())>{format!("Acknowledge all ({unacknowledged})")}</button>
                </div>
            })}
            <ol class="changes">
                {changes.into_iter().map(|c| view! { <Change change=c can_acknowledge ack/> }).collect_view()}
            </ol>
            {(versions.len() >= 2).then(|| view! { <Compare versions of=Versions::Project(project)/> })}
        </div>
    }
}

#[component]
fn Change(
    change: ChangeView,
    can_acknowledge: bool,
    ack: impl Fn(Vec<crate::ids::ChangeId>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = change.id;
    let versions = match (change.from_version, change.to_version) {
        (Some(a), Some(b)) => format!("version {a} → {b}"),
        _ => String::new(),
    };
    view! {
        <li class="changes__item" data-testid="source-change">
            <div class="changes__head">
                <span class=change.impact.badge()>{change.impact.label()}</span>
                <strong>{change.change_type.label()}</strong>
                <span class="muted">{versions}</span>
                <span class="muted changes__when"><LocalTime at=change.at/></span>
            </div>
            <Fields fields=change.fields/>
            {match change.acknowledged {
                Some(a) => view! {
                    <p class="muted changes__acked">
                        {format!("Acknowledged by {} on {}", a.by, format::date_time(a.at))}
                        {a.note.map(|n| format!(": {n}"))}
                    </p>
                }.into_any(),
                None if can_acknowledge => view! {
                    <button class="button button--ghost" type="button" on:click=move |_| ack(vec![id])>"Acknowledge"</button>
                }.into_any(),
                None => ().into_any(),
            }}
        </li>
    }
}

#[component]
fn Fields(fields: Vec<FieldDiff>) -> impl IntoView {
    view! {
        <table class="table table--compact changes__fields">
            <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
            <tbody>
                {fields.into_iter().map(|f| view! {
                    <tr>
                        <th scope="row">{f.label}</th>
                        <td class="changes__old">{match f.old_at { Some(at) => view! { <LocalTime at/> }.into_any(), None => f.old.into_any() }}</td>
                        <td>{match f.new_at { Some(at) => view! { <LocalTime at/> }.into_any(), None => f.new.into_any() }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// An opportunity's changes and versions, to read (acknowledging is done on its pursuit).
#[component]
pub fn History(history: ProjectChanges, of: Versions) -> impl IntoView {
    let ProjectChanges { changes, versions, .. } = history;
    let none = |_: Vec<crate::ids::ChangeId>| {};
    view! {
        <div class="card" data-testid="opportunity-history">
            <h2 class="card__title">"Versions and changes"</h2>
            {if changes.is_empty() {
                view! { <p class="muted">{format!("No change since it was first seen ({}).", format::count(versions.len() as i64, "version", "versions"))}</p> }.into_any()
            } else {
                view! {
                    <ol class="changes">
                        {changes.into_iter().map(|c| view! { <Change change=c can_acknowledge=false ack=none/> }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {(versions.len() >= 2).then(|| view! { <Compare versions of/> })}
        </div>
    }
}

#[component]
fn Compare(versions: Vec<VersionView>, of: Versions) -> impl IntoView {
    let latest = versions.first().map_or(1, |v| v.number);
    let from = RwSignal::new(versions.get(1).map_or(1, |v| v.number));
    let to = RwSignal::new(latest);
    let compare = Action::new(move |(a, b): &(i32, i32)| compare(of, *a, *b));
    let options = move |selected: RwSignal<i32>| {
        versions
            .iter()
            .map(|v| {
                let n = v.number;
                let label = format!("Version {n} · {}", format::date_time(v.at));
                view! { <option value=n.to_string() selected=move || selected.get() == n>{label}</option> }
            })
            .collect_view()
    };
    let (from_options, to_options) = (options(from), options(to));
    view! {
        <details class="changes__compare">
            <summary>"Compare versions"</summary>
            <div class="form form--inline">
                <Field label="From" id="compare-from" let:f>
                    <select id=f.id aria-describedby=f.described_by class="input" on:change=move |ev| from.set(event_target_value(&ev).parse().unwrap_or(1))>{from_options}</select></Field>
                <Field label="To" id="compare-to" let:f>
                    <select id=f.id aria-describedby=f.described_by class="input" on:change=move |ev| to.set(event_target_value(&ev).parse().unwrap_or(1))>{to_options}</select></Field>
                <button class="button button--secondary" type="button" on:click=move |_| { compare.dispatch((from.get_untracked(), to.get_untracked())); }>"Compare"</button>
            </div>
            {move || compare.value().get().map(|r| match r {
                Ok(d) if d.is_empty() => view! { <p class="muted">"These versions hold the same values."</p> }.into_any(),
                Ok(d) => view! { <Fields fields=d/> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </details>
    }
}
