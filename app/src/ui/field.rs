//! A labelled form control: the label names it (`for` / `id`), its hint and its error are bound to it with
//! `aria-describedby` (a screen reader reads them with the field), and a required field is marked. The
//! control itself is the caller's, built from the ids it is given:
//!
//! ```text
//! <Field label="Agency" id="agency" hint="As SAM.gov names it" let:f>
//!     <input class="input" id=f.id name="agency" aria-describedby=f.described_by/>
//! </Field>
//! ```

use leptos::prelude::*;

/// The ids a field's control carries: its own (what the label points at) and what describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldIds {
    pub id: String,
    pub described_by: String,
}

#[component]
pub fn Field<F, V>(
    label: &'static str,
    /// The control's id, unique on the page; the hint's and the error's ids are made from it.
    #[prop(into)]
    id: String,
    #[prop(optional)] hint: &'static str,
    /// An error about this field, shown under it and read with it.
    #[prop(optional, into)]
    error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
    #[prop(optional)] class: &'static str,
    children: F,
) -> impl IntoView
where
    F: FnOnce(FieldIds) -> V + Send + 'static,
    V: IntoView + 'static,
{
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let described_by = if hint.is_empty() { error_id.clone() } else { format!("{hint_id} {error_id}") };
    view! {
        <div class=format!("field {class}")>
            <label class="field__label" for=id.clone()>
                {label}
                {required.then(|| view! { <span class="field__required" aria-hidden="true">" *"</span> })}
            </label>
            {children(FieldIds { id, described_by })}
            {(!hint.is_empty()).then(|| view! { <span class="field__hint" id=hint_id>{hint}</span> })}
            <span class="field__error" id=error_id>{move || error.get()}</span>
        </div>
    }
}
