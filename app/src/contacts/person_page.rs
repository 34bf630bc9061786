//! /contacts (search, filters, sort and paging in the address), /contacts/:id (one person: who they are, their
//! pursuits with roles, documents and activity) and the form at /contacts/new and /contacts/:id/edit.

use super::{
    Clearance, ContactInput, ContactType, InteractionFrequency,
    form::{ExistsNote, choice, text_input, typed_input},
    merge_section::{Duplicates, MergedNote, MergedRecords},
    organizations::ActivityLine,
    people::{
        ContactDetail, ContactFilter, ContactForm, ContactList, ContactRow, ContactSort, Contacted, SetContactActive,
        load_contact, load_contact_form, load_contacts, save_contact,
    },
    strength_label,
};
use crate::{
    error::AppError,
    format,
    ids::ContactId,
    ui::{ErrorNote, Field, PageOf},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Form,
    hooks::{use_navigate, use_params_map, use_query_map},
};

#[component]
pub fn ContactsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| ContactFilter::from_query(|k| q.get(k))));
    let list = Resource::new(move || filter.get(), load_contacts);
    view! { <PageOf title="Contacts" data=list show=move |list| view! { <ContactsView list filter=filter.get_untracked()/> }/> }
}

#[component]
fn ContactsView(list: ContactList, filter: ContactFilter) -> impl IntoView {
    let ContactList { rows, total, organizations, may_write } = list;
    let first = i64::from(filter.page) * i64::from(ContactFilter::PER_PAGE);
    let shown = rows.len() as i64;
    let at = |page: u32| format!("/contacts{}", ContactFilter { page, ..filter.clone() }.query());
    let prev = (filter.page > 0).then(|| at(filter.page - 1));
    let next = (first + shown < total).then(|| at(filter.page + 1));
    let f = filter.clone();
    let filtered = ContactFilter { sort: ContactSort::Name, page: 0, ..filter.clone() } != ContactFilter::default();
    view! {
        <header class="page__header">
            <div>
                <h1 class="page__title">"Contacts"</h1>
                <p class="muted">"The people around your pursuits. "<a href="/organizations">"Organizations"</a>" hold them by agency, office and company."</p>
            </div>
            <div class="button-row">
                <a class="button button--secondary" href=format!("/contacts/export.csv{}", ContactFilter { page: 0, ..filter.clone() }.query())
                    download="contacts.csv" data-testid="export-contacts">"Export CSV"</a>
                {may_write.then(|| view! {
                    <a class="button button--secondary" href="/contacts/import" data-testid="import-contacts">"Import CSV"</a>
                    <a class="button button--primary" href="/contacts/new">"New contact"</a>
                })}
            </div>
        </header>
        <Form method="GET" action="/contacts" attr:class="filter-bar inbox__filters">
            <Field label="Search" id="contacts-q" let:fi>
                <input id=fi.id aria-describedby=fi.described_by class="input" type="search" name="q" value=f.q.clone()
                    maxlength="200" placeholder="Name, e-mail, title or organization"/></Field>
            {f.organization.map(|oid| view! {
                <Field label="Organization" id="contacts-organization" let:fi>
                    <select id=fi.id aria-describedby=fi.described_by class="input" name="organization">
                        <option value="">"Any organization"</option>
                        {organizations.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=id == oid>{name}</option> }).collect_view()}
                    </select></Field>
            })}
            <Field label="Kind" id="contacts-kind" let:fi>
                <select id=fi.id aria-describedby=fi.described_by class="input" name="kind">
                    <option value="">"Anyone"</option>
                    {ContactType::ALL.iter().map(|k| view! { <option value=k.as_str() selected=f.kind == Some(*k)>{k.label()}</option> }).collect_view()}
                </select></Field>
            <Field label="Clearance" id="contacts-clearance" let:fi>
                <select id=fi.id aria-describedby=fi.described_by class="input" name="clearance">
                    <option value="">"Any"</option>
                    {Clearance::ALL.iter().map(|c| view! { <option value=c.as_str() selected=f.clearance == Some(*c)>{c.label()}</option> }).collect_view()}
                </select></Field>
            <Field label="Relationship" id="contacts-strength" let:fi>
                <select id=fi.id aria-describedby=fi.described_by class="input" name="strength">
                    <option value="">"Any"</option>
                    {(1..=5).map(|s| view! { <option value=s.to_string() selected=f.strength == Some(s)>{format!("{} or stronger", strength_label(s))}</option> }).collect_view()}
                </select></Field>
            <Field label="Last contacted" id="contacts-contacted" let:fi>
                <select id=fi.id aria-describedby=fi.described_by class="input" name="contacted">
                    <option value="">"Any time"</option>
                    {Contacted::ALL.iter().map(|c| view! { <option value=c.as_str() selected=f.contacted == Some(*c)>{c.label()}</option> }).collect_view()}
                </select></Field>
            <Field label="Order" id="contacts-sort" let:fi>
                <select id=fi.id aria-describedby=fi.described_by class="input" name="sort">
                    {ContactSort::ALL.iter().map(|s| view! { <option value=s.as_str() selected=f.sort == *s>{s.label()}</option> }).collect_view()}
                </select></Field>
            <label class="check check--inline">
                <input type="checkbox" name="inactive" value="1" checked=f.inactive/>
                <span>"Include deactivated"</span>
            </label>
            <div class="button-row inbox__filter-actions">
                <button class="button button--secondary" type="submit">"Apply"</button>
                {filtered.then(|| view! { <a class="button button--ghost" href="/contacts">"Clear"</a> })}
            </div>
        </Form>
        <div class="card card--flush" data-results="">
            <ContactTable rows empty=if filtered { "Nobody matches these filters." } else { "No contacts yet." } show_organization=true/>
        </div>
        {(total > 0).then(|| view! {
            <nav class="pager" aria-label="Pages">
                <span class="muted">{format!("{}–{} of {}", first + 1, first + shown, total)}</span>
                {prev.map(|href| view! { <a class="button button--secondary" href=href rel="prev">"Previous"</a> })}
                {next.map(|href| view! { <a class="button button--secondary" href=href rel="next">"Next"</a> })}
            </nav>
        })}
    }
}

/// People as a table (the contacts list, an organization's people).
#[component]
pub(super) fn ContactTable(rows: Vec<ContactRow>, empty: &'static str, show_organization: bool) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="contacts-table">
            <thead><tr>
                <th scope="col">"Name"</th>
                {show_organization.then(|| view! { <th scope="col">"Organization"</th> })}
                <th scope="col">"Reach"</th>
                <th scope="col">"Relationship"</th>
                <th scope="col">"Last contacted"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr class=(!r.is_active).then_some("row--deleted")>
                        <td>
                            <a class="cell-title" href=format!("/contacts/{}", r.id)>{r.name}</a>
                            {(!r.is_active).then(|| view! { " " <span class="badge badge--muted">"Deactivated"</span> })}
                            <div class="muted">{role_line(r.title, r.kind)}</div>
                        </td>
                        {show_organization.then(|| view! {
                            <td>{r.organization.clone().map(|(oid, name)| view! { <a href=format!("/organizations/{oid}")>{name}</a> })}</td>
                        })}
                        <td>
                            {r.email.map(|e| view! { <div><a href=format!("mailto:{e}")>{e.clone()}</a></div> })}
                            {r.phone.map(|p| view! { <div class="muted">{p}</div> })}
                        </td>
                        <td>
                            {r.strength.map(strength_label).unwrap_or("—")}
                            {r.clearance.filter(|c| *c != Clearance::None).map(|c| view! { <div class="muted">{c.label()}</div> })}
                        </td>
                        <td>{r.last_contact_date.map(|d| d.format("%b %-d, %Y").to_string()).unwrap_or_else(|| "Never".into())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A timeline of activities, newest first.
#[component]
pub(super) fn ActivityList(lines: Vec<ActivityLine>, empty: &'static str) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ol class="timeline">
            {lines.into_iter().map(|a| view! {
                <li class="timeline__item">
                    <span class="timeline__when">{a.at.map(format::date).unwrap_or_else(|| "No date".into())}</span>
                    <span>
                        <strong>{a.kind.label()}</strong>" · "{a.subject}
                        <span class="muted">{format!(" · {}", a.status.label())}</span>
                        {a.about.map(|(href, name)| view! { <div class="muted">"On "<a href=href>{name}</a></div> })}
                    </span>
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let params = use_params_map();
    let active = ServerAction::<SetContactActive>::new();
    let merge = ServerAction::<super::merge::MergeContacts>::new();
    let detail = Resource::new(
        move || (params.with(|p| p.get("id").unwrap_or_default()), active.version().get() + merge.version().get()),
        |(id, _)| async move {
            let id: ContactId = crate::input::parse_id("Contact", &id)?;
            load_contact(id).await
        },
    );
    view! { <PageOf title="Contact" data=detail show=move |detail| view! { <ContactView detail active merge/> }/> }
}

#[component]
fn ContactView(
    detail: ContactDetail,
    active: ServerAction<SetContactActive>,
    merge: ServerAction<super::merge::MergeContacts>,
) -> impl IntoView {
    let id = detail.id;
    let is_active = detail.is_active;
    let name = format!("{} {}", detail.first_name, detail.last_name);
    let problem = Signal::derive(move || active.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let mut facts: Vec<(&str, String)> = Vec::new();
    for (label, value) in [
        ("Kind", detail.kind.map(|k| k.label().to_string())),
        ("Phone", detail.phone.clone()),
        ("Decision-making level", detail.decision_maker_level.map(|l| format!("{l} of 5"))),
        ("Relationship", detail.relationship_strength.map(|s| strength_label(s).to_string())),
        ("In touch", detail.interaction_frequency.map(|f| f.label().to_string())),
        ("Last contacted", detail.last_contact_date.map(|d| d.format("%B %-d, %Y").to_string())),
        ("Clearance", detail.clearance.map(|c| c.label().to_string())),
    ] {
        if let Some(v) = value {
            facts.push((label, v));
        }
    }
    view! {
        <Title text=format!("{name} · GWM CRM")/>
        <header class="page__header">
            <div>
                <nav class="eyebrow" aria-label="Where they work">
                    <a href="/contacts">"Contacts"</a>
                    {detail.organization_path.iter().map(|(oid, oname)| view! { " \u{203a} " <a href=format!("/organizations/{oid}")>{oname.clone()}</a> }).collect_view()}
                </nav>
                <h1 class="page__title">{name.clone()}
                    {(!is_active).then(|| view! { " " <span class="badge badge--muted">"Deactivated"</span> })}</h1>
                {detail.title.clone().map(|t| view! { <p class="muted">{t}</p> })}
            </div>
            {(detail.may_write && detail.merged_into.is_none()).then(|| view! {
                <div class="button-row">
                    <a class="button button--secondary" href=format!("/contacts/{id}/edit")>"Edit"</a>
                    <button class="button button--ghost" type="button" on:click=move |_| { active.dispatch(SetContactActive { id, active: !is_active }); }>
                        {if is_active { "Deactivate" } else { "Restore" }}
                    </button>
                </div>
            })}
        </header>
        <ErrorNote error=problem/>
        {detail.merged_into.clone().map(|into| view! { <MergedNote into/> })}
        {move || merge.value().get().and_then(|r| r.ok()).map(|done| view! {
            <p class="form-ok" role="status" data-testid="merged">{format!("Merged: {}", done.summary())}</p>
        })}
        {(!detail.duplicates.is_empty()).then(|| view! {
            <Duplicates keep=id name=name.clone() candidates=detail.duplicates.clone() merge/>
        })}
        <div class="two-col">
            <div class="card">
                <h2 class="card__title">"About"</h2>
                <dl class="facts">
                    {detail.email.clone().map(|e| view! { <dt>"E-mail"</dt><dd><a href=format!("mailto:{e}")>{e.clone()}</a></dd> })}
                    {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                    {detail.linkedin_url.clone().map(|l| view! { <dt>"LinkedIn"</dt><dd><a href=l.clone() rel="noopener noreferrer" target="_blank">{l.clone()}</a></dd> })}
                    {(!detail.tags.is_empty()).then(|| view! { <dt>"Tags"</dt><dd class="badges">{detail.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}</dd> })}
                    <dt>"Updated"</dt><dd>{format::date_time(detail.updated_at)}</dd>
                </dl>
                {detail.notes.clone().map(|n| view! { <h3 class="card__subtitle">"Notes"</h3><p class="prose">{n}</p> })}
            </div>
            <div class="card" data-testid="contact-pursuits">
                <h2 class="card__title">"Pursuits"</h2>
                {if detail.pursuits.is_empty() {
                    view! { <p class="muted">"Not on any pursuit yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="list">
                            {detail.pursuits.into_iter().map(|p| view! {
                                <li class="list__item list__item--stacked">
                                    <div class="list__line">
                                        <a href=format!("/projects/{}", p.id)>{p.name}</a>
                                        <span class=format!("stage stage--{}", p.stage.as_str())>{p.stage.short_label()}</span>
                                    </div>
                                    <span class="muted">{[
                                        p.relationship.map(|r| r.parse::<super::RelationshipType>().map(|t| t.label().to_string()).unwrap_or(r)),
                                        p.influence.map(|i| format!("influence {i} of 5")),
                                    ].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
        </div>
        <div class="two-col">
            <div class="card">
                <h2 class="card__title">"Activity"</h2>
                <ActivityList lines=detail.activities empty="No activity with this person yet."/>
            </div>
            <div class="card">
                <h2 class="card__title">"Documents"</h2>
                {if detail.documents.is_empty() {
                    view! { <p class="muted">"No documents linked to this person."</p> }.into_any()
                } else {
                    view! {
                        <ul class="list">
                            {detail.documents.into_iter().map(|d| view! {
                                <li class="list__item"><a href=format!("/documents/{}", d.id)>{d.title}</a>
                                    <span class="muted">{d.link.map(|l| format::capitalised(&l)).unwrap_or_default()}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
        </div>
        {(!detail.merged_from.is_empty()).then(|| view! { <MergedRecords records=detail.merged_from.clone()/> })}
    }
}

/// "Program Manager · Government point of contact"; the kind is left out when the title already says it.
fn role_line(title: Option<String>, kind: Option<ContactType>) -> String {
    let kind = kind.map(|k| k.label()).filter(|k| !title.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(k)));
    [title.as_deref(), kind].into_iter().flatten().collect::<Vec<_>>().join(" \u{b7} ")
}

#[component]
pub fn NewContactPage() -> impl IntoView {
    let query = use_query_map();
    let form = Resource::new(
        move || query.with(|q| q.get("organization")),
        |organization| load_contact_form(None, organization),
    );
    view! { <PageOf title="New contact" data=form show=|form| view! { <ContactFormView title="New contact" form/> }/> }
}

#[component]
pub fn EditContactPage() -> impl IntoView {
    let params = use_params_map();
    let form =
        Resource::new(move || params.with(|p| p.get("id").unwrap_or_default()), |id| load_contact_form(Some(id), None));
    view! { <PageOf title="Edit contact" data=form show=|form| view! { <ContactFormView title="Edit contact" form/> }/> }
}

#[component]
fn ContactFormView(title: &'static str, form: ContactForm) -> impl IntoView {
    let ContactForm { id, input, organizations } = form;
    let input = RwSignal::new(input);
    let problem = RwSignal::new(None::<AppError>);
    let save =
        Action::new(move |(value, anyway): &(ContactInput, bool)| save_contact(id, value.clone(), Some(*anyway)));
    let navigate = use_navigate();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => navigate(&format!("/contacts/{saved}"), Default::default()),
        Some(Err(e)) => problem.set(Some(e)),
        None => {}
    });
    let submit = move |anyway: bool| {
        problem.set(None);
        save.dispatch((input.get_untracked(), anyway));
    };
    let duplicate = move || matches!(problem.get(), Some(AppError::Exists { .. }));
    let cancel = id.map(|id| format!("/contacts/{id}")).unwrap_or_else(|| "/contacts".into());
    let organizations = StoredValue::new(organizations);
    let rating = |label: &'static str,
                  name: &'static str,
                  get: fn(&ContactInput) -> String,
                  set: fn(&mut ContactInput, String)| {
        view! {
            <Field label id=name let:f>
                <select class="input" id=f.id aria-describedby=f.described_by name=name on:change=move |ev| input.update(|i| set(i, event_target_value(&ev)))>
                    <option value="" selected=move || input.with(get).is_empty()>"Not rated"</option>
                    {(1..=5).map(|n| {
                        let value = n.to_string();
                        let mine = value.clone();
                        view! { <option value=value selected=move || input.with(get) == mine>{strength_label(n)}</option> }
                    }).collect_view()}
                </select>
            </Field>
        }
    };
    view! {
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href="/contacts">"Contacts"</a></p>
                <h1 class="page__title">{title}</h1>
            </div>
        </header>
        <form class="card form project-form" on:submit=move |ev| { ev.prevent_default(); submit(false); } novalidate>
            <ExistsNote problem/>
            {move || duplicate().then(|| view! {
                <p><button class="button button--secondary" type="button" data-testid="save-anyway" on:click=move |_| submit(true)>
                    "They are two people: save anyway"</button></p>
            })}
            <div class="form-grid">
                {text_input(input, "First name", "first_name", |i| i.first_name.clone(), |i, v| i.first_name = v, "", true)}
                {text_input(input, "Last name", "last_name", |i| i.last_name.clone(), |i, v| i.last_name = v, "", true)}
                {text_input(input, "Title", "title", |i| i.title.clone(), |i, v| i.title = v, "e.g. Contracting Officer", false)}
                <Field label="Organization" id="organization" let:f>
                    <select class="input" id=f.id aria-describedby=f.described_by name="organization" on:change=move |ev| input.update(|i| i.organization = event_target_value(&ev))>
                        <option value="" selected=move || input.with(|i| i.organization.is_empty())>"None"</option>
                        {organizations.get_value().into_iter().map(|(oid, label)| {
                            let value = oid.to_string();
                            let mine = value.clone();
                            view! { <option value=value selected=move || input.with(|i| i.organization == mine)>{label}</option> }
                        }).collect_view()}
                    </select>
                </Field>
                {typed_input(input, "email", "E-mail", "email", |i| i.email.clone(), |i, v| i.email = v, "", false)}
                {typed_input(input, "tel", "Phone", "phone", |i| i.phone.clone(), |i, v| i.phone = v, "", false)}
                {text_input(input, "LinkedIn", "linkedin_url", |i| i.linkedin_url.clone(), |i, v| i.linkedin_url = v, "", false)}
                {choice(input, "Kind", "contact_type", ContactType::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
                    "Not set", |i| i.contact_type.clone(), |i, v| i.contact_type = v)}
                {rating("Relationship strength", "relationship_strength", |i| i.relationship_strength.clone(), |i, v| i.relationship_strength = v)}
                {rating("Decision-making level", "decision_maker_level", |i| i.decision_maker_level.clone(), |i, v| i.decision_maker_level = v)}
                {choice(input, "In touch", "interaction_frequency", InteractionFrequency::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
                    "Not set", |i| i.interaction_frequency.clone(), |i, v| i.interaction_frequency = v)}
                {typed_input(input, "date", "Last contacted", "last_contact_date", |i| i.last_contact_date.clone(), |i, v| i.last_contact_date = v, "", false)}
                {choice(input, "Clearance", "security_clearance", Clearance::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
                    "Not known", |i| i.security_clearance.clone(), |i, v| i.security_clearance = v)}
                {text_input(input, "Tags", "tags", |i| i.tags.clone(), |i, v| i.tags = v, "Separated by commas", false)}
            </div>
            <Field label="Notes" id="notes" let:f>
                <textarea class="input textarea" id=f.id aria-describedby=f.described_by name="notes" rows="4" prop:value=move || input.with(|i| i.notes.clone())
                    on:input=move |ev| input.update(|i| i.notes = event_target_value(&ev))></textarea>
            </Field>
            <div class="button-row">
                <button class="button button--primary" type="submit" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else if id.is_some() { "Save changes" } else { "Create contact" }}
                </button>
                <a class="button button--ghost" href=cancel>"Cancel"</a>
            </div>
        </form>
    }
}
