//! /documents: the tenant's document library. Search every document the caller may see by a word inside
//! it (ranked, with the matching passage highlighted), narrow by project, type, category, tag and date,
//! browse the category tree, and upload documents that belong to no single project.

use super::{
    DocumentType,
    filing::{ArchiveCategory, Category, CreateCategory, Library, document_library, tree_order},
    page::{Uploader, UploaderState, refresh_while_reading},
    search::{DocumentHit, DocumentQuery, PAGE_SIZE, SearchResults, search_documents},
};
use crate::{
    domain::AccessLevel,
    format,
    ui::{ErrorNote, Field, LoadError, outcome},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LibraryPage() -> impl IntoView {
    let url = use_query_map();
    let query = Memo::new(move |_| url.with(|q| DocumentQuery::from_query(|k| q.get(k))));
    let refresh = RwSignal::new(0u32);
    let create = ServerAction::<CreateCategory>::new();
    let archive = ServerAction::<ArchiveCategory>::new();
    let library =
        Resource::new(move || (refresh.get(), create.version().get(), archive.version().get()), |_| document_library());
    let results = Resource::new(move || (query.get(), refresh.get()), |(query, _)| search_documents(query));
    let uploads = UploaderState::new(AccessLevel::Public);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    refresh_while_reading(
        Signal::derive(move || {
            results.get().and_then(Result::ok).is_some_and(|r| r.hits.iter().any(|h| h.processing_status.is_waiting()))
        }),
        refresh,
    );
    view! {
        <Title text="Documents · GWM CRM"/>
        <section class="page page--wide" data-hydrated=move || hydrated.get().to_string()>
            <header class="page__header">
                <div>
                    <h1 class="page__title">"Documents"</h1>
                    <p class="muted">"Every solicitation, amendment, capture plan and proposal you may see, searched by the words inside them."</p>
                </div>
            </header>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || {
                    let uploads = uploads.clone();
                    Suspend::new(async move {
                        match library.await {
                            Err(e) => view! { <LoadError error=e/> }.into_any(),
                            Ok(library) => view! {
                                <SearchForm query=query.get_untracked() library=library.clone()/>
                                <div class="library">
                                    <div class="library__results">
                                        <Results results query/>
                                        {library.can_upload.then(|| view! {
                                            <details class="card library__upload">
                                                <summary>"Upload to the library (documents of no single project)"</summary>
                                                <Uploader project=None refresh state=uploads.clone()/>
                                            </details>
                                        })}
                                    </div>
                                    <CategoryTree library query=query.get_untracked() create archive/>
                                </div>
                            }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// A plain GET form: the search lives in the URL, so it can be shared, reloaded and used without script.
#[component]
fn SearchForm(query: DocumentQuery, library: Library) -> impl IntoView {
    let categories = tree_order(&library.categories);
    view! {
        <form class="card toolbar library__search" method="get" action="/documents" role="search">
            <Field label="Words in the document" id="library-q" class="library__words" let:f>
                <input class="input" id=f.id aria-describedby=f.described_by type="search" name="q" value=query.q.clone().unwrap_or_default()
                    placeholder="e.g. evaluation criteria, zero trust, \u{201c}past performance\u{201d}" data-testid="search-input"/>
            </Field>
            <Field label="Project" id="library-project" let:f>
                <select id=f.id aria-describedby=f.described_by class="input" name="project">
                    <option value="">"All projects"</option>
                    {library.projects.into_iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=query.project == Some(id)>{name}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field label="Type" id="library-type" let:f>
                <select id=f.id aria-describedby=f.described_by class="input" name="type">
                    <option value="">"All types"</option>
                    {DocumentType::ALL.iter().map(|t| view! { <option value=t.as_str() selected=query.document_type == Some(*t)>{t.label()}</option> }).collect_view()}
                </select>
            </Field>
            <Field label="Category" id="library-category" let:f>
                <select id=f.id aria-describedby=f.described_by class="input" name="category">
                    <option value="">"All categories"</option>
                    {categories.into_iter().map(|(depth, c)| view! {
                        <option value=c.id.to_string() selected=query.category == Some(c.id)>{format!("{}{}", "\u{2003}".repeat(depth), c.name)}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field label="Tag" id="library-tag" let:f><input class="input input--short" id=f.id aria-describedby=f.described_by type="text" name="tag" value=query.tag.clone().unwrap_or_default()/></Field>
            <Field label="Added from" id="library-from" let:f><input class="input" id=f.id aria-describedby=f.described_by type="date" name="from" value=query.from.map(|d| d.to_string()).unwrap_or_default()/></Field>
            <Field label="Added to" id="library-to" let:f><input class="input" id=f.id aria-describedby=f.described_by type="date" name="to" value=query.to.map(|d| d.to_string()).unwrap_or_default()/></Field>
            <div class="button-row">
                <button class="button button--primary" type="submit">"Search"</button>
                <a class="button button--ghost" href="/documents">"Clear"</a>
            </div>
        </form>
    }
}

#[component]
fn Results(
    results: Resource<Result<SearchResults, crate::error::AppError>>,
    query: Memo<DocumentQuery>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="muted" role="status">"Searching…"</p> }>
            {move || Suspend::new(async move {
                let query = query.get_untracked();
                match results.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(found) => {
                        let pages = (found.total + PAGE_SIZE - 1) / PAGE_SIZE;
                        let summary = match (found.total, query.q.is_some()) {
                            (0, true) => "No document you may see contains those words. Try fewer or different words.".to_string(),
                            (0, false) => "No documents match these filters.".to_string(),
                            (n, true) => format!("{} found, best match first", format::count(n, "document", "documents")),
                            (n, false) => format!("{}, newest first", format::count(n, "document", "documents")),
                        };
                        view! {
                            <p class="toolbar__count muted" role="status" data-testid="result-count">{summary}</p>
                            <ol class="hits" data-testid="search-results">
                                {found.hits.into_iter().map(|hit| view! { <HitView hit/> }).collect_view()}
                            </ol>
                            {(pages > 1).then(|| view! {
                                <nav class="pager" aria-label="Pages">
                                    {(query.page > 0).then(|| view! { <a class="button button--ghost" href=format!("/documents?{}", query.to_query(query.page - 1))>"Previous"</a> })}
                                    <span class="muted">{format!("Page {} of {pages}", query.page + 1)}</span>
                                    {(query.page + 1 < pages).then(|| view! { <a class="button button--ghost" href=format!("/documents?{}", query.to_query(query.page + 1))>"Next"</a> })}
                                </nav>
                            })}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn HitView(hit: DocumentHit) -> impl IntoView {
    let mut facts: Vec<String> = Vec::new();
    facts.push(hit.document_type.map(|t| t.label()).unwrap_or("Document").to_string());
    if let Some(c) = &hit.category_name {
        facts.push(c.clone());
    }
    facts.push(crate::format::file_size(hit.file_size_bytes));
    if let Some(p) = hit.page_count.filter(|p| *p > 0) {
        facts.push(format::count(p.into(), "page", "pages"));
    }
    if hit.version_number > 1 {
        facts.push(format!("version {}", hit.version_number));
    }
    facts.push(format!("added {}", format::date(hit.created_at)));
    view! {
        <li class="hit card" data-testid="search-hit">
            <div class="hit__top">
                <a class="hit__name" href=format!("/documents/{}", hit.id)>{hit.name.clone()}</a>
                {match (hit.project_id, hit.project_name) {
                    (Some(id), Some(name)) => view! { <a class="hit__project muted" href=format!("/projects/{id}/documents")>{name}</a> }.into_any(),
                    _ => view! { <span class="hit__project muted">"Library"</span> }.into_any(),
                }}
            </div>
            <p class="hit__facts muted">{facts.join(" · ")}
                {hit.processing_status.is_waiting().then(|| view! { " · " <span class="status status--waiting">"reading text…"</span> })}
            </p>
            {(!hit.snippet.is_empty()).then(|| view! {
                <p class="hit__snippet" data-testid="snippet">
                    {hit.snippet.into_iter().map(|part| if part.hit {
                        view! { <mark>{part.text}</mark> }.into_any()
                    } else {
                        part.text.into_any()
                    }).collect_view()}
                </p>
            })}
            {(!hit.tags.is_empty()).then(|| view! {
                <div class="chips">{hit.tags.into_iter().map(|t| {
                    let href = format!("/documents?tag={}", crate::format::url_encode(&t));
                    view! { <a class="chip" href=href>{t}</a> }
                }).collect_view()}</div>
            })}
        </li>
    }
}

/// The category tree with counts; each category filters the results. Document managers add categories
/// and archive them here.
#[component]
fn CategoryTree(
    library: Library,
    query: DocumentQuery,
    create: ServerAction<CreateCategory>,
    archive: ServerAction<ArchiveCategory>,
) -> impl IntoView {
    let (create_err, create_ok) = outcome(create.into(), "Category added.");
    let (archive_err, _) = outcome(archive.into(), "");
    let ordered = tree_order(&library.categories);
    let choices: Vec<(usize, Category)> = ordered.iter().filter(|(_, c)| !c.archived).cloned().collect();
    let can_manage = library.can_manage;
    // A category added empties the form for the next one.
    let new_category = NodeRef::<leptos::html::Form>::new();
    let added = create.value();
    Effect::new(move |_| {
        if added.get().is_some_and(|r| r.is_ok())
            && let Some(form) = new_category.get()
        {
            form.reset();
        }
    });
    view! {
        <aside class="card library__categories" aria-label="Categories">
            <h2 class="card__title">"Categories"</h2>
            {ordered.is_empty().then(|| view! { <p class="muted">"No categories yet."</p> })}
            <ul class="category-tree" data-testid="categories">
                {ordered.into_iter().filter(|(_, c)| can_manage || !c.archived).map(|(depth, c)| {
                    let current = query.category == Some(c.id);
                    let href = format!("/documents?{}", DocumentQuery { category: Some(c.id), page: 0, ..query.clone() }.to_query(0));
                    let id = c.id;
                    view! {
                        <li class="category-tree__item" data-depth=depth.min(4).to_string()>
                            <a href=href aria-current=current.then_some("true") class=if c.archived { "muted" } else { "" }>{c.name.clone()}</a>
                            <span class="muted">{format!(" {}", c.document_count)}</span>
                            {c.archived.then(|| view! { " " <span class="badge badge--muted">"Archived"</span> })}
                            {can_manage.then(|| {
                                let archived = c.archived;
                                view! {
                                    <button class="button button--ghost button--small" type="button"
                                        on:click=move |_| { archive.dispatch(ArchiveCategory { category_id: id, archived: !archived }); }>
                                        {if archived { "Restore" } else { "Archive" }}
                                    </button>
                                }
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ErrorNote error=archive_err/>
            {can_manage.then(|| view! {
                <ActionForm action=create node_ref=new_category attr:class="form library__new-category">
                    <h3 class="card__subtitle">"New category"</h3>
                    <Field label="Name" id="library-name" required=true let:f><input class="input" id=f.id aria-describedby=f.described_by name="name" required maxlength="100"/></Field>
                    <Field label="Under" id="library-parent" let:f>
                        <select id=f.id aria-describedby=f.described_by class="input" name="parent">
                            <option value="">"(top level)"</option>
                            {choices.into_iter().map(|(depth, c)| view! {
                                <option value=c.id.to_string()>{format!("{}{}", "\u{2003}".repeat(depth), c.name)}</option>
                            }).collect_view()}
                        </select>
                    </Field>
                    <button class="button button--secondary" type="submit">"Add category"</button>
                    <ErrorNote error=create_err/>
                    {move || create_ok.get().map(|m| view! { <p class="form-ok" role="status">{m}</p> })}
                </ActionForm>
            })}
        </aside>
    }
}
