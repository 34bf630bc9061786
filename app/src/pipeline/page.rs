//! /pipeline: the board. Cards move by drag and drop or by each card's "Move to" menu (keyboard); the
//! board changes at once and rolls back with the server's message if the move is refused.

use super::{
    Board, BoardColumn, CARDS_PER_PAGE, SaveView, SavedView, delete_view, load_board, more_cards, move_project,
};
use crate::{
    domain::PipelineStage,
    error::AppError,
    format,
    projects::{FilterBar, ProjectFilter, ProjectRow},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use rust_decimal::Decimal;

#[component]
pub fn PipelinePage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| ProjectFilter::from_query(|k| q.get(k))));
    let board = Resource::new(move || filter.get(), load_board);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text="Pipeline · GWM CRM"/>
        <section class="page page--wide" data-hydrated=move || hydrated.get().to_string()>
            <header class="page__header">
                <div>
                    <p class="eyebrow">"Capture"</p>
                    <h1 class="page__title">"Pipeline"</h1>
                </div>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move { board.await.ok().map(|b| view! { <SavedViews filter initial=b.views/> }) })}
                </Suspense>
            </header>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading the pipeline…"</p> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(b) => view! {
                            <FilterBar filter=filter.get_untracked() choices=b.choices.clone() href=Callback::new(|f: ProjectFilter| format!("/pipeline{}", f.to_query()))/>
                            <BoardView board=b filter=filter.get_untracked()/>
                        }.into_any(),
                        Err(e) => view! {
                            <div class="callout callout--error" role="alert">
                                <h2 class="callout__title">"The pipeline could not be loaded"</h2>
                                <p>{e.to_string()}</p>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A move waiting for its outcome (awarded / lost).
#[derive(Clone, Debug, PartialEq)]
struct PendingOutcome {
    card: ProjectRow,
    to: PipelineStage,
}

#[component]
fn BoardView(board: Board, filter: ProjectFilter) -> impl IntoView {
    let columns = RwSignal::new(board.columns);
    let can_move = board.can_move;
    let as_of = board.as_of;
    let error = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(None::<ProjectRow>);
    let asking = RwSignal::new(None::<PendingOutcome>);
    let choosing = RwSignal::new(None::<ProjectRow>);
    let filter = StoredValue::new(filter);

    let mover = Action::new(move |(card, to, outcome): &(ProjectRow, PipelineStage, Option<String>)| {
        let (card, to, outcome) = (card.clone(), *to, outcome.clone());
        async move {
            let before = columns.get_untracked();
            columns.update(|cols| place(cols, &card, to));
            match move_project(card.id, to.as_str().to_string(), outcome).await {
                Ok(saved) => columns.update(|cols| replace(cols, saved)),
                Err(e) => {
                    columns.set(before);
                    error.set(Some(format!(
                        "\u{201c}{}\u{201d} stayed in {}: {e}",
                        card.project_name,
                        card.pipeline_stage.label()
                    )));
                }
            }
        }
    });
    let request_move = move |card: ProjectRow, to: PipelineStage| {
        if card.pipeline_stage == to {
            return;
        }
        error.set(None);
        if matches!(to, PipelineStage::Awarded | PipelineStage::Lost) {
            asking.set(Some(PendingOutcome { card, to }));
        } else {
            mover.dispatch((card, to, None));
        }
    };

    let load_more = Action::new(move |stage: &PipelineStage| {
        let stage = *stage;
        let offset = columns
            .with_untracked(|cols| cols.iter().find(|c| c.stage == stage).map(|c| c.cards.len() as i64).unwrap_or(0));
        let filter = filter.get_value();
        async move {
            match more_cards(filter, stage, offset).await {
                Ok(more) => columns.update(|cols| {
                    if let Some(col) = cols.iter_mut().find(|c| c.stage == stage) {
                        col.cards.extend(more);
                    }
                }),
                Err(e) => error.set(Some(e.to_string())),
            }
        }
    });

    view! {
        {move || error.get().map(|m| view! { <p class="form-error" role="alert" data-testid="board-error">{m}</p> })}
        {move || asking.get().map(|p| view! { <OutcomeDialog pending=p asking mover/> })}
        {move || choosing.get().map(|card| view! { <MoveMenu card choosing request_move/> })}
        <div class="board" data-testid="board">
            <For each=move || PipelineStage::ALL.to_vec() key=|s| *s let:stage>
                <BoardColumnView stage columns can_move as_of dragging choosing request_move load_more/>
            </For>
        </div>
    }
}

fn place(cols: &mut [BoardColumn], card: &ProjectRow, to: PipelineStage) {
    let value = card.estimated_value.unwrap_or_default();
    let weighted = value * card.win_probability_score.unwrap_or_default() / Decimal::from(100);
    for col in cols.iter_mut() {
        if col.stage == card.pipeline_stage && col.cards.iter().any(|c| c.id == card.id) {
            col.cards.retain(|c| c.id != card.id);
            col.count -= 1;
            col.total_value -= value;
            col.weighted_value -= weighted;
        }
    }
    if let Some(col) = cols.iter_mut().find(|c| c.stage == to) {
        let mut moved = card.clone();
        moved.pipeline_stage = to;
        col.cards.insert(0, moved);
        col.count += 1;
        col.total_value += value;
        col.weighted_value += weighted;
    }
}

fn replace(cols: &mut [BoardColumn], saved: ProjectRow) {
    for col in cols.iter_mut() {
        for card in col.cards.iter_mut().filter(|c| c.id == saved.id) {
            *card = saved.clone();
        }
    }
}

#[component]
fn BoardColumnView(
    stage: PipelineStage,
    columns: RwSignal<Vec<BoardColumn>>,
    can_move: bool,
    as_of: DateTime<Utc>,
    dragging: RwSignal<Option<ProjectRow>>,
    choosing: RwSignal<Option<ProjectRow>>,
    request_move: impl Fn(ProjectRow, PipelineStage) + Copy + Send + Sync + 'static,
    load_more: Action<PipelineStage, ()>,
) -> impl IntoView {
    let column = move || columns.with(|cols| cols.iter().find(|c| c.stage == stage).cloned());
    let over = RwSignal::new(false);
    view! {
        <section class=move || if over.get() { "board__column board__column--over" } else { "board__column" }
            data-stage=stage.as_str() aria-label=stage.label()
            on:dragover=move |ev| { if can_move { ev.prevent_default(); over.set(true); } }
            on:dragleave=move |_| over.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                over.set(false);
                if let Some(card) = dragging.get_untracked() { request_move(card, stage); }
                dragging.set(None);
            }>
            <header class="board__head">
                <h2 class="board__title"><span class=format!("stage stage--{}", stage.as_str())>{stage.short_label()}</span>" "{stage.label()}</h2>
                {move || column().map(|c| view! {
                    <p class="board__totals">
                        <span class="board__count" data-testid="column-count">{c.count}</span>
                        " · "{format::money_compact(c.total_value)}
                        <span class="muted" title="Weighted by win probability">{format!(" · {} weighted", format::money_compact(c.weighted_value))}</span>
                    </p>
                })}
            </header>
            {move || column().filter(|c| c.count == 0).map(|_| view! { <p class="muted board__empty">"No pursuits here"</p> })}
            <ol class="board__cards">
                {move || column().map(|c| c.cards.into_iter().map(|card| view! { <Card card can_move as_of dragging choosing/> }).collect_view())}
            </ol>
            {move || column().filter(|c| (c.cards.len() as i64) < c.count).map(|c| {
                let left = c.count - c.cards.len() as i64;
                view! {
                    <button class="button button--ghost board__more" type="button" on:click=move |_| { load_more.dispatch(stage); }>
                        {format!("Show {} more", left.min(CARDS_PER_PAGE))}
                    </button>
                }
            })}
        </section>
    }
}

#[component]
fn Card(
    card: ProjectRow,
    can_move: bool,
    as_of: DateTime<Utc>,
    dragging: RwSignal<Option<ProjectRow>>,
    choosing: RwSignal<Option<ProjectRow>>,
) -> impl IntoView {
    let for_drag = card.clone();
    let for_menu = card.clone();
    let due =
        card.response_due_date.filter(|_| card.pipeline_stage.awaits_response()).map(|d| format::due_in(d, as_of));
    view! {
        <li class="card-item" draggable=if can_move { "true" } else { "false" } data-project=card.id.to_string()
            on:dragstart=move |_| dragging.set(Some(for_drag.clone()))>
            <div class="card-item__top">
                <a class="card-item__title" href=format!("/projects/{}", card.id) draggable="false">{card.project_name.clone()}</a>
                <span class=format!("badge badge--{}", card.priority_level.as_str())>{card.priority_level.as_str()}</span>
            </div>
            <div class="card-item__meta">{card.agency_name.clone().unwrap_or_default()}</div>
            {card.solicitation_number.clone().map(|s| view! { <div class="cell-sub">{s}</div> })}
            <div class="card-item__facts">
                {card.estimated_value.map(|v| view! { <span>{format::money_compact(v)}</span> })}
                {card.win_probability_score.map(|p| view! { <span title="Win probability">{format!("PWin {}", format::percent(p))}</span> })}
                {due.map(|(text, urgency)| {
                    view! { <span class=format!("card-due card-due--{}", urgency.modifier())>{text}</span> }
                })}
            </div>
            <div class="card-item__foot">
                <span class="muted">{card.capture_manager_name.clone().unwrap_or_else(|| "No capture manager".into())}</span>
                {(card.unacknowledged_changes > 0).then(|| view! {
                    <span class="badge badge--high" title="Unacknowledged changes from the source">{format::count(card.unacknowledged_changes, "change", "changes")}</span>
                })}
            </div>
            {can_move.then(|| view! {
                <button class="button button--secondary card-item__move" type="button" aria-haspopup="dialog"
                    aria-label=format!("Move {} to another stage", card.project_name)
                    on:click=move |_| choosing.set(Some(for_menu.clone()))>"Move…"</button>
            })}
        </li>
    }
}

/// The keyboard and menu way to move a card: one dialog for the whole board (a menu on every card would
/// repeat the nine stages 225 times in the page), listing the stages as buttons.
#[component]
fn MoveMenu(
    card: ProjectRow,
    choosing: RwSignal<Option<ProjectRow>>,
    request_move: impl Fn(ProjectRow, PipelineStage) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let title = format!("Move \u{201c}{}\u{201d} to", card.project_name);
    let label = title.clone();
    let close = move || choosing.set(None);
    let here = card.pipeline_stage;
    view! {
        <div class="dialog-backdrop" on:click=move |_| close()>
            <div class="card dialog move-menu" role="dialog" aria-modal="true" aria-label=label data-testid="move-menu"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                <h2 class="card__title">{title}</h2>
                <ul class="move-menu__stages">
                    {PipelineStage::ALL.iter().map(|stage| {
                        let (stage, card) = (*stage, card.clone());
                        view! {
                            <li><button class="button button--ghost move-menu__stage" type="button" data-stage=stage.as_str()
                                disabled=stage == here autofocus=stage == here.next()
                                on:click=move |_| { close(); request_move(card.clone(), stage); }>
                                <span class="move-menu__short">{stage.short_label()}</span>
                                <span>{stage.label()}</span>
                                {(stage == here).then(|| view! { <span class="muted">" (here)"</span> })}
                            </button></li>
                        }
                    }).collect_view()}
                </ul>
                <div class="button-row">
                    <button class="button button--ghost" type="button" on:click=move |_| close()>"Cancel"</button>
                </div>
            </div>
        </div>
    }
}

#[component]
fn OutcomeDialog(
    pending: PendingOutcome,
    asking: RwSignal<Option<PendingOutcome>>,
    mover: Action<(ProjectRow, PipelineStage, Option<String>), ()>,
) -> impl IntoView {
    let outcome = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let PendingOutcome { card, to } = pending;
    let title = format!("Mark \u{201c}{}\u{201d} as {}", card.project_name, to.label().to_lowercase());
    let label = title.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = outcome.get_untracked();
        if text.trim().is_empty() {
            problem.set(Some(AppError::Validation("Say in a sentence what was decided.".into()).to_string()));
            return;
        }
        asking.set(None);
        mover.dispatch((card.clone(), to, Some(text)));
    };
    view! {
        <div class="dialog-backdrop">
            <form class="card dialog form" role="dialog" aria-modal="true" aria-label=label on:submit=submit>
                <h2 class="card__title">{title}</h2>
                {move || problem.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <label class="field"><span class="field__label">"Outcome"</span>
                    <textarea class="input textarea" name="outcome" rows="3" required autofocus
                        placeholder=if to == PipelineStage::Awarded { "Awarded on … for $…; period of performance …" } else { "Lost to … on price / technical; debrief on …" }
                        on:input=move |ev| outcome.set(event_target_value(&ev))></textarea></label>
                <div class="button-row">
                    <button class="button button--primary" type="submit">"Save outcome"</button>
                    <button class="button button--ghost" type="button" on:click=move |_| asking.set(None)>"Cancel"</button>
                </div>
            </form>
        </div>
    }
}

/// The person's saved views (loaded with the board): open one, save the current filter under a name, delete
/// the one in use.
#[component]
fn SavedViews(filter: Memo<ProjectFilter>, initial: Vec<SavedView>) -> impl IntoView {
    let views = RwSignal::new(initial);
    let save = ServerAction::<SaveView>::new();
    let delete = Action::new(move |id: &uuid::Uuid| {
        let id = *id;
        async move { delete_view(id).await.map(|()| id) }
    });
    let name = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            // The same name again replaces that view.
            views.update(|list| {
                list.retain(|v| v.name != saved.name);
                list.push(saved);
                list.sort_by(|a, b| a.name.cmp(&b.name));
            });
            name.set(String::new());
            problem.set(None);
        }
        Some(Err(e)) => problem.set(Some(e.to_string())),
        None => {}
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(id)) => views.update(|list| list.retain(|v| v.id != id)),
        Some(Err(e)) => problem.set(Some(e.to_string())),
        None => {}
    });
    let navigate = use_navigate();
    let open = move |ev: leptos::ev::Event| {
        let q = event_target_value(&ev);
        navigate(&format!("/pipeline{q}"), Default::default());
    };
    let on_save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveView { name: name.get_untracked(), filter: filter.get_untracked() });
    };
    view! {
        <div class="views">
            {move || views.with(|list| {
                    let current = filter.get().to_query();
                    let active = list.iter().find(|v| v.query == current).map(|v| v.id);
                    view! {
                        <label class="field">
                            <span class="field__label">"Saved views"</span>
                            <select class="input" name="view" on:change=open.clone()>
                                <option value="" selected=active.is_none()>{if list.is_empty() { "None yet" } else { "Choose a view…" }}</option>
                                {list.iter().map(|v| view! { <option value=v.query.clone() selected=Some(v.id) == active>{v.name.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        {active.map(|id| view! {
                            <button class="button button--ghost" type="button" on:click=move |_| { delete.dispatch(id); }>"Delete view"</button>
                        })}
                    }
                })}
            <form class="form form--inline" on:submit=on_save>
                <label class="field"><span class="field__label">"Save this view as"</span>
                    <input class="input" name="name" bind:value=name placeholder="My critical pursuits" required/></label>
                <button class="button button--secondary" type="submit">"Save view"</button>
            </form>
            {move || problem.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
        </div>
    }
}
