//! /opportunities: the opportunity inbox. What the sources returned, newest change first, with what is new
//! or changed since the person's previous visit marked; views by decision (to decide, new, changed, pursued,
//! dismissed), filters in the address, a page at a time; pursue one into the pipeline, link it to a pursuit
//! made by hand, or dismiss it with a reason.

use super::inbox::{
    DismissOpportunity, InboxFilter, InboxPage, InboxRow, InboxShow, LinkCandidate, LinkOpportunity, PursueOpportunity,
    RestoreOpportunity, load_inbox,
};
use crate::{
    domain::PipelineStage,
    format::{self, Urgency},
    ids::{OpportunityId, ProjectId},
    ui::{Dialog, ErrorNote, Field, LoadError, LocalTime, toasts},
};
use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Form,
    hooks::{use_navigate, use_query_map},
};

/// What a row's action opened.
#[derive(Clone)]
enum Asking {
    Pursue(InboxRow),
    Dismiss(InboxRow),
}

#[component]
pub fn OpportunitiesPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| InboxFilter::from_query(|k| q.get(k))));
    let dismiss = ServerAction::<DismissOpportunity>::new();
    let restore = ServerAction::<RestoreOpportunity>::new();
    let follow = Action::new(|(source, on): &(crate::ids::SourceId, bool)| super::inbox::follow_source(*source, *on));
    let inbox = Resource::new(
        move || (filter.get(), dismiss.version().get(), restore.version().get(), follow.version().get()),
        |(f, ..)| load_inbox(f),
    );
    let asking = RwSignal::new(None::<Asking>);
    let toast = toasts();
    Effect::new(move |_| {
        if let Some(Ok(())) = dismiss.value().get() {
            asking.set(None);
            if let Some(t) = toast {
                t.say("Dismissed. It is under \u{201c}Dismissed\u{201d} if you change your mind.");
            }
        }
    });
    let problem = Signal::derive(move || {
        restore
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| follow.value().get().and_then(|r| r.err()))
            .map(|e| e.to_string())
    });
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text="Opportunities · GWM CRM"/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <header class="page__header">
                <div>
                    <h1 class="page__title">"Opportunities"</h1>
                    <p class="muted">"Everything your sources returned, pursued or not, with every version. Decide what to pursue."</p>
                </div>
            </header>
            <ErrorNote error=problem/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match inbox.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(page) => view! { <Inbox page filter=filter.get_untracked() asking restore follow/> }.into_any(),
                    }
                })}
            </Suspense>
            {move || asking.get().map(|a| match a {
                Asking::Pursue(row) => view! { <PursueDialog id=row.id title=row.title close=Callback::new(move |()| asking.set(None))/> }.into_any(),
                Asking::Dismiss(row) => view! { <DismissDialog row dismiss close=Callback::new(move |()| asking.set(None))/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn Inbox(
    page: InboxPage,
    filter: InboxFilter,
    asking: RwSignal<Option<Asking>>,
    restore: ServerAction<RestoreOpportunity>,
    follow: Action<(crate::ids::SourceId, bool), Result<(), crate::error::AppError>>,
) -> impl IntoView {
    let InboxPage { rows, total, counts, sources, since, may_pursue, following } = page;
    let follows = sources.clone();
    let tab = |show: InboxShow| format!("/opportunities{}", InboxFilter { show, page: 0, ..filter.clone() }.query());
    let since_note = match since {
        Some(t) => format!("New and changed are since your previous visit, {}.", format::date_time(t)),
        None => "This is your first visit: everything is new.".to_string(),
    };
    let first = i64::from(filter.page) * i64::from(InboxFilter::PER_PAGE);
    let shown = rows.len() as i64;
    let prev = (filter.page > 0)
        .then(|| format!("/opportunities{}", InboxFilter { page: filter.page - 1, ..filter.clone() }.query()));
    let next = (first + shown < total)
        .then(|| format!("/opportunities{}", InboxFilter { page: filter.page + 1, ..filter.clone() }.query()));
    let f = filter.clone();
    let active_filters = !(f.q.is_empty()
        && f.source.is_none()
        && f.agency.is_empty()
        && f.naics.is_empty()
        && f.set_aside.is_empty()
        && f.notice_type.is_empty()
        && f.due_within.is_none());
    let clear = format!("/opportunities{}", InboxFilter { show: filter.show, ..InboxFilter::default() }.query());
    let now = Utc::now();
    view! {
        <nav class="tabs" aria-label="Views">
            {counts.into_iter().map(|(show, n)| view! {
                <a class="tabs__tab" href=tab(show) aria-current=(show == filter.show).then_some("page")>
                    {show.label()}<span class="tabs__count">{n}</span>
                </a>
            }).collect_view()}
        </nav>
        <div class="inbox__since">
            <p class="muted">{since_note}</p>
            {(!follows.is_empty()).then(|| view! {
                <div class="inbox__follow" role="group" aria-label="Sources that notify you of new opportunities">
                    <span class="muted">"Notify me of new opportunities from:"</span>
                    {follows.into_iter().map(|(id, name)| {
                        let on = following.contains(&id);
                        view! {
                            <button class="chip" type="button" aria-pressed=on.to_string() data-testid="follow"
                                on:click=move |_| { follow.dispatch((id, !on)); }>
                                {if on { "\u{2713} " } else { "+ " }}{name}
                            </button>
                        }
                    }).collect_view()}
                </div>
            })}
        </div>
        <Form method="GET" action="/opportunities" attr:class="filter-bar inbox__filters">
            <input type="hidden" name="show" value=filter.show.as_str()/>
            <Field label="Search" id="inbox-q" let:fi>
                <input id=fi.id aria-describedby=fi.described_by class="input" type="search" name="q" value=f.q.clone() maxlength="200" placeholder="Title, solicitation number or agency"/></Field>
            <Field label="Source" id="inbox-source" let:fi>
                <select id=fi.id aria-describedby=fi.described_by class="input" name="source">
                    <option value="">"Any source"</option>
                    {sources.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=Some(id) == f.source>{name}</option> }).collect_view()}
                </select></Field>
            <Field label="Agency" id="inbox-agency" let:fi>
                <input id=fi.id aria-describedby=fi.described_by class="input" name="agency" value=f.agency.clone() maxlength="200"/></Field>
            <Field label="NAICS" id="inbox-naics" let:fi>
                <input id=fi.id aria-describedby=fi.described_by class="input input--short" name="naics" value=f.naics.clone() maxlength="200" inputmode="numeric"/></Field>
            <Field label="Set-aside" id="inbox-set_aside" let:fi>
                <input id=fi.id aria-describedby=fi.described_by class="input input--short" name="set_aside" value=f.set_aside.clone() maxlength="200"/></Field>
            <Field label="Notice type" id="inbox-notice_type" let:fi>
                <input id=fi.id aria-describedby=fi.described_by class="input input--short" name="notice_type" value=f.notice_type.clone() maxlength="200"/></Field>
            <Field label="Due within" id="inbox-due_within" let:fi>
                <select id=fi.id aria-describedby=fi.described_by class="input" name="due_within">
                    <option value="">"Any time"</option>
                    {[7u16, 14, 30, 60, 90].into_iter().map(|d| view! { <option value=d.to_string() selected=f.due_within == Some(d)>{format!("{d} days")}</option> }).collect_view()}
                </select></Field>
            <div class="button-row inbox__filter-actions">
                <button class="button button--secondary" type="submit">"Apply"</button>
                {active_filters.then(|| view! { <a class="button button--ghost" href=clear.clone()>"Clear filters"</a> })}
            </div>
        </Form>
        {if rows.is_empty() {
            view! {
                <div class="card empty-state" data-results="">
                    <p>{match filter.show {
                        InboxShow::Open => "Nothing to decide: every opportunity your sources returned is pursued or dismissed, or none matches these filters.",
                        InboxShow::New => "Nothing new since your previous visit.",
                        InboxShow::Changed => "Nothing changed since your previous visit.",
                        _ => "No opportunity matches.",
                    }}</p>
                </div>
            }.into_any()
        } else {
            view! {
                <div class="card card--flush" data-results="">
                    <table class="table inbox">
                        <caption class="sr-only">{format!("{} opportunities, newest change first", total)}</caption>
                        <thead><tr>
                            <th scope="col">"Opportunity"</th>
                            <th scope="col">"Type, set-aside, NAICS"</th>
                            <th scope="col">"Response due"</th>
                            <th scope="col">"Source"</th>
                            <th scope="col"><span class="sr-only">"Decision"</span></th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| view! { <Row row now asking restore may_pursue/> }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <nav class="pager" aria-label="Pages">
                    <span class="muted">{format!("{}–{} of {}", first + 1, first + shown, total)}</span>
                    {prev.map(|href| view! { <a class="button button--ghost" href=href rel="prev">"Previous"</a> })}
                    {next.map(|href| view! { <a class="button button--ghost" href=href rel="next">"Next"</a> })}
                </nav>
            }.into_any()
        }}
    }
}

#[component]
fn Row(
    row: InboxRow,
    now: chrono::DateTime<Utc>,
    asking: RwSignal<Option<Asking>>,
    restore: ServerAction<RestoreOpportunity>,
    may_pursue: bool,
) -> impl IntoView {
    let due = row.response_due.map(|d| {
        let (relative, urgency) =
            if d >= now { format::due_in(d, now) } else { ("passed".to_string(), Urgency::Overdue) };
        view! {
            <span class=format!("due due--{}", urgency.modifier())>
                <time datetime=d.to_rfc3339()>{format::date(d)}</time>
                <span class="due__relative">{relative}</span>
            </span>
        }
    });
    let marks = view! {
        {row.is_new.then(|| view! { <span class="badge badge--ok">"New"</span> })}
        {row.is_changed.then(|| {
            let class = row.last_impact.map_or("badge", |i| i.badge());
            let label = match row.last_impact {
                Some(crate::domain::ImpactLevel::Critical) => "Changed: critical",
                Some(crate::domain::ImpactLevel::Important) => "Changed: important",
                _ => "Changed",
            };
            view! { <span class=class>{label}</span> }
        })}
        {(row.versions > 1).then(|| view! { <span class="badge badge--muted" title="Versions kept">{format!("v{}", row.versions)}</span> })}
    };
    let kind = [row.notice_type.clone(), row.set_aside.clone(), row.naics.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let id = row.id;
    let decision = match (&row.project, &row.dismissed) {
        (Some((project, name)), _) => view! {
            <a class="button button--ghost" href=format!("/projects/{project}") aria-label=format!("Open the pursuit {name}")>"Open pursuit"</a>
        }.into_any(),
        (None, Some(reason)) => view! {
            <span class="muted inbox__reason" title=reason.clone()>{format!("Dismissed: {reason}")}</span>
            {may_pursue.then(|| view! {
                <button class="button button--ghost" type="button" on:click=move |_| { restore.dispatch(RestoreOpportunity { id }); }>"Restore"</button>
            })}
        }.into_any(),
        (None, None) if may_pursue => {
            let (p, d) = (row.clone(), row.clone());
            view! {
                <div class="button-row button-row--tight">
                    <button class="button button--secondary" type="button" on:click=move |_| asking.set(Some(Asking::Pursue(p.clone())))>"Pursue"</button>
                    <button class="button button--ghost" type="button" on:click=move |_| asking.set(Some(Asking::Dismiss(d.clone())))>"Dismiss"</button>
                </div>
            }.into_any()
        }
        (None, None) => ().into_any(),
    };
    view! {
        <tr data-testid="opportunity">
            <td>
                <div class="inbox__title"><a href=format!("/opportunities/{id}")>{row.title.clone()}</a>" "{marks}</div>
                <div class="muted inbox__meta">
                    {row.solicitation_number.clone().unwrap_or_default()}
                    {row.agency.clone().map(|a| format!(" · {}", a.replace('.', " › ")))}
                </div>
            </td>
            <td class="inbox__kind">{kind}</td>
            <td>{due}</td>
            <td>{row.source.clone()}</td>
            <td class="inbox__decision">{decision}</td>
        </tr>
    }
}

/// Opens the pursuit an action made or linked, once it answers.
fn open_pursuit_when_done<A>(action: ServerAction<A>)
where
    A: leptos::server_fn::ServerFn<Output = ProjectId, Error = crate::error::AppError> + Clone + Send + Sync + 'static,
{
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(project)) = action.value().get() {
            navigate(&format!("/projects/{project}"), Default::default());
        }
    });
}

#[component]
fn PursueDialog(id: OpportunityId, title: String, close: Callback<()>) -> impl IntoView {
    let pursue = ServerAction::<PursueOpportunity>::new();
    open_pursuit_when_done(pursue);
    let error = Signal::derive(move || pursue.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let title = format!("Pursue \u{201c}{title}\u{201d}");
    let stages: Vec<PipelineStage> = PipelineStage::ALL.iter().copied().filter(|s| !s.is_closed()).collect();
    view! {
        <Dialog title on_close=close test_id="pursue">
            <ActionForm action=pursue attr:class="form">
                <ErrorNote error/>
                <input type="hidden" name="id" value=id.to_string()/>
                <p class="muted">"A pursuit is created in the pipeline with you as capture manager, linked to this opportunity: its versions come along, and every change the source makes is shown on it."</p>
                <Field label="Start in" id="pursue-stage" let:f>
                    <select id=f.id aria-describedby=f.described_by class="input" name="stage" data-autofocus="">
                        {stages.into_iter().map(|s| view! { <option value=s.as_str()>{s.full_label()}</option> }).collect_view()}
                    </select></Field>
                <div class="button-row">
                    <button class="button button--primary" type="submit" disabled=move || pursue.pending().get()>"Create the pursuit"</button>
                    <button class="button button--ghost" type="button" on:click=move |_| close.run(())>"Cancel"</button>
                </div>
            </ActionForm>
        </Dialog>
    }
}

/// Links the opportunity to a pursuit the team made by hand: those with its solicitation number first.
#[component]
fn LinkDialog(id: OpportunityId, title: String, candidates: Vec<LinkCandidate>, close: Callback<()>) -> impl IntoView {
    let link = ServerAction::<LinkOpportunity>::new();
    open_pursuit_when_done(link);
    let error = Signal::derive(move || link.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let title = format!("Link \u{201c}{title}\u{201d} to a pursuit");
    let (suggested, others): (Vec<_>, Vec<_>) = candidates.into_iter().partition(|c| c.suggested);
    let option = |c: LinkCandidate| {
        let label = match &c.solicitation_number {
            Some(n) if !n.is_empty() => format!("{} ({n})", c.name),
            _ => c.name.clone(),
        };
        view! { <option value=c.id.to_string()>{label}</option> }
    };
    let suggested = (!suggested.is_empty()).then(|| {
        view! { <optgroup label="Same solicitation number">{suggested.into_iter().map(option).collect_view()}</optgroup> }
    });
    let others = (!others.is_empty()).then(
        || view! { <optgroup label="Other open pursuits">{others.into_iter().map(option).collect_view()}</optgroup> },
    );
    view! {
        <Dialog title on_close=close test_id="link">
            <ActionForm action=link attr:class="form">
                <ErrorNote error/>
                <input type="hidden" name="id" value=id.to_string()/>
                <p class="muted">"For a pursuit you started by hand before the source had it. It keeps its name, stage, people and the values you typed (they stay yours, shown beside the source's); from now on the source's changes reach it."</p>
                <Field label="Pursuit" id="link-project" let:f>
                    <select id=f.id aria-describedby=f.described_by class="input" name="project" data-autofocus="">
                        {suggested}{others}
                    </select></Field>
                <div class="button-row">
                    <button class="button button--primary" type="submit" disabled=move || link.pending().get()>"Link"</button>
                    <button class="button button--ghost" type="button" on:click=move |_| close.run(())>"Cancel"</button>
                </div>
            </ActionForm>
        </Dialog>
    }
}

#[component]
fn DismissDialog(row: InboxRow, dismiss: ServerAction<DismissOpportunity>, close: Callback<()>) -> impl IntoView {
    let error = Signal::derive(move || dismiss.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let title = format!("Dismiss \u{201c}{}\u{201d}", row.title);
    view! {
        <Dialog title on_close=close test_id="dismiss">
            <ActionForm action=dismiss attr:class="form">
                <ErrorNote error/>
                <input type="hidden" name="id" value=row.id.to_string()/>
                <Field label="Why not pursue it?" id="dismiss-reason" required=true hint="Kept with it, so the team knows later." let:f>
                    <textarea id=f.id aria-describedby=f.described_by class="input textarea" name="reason" rows="3" required maxlength="1000" data-autofocus=""
                        placeholder="Outside our NAICS codes; incumbent too strong; no past performance at this agency…"></textarea></Field>
                <div class="button-row">
                    <button class="button button--primary" type="submit" disabled=move || dismiss.pending().get()>"Dismiss"</button>
                    <button class="button button--ghost" type="button" on:click=move |_| close.run(())>"Cancel"</button>
                </div>
            </ActionForm>
        </Dialog>
    }
}

/// What the opportunity page asks in a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DetailAsk {
    Pursue,
    Link,
}

/// /opportunities/:id: one opportunity as its source describes it now, with every version and change.
#[component]
pub fn OpportunityPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let detail = Resource::new(
        move || params.with(|p| p.get("id").unwrap_or_default()),
        |id| async move { super::inbox::load_opportunity(id.parse()?).await },
    );
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text="Opportunity · GWM CRM"/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(d) => view! { <Opportunity detail=d/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Opportunity(detail: super::inbox::OpportunityDetail) -> impl IntoView {
    let super::inbox::OpportunityDetail {
        id,
        title,
        source,
        fields,
        link,
        project,
        dismissed,
        history,
        may_pursue,
        candidates,
        ..
    } = detail;
    let may_link = !candidates.is_empty();
    let asking = RwSignal::new(None::<DetailAsk>);
    let close = Callback::new(move |()| asking.set(None));
    let dialog = {
        let title = title.clone();
        move || match asking.get() {
            None => ().into_any(),
            Some(DetailAsk::Pursue) => view! { <PursueDialog id title=title.clone() close/> }.into_any(),
            Some(DetailAsk::Link) => {
                view! { <LinkDialog id title=title.clone() candidates=candidates.clone() close/> }.into_any()
            }
        }
    };
    let decide = (project.is_none() && may_pursue).then(|| view! {
        <button class="button button--primary" type="button" on:click=move |_| asking.set(Some(DetailAsk::Pursue))>"Pursue"</button>
        {may_link.then(|| view! {
            <button class="button button--secondary" type="button" on:click=move |_| asking.set(Some(DetailAsk::Link))>"Link to a pursuit"</button>
        })}
    });
    view! {
        {dialog}
        <Title text=format!("{title} · Opportunities · GWM CRM")/>
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href="/opportunities">"Opportunities"</a>" / "{source}</p>
                <h1 class="page__title">{title}</h1>
                {dismissed.map(|r| view! { <p class="muted">{format!("Dismissed: {r}")}</p> })}
            </div>
            <div class="button-row">
                {decide}
                {project.map(|(p, name)| view! {
                    <a class="button button--primary" href=format!("/projects/{p}") aria-label=format!("Open the pursuit {name}")>"Open the pursuit"</a>
                })}
                {link.map(|l| view! { <a class="button button--secondary" href=l rel="external noopener" target="_blank">"Open at the source"</a> })}
            </div>
        </header>
        <div class="card">
            <h2 class="card__title">"As the source describes it now"</h2>
            <dl class="facts">
                {fields.into_iter().map(|(label, value, at)| view! {
                    <dt>{label}</dt>
                    <dd>{match at {
                        Some(at) => view! { <LocalTime at/> }.into_any(),
                        None if value.starts_with("https://") => {
                            let href = value.clone();
                            view! { <a href=href rel="external noopener" target="_blank">{value}</a> }.into_any()
                        }
                        None => value.into_any(),
                    }}</dd>
                }).collect_view()}
            </dl>
        </div>
        <super::changes_panel::History history of=super::changes_panel::Versions::Opportunity(id)/>
    }
}
