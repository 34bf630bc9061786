//! /: the dashboard. Rendered on the server, then asked again every minute while the page is open.

use super::{Dashboard, Deadline, REFRESH_SECONDS, UPCOMING_DAYS, chart::PipelineChart, load_dashboard};
use crate::format::{self, Urgency};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use std::time::Duration;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let tick = RwSignal::new(0_u64);
    let data = Resource::new(move || tick.get(), |_| load_dashboard());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        hydrated.set(true);
        if let Ok(handle) =
            set_interval_with_handle(move || tick.update(|t| *t += 1), Duration::from_secs(REFRESH_SECONDS))
        {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <Title text="Dashboard · GWM CRM"/>
        <section class="page page--wide" data-hydrated=move || hydrated.get().to_string()>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading the dashboard…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <DashboardView d/> }.into_any(),
                        Err(e) => view! {
                            <div class="callout callout--error" role="alert">
                                <h1 class="callout__title">"The dashboard could not be loaded"</h1>
                                <p>{e.to_string()}</p>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DashboardView(d: Dashboard) -> impl IntoView {
    let (open_value, weighted, open_count) = d.open_pipeline();
    let win_rate = d.win_rate();
    let decided = d.won + d.lost;
    let as_of = d.as_of;
    view! {
        <header class="page__header">
            <div>
                <p class="eyebrow">{d.tenant_name.clone()}</p>
                <h1 class="page__title">{if d.first_name.is_empty() { "Dashboard".to_string() } else { format!("Welcome back, {}", d.first_name) }}</h1>
                <p class="muted">{format!("As of {} UTC · refreshes every minute", as_of.format("%H:%M"))}</p>
            </div>
            <div class="button-row">
                <a class="button button--secondary" href="/pipeline">"Open the pipeline"</a>
                <a class="button button--ghost" href="/projects">"All projects"</a>
            </div>
        </header>
        <div class="kpis" data-testid="kpis">
            <Kpi label="Open pipeline" value=format::money_compact(open_value) note=format::count(open_count, "open pursuit", "open pursuits")/>
            <Kpi label="Weighted by PWin" value=format::money_compact(weighted) note="expected value".to_string()/>
            <Kpi label="Win rate" value=win_rate.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into())
                note=if decided == 0 { "no decisions in 12 months".to_string() } else { format!("{} won of {} decided, 12 months", d.won, decided) }/>
            <Kpi label="Responses due" value=d.upcoming_total.to_string() note=format!("in the next {UPCOMING_DAYS} days")/>
            <Kpi label="Overdue activities" value=d.overdue_total.to_string() note="on open pursuits".to_string()/>
            <Kpi label="Source changes" value=d.changes_total.to_string() note="not yet acknowledged".to_string()/>
        </div>
        <div class="card">
            <h2 class="card__title">"Pipeline value by stage"</h2>
            <p class="field__hint">"Bar: total estimated value. Dark part: weighted by win probability."</p>
            <PipelineChart stages=d.stages.clone()/>
        </div>
        <div class="two-col">
            <div class="card" data-testid="upcoming">
                <h2 class="card__title">"Upcoming response deadlines"</h2>
                <DeadlineList items=d.upcoming.clone() as_of empty="Nothing due in the next 30 days."/>
                {(d.upcoming_total > 0).then(|| view! {
                    <a class="card__more" href=format!("/projects?due_within={UPCOMING_DAYS}")>
                        {format!("See all {} due in the next {UPCOMING_DAYS} days", d.upcoming_total)}
                    </a>
                })}
            </div>
            <div class="card" data-testid="mine">
                <h2 class="card__title">"My pursuits"</h2>
                <DeadlineList items=d.mine.clone() as_of empty="You are not capture manager or on the team of an open pursuit."/>
                {(!d.mine.is_empty()).then(|| view! {
                    <a class="card__more" href="/pipeline?mine=1">"See the pursuits you manage on the board"</a>
                })}
            </div>
        </div>
        <div class="two-col">
            <div class="card" data-testid="overdue">
                <h2 class="card__title">"Overdue activities"</h2>
                {d.overdue.is_empty().then(|| view! { <p class="muted">"Nothing overdue."</p> })}
                <ul class="list">
                    {d.overdue.into_iter().map(|a| view! {
                        <li class="list__item list__item--stacked">
                            <a href=format!("/projects/{}", a.project_id)>{a.subject}</a>
                            <span class="cell-sub">{format!("{} · {} · due {}", a.project_name, a.assignee.unwrap_or_else(|| "unassigned".into()), format::due_in(a.due_date, as_of).0)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
            <div class="card" data-testid="changes">
                <h2 class="card__title">"Recent source changes"</h2>
                {d.changes.is_empty().then(|| view! { <p class="muted">"Every change from the sources has been acknowledged."</p> })}
                <ul class="list">
                    {d.changes.into_iter().map(|c| view! {
                        <li class="list__item list__item--stacked">
                            <div class="list__line">
                                <a href=format!("/projects/{}", c.project_id)>{c.project_name}</a>
                                <span class=c.impact_level.badge()>{c.impact_level.as_str()}</span>
                            </div>
                            <span class="cell-sub">{format!("{} · {} · {}", c.change_type.replace('_', " "), if c.fields.is_empty() { "details".to_string() } else { c.fields }, format::date_time(c.at))}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
        </div>
    }
}

#[component]
fn Kpi(label: &'static str, value: String, note: String) -> impl IntoView {
    view! {
        <div class="kpi">
            <span class="kpi__label">{label}</span>
            <span class="kpi__value">{value}</span>
            <span class="kpi__note">{note}</span>
        </div>
    }
}

#[component]
fn DeadlineList(items: Vec<Deadline>, as_of: DateTime<Utc>, empty: &'static str) -> impl IntoView {
    view! {
        {items.is_empty().then(|| view! { <p class="muted">{empty}</p> })}
        <ul class="list">
            {items.into_iter().map(|p| {
                let (urgency, due) = match p.response_due_date {
                    Some(d) if !p.pipeline_stage.awaits_response() => (Urgency::Later, format!("{} · submitted", format::date(d))),
                    Some(d) => {
                        let (text, urgency) = format::due_in(d, as_of);
                        (urgency, format!("{} · {text}", format::date(d)))
                    }
                    None => (Urgency::Later, "no due date yet".to_string()),
                };
                let class = format!("due due--{}", urgency.modifier());
                view! {
                    <li class="list__item list__item--stacked">
                        <div class="list__line">
                            <a href=format!("/projects/{}", p.id)>{p.project_name}</a>
                            <span class=format!("stage stage--{}", p.pipeline_stage.as_str())>{p.pipeline_stage.short_label()}</span>
                        </div>
                        <span class="cell-sub">
                            <span class=class>{due}</span>
                            {p.estimated_value.map(|v| format!(" · {}", format::money_compact(v)))}
                        </span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
