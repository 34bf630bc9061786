//! /projects/:id: the pursuit, its synced data beside the overrides, scores, team and history.

use super::{
    HistoryEntry, KeepOverride, OverrideField, ProjectDetail, RemoveOverride, SyncedField, SyncedValue, load_project,
};
use crate::{
    domain::{PipelineStage, ProjectStatus},
    format,
    projects::{ArchiveProject, RestoreProject},
    ui::{ErrorNote, Field, LoadError, focus, outcome},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProjectPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let save = ServerAction::<OverrideField>::new();
    let remove = ServerAction::<RemoveOverride>::new();
    let keep = ServerAction::<KeepOverride>::new();
    let archive = ServerAction::<ArchiveProject>::new();
    let restore = ServerAction::<RestoreProject>::new();
    let detail = Resource::new(
        move || {
            (
                id(),
                save.version().get(),
                remove.version().get(),
                keep.version().get(),
                archive.version().get(),
                restore.version().get(),
            )
        },
        |(id, ..)| async move { load_project(id.parse()?).await },
    );
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text="Project · GWM CRM"/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(d) => view! { <ProjectView detail=d save remove keep archive restore/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn text(value: &Option<String>) -> String {
    value.clone().filter(|v| !v.is_empty()).unwrap_or_else(|| "—".into())
}

#[component]
fn ProjectView(
    detail: ProjectDetail,
    save: ServerAction<OverrideField>,
    remove: ServerAction<RemoveOverride>,
    keep: ServerAction<KeepOverride>,
    archive: ServerAction<ArchiveProject>,
    restore: ServerAction<RestoreProject>,
) -> impl IntoView {
    let ProjectDetail { facts: f, synced, health, history, project_roles, can_override, can_edit, can_archive } =
        detail;
    let (save_err, _) = outcome(save.into(), "");
    let (remove_err, _) = outcome(remove.into(), "");
    let (archive_err, _) = outcome(archive.into(), "");
    let (restore_err, _) = outcome(restore.into(), "");
    let pid = f.id;
    let archived = f.project_status == ProjectStatus::Archived;
    let asking_reason = RwSignal::new(false);
    view! {
        <Title text=format!("{} · GWM CRM", f.project_name)/>
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href="/pipeline">"Pipeline"</a>" / "{f.agency_name.clone().unwrap_or_default()}</p>
                <h1 class="page__title">{f.project_name.clone()}</h1>
                <p class="muted">
                    <span class=format!("stage stage--{}", f.pipeline_stage.as_str())>{f.pipeline_stage.short_label()}</span>
                    {format!(" {} since {} · ", f.pipeline_stage.label(), format::date(f.stage_entered_at))}
                    <span class=format!("badge badge--{}", f.priority_level.as_str())>{f.priority_level.as_str()}</span>
                    {format!(" · {}", f.project_status.label())}
                </p>
            </div>
            <div class="button-row">
                {(can_edit && !archived).then(|| view! { <a class="button button--secondary" href=format!("/projects/{pid}/edit")>"Edit"</a> })}
                {(can_archive && !archived).then(|| view! {
                    <button class="button button--ghost" type="button" aria-expanded=move || asking_reason.get().to_string()
                        on:click=move |_| asking_reason.update(|a| *a = !*a)>"Archive…"</button>
                })}
                {(can_archive && archived).then(|| view! {
                    <ActionForm action=restore>
                        <input type="hidden" name="project_id" value=pid.to_string()/>
                        <button class="button button--primary" type="submit">"Restore"</button>
                    </ActionForm>
                })}
            </div>
        </header>
        <ErrorNote error=archive_err/>
        <ErrorNote error=restore_err/>
        {archived.then(|| view! {
            <div class="callout" role="status"><p>"This project is archived: it is kept with its history, but it is off the board, the table and the plan count."</p></div>
        })}
        {move || asking_reason.get().then(|| view! {
            <ActionForm action=archive attr:class="card form form--inline" on:submit=move |_| asking_reason.set(false)>
                <input type="hidden" name="project_id" value=pid.to_string()/>
                <Field label="Why archive it?" id="archive-reason" required=true let:f>
                    <input class="input" id=f.id aria-describedby=f.described_by name="reason" required placeholder="No-bid: outside our NAICS; duplicate of …" node_ref=focus::takes_focus()/></Field>
                <button class="button button--primary" type="submit">"Archive project"</button>
            </ActionForm>
        })}
        <nav class="tabs" aria-label="Project sections">
            <span class="tabs__tab tabs__tab--current" aria-current="page">"Overview"</span>
            <a class="tabs__tab" href=format!("/projects/{pid}/documents")>"Documents"</a>
            <a class="tabs__tab" href=format!("/projects/{pid}/contacts")>"Contacts"</a>
            {["Activities", "Capture plan", "Proposal"].into_iter().map(|t| view! {
                <span class="tabs__tab tabs__tab--soon" aria-disabled="true">{t}<span class="nav-link__badge">"soon"</span></span>
            }).collect_view()}
        </nav>
        <div class="two-col">
            <div class="card">
                <h2 class="card__title">"Overview"</h2>
                <dl class="facts">
                    <dt>"Solicitation"</dt><dd>{text(&f.solicitation_number)}</dd>
                    <dt>"Agency"</dt><dd>{text(&f.agency_name)}</dd>
                    <dt>"Contracting office"</dt><dd>{text(&f.contracting_office)}</dd>
                    <dt>"Internal reference"</dt><dd>{text(&f.internal_reference_number)}</dd>
                    <dt>"Opportunity type"</dt><dd>{text(&f.opportunity_type)}</dd>
                    <dt>"Solicitation status"</dt><dd>{text(&f.solicitation_status)}{f.amendment_number.filter(|n| *n > 0).map(|n| format!(" (amendment {n})"))}</dd>
                    <dt>"Source"</dt><dd>{text(&f.source_name)}{f.snapshot_version.map(|v| format!(" · snapshot v{v}"))}{f.snapshot_at.map(|t| format!(" of {}", format::date_time(t)))}</dd>
                    <dt>"Created"</dt><dd>{format::date_time(f.created_at)}</dd>
                    <dt>"Updated"</dt><dd>{format::date_time(f.updated_at)}</dd>
                </dl>
                {f.description.clone().map(|d| view! { <p class="prose">{d}</p> })}
            </div>
            <div class="card">
                <h2 class="card__title">"Scores"</h2>
                <dl class="facts">
                    <dt>"Win probability"</dt><dd>{f.win_probability_score.map(format::percent).unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Strategic value"</dt><dd>{f.strategic_value_score.map(|v| format!("{}/100", v.round_dp(0))).unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Pursuit health"</dt>
                    <dd data-testid="pursuit-health">{match &health {
                        Some(h) => format!("{}/100", h.score),
                        None => "decided".into(),
                    }}</dd>
                </dl>
                {health.map(|h| view! {
                    <ul class="reasons">{h.reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                })}
                <h3 class="card__subtitle">"Team"</h3>
                <dl class="facts">
                    <dt>"Capture manager"</dt><dd>{text(&f.capture_manager)}</dd>
                    <dt>"Proposal manager"</dt><dd>{text(&f.proposal_manager)}</dd>
                    <dt>"Team members"</dt><dd>{if f.team.is_empty() { "—".to_string() } else { f.team.join(", ") }}</dd>
                    {project_roles.into_iter().map(|(who, role, until)| view! {
                        <dt>{role}</dt><dd>{who}{until.map(|u| format!(" (until {})", format::date(u)))}</dd>
                    }).collect_view()}
                </dl>
            </div>
        </div>
        <div class="card">
            <h2 class="card__title">"Synced from the source"</h2>
            <p class="field__hint">"Values come from the external source at each sync. An override keeps your value, with its reason, until you remove it; syncs never overwrite it."</p>
            <ErrorNote error=save_err/>
            <ErrorNote error=remove_err/>
            <div class="table-wrap">
                <table class="table" data-testid="synced">
                    <thead><tr><th>"Field"</th><th>"Source value"</th><th>"Your value"</th><th></th></tr></thead>
                    <tbody>
                        {synced.into_iter().map(|s| view! { <SyncedRow value=s pid can_override save remove keep/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
        <crate::sync::SourceChanges project=pid/>
        <div class="card">
            <h2 class="card__title">"History"</h2>
            {if history.is_empty() { Some(view! { <p class="muted">"No changes yet."</p> }) } else { None }}
            <ol class="timeline" data-testid="history">
                {history.into_iter().map(|h| view! {
                    <li class="timeline__item">
                        <span class="timeline__when">{format::date_time(h.at)}</span>
                        <span><strong>{h.who.clone()}</strong>{format!(" {}", describe(&h))}
                            {(h.change_source != "user_action").then(|| view! { <span class="badge">{h.change_source.replace('_', " ")}</span> })}</span>
                    </li>
                }).collect_view()}
            </ol>
        </div>
    }
}

#[component]
fn SyncedRow(
    value: SyncedValue,
    pid: crate::ids::ProjectId,
    can_override: bool,
    save: ServerAction<OverrideField>,
    remove: ServerAction<RemoveOverride>,
    keep: ServerAction<KeepOverride>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let conflict = value.conflict.clone().map(|was| {
        let now = value.external.as_deref().map(|v| value.field.display(v)).unwrap_or_else(|| "\u{2014}".into());
        let was = if was == "\u{2014}" { was } else { value.field.display(&was) };
        (was, now)
    });
    let field = value.field;
    let has_override = value.override_value.is_some();
    let has_source = value.external.is_some();
    view! {
        <tr data-field=field.as_str()>
            <td class="cell-title">{field.label()}</td>
            <td data-testid="source-value">{value.external.as_deref().map(|v| field.display(v)).unwrap_or_else(|| "—".into())}</td>
            <td>
                {value.override_value.clone().map(|v| view! {
                    <div data-testid="override-value"><strong>{field.display(&v)}</strong></div>
                    <div class="cell-sub">{format!("{} · {} · {}", value.override_reason.clone().unwrap_or_default(), value.override_by.clone().unwrap_or_default(), value.override_at.map(format::date).unwrap_or_default())}</div>
                })}
                {conflict.map(|(was, now)| view! {
                    <div class="conflict" role="note" data-testid="override-conflict">
                        <p>
                            <strong>"The source changed this since it was overridden. "</strong>
                            {format!("The source said {was} and now says {now}; your value stays until you choose.")}
                        </p>
                        {can_override.then(|| view! {
                            <div class="button-row">
                                <ActionForm action=keep>
                                    {target(pid, field)}
                                    <button class="button button--secondary" type="submit">"Keep mine"</button>
                                </ActionForm>
                                <ActionForm action=remove>
                                    {target(pid, field)}
                                    <button class="button button--secondary" type="submit">"Take the source\u{2019}s"</button>
                                </ActionForm>
                            </div>
                        })}
                    </div>
                })}
                {move || editing.get().then(|| view! {
                    <ActionForm action=save attr:class="form form--inline" on:submit=move |_| editing.set(false)>
                        {target(pid, field)}
                        <Field label="Value" id=format!("override-{}-value", field.as_str()) required=true let:f>
                            <input class="input" id=f.id aria-describedby=f.described_by name="value" required node_ref=focus::takes_focus()/></Field>
                        <Field label="Reason" id=format!("override-{}-reason", field.as_str()) required=true let:f>
                            <input class="input" id=f.id aria-describedby=f.described_by name="reason" required/></Field>
                        <button class="button button--primary" type="submit">"Save override"</button>
                    </ActionForm>
                })}
            </td>
            <td>
                {(can_override && has_source).then(|| view! {
                    <div class="button-row">
                        <button class="button button--ghost" type="button" aria-expanded=move || editing.get().to_string()
                            on:click=move |_| editing.update(|e| *e = !*e)>"Override"</button>
                        {has_override.then(|| view! {
                            <ActionForm action=remove>
                                {target(pid, field)}
                                <button class="button button--ghost" type="submit">"Remove"</button>
                            </ActionForm>
                        })}
                    </div>
                })}
            </td>
        </tr>
    }
}

/// What an override form acts on: the project and the field.
fn target(pid: crate::ids::ProjectId, field: SyncedField) -> impl IntoView {
    view! {
        <input type="hidden" name="project_id" value=pid.to_string()/>
        <input type="hidden" name="field" value=field.as_str()/>
    }
}

/// One history entry as a sentence: "moved it from Phase 1 · Opportunity assessment to Phase 2 · Capture planning".
fn describe(h: &HistoryEntry) -> String {
    let stage = |v: &Option<String>| match v.as_deref().map(str::parse::<PipelineStage>) {
        Some(Ok(s)) => s.full_label(),
        _ => v.clone().unwrap_or_else(|| "—".into()),
    };
    let label = match h.field_name.as_str() {
        "assigned_capture_manager" => "capture manager".to_string(),
        "assigned_proposal_manager" => "proposal manager".to_string(),
        "assigned_team_members" => "team".to_string(),
        "win_probability_score" => "win probability".to_string(),
        "strategic_value_score" => "strategic value".to_string(),
        other => {
            other.parse::<SyncedField>().map(|f| f.label().to_lowercase()).unwrap_or_else(|_| other.replace('_', " "))
        }
    };
    let show = |v: &Option<String>| v.as_deref().map(|v| history_value(&h.field_name, v)).unwrap_or_else(|| "—".into());
    match (h.field_name.as_str(), &h.old_value, &h.new_value) {
        ("project", None, _) => "created this pursuit".into(),
        ("pipeline_stage", _, _) => format!("moved it from {} to {}", stage(&h.old_value), stage(&h.new_value)),
        (_, None, Some(_)) => format!("set {label} to {}", show(&h.new_value)),
        (_, Some(_), None) => format!("cleared {label}"),
        (_, old, new) => format!("changed {label} from {} to {}", show(old), show(new)),
    }
}

/// A recorded value as people read it: amounts in dollars, dates as dates, percentages, statuses by name.
fn history_value(field: &str, raw: &str) -> String {
    use rust_decimal::Decimal;
    let decimal = || raw.parse::<Decimal>().ok();
    match field {
        "estimated_value" | "estimated_value_min" | "estimated_value_max" => {
            decimal().map(format::money_full).unwrap_or_else(|| raw.to_string())
        }
        "win_probability_score" => decimal().map(format::percent).unwrap_or_else(|| raw.to_string()),
        "project_status" => {
            raw.parse::<ProjectStatus>().map(|s| s.label().to_string()).unwrap_or_else(|_| raw.to_string())
        }
        "priority_level" => {
            raw.parse::<crate::domain::Priority>().map(|p| p.label().to_string()).unwrap_or_else(|_| raw.to_string())
        }
        f if f.ends_with("_date") || f.ends_with("_deadline") => match raw.parse::<chrono::DateTime<chrono::Utc>>() {
            Ok(at) => format::date_time(at),
            Err(_) => raw
                .parse::<chrono::NaiveDate>()
                .map(|d| d.format("%b %-d, %Y").to_string())
                .unwrap_or_else(|_| raw.to_string()),
        },
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_values_read_as_amounts_dates_and_names() {
        assert_eq!(history_value("estimated_value_max", "40443000.00"), "$40,443,000");
        assert_eq!(history_value("estimated_value_max", "52000000"), "$52,000,000");
        assert_eq!(history_value("win_probability_score", "35.00"), "35%");
        assert_eq!(history_value("project_status", "on_hold"), "On hold");
        assert_eq!(history_value("response_due_date", "2027-03-04"), "Mar 4, 2027");
        assert_eq!(history_value("place_of_performance", "Fort Meade, MD"), "Fort Meade, MD");
        assert_eq!(history_value("estimated_value_max", "not a number"), "not a number");
        let entry = HistoryEntry {
            at: chrono::Utc::now(),
            who: "Priya".into(),
            field_name: "estimated_value_max".into(),
            old_value: Some("40443000.00".into()),
            new_value: Some("52000000".into()),
            change_source: "user_action".into(),
        };
        assert_eq!(describe(&entry), "changed estimated value (max) from $40,443,000 to $52,000,000");
    }
}
