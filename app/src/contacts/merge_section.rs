//! A contact page's merge parts: the records that may be the same person, each merged into this one after a
//! confirmation that says what moves; the records merged into this one; and, on a merged record, where its
//! person lives now.

use super::merge::{DuplicateCandidate, MergeContacts, MergedInto, MergedRecord};
use crate::{
    format::{self, capitalised},
    ids::ContactId,
    ui::ErrorNote,
};
use leptos::prelude::*;

/// "2 roles, 1 document and no activities" (what a candidate would bring).
fn brings(c: &DuplicateCandidate) -> String {
    let count = |n: i64, one: &str, many: &str| match n {
        0 => format!("no {many}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    };
    format!(
        "{}, {} and {}",
        count(c.roles, "role on a pursuit", "roles on pursuits"),
        count(c.documents, "document", "documents"),
        count(c.activities, "activity", "activities")
    )
}

/// On a merged record: where its person is now.
#[component]
pub fn MergedNote(into: MergedInto) -> impl IntoView {
    view! {
        <div class="callout" role="note" data-testid="merged-into">
            <p class="callout__title">"This record was merged"</p>
            <p>
                "Merged into " <a href=format!("/contacts/{}", into.id)>{into.name.clone()}</a>
                {format!(" on {}. Its history stays here; make changes on that record.", format::date(into.merged_at))}
            </p>
        </div>
    }
}

#[component]
pub fn Duplicates(
    keep: ContactId,
    name: String,
    candidates: Vec<DuplicateCandidate>,
    merge: ServerAction<MergeContacts>,
) -> impl IntoView {
    let confirming = RwSignal::new(None::<ContactId>);
    let error = Signal::derive(move || merge.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    view! {
        <section class="card" aria-labelledby="duplicates-heading" data-testid="duplicates">
            <h2 class="card__title" id="duplicates-heading">"Possibly the same person"</h2>
            <p class="muted">"Merging keeps this record and brings the other's roles, documents, activities, notes and tags here."</p>
            <ErrorNote error/>
            <ul class="list">
                {candidates.into_iter().map(|c| {
                    let id = c.id;
                    let (other, keep_name) = (c.name.clone(), name.clone());
                    let what = brings(&c);
                    view! {
                        <li class="list__item list__item--wrap" data-testid="duplicate">
                            <div>
                                <a class="cell-title" href=format!("/contacts/{id}")>{c.name.clone()}</a>
                                <div class="muted">{[c.title.clone(), c.organization.clone(), c.email.clone(), c.phone.clone()].into_iter().flatten().collect::<Vec<_>>().join(" \u{b7} ")}</div>
                                <div class="muted">{format!("{} \u{b7} {}", capitalised(&c.reason), what)}</div>
                            </div>
                            {move || if confirming.get() == Some(id) {
                                let (other, keep_name, what) = (other.clone(), keep_name.clone(), what.clone());
                                view! {
                                    <div class="callout" role="group" aria-label=format!("Merge {other} into {keep_name}")>
                                        <p>{format!(
                                            "{other}'s {what} move to {keep_name}. Fields empty here are filled from theirs and their notes are added below these; nothing typed here is overwritten. Their record stays, deactivated, pointing here."
                                        )}</p>
                                        <div class="button-row">
                                            <button class="button button--primary" type="button" disabled=move || merge.pending().get()
                                                on:click=move |_| { merge.dispatch(MergeContacts { keep, duplicate: id }); }>
                                                {format!("Merge {other} into this record")}
                                            </button>
                                            <button class="button button--ghost" type="button" on:click=move |_| confirming.set(None)>"Cancel"</button>
                                        </div>
                                    </div>
                                }.into_any()
                            } else {
                                let other = other.clone();
                                view! {
                                    <button class="button button--secondary button--small" type="button"
                                        on:click=move |_| confirming.set(Some(id))>{format!("Merge {other} into this record\u{2026}")}</button>
                                }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn MergedRecords(records: Vec<MergedRecord>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="merged-heading" data-testid="merged-records">
            <h2 class="card__title" id="merged-heading">"Merged records"</h2>
            <ul class="list">
                {records.into_iter().map(|r| view! {
                    <li class="list__item">
                        <a href=format!("/contacts/{}", r.id)>{r.name}</a>
                        <span class="muted">{format!(
                            "merged {}{}",
                            format::date(r.merged_at),
                            r.merged_by.map(|b| format!(" by {b}")).unwrap_or_default()
                        )}</span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
