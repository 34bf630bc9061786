//! /pipeline: the board. Cards move by drag and drop, by each card's move menu, or from the keyboard (each
//! column is one Tab stop; arrows move between cards, M opens the move menu, Ctrl+Arrow moves one stage);
//! the board changes at once, says what happened in the live region, and rolls back with the server's
//! message if the move is refused.

use super::{
    Board, BoardCard, BoardColumn, CARDS_PER_PAGE, SaveView, SavedView, delete_view, load_board, more_cards,
    move_project,
};
use crate::{
    domain::PipelineStage,
    error::AppError,
    format,
    ids::ProjectId,
    projects::{FilterBar, ProjectFilter},
    ui::{Dialog, ErrorNote, Field, focus, toasts},
};
use chrono::{DateTime, Utc};
use leptos::{prelude::*, wasm_bindgen::JsCast};
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use rust_decimal::Decimal;
use std::collections::HashSet;

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
    card: BoardCard,
    to: PipelineStage,
}

/// The selector of a card on the board, to give it focus after it moved.
fn card_selector(id: ProjectId) -> String {
    format!("li.card-item[data-project='{id}']")
}

#[component]
fn BoardView(board: Board, filter: ProjectFilter) -> impl IntoView {
    // Empty and decided columns start folded, so all nine stages fit a laptop's width.
    let collapsed = RwSignal::new(
        board
            .columns
            .iter()
            .filter(|c| c.count == 0 || c.stage.is_closed())
            .map(|c| c.stage)
            .collect::<HashSet<PipelineStage>>(),
    );
    let columns = RwSignal::new(board.columns);
    let can_move = board.can_move;
    let as_of = board.as_of;
    let error = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(None::<BoardCard>);
    let asking = RwSignal::new(None::<PendingOutcome>);
    let choosing = RwSignal::new(None::<BoardCard>);
    // The card under the pointer or with focus: only it shows its move button (one button in the page,
    // not 225).
    let hovered = RwSignal::new(None::<ProjectId>);
    let filter = StoredValue::new(filter);
    let toasts = toasts();

    let mover = Action::new(move |(card, to, outcome): &(BoardCard, PipelineStage, Option<String>)| {
        let (card, to, outcome) = (card.clone(), *to, outcome.clone());
        async move {
            let before = columns.get_untracked();
            collapsed.update(|c| {
                c.remove(&to);
            });
            columns.update(|cols| place(cols, &card, to));
            focus::element(card_selector(card.id));
            match move_project(card.id, to.as_str().to_string(), outcome).await {
                Ok(saved) => {
                    columns.update(|cols| replace(cols, saved));
                    if let Some(t) = toasts {
                        t.say(format!(
                            "Moved \u{201c}{}\u{201d} to {} \u{b7} {}",
                            card.project_name,
                            to.short_label(),
                            to.label()
                        ));
                    }
                }
                Err(e) => {
                    columns.set(before);
                    focus::element(card_selector(card.id));
                    error.set(Some(format!(
                        "\u{201c}{}\u{201d} stayed in {}: {e}",
                        card.project_name,
                        card.pipeline_stage.label()
                    )));
                }
            }
        }
    });
    let request_move = move |card: BoardCard, to: PipelineStage| {
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
                Ok(more) => {
                    // The first new card takes focus, so the keyboard goes on where the list grew.
                    if let Some(first) = more.first() {
                        focus::element(card_selector(first.id));
                    }
                    columns.update(|cols| {
                        if let Some(col) = cols.iter_mut().find(|c| c.stage == stage) {
                            col.cards.extend(more);
                        }
                    })
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        }
    });

    let keys = if can_move {
        "Arrow keys move between cards and columns, Enter opens a pursuit, M moves it to another stage, Ctrl+Arrow moves it one stage left or right."
    } else {
        "Arrow keys move between cards and columns, Enter opens a pursuit."
    };
    view! {
        <p class="board__keys muted" id="board-keys">{keys}</p>
        {move || error.get().map(|m| view! { <p class="form-error" role="alert" data-testid="board-error">{m}</p> })}
        {move || asking.get().map(|p| view! { <OutcomeDialog pending=p asking mover/> })}
        {move || choosing.get().map(|card| view! { <MoveMenu card choosing request_move/> })}
        <div class="board" data-testid="board" data-results="">
            <For each=move || PipelineStage::ALL.to_vec() key=|s| *s let:stage>
                <BoardColumnView stage columns collapsed can_move as_of dragging choosing hovered request_move load_more/>
            </For>
        </div>
    }
}

fn place(cols: &mut [BoardColumn], card: &BoardCard, to: PipelineStage) {
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

fn replace(cols: &mut [BoardColumn], saved: BoardCard) {
    for col in cols.iter_mut() {
        for card in col.cards.iter_mut().filter(|c| c.id == saved.id) {
            *card = saved.clone();
        }
    }
}

/// A column: one Tab stop (its current card; arrow keys move within and across columns), folded to a narrow
/// strip when asked. A folded column still takes drops.
#[component]
fn BoardColumnView(
    stage: PipelineStage,
    columns: RwSignal<Vec<BoardColumn>>,
    collapsed: RwSignal<HashSet<PipelineStage>>,
    can_move: bool,
    as_of: DateTime<Utc>,
    dragging: RwSignal<Option<BoardCard>>,
    choosing: RwSignal<Option<BoardCard>>,
    hovered: RwSignal<Option<ProjectId>>,
    request_move: impl Fn(BoardCard, PipelineStage) + Copy + Send + Sync + 'static,
    load_more: Action<PipelineStage, ()>,
) -> impl IntoView {
    let column = Memo::new(move |_| columns.with(|cols| cols.iter().find(|c| c.stage == stage).cloned()));
    let folded = Memo::new(move |_| collapsed.with(|c| c.contains(&stage)));
    let over = RwSignal::new(false);
    // The card that holds the column's Tab stop: the last one focused while it is here, else the first.
    let current = RwSignal::new(None::<ProjectId>);
    let tab_stop = Memo::new(move |_| {
        column.with(|c| {
            let cards = c.as_ref().map(|c| c.cards.as_slice()).unwrap_or_default();
            current.get().filter(|id| cards.iter().any(|card| card.id == *id)).or_else(|| cards.first().map(|c| c.id))
        })
    });
    let cards_id = format!("cards-{}", stage.as_str());
    let class = move || {
        let mut class = String::from("board__column");
        if over.get() {
            class.push_str(" board__column--over");
        }
        if folded.get() {
            class.push_str(" board__column--folded");
        }
        class
    };
    // The header is the column's Tab stop only when no card is shown; Down goes to the first card.
    let header_keys = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "ArrowDown"
            && let Some(here) = ev.current_target().and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
            && focus::in_group(&here, "section.board__column", "li.card-item")
        {
            ev.prevent_default();
        }
    };
    let toggle = move |_| {
        collapsed.update(|c| {
            if !c.remove(&stage) {
                c.insert(stage);
            }
        });
        // A decided column's cards come when it is first opened.
        if !folded.get_untracked()
            && column.with_untracked(|c| c.as_ref().is_some_and(|c| c.cards.is_empty() && c.count > 0))
        {
            load_more.dispatch(stage);
        }
    };
    view! {
        <section class=class data-stage=stage.as_str() aria-label=stage.label()
            on:dragover=move |ev| { if can_move { ev.prevent_default(); over.set(true); } }
            on:dragleave=move |_| over.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                over.set(false);
                if let Some(card) = dragging.get_untracked() { request_move(card, stage); }
                dragging.set(None);
            }>
            <header class="board__head">
                <h2 class="board__title">
                    <button class="board__fold" type="button" aria-expanded=move || (!folded.get()).to_string()
                        aria-controls=cards_id.clone() on:click=toggle on:keydown=header_keys
                        tabindex=move || if tab_stop.get().is_some() && !folded.get() { "-1" } else { "0" }
                        title=move || if folded.get() { format!("Show {}", stage.label()) } else { format!("Fold {}", stage.label()) }>
                        <span class=format!("stage stage--{}", stage.as_str())>{stage.short_label()}</span>
                        {(!stage.is_closed()).then(|| view! { <span class="board__name">{stage.label()}</span> })}
                    </button>
                </h2>
                {move || column.get().map(|c| view! {
                    <p class="board__totals">
                        <span class="board__count" data-testid="column-count">{c.count}</span>
                        <span class="board__money">" · "{format::money_compact(c.total_value)}
                            <span class="muted" title="Weighted by win probability">{format!(" · {} weighted", format::money_compact(c.weighted_value))}</span>
                        </span>
                    </p>
                })}
            </header>
            <Show when=move || !folded.get()>
                {move || column.get().filter(|c| c.count == 0).map(|_| view! { <p class="muted board__empty">"No pursuits here"</p> })}
                <ol class="board__cards" id=cards_id.clone()>
                    {move || column.get().map(|c| c.cards.into_iter().map(|card| {
                        view! { <Card card can_move as_of dragging choosing hovered request_move tab_stop current/> }
                    }).collect_view())}
                </ol>
                {move || column.get().filter(|c| (c.cards.len() as i64) < c.count).map(|c| {
                    let left = c.count - c.cards.len() as i64;
                    view! {
                        <button class="button button--ghost board__more" type="button" on:click=move |_| { load_more.dispatch(stage); }>
                            {format!("Show {} more", left.min(CARDS_PER_PAGE))}
                        </button>
                    }
                })}
            </Show>
        </section>
    }
}

#[component]
fn Card(
    card: BoardCard,
    can_move: bool,
    as_of: DateTime<Utc>,
    dragging: RwSignal<Option<BoardCard>>,
    choosing: RwSignal<Option<BoardCard>>,
    hovered: RwSignal<Option<ProjectId>>,
    request_move: impl Fn(BoardCard, PipelineStage) + Copy + Send + Sync + 'static,
    tab_stop: Memo<Option<ProjectId>>,
    current: RwSignal<Option<ProjectId>>,
) -> impl IntoView {
    let id = card.id;
    let stage = card.pipeline_stage;
    let for_drag = card.clone();
    let for_menu = card.clone();
    let for_keys = StoredValue::new(card.clone());
    let due = card.response_due_date.filter(|_| stage.awaits_response()).map(|d| format::due_in(d, as_of));
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let Some(here) = ev.current_target().and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok()) else {
            return;
        };
        let key = ev.key();
        let handled = if ev.ctrl_key() && (key == "ArrowRight" || key == "ArrowLeft") {
            if can_move {
                let to = if key == "ArrowRight" { stage.next() } else { stage.previous() };
                request_move(for_keys.get_value(), to);
            }
            true
        } else if let Some(step) = focus::Step::vertical(&key) {
            // Up from the first card: the column's header (to fold it).
            if !focus::sibling(&here, "li.card-item", step) && step == focus::Step::Previous {
                focus::in_group(&here, "section.board__column", ".board__fold");
            }
            true
        } else if key == "ArrowRight" || key == "ArrowLeft" {
            focus::across(&here, "section.board__column", "li.card-item", key == "ArrowRight");
            true
        } else if key == "Enter" && ev.target().as_ref() == ev.current_target().as_ref() {
            focus::follow_link(&here);
            true
        } else if (key == "m" || key == "M") && !ev.ctrl_key() && !ev.meta_key() && !ev.alt_key() {
            if can_move {
                choosing.set(Some(for_keys.get_value()));
            }
            true
        } else {
            false
        };
        if handled {
            ev.prevent_default();
        }
    };
    view! {
        <li class="card-item" draggable=if can_move { "true" } else { "false" } data-project=id.to_string()
            tabindex=move || if tab_stop.get() == Some(id) { "0" } else { "-1" }
            aria-describedby="board-keys"
            on:focus=move |_| { current.set(Some(id)); hovered.set(Some(id)); }
            on:mouseenter=move |_| hovered.set(Some(id))
            on:keydown=on_keydown
            on:dragstart=move |_| dragging.set(Some(for_drag.clone()))>
            <div class="card-item__top">
                <a class="card-item__title" href=format!("/projects/{id}") draggable="false" tabindex="-1">{card.project_name.clone()}</a>
            </div>
            <div class="card-item__meta">
                {card.agency_name.clone().unwrap_or_default()}
                {card.solicitation_number.clone().map(|s| view! { <span class="cell-sub">{s}</span> })}
            </div>
            <div class="card-item__facts">
                {card.estimated_value.map(|v| view! { <span>{format::money_compact(v)}</span> })}
                {card.win_probability_score.map(|p| view! { <span title="Win probability">{format!("PWin {}", format::percent(p))}</span> })}
                {due.map(|(text, urgency)| {
                    view! { <span class=format!("card-due card-due--{}", urgency.modifier())>{text}</span> }
                })}
            </div>
            <div class="card-item__foot">
                <span class="muted">{card.capture_manager_name.clone().unwrap_or_else(|| "No capture manager".into())}</span>
                <span class="card-item__badges">
                    <span class=format!("badge badge--{}", card.priority_level.as_str()) title="Priority">{card.priority_level.as_str()}</span>
                    {(card.unacknowledged_changes > 0).then(|| view! {
                        <span class="badge badge--high" title="Unacknowledged changes from the source">{format::count(card.unacknowledged_changes, "change", "changes")}</span>
                    })}
                </span>
                {move || (can_move && hovered.get() == Some(id)).then(|| {
                    let for_menu = for_menu.clone();
                    view! {
                        <button class="card-item__move" type="button" aria-haspopup="dialog" tabindex="-1"
                            aria-label=format!("Move {} to another stage", for_menu.project_name)
                            title="Move to another stage (M)"
                            on:click=move |_| choosing.set(Some(for_menu.clone()))>"\u{21c4}"</button>
                    }
                })}

            </div>
        </li>
    }
}

/// The keyboard and menu way to move a card: one dialog for the whole board (a menu on every card would
/// repeat the nine stages 225 times in the page), listing the stages as buttons (arrow keys move between
/// them; the next stage has focus when it opens).
#[component]
fn MoveMenu(
    card: BoardCard,
    choosing: RwSignal<Option<BoardCard>>,
    request_move: impl Fn(BoardCard, PipelineStage) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let title = format!("Move \u{201c}{}\u{201d} to", card.project_name);
    let close = move || choosing.set(None);
    let here = card.pipeline_stage;
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(step) = focus::Step::vertical(&ev.key())
            && let Some(target) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
        {
            ev.prevent_default();
            focus::sibling(&target, "button:not([disabled])", step);
        }
    };
    view! {
        <Dialog title on_close=Callback::new(move |()| close()) class="move-menu" test_id="move-menu">
            <div class="move-menu__stages" role="group" aria-label="Stages" on:keydown=on_keydown>
                {PipelineStage::ALL.iter().map(|stage| {
                    let (stage, card) = (*stage, card.clone());
                    view! {
                        <button class="button button--ghost move-menu__stage" type="button" data-stage=stage.as_str()
                            disabled=stage == here data-autofocus=(stage == here.next() && stage != here).then_some("")
                            on:click=move |_| { close(); request_move(card.clone(), stage); }>
                            <span class="move-menu__short">{stage.short_label()}</span>
                            {(!stage.is_closed()).then(|| view! { <span>{stage.label()}</span> })}
                            {(stage == here).then(|| view! { <span class="muted">" (here)"</span> })}
                        </button>
                    }
                }).collect_view()}
            </div>
            <div class="button-row">
                <button class="button button--ghost" type="button" on:click=move |_| close()>"Cancel"</button>
            </div>
        </Dialog>
    }
}

#[component]
fn OutcomeDialog(
    pending: PendingOutcome,
    asking: RwSignal<Option<PendingOutcome>>,
    mover: Action<(BoardCard, PipelineStage, Option<String>), ()>,
) -> impl IntoView {
    let outcome = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let PendingOutcome { card, to } = pending;
    let title = format!("Mark \u{201c}{}\u{201d} as {}", card.project_name, to.label().to_lowercase());
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
        <Dialog title on_close=Callback::new(move |()| asking.set(None))>
            <form class="form" on:submit=submit>
                <ErrorNote error=problem.into()/>
                <Field label="Outcome" id="board-outcome" required=true let:f>
                    <textarea id=f.id aria-describedby=f.described_by class="input textarea" name="outcome" rows="3" required data-autofocus=""
                        placeholder=if to == PipelineStage::Awarded { "Awarded on … for $…; period of performance …" } else { "Lost to … on price / technical; debrief on …" }
                        on:input=move |ev| outcome.set(event_target_value(&ev))></textarea></Field>
                <div class="button-row">
                    <button class="button button--primary" type="submit">"Save outcome"</button>
                    <button class="button button--ghost" type="button" on:click=move |_| asking.set(None)>"Cancel"</button>
                </div>
            </form>
        </Dialog>
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
            {move || {
                    let list = views.get();
                    let current = filter.get().to_query();
                    let active = list.iter().find(|v| v.query == current).map(|v| v.id);
                    let open = open.clone();
                    view! {
                        <Field label="Saved views" id="board-view" let:f>
                            <select class="input" id=f.id aria-describedby=f.described_by name="view" on:change=open>
                                <option value="" selected=active.is_none()>{if list.is_empty() { "None yet" } else { "Choose a view…" }}</option>
                                {list.iter().map(|v| view! { <option value=v.query.clone() selected=Some(v.id) == active>{v.name.clone()}</option> }).collect_view()}
                            </select>
                        </Field>
                        {active.map(|id| view! {
                            <button class="button button--ghost" type="button" on:click=move |_| { delete.dispatch(id); }>"Delete view"</button>
                        })}
                    }
                }}
            <form class="form form--inline" on:submit=on_save>
                <Field label="Save this view as" id="view-name" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="name" bind:value=name placeholder="My critical pursuits" required/></Field>
                <button class="button button--secondary" type="submit">"Save view"</button>
            </form>
            {move || problem.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
        </div>
    }
}
