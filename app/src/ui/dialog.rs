//! A modal dialog as WAI-ARIA's dialog pattern describes it: focus moves in (to the element marked
//! `data-autofocus`, else the first field or button), Tab and Shift+Tab stay inside, Escape, the close
//! button or a click on the backdrop end it, and focus returns to what had it when the dialog opened.

use super::focus;
use leptos::{html, prelude::*};

#[component]
pub fn Dialog(
    /// The dialog's heading, which is also its accessible name.
    #[prop(into)]
    title: String,
    /// Ends the dialog (Escape, the close button, the backdrop).
    on_close: Callback<()>,
    /// Extra classes for the panel (`move-menu`, `form` ...).
    #[prop(optional)]
    class: &'static str,
    #[prop(optional)] test_id: &'static str,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<html::Div>::new();
    // One modal dialog is open at a time, so one id names its title.
    let title_id = "dialog-title";
    let opener = focus::Remembered::now();
    panel.on_load(move |panel| focus::first_inside(&panel));
    on_cleanup(move || opener.restore());
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
        }
        "Tab" => {
            if let Some(panel) = panel.get_untracked() {
                focus::keep_inside(&panel, &ev);
            }
        }
        _ => {}
    };
    view! {
        <div class="dialog-backdrop" on:click=move |_| on_close.run(())>
            <div node_ref=panel class=format!("card dialog {class}") role="dialog" aria-modal="true"
                aria-labelledby=title_id data-testid=(!test_id.is_empty()).then_some(test_id)
                on:click=|ev| ev.stop_propagation() on:keydown=on_keydown>
                <div class="dialog__head">
                    <h2 class="card__title" id=title_id>{title}</h2>
                    <button class="button button--ghost dialog__close" type="button" aria-label="Close"
                        on:click=move |_| on_close.run(())>"×"</button>
                </div>
                {children()}
            </div>
        </div>
    }
}
