//! /organizations (search and list), /organizations/:id (one organization: its place in the hierarchy, its
//! offices, people, pursuits and activity) and the form at /organizations/new and /organizations/:id/edit.

use super::{
    BusinessSize, Certification, OrganizationInput, OrganizationType,
    form::{ExistsNote, choice, text_input},
    organizations::{
        OrganizationDetail, OrganizationFilter, OrganizationForm, OrganizationList, SetOrganizationActive,
        load_organization, load_organization_form, load_organizations, save_organization,
    },
    person_page::{ActivityList, ContactTable},
};
use crate::{
    error::AppError,
    ids::OrganizationId,
    ui::{ErrorNote, Field, PageOf},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Form,
    hooks::{use_navigate, use_params_map, use_query_map},
};

#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| OrganizationFilter::from_query(|k| q.get(k))));
    let list = Resource::new(move || filter.get(), load_organizations);
    view! {
        <PageOf title="Organizations" data=list show=move |list| view! { <OrganizationsView list filter=filter.get_untracked()/> }/>
    }
}

#[component]
fn OrganizationsView(list: OrganizationList, filter: OrganizationFilter) -> impl IntoView {
    let OrganizationList { rows, total, may_write } = list;
    let first = i64::from(filter.page) * i64::from(OrganizationFilter::PER_PAGE);
    let shown = rows.len() as i64;
    let at = |page: u32| format!("/organizations{}", OrganizationFilter { page, ..filter.clone() }.query());
    let prev = (filter.page > 0).then(|| at(filter.page - 1));
    let next = (first + shown < total).then(|| at(filter.page + 1));
    let f = filter.clone();
    let unfiltered = filter == OrganizationFilter::default();
    view! {
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href="/contacts">"Contacts"</a></p>
                <h1 class="page__title">"Organizations"</h1>
                <p class="muted">"Agencies with their offices, primes, partners and competitors."</p>
            </div>
            <div class="button-row">
                <a class="button button--secondary" href=format!("/organizations/export.csv{}", OrganizationFilter { page: 0, ..filter.clone() }.query())
                    download="organizations.csv" data-testid="export-organizations">"Export CSV"</a>
                {may_write.then(|| view! {
                    <a class="button button--secondary" href="/organizations/import" data-testid="import-organizations">"Import CSV"</a>
                    <a class="button button--primary" href="/organizations/new">"New organization"</a>
                })}
            </div>
        </header>
        <Form method="GET" action="/organizations" attr:class="filter-bar inbox__filters">
            <Field label="Search" id="org-q" let:fi>
                <input id=fi.id aria-describedby=fi.described_by class="input" type="search" name="q" value=f.q.clone()
                    maxlength="200" placeholder="Name, UEI, CAGE code or office code"/></Field>
            <Field label="Kind" id="org-kind" let:fi>
                <select id=fi.id aria-describedby=fi.described_by class="input" name="kind">
                    <option value="">"Any kind"</option>
                    {OrganizationType::ALL.iter().map(|k| view! { <option value=k.as_str() selected=f.kind == Some(*k)>{k.label()}</option> }).collect_view()}
                </select></Field>
            <label class="check check--inline">
                <input type="checkbox" name="inactive" value="1" checked=f.inactive/>
                <span>"Include deactivated"</span>
            </label>
            <div class="button-row inbox__filter-actions">
                <button class="button button--secondary" type="submit">"Apply"</button>
                {(!unfiltered).then(|| view! { <a class="button button--ghost" href="/organizations">"Clear"</a> })}
            </div>
        </Form>
        {if rows.is_empty() {
            view! { <div class="card empty-state" data-results=""><p>{
                if unfiltered { "No organizations yet." } else { "No organization matches." }
            }</p></div> }.into_any()
        } else {
            view! {
                <div class="card card--flush" data-results="">
                    <table class="table">
                        <caption class="sr-only">{format!("{total} organizations, by name")}</caption>
                        <thead><tr>
                            <th scope="col">"Organization"</th>
                            <th scope="col">"Kind"</th>
                            <th scope="col">"UEI · CAGE"</th>
                            <th scope="col">"Where"</th>
                            <th scope="col">"People"</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr class=(!r.is_active).then_some("row--deleted")>
                                    <td>
                                        <a class="cell-title" href=format!("/organizations/{}", r.id)>{r.name}</a>
                                        {(!r.is_active).then(|| view! { " " <span class="badge badge--muted">"Deactivated"</span> })}
                                        {r.parent.map(|(pid, pname)| view! { <div class="muted"><a href=format!("/organizations/{pid}")>{pname}</a></div> })}
                                    </td>
                                    <td>{r.kind.map(|k| k.label()).unwrap_or("—")}
                                        {(r.offices > 0).then(|| view! { <div class="muted">{crate::format::count(r.offices, "office", "offices")}</div> })}</td>
                                    <td class="cell-sub">{[r.sam_unique_id, r.cage_code].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</td>
                                    <td>{r.place.unwrap_or_default()}</td>
                                    <td>{r.contacts}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <nav class="pager" aria-label="Pages">
                    <span class="muted">{format!("{}–{} of {}", first + 1, first + shown, total)}</span>
                    {prev.map(|href| view! { <a class="button button--secondary" href=href rel="prev">"Previous"</a> })}
                    {next.map(|href| view! { <a class="button button--secondary" href=href rel="next">"Next"</a> })}
                </nav>
            }.into_any()
        }}
    }
}

#[component]
pub fn OrganizationPage() -> impl IntoView {
    let params = use_params_map();
    let active = ServerAction::<SetOrganizationActive>::new();
    let detail = Resource::new(
        move || (params.with(|p| p.get("id").unwrap_or_default()), active.version().get()),
        |(id, _)| async move {
            let id: OrganizationId = crate::input::parse_id("Organization", &id)?;
            load_organization(id).await
        },
    );
    view! { <PageOf title="Organization" data=detail show=move |detail| view! { <OrganizationView detail active/> }/> }
}

#[component]
fn OrganizationView(detail: OrganizationDetail, active: ServerAction<SetOrganizationActive>) -> impl IntoView {
    let id = detail.id;
    let problem = Signal::derive(move || active.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let mut facts: Vec<(&str, String)> = vec![("Kind", detail.kind.map(|k| k.label()).unwrap_or("—").to_string())];
    for (label, value) in [
        ("UEI", detail.sam_unique_id.clone()),
        ("CAGE code", detail.cage_code.clone()),
        ("DUNS (legacy)", detail.duns_number.clone()),
        ("SAM.gov office code", detail.agency_path_code.clone()),
        ("Business size", detail.business_size.map(|b| b.label().to_string())),
        ("Phone", detail.phone.clone()),
    ] {
        if let Some(v) = value {
            facts.push((label, v));
        }
    }
    if !detail.certifications.is_empty() {
        facts.push(("Certifications", detail.certifications.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ")));
    }
    let is_active = detail.is_active;
    let title = detail.name.clone();
    view! {
        <Title text=format!("{title} · GWM CRM")/>
        <header class="page__header">
            <div>
                <nav class="eyebrow" aria-label="Where it sits">
                    <a href="/organizations">"Organizations"</a>
                    {detail.ancestors.iter().map(|(aid, name)| view! { " \u{203a} " <a href=format!("/organizations/{aid}")>{name.clone()}</a> }).collect_view()}
                </nav>
                <h1 class="page__title">{detail.name.clone()}
                    {(!is_active).then(|| view! { " " <span class="badge badge--muted">"Deactivated"</span> })}</h1>
            </div>
            {detail.may_write.then(|| view! {
                <div class="button-row">
                    <a class="button button--primary" href=format!("/contacts/new?organization={id}")>"Add a person"</a>
                    <a class="button button--secondary" href=format!("/organizations/new?parent={id}")>"Add an office"</a>
                    <a class="button button--secondary" href=format!("/organizations/{id}/edit")>"Edit"</a>
                    <button class="button button--ghost" type="button" on:click=move |_| { active.dispatch(SetOrganizationActive { id, active: !is_active }); }>
                        {if is_active { "Deactivate" } else { "Restore" }}
                    </button>
                </div>
            })}
        </header>
        <ErrorNote error=problem/>
        <div class="two-col">
            <div class="card">
                <h2 class="card__title">"About"</h2>
                <dl class="facts">
                    {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                    {(!detail.address.is_empty()).then(|| view! { <dt>"Address"</dt><dd>{detail.address.iter().map(|l| view! { {l.clone()}<br/> }).collect_view()}</dd> })}
                    {detail.email.clone().map(|e| view! { <dt>"E-mail"</dt><dd><a href=format!("mailto:{e}")>{e.clone()}</a></dd> })}
                    {detail.website.clone().map(|w| view! { <dt>"Website"</dt><dd><a href=w.clone() rel="noopener noreferrer" target="_blank">{w.clone()}</a></dd> })}
                </dl>
            </div>
            <div class="card" data-testid="org-tree">
                <h2 class="card__title">"Offices"</h2>
                {if detail.tree.is_empty() {
                    view! { <p class="muted">"No offices below this one."</p> }.into_any()
                } else {
                    view! {
                        <ul class="category-tree">
                            {detail.tree.into_iter().map(|n| view! {
                                <li class="category-tree__item" data-depth=n.depth.min(4).to_string()>
                                    <a href=format!("/organizations/{}", n.id)>{n.name}</a>
                                    <span class="muted">{format!(" · {}", crate::format::count(n.contacts, "person", "people"))}</span>
                                    {(!n.is_active).then(|| view! { " " <span class="badge badge--muted">"Deactivated"</span> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
        </div>
        <div class="card card--flush" data-testid="org-people">
            <div class="card__header"><h2 class="card__title">"People"</h2></div>
            <ContactTable rows=detail.contacts empty="Nobody at this organization yet." show_organization=false/>
        </div>
        <div class="two-col">
            <div class="card" data-testid="org-pursuits">
                <h2 class="card__title">"Pursuits"</h2>
                {if detail.pursuits.is_empty() {
                    view! { <p class="muted">"Not on a pursuit's team or competing, and none of its people has a role on one yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="list">
                            {detail.pursuits.into_iter().map(|p| view! {
                                <li class="list__item list__item--stacked">
                                    <div class="list__line">
                                        <a href=format!("/projects/{}", p.id)>{p.name}</a>
                                        <span class=format!("stage stage--{}", p.stage.as_str())>{p.stage.short_label()}</span>
                                    </div>
                                    <span class="muted">{p.through}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
            <div class="card">
                <h2 class="card__title">"Activity"</h2>
                <ActivityList lines=detail.activities empty="No activity with this organization or its people yet."/>
            </div>
        </div>
    }
}

#[component]
pub fn NewOrganizationPage() -> impl IntoView {
    let query = use_query_map();
    let form = Resource::new(move || query.with(|q| q.get("parent")), |parent| load_organization_form(None, parent));
    view! { <PageOf title="New organization" data=form show=|form| view! { <OrganizationFormView title="New organization" form/> }/> }
}

#[component]
pub fn EditOrganizationPage() -> impl IntoView {
    let params = use_params_map();
    let form = Resource::new(
        move || params.with(|p| p.get("id").unwrap_or_default()),
        |id| load_organization_form(Some(id), None),
    );
    view! { <PageOf title="Edit organization" data=form show=|form| view! { <OrganizationFormView title="Edit organization" form/> }/> }
}

#[component]
fn OrganizationFormView(title: &'static str, form: OrganizationForm) -> impl IntoView {
    let OrganizationForm { id, input, parents } = form;
    let input = RwSignal::new(input);
    let problem = RwSignal::new(None::<AppError>);
    let save = Action::new(move |value: &OrganizationInput| save_organization(id, value.clone()));
    let navigate = use_navigate();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => navigate(&format!("/organizations/{saved}"), Default::default()),
        Some(Err(e)) => problem.set(Some(e)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        save.dispatch(input.get_untracked());
    };
    let cancel = id.map(|id| format!("/organizations/{id}")).unwrap_or_else(|| "/organizations".into());
    let parents = StoredValue::new(parents);
    view! {
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href="/organizations">"Organizations"</a></p>
                <h1 class="page__title">{title}</h1>
            </div>
        </header>
        <form class="card form project-form" on:submit=submit novalidate>
            <ExistsNote problem/>
            <div class="form-grid">
                {text_input(input, "Name", "name", |i| i.name.clone(), |i, v| i.name = v, "", true)}
                {choice(input, "Kind", "organization_type", OrganizationType::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
                    "Not set", |i| i.organization_type.clone(), |i, v| i.organization_type = v)}
                <Field label="Part of" id="parent" hint="The department or sub-tier above an office; a company's parent." let:f>
                    <select class="input" id=f.id aria-describedby=f.described_by name="parent" on:change=move |ev| input.update(|i| i.parent = event_target_value(&ev))>
                        <option value="" selected=move || input.with(|i| i.parent.is_empty())>"Nothing (top level)"</option>
                        {parents.get_value().into_iter().map(|(pid, label)| {
                            let value = pid.to_string();
                            let mine = value.clone();
                            view! { <option value=value selected=move || input.with(|i| i.parent == mine)>{label}</option> }
                        }).collect_view()}
                    </select>
                </Field>
                {text_input(input, "UEI", "sam_unique_id", |i| i.sam_unique_id.clone(), |i, v| i.sam_unique_id = v, "12 letters and digits, from SAM.gov", false)}
                {text_input(input, "CAGE code", "cage_code", |i| i.cage_code.clone(), |i, v| i.cage_code = v, "5 letters and digits", false)}
                {text_input(input, "DUNS (legacy)", "duns_number", |i| i.duns_number.clone(), |i, v| i.duns_number = v, "9 digits", false)}
                {text_input(input, "SAM.gov office code", "agency_path_code", |i| i.agency_path_code.clone(), |i, v| i.agency_path_code = v, "e.g. 097.DISA.HC1028", false)}
                {choice(input, "Business size", "business_size", BusinessSize::ALL.iter().map(|b| (b.as_str(), b.label())).collect(),
                    "Not set", |i| i.business_size.clone(), |i, v| i.business_size = v)}
            </div>
            <fieldset class="fieldset">
                <legend class="field__label">"Socioeconomic certifications"</legend>
                <div class="checklist">
                    {Certification::ALL.iter().map(|c| {
                        let value = c.as_str();
                        view! {
                            <label class="check">
                                <input type="checkbox" name="certifications" value=value
                                    prop:checked=move || input.with(|i| i.certifications.iter().any(|x| x == value))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        input.update(|i| { i.certifications.retain(|x| x != value); if on { i.certifications.push(value.to_string()); } });
                                    }/>
                                <span>{c.label()}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <fieldset class="fieldset">
                <legend class="field__label">"Address and contact"</legend>
                <div class="form-grid">
                    {text_input(input, "Address line 1", "address_line1", |i| i.address_line1.clone(), |i, v| i.address_line1 = v, "", false)}
                    {text_input(input, "Address line 2", "address_line2", |i| i.address_line2.clone(), |i, v| i.address_line2 = v, "", false)}
                    {text_input(input, "City", "city", |i| i.city.clone(), |i, v| i.city = v, "", false)}
                    {text_input(input, "State or province", "state_province", |i| i.state_province.clone(), |i, v| i.state_province = v, "", false)}
                    {text_input(input, "Postal code", "postal_code", |i| i.postal_code.clone(), |i, v| i.postal_code = v, "", false)}
                    {text_input(input, "Country", "country", |i| i.country.clone(), |i, v| i.country = v, "United States when empty", false)}
                    {text_input(input, "Phone", "phone", |i| i.phone.clone(), |i, v| i.phone = v, "", false)}
                    {text_input(input, "E-mail", "email", |i| i.email.clone(), |i, v| i.email = v, "", false)}
                    {text_input(input, "Website", "website", |i| i.website.clone(), |i, v| i.website = v, "", false)}
                </div>
            </fieldset>
            <div class="button-row">
                <button class="button button--primary" type="submit" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else if id.is_some() { "Save changes" } else { "Create organization" }}
                </button>
                <a class="button button--ghost" href=cancel>"Cancel"</a>
            </div>
        </form>
    }
}
