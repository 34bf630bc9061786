//! The Contacts tab's "On the notice" section: the points of contact the synced notice names, each either
//! already one of our contacts (with or without a role here) or offered as a contact of the notice's office.

use super::from_sync::{AddSyncedContact, SyncedContacts};
use crate::{ids::ProjectId, ui::ErrorNote};
use leptos::prelude::*;

#[component]
pub fn SyncedSection(
    project: ProjectId,
    synced: SyncedContacts,
    may_write: bool,
    add: ServerAction<AddSyncedContact>,
) -> impl IntoView {
    let error = Signal::derive(move || add.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let SyncedContacts { source, people, office, office_code } = synced;
    let filed_under = match (&office, &office_code) {
        (Some((_, name)), _) => format!("New contacts are filed under {name}, the notice's office."),
        (None, Some(code)) => format!(
            "No organization has the notice's office code {code}; add the office under Organizations with that code to file them there."
        ),
        (None, None) => "The notice names no office.".to_string(),
    };
    view! {
        <section class="card" aria-labelledby="synced-heading" data-testid="synced-contacts">
            <h2 class="card__title" id="synced-heading">{format!("On the notice ({source})")}</h2>
            {if people.is_empty() {
                view! { <p class="muted">"The notice names no point of contact with an e-mail address."</p> }.into_any()
            } else {
                view! {
                    <p class="muted">{filed_under}</p>
                    <ErrorNote error/>
                    <ul class="list">
                        {people.into_iter().map(|p| {
                            let email = p.email.clone();
                            let details = [p.title.clone(), Some(p.email.clone()), p.phone.clone(), p.kind.clone().map(|k| format!("{k} contact"))]
                                .into_iter().flatten().collect::<Vec<_>>().join(" \u{b7} ");
                            let action = match (&p.existing, p.has_role, may_write) {
                                (Some((id, name)), true, _) => view! {
                                    <span class="muted">"In your contacts as " <a href=format!("/contacts/{id}")>{name.clone()}</a> ", with a role here"</span>
                                }.into_any(),
                                (Some((id, name)), false, true) => {
                                    let label = format!("Give {name} a role on this pursuit");
                                    view! {
                                        <span class="button-row">
                                            <span class="muted">"In your contacts as " <a href=format!("/contacts/{id}")>{name.clone()}</a></span>
                                            <button class="button button--secondary button--small" type="button" aria-label=label
                                                disabled=move || add.pending().get()
                                                on:click=move |_| { add.dispatch(AddSyncedContact { project, email: email.clone() }); }>"Give a role"</button>
                                        </span>
                                    }.into_any()
                                }
                                (Some((id, name)), false, false) => view! {
                                    <span class="muted">"In your contacts as " <a href=format!("/contacts/{id}")>{name.clone()}</a></span>
                                }.into_any(),
                                (None, _, true) => {
                                    let label = format!("Add {} to contacts", p.full_name);
                                    view! {
                                        <button class="button button--secondary button--small" type="button" aria-label=label
                                            disabled=move || add.pending().get()
                                            on:click=move |_| { add.dispatch(AddSyncedContact { project, email: email.clone() }); }>"Add to contacts"</button>
                                    }.into_any()
                                }
                                (None, _, false) => view! { <span class="muted">"Not in your contacts"</span> }.into_any(),
                            };
                            view! {
                                <li class="list__item" data-testid="synced-contact">
                                    <div>
                                        <span class="cell-title">{p.full_name.clone()}</span>
                                        <div class="muted">{details}</div>
                                    </div>
                                    {action}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
