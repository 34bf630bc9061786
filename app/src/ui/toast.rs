//! Results announced where everyone notices them: a polite live region in the page frame (screen readers read
//! each message once) that shows each message for a few seconds, e.g. "Moved “Cloud migration” to Phase 3".

use leptos::prelude::*;

/// How long a message stays on screen.
const SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(6);

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    text: String,
}

/// The region's messages; provided by `ToastRegion`, reached with `announce`.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn say(self, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|l| l.push(Toast { id, text: text.into() }));
        let list = self.list;
        set_timeout(move || list.update(|l| l.retain(|t| t.id != id)), SHOWN_FOR);
    }
}

/// The page frame's live region, taken when a component is made (async work after an `.await` no longer
/// sees the context). Outside a page frame: none, and nothing is said.
pub fn toasts() -> Option<Toasts> {
    use_context::<Toasts>()
}

/// The live region, once per page frame; its children (the page) can `announce`.
#[component]
pub fn ToastRegion(children: Children) -> impl IntoView {
    let toasts = Toasts { list: RwSignal::new(Vec::new()), next: StoredValue::new(0) };
    provide_context(toasts);
    view! {
        {children()}
        // Present from the first render, empty: a live region announces what is added to it later. Not
        // role="status": a page's own status messages keep that role to themselves.
        <div class="toasts" aria-live="polite" aria-relevant="additions" aria-atomic="false" data-testid="toasts">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <p class="toast">{toast.text}</p>
            </For>
        </div>
    }
}
