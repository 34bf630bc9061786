//! The UI kit every page uses: dialogs, keyboard focus, the live region for results, error and
//! confirmation notes, the load-error callout, an action's outcome. Foundation code: it never imports a
//! domain.

mod dialog;
mod field;
pub mod focus;
mod local_time;
mod toast;
#[cfg(feature = "hydrate")]
pub mod upload;

pub use dialog::Dialog;
pub use field::{Field, FieldIds};
pub use local_time::LocalTime;
pub use toast::{ToastRegion, Toasts, toasts};

use crate::error::AppError;
use leptos::{html, prelude::*};

/// An error box, or nothing. When one appears it takes focus and scrolls into view, so the person whose
/// submit failed sees (and hears) why where they are looking.
#[component]
pub fn ErrorNote(error: Signal<Option<String>>, #[prop(optional)] test_id: &'static str) -> impl IntoView {
    move || {
        error.get().map(|m| {
            let note = NodeRef::<html::P>::new();
            note.on_load(move |p| focus::bring_into_view(&p));
            view! {
                <p node_ref=note class="form-error" role="alert" tabindex="-1"
                    data-testid=(!test_id.is_empty()).then_some(test_id)>{m}</p>
            }
        })
    }
}

/// The outcome of the last action: its error, or a confirmation.
pub fn outcome<T: Clone + Send + Sync + 'static>(
    action: Action<impl Send + Sync + 'static, Result<T, AppError>>,
    done: &'static str,
) -> (Signal<Option<String>>, Signal<Option<&'static str>>) {
    let value = action.value();
    (
        Signal::derive(move || value.get().and_then(|r| r.err()).map(|e| e.to_string())),
        Signal::derive(move || value.get().and_then(|r| r.ok()).map(|_| done)),
    )
}

#[component]
pub fn Notice(done: Signal<Option<&'static str>>) -> impl IntoView {
    move || done.get().map(|m| view! { <p class="form-ok" role="status">{m}</p> })
}

/// A page's frame: its title, the hydration marker the browser tests wait for, and what `data` answered
/// (drawn by `show`) or why it could not be loaded. While new data loads, the last answer stays on screen.
#[component]
pub fn PageOf<T, V, F>(title: &'static str, data: Resource<Result<T, AppError>>, show: F) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Copy + Send + Sync + 'static,
{
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <leptos_meta::Title text=format!("{title} \u{b7} GWM CRM")/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(value) => show(value).into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Shown when a page's data could not be loaded (not allowed, not found ...).
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    view! {
        <div class="callout callout--error" role="alert">
            <h2 class="callout__title">"This page can't be shown"</h2>
            <p>{error.to_string()}</p>
        </div>
    }
}
