//! /documents/:id: one document. What it is, whether its text is searchable (and a preview of it), its
//! filing (type, category, tags, who may see it), what it is linked to, and its versions.

use super::{
    DocumentType, document_versions,
    filing::{
        DocumentDetail, FileDocument, LinkDocument, LinkRole, LinkedKind, UnlinkDocument, load_document_detail,
        tree_order,
    },
    page::{TextStatus, access_label, refresh_while_reading},
};
use crate::{
    domain::AccessLevel,
    format,
    ui::{ErrorNote, Field, LoadError, Notice, outcome},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn DocumentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let file = ServerAction::<FileDocument>::new();
    let link = ServerAction::<LinkDocument>::new();
    let unlink = ServerAction::<UnlinkDocument>::new();
    let detail = Resource::new(
        move || (id(), refresh.get(), file.version().get(), link.version().get(), unlink.version().get()),
        |(id, ..)| load_document_detail(id),
    );
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    refresh_while_reading(
        Signal::derive(move || detail.get().and_then(Result::ok).is_some_and(|d| d.doc.processing_status.is_waiting())),
        refresh,
    );
    view! {
        <Title text="Document · GWM CRM"/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(detail) => view! { <DocumentView detail file link unlink/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DocumentView(
    detail: DocumentDetail,
    file: ServerAction<FileDocument>,
    link: ServerAction<LinkDocument>,
    unlink: ServerAction<UnlinkDocument>,
) -> impl IntoView {
    let doc = detail.doc.clone();
    let id = doc.id.to_string();
    let back = match (&doc.project_id, &detail.project_name) {
        (Some(p), Some(name)) => {
            view! { <a href=format!("/projects/{p}/documents")>{format!("{name} · Documents")}</a> }.into_any()
        }
        _ => view! { <a href="/documents">"Document library"</a> }.into_any(),
    };
    let mut facts = vec![
        ("Type", doc.document_type.map(|t| t.label()).unwrap_or("—").to_string()),
        ("Size", crate::format::file_size(doc.file_size_bytes)),
        (
            "Version",
            format!(
                "{}{}",
                doc.version_number,
                if doc.is_current_version { " (current)" } else { " (an earlier version)" }
            ),
        ),
        ("Who may see it", access_label(doc.access_level).to_string()),
        (
            "Uploaded",
            format!(
                "{} by {}",
                format::date_time(doc.created_at),
                doc.uploaded_by_name.clone().unwrap_or_else(|| "the system".into())
            ),
        ),
    ];
    if let Some(pages) = detail.page_count.filter(|p| *p > 0) {
        facts.push(("Pages", pages.to_string()));
    }
    if let Some(hash) = &doc.file_hash_sha256 {
        facts.push(("SHA-256", hash.clone()));
    }
    view! {
        <header class="page__header">
            <div>
                <p class="eyebrow">{back}</p>
                <h1 class="page__title">{doc.name.clone()}</h1>
                <p class="muted"><TextStatus status=doc.processing_status error=doc.processing_error.clone() has_text=doc.has_text/>
                    {doc.is_deleted.then(|| view! { " " <span class="badge badge--muted">"Deleted"</span> })}</p>
            </div>
            <div class="button-row">
                <a class="button button--primary" href=format!("/documents/{id}/download") rel="external" download=doc.name.clone()>"Download"</a>
                <a class="button button--secondary" href=format!("/documents/{id}/download?inline=1") target="_blank" rel="external noopener">"View"</a>
            </div>
        </header>
        <div class="two-col">
            <div class="card">
                <h2 class="card__title">"About this document"</h2>
                <dl class="facts">
                    {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                </dl>
                {detail.content_preview.clone().map(|text| view! {
                    <h3 class="card__subtitle">"Beginning of the text"</h3>
                    <p class="prose preview" data-testid="preview">{text}</p>
                })}
            </div>
            <FilingForm detail=detail.clone() file/>
        </div>
        <Links detail=detail.clone() link unlink/>
        <Versions id=id/>
    }
}

#[component]
fn FilingForm(detail: DocumentDetail, file: ServerAction<FileDocument>) -> impl IntoView {
    let (error, done) = outcome(file.into(), "Filing saved.");
    let doc = detail.doc;
    let current_type = doc.document_type.unwrap_or(DocumentType::Other);
    let categories = tree_order(&detail.categories);
    let disabled = !detail.can_edit;
    let for_project = doc.project_id.is_some();
    view! {
        <ActionForm action=file attr:class="card form" attr:data-testid="filing-form">
            <h2 class="card__title">"Filing"</h2>
            <input type="hidden" name="document_id" value=doc.root_id.to_string()/>
            <Field label="Type" id="doc-document_type" let:f>
                <select id=f.id aria-describedby=f.described_by class="input" name="document_type" disabled=disabled>
                    {DocumentType::ALL.iter().map(|t| view! { <option value=t.as_str() selected=*t == current_type>{t.label()}</option> }).collect_view()}
                </select>
            </Field>
            <Field label="Category" id="doc-category" let:f>
                <select id=f.id aria-describedby=f.described_by class="input" name="category" disabled=disabled>
                    <option value="">"(none)"</option>
                    {categories.into_iter().filter(|(_, c)| !c.archived || detail.category_id == Some(c.id)).map(|(depth, c)| view! {
                        <option value=c.id.to_string() selected=detail.category_id == Some(c.id)>{format!("{}{}", "\u{2003}".repeat(depth), c.name)}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field label="Tags" id="doc-tags" hint="Separate tags with commas." let:f>
                <input id=f.id aria-describedby=f.described_by class="input" name="tags" value=detail.tags.join(", ") disabled=disabled placeholder="e.g. navy, zero trust, recompete"/></Field>
            <Field label="Who may see it" id="doc-access_level" let:f>
                <select id=f.id aria-describedby=f.described_by class="input" name="access_level" disabled=disabled>
                    {AccessLevel::ALL.iter().filter(|a| for_project || **a != AccessLevel::ProjectTeam).map(|a| view! {
                        <option value=a.as_str() selected=*a == doc.access_level>{access_label(*a)}</option>
                    }).collect_view()}
                </select>
            </Field>
            {detail.can_edit.then(|| view! { <div class="form__actions"><button class="button button--primary" type="submit">"Save filing"</button></div> })}
            <ErrorNote error/>
            <Notice done/>
        </ActionForm>
    }
}

#[component]
fn Links(
    detail: DocumentDetail,
    link: ServerAction<LinkDocument>,
    unlink: ServerAction<UnlinkDocument>,
) -> impl IntoView {
    let (link_error, _) = outcome(link.into(), "");
    let (unlink_error, _) = outcome(unlink.into(), "");
    let root = detail.doc.root_id.to_string();
    let can_edit = detail.can_edit;
    let kind = RwSignal::new(LinkedKind::Contact);
    let choices = StoredValue::new(detail.choices);
    view! {
        <div class="card">
            <h2 class="card__title">"Linked records"</h2>
            {detail.links.is_empty().then(|| view! { <p class="muted">"Not linked to any contact, activity, capture plan or proposal yet."</p> })}
            <ul class="list" data-testid="links">
                {detail.links.into_iter().map(|l| {
                    let (document_id, link_id) = (root.clone(), l.id);
                    view! {
                        <li class="list__item">
                            <span><span class="badge badge--muted">{l.kind.label()}</span>" "{l.label}
                                {l.role.map(|r| view! { <span class="muted">{format!(" · {}", r.as_str())}</span> })}</span>
                            {can_edit.then(|| view! {
                                <button class="button button--ghost" type="button"
                                    on:click=move |_| { unlink.dispatch(UnlinkDocument { document_id: document_id.clone(), link_id }); }>"Unlink"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ErrorNote error=unlink_error/>
            {can_edit.then(|| view! {
                <ActionForm action=link attr:class="form form--inline" attr:data-testid="link-form">
                    <input type="hidden" name="document_id" value=root.clone()/>
                    <Field label="Link to a" id="doc-kind" let:f>
                        <select id=f.id aria-describedby=f.described_by class="input" name="kind" on:change=move |ev| if let Ok(k) = event_target_value(&ev).parse() { kind.set(k) }>
                            {LinkedKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                        </select>
                    </Field>
                    <Field label="Record" id="doc-entity_id" required=true let:f>
                        <select id=f.id aria-describedby=f.described_by class="input" name="entity_id" required>
                            {move || {
                                let wanted = kind.get();
                                let options: Vec<_> = choices.with_value(|c| c.iter().filter(|c| c.kind == wanted).cloned().collect());
                                if options.is_empty() {
                                    view! { <option value="">"(none on this project)"</option> }.into_any()
                                } else {
                                    options.into_iter().map(|c| view! { <option value=c.id.to_string()>{c.label}</option> }).collect_view().into_any()
                                }
                            }}
                        </select>
                    </Field>
                    <Field label="As" id="doc-role" let:f>
                        <select id=f.id aria-describedby=f.described_by class="input" name="role">
                            <option value="">"(unspecified)"</option>
                            {LinkRole::ALL.iter().map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
                        </select>
                    </Field>
                    <button class="button button--secondary" type="submit">"Link"</button>
                </ActionForm>
                <ErrorNote error=link_error/>
            })}
        </div>
    }
}

#[component]
fn Versions(id: String) -> impl IntoView {
    let versions = Resource::new(move || id.clone(), document_versions);
    view! {
        <div class="card">
            <h2 class="card__title">"Versions"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading versions…"</p> }>
                {move || Suspend::new(async move {
                    match versions.await {
                        Ok(list) => view! {
                            <ol class="versions" data-testid="versions">
                                {list.into_iter().map(|v| view! {
                                    <li>
                                        <a href=format!("/documents/{}", v.id)>{format!("Version {} · {}", v.version_number, v.name)}</a>
                                        <span class="muted">{format!(" · {} · {} · {}", crate::format::file_size(v.file_size_bytes), format::date_time(v.created_at), v.uploaded_by_name.unwrap_or_default())}</span>
                                        {v.is_current_version.then(|| view! { " " <span class="badge badge--low">"Current"</span> })}
                                        " " <a href=format!("/documents/{}/download", v.id) rel="external" download=v.name.clone()>"Download"</a>
                                    </li>
                                }).collect_view()}
                            </ol>
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
