//! /projects/new and /projects/:id/edit: one form for both. The server names every problem at once; the
//! form keeps what was typed so nothing is lost while fixing it.

use super::{ProjectForm, ProjectInput, create_project, load_project_form, update_project};
use crate::{
    domain::{PipelineStage, Priority, ProjectStatus},
    ids::ProjectId,
    ui::{ErrorNote, Field},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn NewProjectPage() -> impl IntoView {
    let form = Resource::new(|| (), |_| load_project_form(None));
    view! { <FormPage title="New project" form/> }
}

#[component]
pub fn EditProjectPage() -> impl IntoView {
    let params = use_params_map();
    let form =
        Resource::new(move || params.with(|p| p.get("id").unwrap_or_default()), |id| load_project_form(Some(id)));
    view! { <FormPage title="Edit project" form/> }
}

#[component]
fn FormPage(title: &'static str, form: Resource<Result<ProjectForm, crate::error::AppError>>) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text=format!("{title} · GWM CRM")/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(form) => view! { <ProjectFormView title form/> }.into_any(),
                        Err(e) => view! {
                            <div class="callout callout--error" role="alert">
                                <h1 class="callout__title">{format!("{title}: not available")}</h1>
                                <p>{e.to_string()}</p>
                                <p><a href="/projects">"Back to the projects"</a></p>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

type ReadField = fn(&ProjectInput) -> String;
type WriteField = fn(&mut ProjectInput, String);

#[component]
fn ProjectFormView(title: &'static str, form: ProjectForm) -> impl IntoView {
    let ProjectForm { id, input, people, source_name, open_projects, max_projects } = form;
    let input = RwSignal::new(input);
    let people = StoredValue::new(people);
    let problem = RwSignal::new(None::<String>);
    let save = Action::new(move |value: &(Option<ProjectId>, ProjectInput)| {
        let (id, value) = value.clone();
        async move {
            match id {
                Some(id) => update_project(id, value).await.map(|_| id),
                None => create_project(value).await,
            }
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => navigate(&format!("/projects/{saved}"), Default::default()),
        Some(Err(e)) => problem.set(Some(e.to_string())),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        save.dispatch((id, input.get_untracked()));
    };
    let cancel = id.map(|id| format!("/projects/{id}")).unwrap_or_else(|| "/projects".into());
    let input_of = move |kind: &'static str,
                         label: &'static str,
                         name: &'static str,
                         get: ReadField,
                         set: WriteField,
                         hint: &'static str| {
        view! {
            <Field label id=name hint required=name == "project_name" let:f>
                <input class="input" id=f.id aria-describedby=f.described_by name=name type=kind prop:value=move || input.with(get)
                    on:input=move |ev| input.update(|i| set(i, event_target_value(&ev)))/>
            </Field>
        }
    };
    let text = move |label, name, get, set, hint| input_of("text", label, name, get, set, hint);
    let person = move |label: &'static str, name: &'static str, get: ReadField, set: WriteField| {
        view! {
            <Field label id=name let:f>
                <select class="input" id=f.id aria-describedby=f.described_by name=name on:change=move |ev| input.update(|i| set(i, event_target_value(&ev)))>
                    <option value="" selected=move || input.with(get).is_empty()>"Nobody yet"</option>
                    {people.get_value().into_iter().map(|(uid, who)| {
                        let value = uid.to_string();
                        let mine = value.clone();
                        view! { <option value=value selected=move || input.with(get) == mine>{who}</option> }
                    }).collect_view()}
                </select>
            </Field>
        }
    };
    view! {
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href="/projects">"Projects"</a></p>
                <h1 class="page__title">{title}</h1>
                {id.is_none().then(|| view! { <p class="muted">{format!("{open_projects} of {max_projects} open projects on your plan.")}</p> })}
            </div>
        </header>
        <form class="card form project-form" on:submit=submit novalidate>
            <ErrorNote error=problem.into() test_id="form-error"/>
            <div class="form-grid">
                {text("Project name", "project_name", |i| i.project_name.clone(), |i, v| i.project_name = v, "What your team calls this pursuit.")}
                {text("Solicitation number", "solicitation_number", |i| i.solicitation_number.clone(), |i, v| i.solicitation_number = v, "")}
                {text("Agency", "agency_name", |i| i.agency_name.clone(), |i, v| i.agency_name = v, "")}
                {text("Contracting office", "contracting_office", |i| i.contracting_office.clone(), |i, v| i.contracting_office = v, "")}
                {text("Internal reference", "internal_reference_number", |i| i.internal_reference_number.clone(), |i, v| i.internal_reference_number = v, "")}
                {id.is_none().then(|| view! {
                    <Field label="Starting stage" id="pipeline_stage" let:f>
                        <select class="input" id=f.id aria-describedby=f.described_by name="pipeline_stage" on:change=move |ev| input.update(|i| i.pipeline_stage = event_target_value(&ev))>
                            {PipelineStage::ALL.iter().filter(|s| !s.is_closed()).map(|s| view! {
                                <option value=s.as_str()>{format!("{} · {}", s.short_label(), s.label())}</option>
                            }).collect_view()}
                        </select>
                    </Field>
                })}
                {id.is_some().then(|| view! {
                    <Field label="Status" id="project_status" let:f>
                        <select class="input" id=f.id aria-describedby=f.described_by name="project_status" on:change=move |ev| input.update(|i| i.project_status = event_target_value(&ev))>
                            {ProjectStatus::ALL.iter().filter(|s| **s != ProjectStatus::Archived).map(|s| {
                                let s = *s;
                                view! { <option value=s.as_str() selected=move || input.with(|i| i.project_status == s.as_str())>{s.label()}</option> }
                            }).collect_view()}
                        </select>
                    </Field>
                })}
                <Field label="Priority" id="priority_level" let:f>
                    <select class="input" id=f.id aria-describedby=f.described_by name="priority_level" on:change=move |ev| input.update(|i| i.priority_level = event_target_value(&ev))>
                        {Priority::ALL.iter().map(|p| {
                            let p = *p;
                            view! { <option value=p.as_str() selected=move || input.with(|i| i.priority_level == p.as_str() || (i.priority_level.is_empty() && p == Priority::Medium))>{p.label()}</option> }
                        }).collect_view()}
                    </select>
                </Field>
                {text("Win probability (%)", "win_probability_score", |i| i.win_probability_score.clone(), |i, v| i.win_probability_score = v, "0 to 100")}
                {text("Strategic value", "strategic_value_score", |i| i.strategic_value_score.clone(), |i, v| i.strategic_value_score = v, "0 to 100")}
                {person("Capture manager", "capture_manager", |i| i.capture_manager.clone(), |i, v| i.capture_manager = v)}
                {person("Proposal manager", "proposal_manager", |i| i.proposal_manager.clone(), |i, v| i.proposal_manager = v)}
            </div>
            <fieldset class="fieldset">
                <legend class="field__label">"Team members"</legend>
                <div class="checklist">
                    {people.get_value().into_iter().map(|(uid, who)| {
                        let value = uid.to_string();
                        let (check, toggle) = (value.clone(), value.clone());
                        view! {
                            <label class="check">
                                <input type="checkbox" name="team_members" value=value
                                    prop:checked=move || input.with(|i| i.team_members.contains(&check))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let member = toggle.clone();
                                        input.update(|i| { i.team_members.retain(|m| *m != member); if on { i.team_members.push(member); } });
                                    }/>
                                <span>{who}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            {match source_name {
                Some(source) => view! {
                    <p class="field__hint">{format!("Value, response due date, NAICS and set-aside come from {source}. Override them on the project page, with a reason.")}</p>
                }.into_any(),
                None => view! {
                    <fieldset class="fieldset">
                        <legend class="field__label">"Opportunity details"</legend>
                        <p class="field__hint">"No source is linked, so type what a sync would bring. Linking a source later keeps these as your values."</p>
                        <div class="form-grid">
                            {text("Estimated value ($)", "estimated_value", |i| i.estimated_value.clone(), |i, v| i.estimated_value = v, "e.g. 12500000")}
                            {input_of("date", "Response due", "response_due_date", |i| i.response_due_date.clone(), |i, v| i.response_due_date = v, "YYYY-MM-DD")}
                            {text("NAICS codes", "naics_codes", |i| i.naics_codes.clone(), |i, v| i.naics_codes = v, "e.g. 541512, 541519")}
                            {text("Set-aside", "set_aside_type", |i| i.set_aside_type.clone(), |i, v| i.set_aside_type = v, "e.g. 8(a), SDVOSB, none")}
                        </div>
                    </fieldset>
                }.into_any(),
            }}
            <Field label="Description" id="description" let:f>
                <textarea class="input textarea" id=f.id aria-describedby=f.described_by name="description" rows="4" prop:value=move || input.with(|i| i.description.clone())
                    on:input=move |ev| input.update(|i| i.description = event_target_value(&ev))></textarea>
            </Field>
            <div class="button-row">
                <button class="button button--primary" type="submit" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else if id.is_some() { "Save changes" } else { "Create project" }}
                </button>
                <a class="button button--ghost" href=cancel>"Cancel"</a>
            </div>
        </form>
    }
}
