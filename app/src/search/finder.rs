//! The find-anything box: a button in the navigation and Ctrl-K / Cmd-K anywhere open it as a modal dialog
//! with a combobox (WAI-ARIA): typing searches, the arrows move the active result, Enter opens it, Escape
//! closes and focus returns to where it was.

use super::{Hit, MIN_QUERY, find_anything};
use crate::ui::Dialog;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[component]
pub fn FindAnything() -> impl IntoView {
    let open = RwSignal::new(false);
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && !ev.alt_key() && ev.key().eq_ignore_ascii_case("k") {
            ev.prevent_default();
            open.set(true);
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <button class="find-button" type="button" aria-keyshortcuts="Control+K Meta+K" data-testid="find-button"
            on:click=move |_| open.set(true)>
            <span>"Find anything"</span>
            <kbd aria-hidden="true">"Ctrl K"</kbd>
        </button>
        {move || open.get().then(|| view! { <Finder on_close=Callback::new(move |_| open.set(false))/> })}
    }
}

#[component]
fn Finder(on_close: Callback<()>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    // Opened only in the browser, after hydration: nothing to render on the server.
    let hits = LocalResource::new(move || {
        let q = query.get();
        async move {
            if q.trim().chars().count() < MIN_QUERY {
                return Ok(Vec::new());
            }
            find_anything(q).await
        }
    });
    let shown = move || hits.get().and_then(Result::ok).unwrap_or_default();
    let problem = move || hits.get().and_then(Result::err).map(|e| e.to_string());
    let navigate = use_navigate();
    let open_hit = move |hit: &Hit| {
        navigate(&hit.href, Default::default());
        on_close.run(());
    };
    let on_keydown = {
        let open_hit = open_hit.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let count = shown().len();
            match ev.key().as_str() {
                "ArrowDown" if count > 0 => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + 1) % count);
                }
                "ArrowUp" if count > 0 => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + count - 1) % count);
                }
                "Home" if count > 0 && ev.ctrl_key() => active.set(0),
                "End" if count > 0 && ev.ctrl_key() => active.set(count - 1),
                "Enter" => {
                    ev.prevent_default();
                    if let Some(hit) = shown().get(active.get_untracked()) {
                        open_hit(hit);
                    }
                }
                _ => {}
            }
        }
    };
    let option_id = |i: usize| format!("find-hit-{i}");
    view! {
        <Dialog title="Find anything" on_close class="finder" test_id="finder">
            <input class="input finder__input" type="search" role="combobox" aria-autocomplete="list" aria-expanded=move || (!shown().is_empty()).to_string()
                aria-controls="find-results" aria-label="Find pursuits, opportunities, organizations, contacts and documents"
                aria-activedescendant=move || (!shown().is_empty()).then(|| option_id(active.get()))
                placeholder="Pursuit, solicitation number, agency, person, document…" maxlength="100" autocomplete="off"
                data-autofocus=""
                prop:value=move || query.get()
                on:input=move |ev| { query.set(event_target_value(&ev)); active.set(0); }
                on:keydown=on_keydown/>
            <p class="sr-only" role="status">{move || {
                let n = shown().len();
                if query.get().trim().chars().count() < MIN_QUERY { String::new() }
                else if n == 0 { "No results".to_string() }
                else if n == 1 { "1 result".to_string() }
                else { format!("{n} results") }
            }}</p>
            {move || problem().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <ul class="finder__results" id="find-results" role="listbox" aria-label="Results">
                {move || {
                    let open_hit = open_hit.clone();
                    shown().into_iter().enumerate().map(|(i, hit)| {
                        let selected = move || active.get() == i;
                        let target = hit.clone();
                        let open_hit = open_hit.clone();
                        view! {
                            <li class="finder__hit" id=option_id(i) role="option" aria-selected=move || selected().to_string()
                                class:finder__hit--active=selected data-testid="find-hit"
                                on:mousemove=move |_| active.set(i)
                                on:click=move |_| open_hit(&target)>
                                <span class=format!("finder__kind finder__kind--{}", hit.kind.as_str())>{hit.kind.label()}</span>
                                <span class="finder__title">{hit.title.clone()}</span>
                                {hit.detail.clone().map(|d| view! { <span class="finder__detail">{d}</span> })}
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
            {move || (query.get().trim().chars().count() >= MIN_QUERY && hits.get().is_some_and(|h| h.as_ref().is_ok_and(|h| h.is_empty()))).then(|| view! {
                <p class="muted finder__empty">"Nothing matches. Try the start of a name, a word of a title, a solicitation number or an e-mail."</p>
            })}
            <p class="muted finder__help">"\u{2191} \u{2193} to move, Enter to open, Esc to close"</p>
        </Dialog>
    }
}
