//! The pieces the organization and contact forms share: a text field and a choice bound to the form's
//! signal, and the error note that links to the record a save would duplicate.

use crate::{error::AppError, ui::Field};
use leptos::prelude::*;

/// A text field of the form held in `input`.
pub fn text_input<T: Send + Sync + 'static>(
    input: RwSignal<T>,
    label: &'static str,
    name: &'static str,
    get: fn(&T) -> String,
    set: fn(&mut T, String),
    hint: &'static str,
    required: bool,
) -> impl IntoView {
    typed_input(input, "text", label, name, get, set, hint, required)
}

/// `text_input` with another input type (date, email, tel, url).
#[allow(clippy::too_many_arguments)]
pub fn typed_input<T: Send + Sync + 'static>(
    input: RwSignal<T>,
    kind: &'static str,
    label: &'static str,
    name: &'static str,
    get: fn(&T) -> String,
    set: fn(&mut T, String),
    hint: &'static str,
    required: bool,
) -> impl IntoView {
    view! {
        <Field label id=name hint required let:f>
            <input class="input" id=f.id aria-describedby=f.described_by name=name type=kind
                prop:value=move || input.with(get) on:input=move |ev| input.update(|i| set(i, event_target_value(&ev)))/>
        </Field>
    }
}

/// One of a closed set (value, label), or nothing.
pub fn choice<T: Send + Sync + 'static>(
    input: RwSignal<T>,
    label: &'static str,
    name: &'static str,
    options: Vec<(&'static str, &'static str)>,
    none: &'static str,
    get: fn(&T) -> String,
    set: fn(&mut T, String),
) -> impl IntoView {
    view! {
        <Field label id=name let:f>
            <select class="input" id=f.id aria-describedby=f.described_by name=name
                on:change=move |ev| input.update(|i| set(i, event_target_value(&ev)))>
                <option value="" selected=move || input.with(get).is_empty()>{none}</option>
                {options.into_iter().map(|(value, text)| view! {
                    <option value=value selected=move || input.with(get) == value>{text}</option>
                }).collect_view()}
            </select>
        </Field>
    }
}

/// The save's error; when it would duplicate a record, a link to that record.
#[component]
pub fn ExistsNote(problem: RwSignal<Option<AppError>>) -> impl IntoView {
    let message = Signal::derive(move || problem.get().map(|e| e.to_string()));
    let href = move || match problem.get() {
        Some(AppError::Exists { href, .. }) => Some(href),
        _ => None,
    };
    view! {
        <crate::ui::ErrorNote error=message test_id="form-error"/>
        {move || href().map(|h| view! { <p><a class="button button--secondary" href=h data-testid="existing">"Open the existing record"</a></p> })}
    }
}
