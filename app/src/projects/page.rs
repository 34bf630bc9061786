//! /projects: the table view. Sorted and paged on the server, filtered like the board; the URL holds the
//! whole state (filter, sort, page), and "Export CSV" downloads exactly the current view.

use super::{ProjectRow, ProjectTable, TABLE_PAGE_SIZE, TableQuery, TableSort, load_table};
use crate::{
    domain::Priority,
    format::{self, Urgency},
    projects::{FilterBar, ProjectFilter},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(|q| TableQuery::from_query(|k| q.get(k))));
    let table = Resource::new(move || state.get(), load_table);
    // Set only in the browser, once the page is interactive: the end-to-end tests wait for it.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text="Projects · GWM CRM"/>
        <section class="page page--wide" data-hydrated=move || hydrated.get().to_string()>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading projects…"</p> }>
                {move || Suspend::new(async move {
                    let state = state.get_untracked();
                    match table.await {
                        Ok(table) => view! { <TableView table state/> }.into_any(),
                        Err(err) => view! {
                            <header class="page__header"><h1 class="page__title">"Opportunity projects"</h1></header>
                            <div class="callout callout--error" role="alert">
                                <h2 class="callout__title">"Projects could not be loaded"</h2>
                                <p>{err.to_string()}</p>
                                <p><a href="/projects">"Show all projects"</a></p>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TableView(table: ProjectTable, state: TableQuery) -> impl IntoView {
    let pages = table.pages();
    let ProjectTable { rows, total, choices, can_create, as_of } = table;
    let first = (state.page - 1) * TABLE_PAGE_SIZE + 1;
    let last = first + rows.len() as i64 - 1;
    let summary = match (total, rows.is_empty()) {
        (0, _) => "No pursuit matches this view.".to_string(),
        (_, true) => format!("Page {} is past the end: this view has {} pages.", state.page, pages),
        _ => format!("{first}–{last} of {}", format::count(total, "pursuit", "pursuits")),
    };
    let sort = state.clone();
    let href = Callback::new(move |filter: ProjectFilter| {
        format!("/projects{}", TableQuery { filter, page: 1, ..sort.clone() }.to_query())
    });
    let export = format!("/projects/export.csv{}", TableQuery { page: 1, ..state.clone() }.to_query());
    let empty = rows.is_empty();
    let header = |sort: TableSort, label: &'static str, numeric: bool| {
        let active = state.sort == sort;
        let aria = match (active, state.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        };
        let arrow = if !active {
            ""
        } else if state.descending {
            " ↓"
        } else {
            " ↑"
        };
        view! {
            <th scope="col" class=if numeric { "num" } else { "" } aria-sort=aria>
                <a class="sort" href=format!("/projects{}", state.sorted_by(sort).to_query())>{label}{arrow}</a>
            </th>
        }
    };
    view! {
        <header class="page__header">
            <div>
                <p class="eyebrow">"Capture"</p>
                <h1 class="page__title">"Opportunity projects"</h1>
                <p class="muted" data-testid="table-summary">{summary}</p>
            </div>
            <div class="button-row">
                <a class="button button--secondary" href=export download="projects.csv">"Export CSV"</a>
                {can_create.then(|| view! {
                    <a class="button button--secondary" href="/projects/import">"Import CSV"</a>
                    <a class="button button--primary" href="/projects/new">"New project"</a>
                })}
            </div>
        </header>
        <FilterBar filter=state.filter.clone() choices href/>
        {(state.sort == TableSort::Due && !state.descending).then(|| view! {
            <p class="muted table-note" data-testid="sort-note">
                "Deadlines still ahead come first, soonest first; past deadlines follow, most recent first; pursuits without a date are last."
            </p>
        })}
        <div class="table-wrap">
            <table class="table" data-testid="projects-table" data-results="">
                <thead>
                    <tr>
                        {header(TableSort::Name, "Pursuit", false)}
                        {header(TableSort::Agency, "Agency", false)}
                        {header(TableSort::Stage, "Stage", false)}
                        {header(TableSort::Value, "Value", true)}
                        {header(TableSort::PWin, "PWin", true)}
                        {header(TableSort::Due, "Response due", false)}
                        {header(TableSort::Priority, "Priority", false)}
                        {header(TableSort::Manager, "Capture manager", false)}
                        {header(TableSort::Updated, "Updated", false)}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|project| view! { <Row project as_of/> }).collect_view()}
                </tbody>
            </table>
            {empty.then(|| view! { <p class="empty">"Nothing to show. Clear a filter, or go back to the first page."</p> })}
        </div>
        <Pager state pages/>
    }
}

#[component]
fn Pager(state: TableQuery, pages: i64) -> impl IntoView {
    let at = |page: i64| format!("/projects{}", TableQuery { page, ..state.clone() }.to_query());
    let (previous, next) = (at(state.page - 1), at(state.page + 1));
    let (first, last) = (at(1), at(pages));
    view! {
        <nav class="pager" aria-label="Pages">
            {(state.page > 1).then(|| view! {
                <a class="button button--ghost" href=first>"First"</a>
                <a class="button button--ghost" href=previous rel="prev">"Previous"</a>
            })}
            <span class="muted" data-testid="page-of">{format!("Page {} of {}", state.page, pages)}</span>
            {(state.page < pages).then(|| view! {
                <a class="button button--ghost" href=next rel="next">"Next"</a>
                <a class="button button--ghost" href=last>"Last"</a>
            })}
        </nav>
    }
}

#[component]
fn Row(project: ProjectRow, as_of: DateTime<Utc>) -> impl IntoView {
    let due = project.response_due_date.map(|d| {
        let (relative, urgency) = if project.pipeline_stage.awaits_response() {
            format::due_in(d, as_of)
        } else {
            (String::new(), Urgency::Later)
        };
        let class = format!("due due--{}", urgency.modifier());
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
                <a class="cell-title" href=format!("/projects/{}", project.id)>{project.project_name.clone()}</a>
                <div class="cell-sub">
                    <span class="solicitation">{project.solicitation_number.clone().unwrap_or_else(|| "No solicitation yet".to_string())}</span>
                    {project.set_aside_type.clone().map(|s| view! { <span class="tag">{s}</span> })}
                    {(project.unacknowledged_changes > 0).then(|| view! {
                        <span class="badge badge--high" title="Unacknowledged changes from the source">{format::count(project.unacknowledged_changes, "change", "changes")}</span>
                    })}
                </div>
            </td>
            <td>{project.agency_name.clone().unwrap_or_default()}</td>
            <td>
                <span class=format!("stage stage--{}", stage.as_str()) title=stage.label()>{stage.short_label()}</span>
                <div class="cell-sub">{stage.label()}</div>
            </td>
            <td class="num">{project.estimated_value.map(format::money_compact)}</td>
            <td class="num">{project.win_probability_score.map(format::percent)}</td>
            <td>{due}</td>
            <td><PriorityBadge priority=project.priority_level/></td>
            <td>{project.capture_manager_name.clone().unwrap_or_else(|| "Unassigned".to_string())}</td>
            <td><time datetime=project.updated_at.to_rfc3339()>{format::date(project.updated_at)}</time></td>
        </tr>
    }
}

#[component]
fn PriorityBadge(priority: Priority) -> impl IntoView {
    view! { <span class=format!("badge badge--{}", priority.as_str())>{priority.label()}</span> }
}
