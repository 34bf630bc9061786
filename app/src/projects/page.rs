//! The project list: every open pursuit of the tenant, searchable and filterable in place.

use super::{list_projects, ProjectList, ProjectSummary};
use crate::{
    domain::{PipelineStage, Priority},
    format::{self, Urgency},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let projects = Resource::new(|| (), |_| list_projects(None));
    view! {
        <Title text="Projects · GWM CRM"/>
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading projects…"</p> }>
            {move || Suspend::new(async move {
                match projects.await {
                    Ok(list) => view! { <ProjectTable list/> }.into_any(),
                    Err(err) => view! {
                        <div class="callout callout--error" role="alert">
                            <h1 class="callout__title">"Projects could not be loaded"</h1>
                            <p>{err.to_string()}</p>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProjectTable(list: ProjectList) -> impl IntoView {
    let ProjectList { tenant_name, projects, total, as_of } = list;
    let shown = projects.len();
    let projects = StoredValue::new(projects);
    let search = RwSignal::new(String::new());
    let stage = RwSignal::new(None::<PipelineStage>);
    // Set only in the browser, once the page is interactive: the end-to-end test waits for it.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let visible = move || {
        let needle = search.get().trim().to_lowercase();
        let wanted = stage.get();
        projects.with_value(|all| {
            all.iter()
                .filter(|p| wanted.is_none_or(|s| p.pipeline_stage == s))
                .filter(|p| needle.is_empty() || matches_search(p, &needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let visible_count = move || visible().len();

    view! {
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <header class="page__header">
                <div>
                    <p class="eyebrow">{tenant_name}</p>
                    <h1 class="page__title">"Opportunity projects"</h1>
                    <p class="muted">
                        {if total as usize > shown {
                            format!("Showing the first {shown} of {total} open pursuits.")
                        } else {
                            format!("{total} open pursuits.")
                        }}
                    </p>
                </div>
            </header>
            <div class="toolbar" role="search">
                <label class="field">
                    <span class="field__label">"Search"</span>
                    <input
                        class="input"
                        type="search"
                        name="q"
                        placeholder="Title, agency, solicitation, NAICS…"
                        autocomplete="off"
                        prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span class="field__label">"Stage"</span>
                    <select
                        class="input"
                        name="stage"
                        on:change=move |ev| stage.set(event_target_value(&ev).parse().ok())
                    >
                        <option value="">"All stages"</option>
                        {PipelineStage::ALL
                            .iter()
                            .map(|s| {
                                view! {
                                    <option value=s.as_str()>
                                        {format!("{} · {}", s.short_label(), s.label())}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <p class="toolbar__count muted" aria-live="polite">
                    {move || format!("{} shown", visible_count())}
                </p>
            </div>
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Pursuit"</th>
                            <th scope="col">"Agency"</th>
                            <th scope="col">"Stage"</th>
                            <th scope="col" class="num">"Value"</th>
                            <th scope="col" class="num">"PWin"</th>
                            <th scope="col">"Response due"</th>
                            <th scope="col">"Priority"</th>
                            <th scope="col">"Capture manager"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=visible
                            key=|p| p.id
                            children=move |p| view! { <ProjectRow project=p as_of/> }
                        />
                    </tbody>
                </table>
                <Show when=move || visible_count() == 0>
                    <p class="empty">"No pursuit matches. Clear the search or pick another stage."</p>
                </Show>
            </div>
        </section>
    }
}

fn matches_search(p: &ProjectSummary, needle: &str) -> bool {
    [
        Some(p.project_name.as_str()),
        p.title.as_deref(),
        p.agency_name.as_deref(),
        p.solicitation_number.as_deref(),
        p.naics_codes.as_deref(),
        p.set_aside_type.as_deref(),
        p.capture_manager_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|field| field.to_lowercase().contains(needle))
}

#[component]
fn ProjectRow(project: ProjectSummary, as_of: DateTime<Utc>) -> impl IntoView {
    // From post-submittal on, the response deadline has been met: a past date is history, not an alarm.
    let submitted = project.pipeline_stage >= crate::domain::PipelineStage::Phase5;
    let due = project.response_due_date.map(|d| {
        let (relative, urgency) = format::due_in(d, as_of);
        let (relative, urgency) = if submitted { (String::new(), Urgency::Later) } else { (relative, urgency) };
        let class = match urgency {
            Urgency::Overdue => "due due--overdue",
            Urgency::Soon => "due due--soon",
            Urgency::Later => "due",
        };
        view! {
            <span class=class>
                <time datetime=d.to_rfc3339()>{format::date(d)}</time>
                <span class="due__relative">{relative}</span>
            </span>
        }
    });
    let stage = project.pipeline_stage;
    view! {
        <tr>
            <td>
                <div class="cell-title">{project.title.clone().unwrap_or_else(|| project.project_name.clone())}</div>
                <div class="cell-sub">
                    <span class="solicitation">
                        {project.solicitation_number.clone().unwrap_or_else(|| "No solicitation yet".to_string())}
                    </span>
                    {project.set_aside_type.clone().map(|s| view! { <span class="tag">{s}</span> })}
                </div>
            </td>
            <td>{project.agency_name.clone().unwrap_or_default()}</td>
            <td>
                <span class=format!("stage stage--{}", stage.as_str()) title=stage.label()>
                    {stage.short_label()}
                </span>
                <div class="cell-sub">{stage.label()}</div>
            </td>
            <td class="num">{project.estimated_value_max.map(format::money_compact)}</td>
            <td class="num">{project.win_probability_score.map(format::percent)}</td>
            <td>{due}</td>
            <td><PriorityBadge priority=project.priority_level/></td>
            <td>{project.capture_manager_name.clone().unwrap_or_else(|| "Unassigned".to_string())}</td>
        </tr>
    }
}

#[component]
fn PriorityBadge(priority: Priority) -> impl IntoView {
    view! { <span class=format!("badge badge--{}", priority.as_str())>{priority.label()}</span> }
}
