//! /projects/:id/documents: the project's documents. Files are dropped or chosen (several at once), each
//! uploads with its own progress bar and can be cancelled; a document's versions open under its row; people
//! who may delete see deleted documents on request and restore them.

use super::{
    DeleteDocument, DocumentRow, DocumentType, ProcessingStatus, RestoreDocument, document_versions, project_documents,
};
use crate::{
    domain::AccessLevel,
    format,
    ui::{ErrorNote, Field, LoadError, outcome},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Where an upload stands (uploads happen in the browser: the server only renders the empty list).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum UploadState {
    Sending,
    Done,
    Failed(String),
    Cancelled,
}

/// One file being uploaded (or just uploaded) from this page.
#[derive(Clone, Copy)]
struct UploadEntry {
    key: u32,
    name: StoredValue<String>,
    size: f64,
    /// 0.0 ..= 1.0
    progress: RwSignal<f64>,
    state: RwSignal<UploadState>,
    #[cfg(feature = "hydrate")]
    request: StoredValue<Option<web_sys::XmlHttpRequest>, LocalStorage>,
}

impl UploadEntry {
    fn cancel(&self) {
        #[cfg(feature = "hydrate")]
        self.request.with_value(|r| {
            if let Some(r) = r {
                let _ = r.abort();
            }
        });
    }
}

#[component]
pub fn ProjectDocumentsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let show_deleted = RwSignal::new(false);
    let delete = ServerAction::<DeleteDocument>::new();
    let restore = ServerAction::<RestoreDocument>::new();
    let listing = Resource::new(
        move || (id(), refresh.get(), show_deleted.get(), delete.version().get(), restore.version().get()),
        |(id, _, deleted, ..)| async move { project_documents(id.parse()?, deleted).await },
    );
    let (delete_err, _) = outcome(delete.into(), "");
    let (restore_err, _) = outcome(restore.into(), "");
    // Above the list's Suspense: reloading the list after an upload must not forget the uploads shown.
    let uploads = UploaderState::new(AccessLevel::ProjectTeam);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    refresh_while_reading(
        Signal::derive(move || {
            listing
                .get()
                .and_then(Result::ok)
                .is_some_and(|page| page.documents.iter().any(|d| d.processing_status.is_waiting()))
        }),
        refresh,
    );
    view! {
        <Title text="Documents · GWM CRM"/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            // A transition, not a suspense: the list refreshes in place while text is being read.
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let uploads = uploads.clone();
                    Suspend::new(async move {
                    match listing.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(page) => {
                            let project = id();
                            view! {
                                <header class="page__header">
                                    <div>
                                        <p class="eyebrow"><a href=format!("/projects/{project}")>{page.project_name.clone()}</a></p>
                                        <h1 class="page__title">"Documents"</h1>
                                    </div>
                                    {page.can_delete.then(|| view! {
                                        <label class="checkbox">
                                            <input type="checkbox" prop:checked=move || show_deleted.get()
                                                on:change=move |ev| show_deleted.set(event_target_checked(&ev))/>
                                            " Show deleted documents"
                                        </label>
                                    })}
                                </header>
                                <nav class="tabs" aria-label="Project sections">
                                    <a class="tabs__tab" href=format!("/projects/{project}")>"Overview"</a>
                                    <span class="tabs__tab tabs__tab--current" aria-current="page">"Documents"</span>
                                    <a class="tabs__tab" href=format!("/projects/{project}/contacts")>"Contacts"</a>
                                </nav>
                                <ErrorNote error=delete_err/>
                                <ErrorNote error=restore_err/>
                                {(page.can_upload && !page.archived).then(|| view! { <Uploader project=Some(project.clone()) refresh state=uploads.clone()/> })}
                                <DocumentTable documents=page.documents actions=RowActions { can_upload: page.can_upload && !page.archived, can_delete: page.can_delete, project, refresh, delete, restore }/>
                            }.into_any()
                        }
                    }
                    })
                }}
            </Transition>
        </section>
    }
}

/// What the uploader shows and was set to, kept by the page.
#[derive(Clone)]
pub(super) struct UploaderState {
    /// The page's reactive owner: uploads outlive the list (and the uploader) being re-rendered.
    owner: Owner,
    entries: RwSignal<Vec<UploadEntry>>,
    document_type: RwSignal<DocumentType>,
    access: RwSignal<AccessLevel>,
}

impl UploaderState {
    /// Made in the page's component, above anything that re-renders.
    pub(super) fn new(access: AccessLevel) -> UploaderState {
        UploaderState {
            owner: Owner::current().unwrap_or_default(),
            entries: RwSignal::new(Vec::new()),
            document_type: RwSignal::new(DocumentType::Other),
            access: RwSignal::new(access),
        }
    }
}

/// The drop zone and file picker, the filing choices, and the uploads in progress.
/// Uploads go to `project`, or to the tenant's library when it is None.
#[component]
pub(super) fn Uploader(project: Option<String>, refresh: RwSignal<u32>, state: UploaderState) -> impl IntoView {
    let for_project = project.is_some();
    let UploaderState { owner, entries, document_type, access } = state;
    #[cfg(not(feature = "hydrate"))]
    let _ = owner;
    #[cfg(feature = "hydrate")]
    let owner = StoredValue::new(owner);
    let over = RwSignal::new(false);
    #[cfg(not(feature = "hydrate"))]
    let _ = (project, refresh);
    #[cfg(feature = "hydrate")]
    let project = StoredValue::new(project);
    #[cfg(feature = "hydrate")]
    let send = move |files: web_sys::FileList| {
        for i in 0..files.length() {
            if let Some(file) = files.get(i) {
                let place = project.with_value(|p| p.as_ref().map(|p| format!("project={p}&")).unwrap_or_default());
                let query = format!(
                    "{place}type={}&access={}",
                    document_type.get_untracked().as_str(),
                    access.get_untracked().as_str()
                );
                let key = entries.with_untracked(Vec::len) as u32;
                let entry = owner.with_value(|owner| owner.with(|| xhr::start(&query, file, refresh, key)));
                entries.update(|list| list.insert(0, entry));
            }
        }
    };
    view! {
        <div class=move || if over.get() { "card dropzone dropzone--over" } else { "card dropzone" } data-testid="dropzone"
            on:dragover=move |ev| { ev.prevent_default(); over.set(true); }
            on:dragleave=move |_| over.set(false)
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                over.set(false);
                #[cfg(feature = "hydrate")]
                if let Some(files) = ev.data_transfer().and_then(|d| d.files()) { send(files); }
            }>
            <div class="dropzone__choices">
                <Field label="Type" id="upload-type" let:f>
                    <select id=f.id aria-describedby=f.described_by class="input" on:change=move |ev| if let Ok(t) = event_target_value(&ev).parse() { document_type.set(t) }>
                        {DocumentType::ALL.iter().map(|t| view! { <option value=t.as_str() selected=*t == document_type.get_untracked()>{t.label()}</option> }).collect_view()}
                    </select>
                </Field>
                <Field label="Who may see it" id="upload-who-may-see-it" let:f>
                    <select id=f.id aria-describedby=f.described_by class="input" on:change=move |ev| if let Ok(a) = event_target_value(&ev).parse() { access.set(a) }>
                        {AccessLevel::ALL.iter().filter(|a| for_project || **a != AccessLevel::ProjectTeam)
                            .map(|a| view! { <option value=a.as_str() selected=*a == access.get_untracked()>{access_label(*a)}</option> }).collect_view()}
                    </select>
                </Field>
            </div>
            <p class="dropzone__hint">"Drop files here, or "
                <label class="link">"choose files"
                    <input class="sr-only" type="file" multiple data-testid="file-input"
                        on:change=move |ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                use wasm_bindgen::JsCast;
                                if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                    if let Some(files) = input.files() { send(files); }
                                    input.set_value("");
                                }
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = ev;
                        }/>
                </label>
                ". PDF, Word, Excel, PowerPoint, CSV, text, Markdown and images."
            </p>
            <ul class="uploads" aria-live="polite">
                <For each=move || entries.get() key=|e| e.key let:entry>
                    <UploadRow entry/>
                </For>
            </ul>
        </div>
    }
}

#[component]
fn UploadRow(entry: UploadEntry) -> impl IntoView {
    let percent = move || (entry.progress.get() * 100.0).round() as u32;
    view! {
        <li class="upload" data-testid="upload">
            <div class="upload__top">
                <span class="upload__name">{entry.name.get_value()}</span>
                <span class="muted">{crate::format::file_size(entry.size as i64)}</span>
                {move || match entry.state.get() {
                    UploadState::Sending => view! {
                        <button class="button button--ghost" type="button" on:click=move |_| entry.cancel()>"Cancel"</button>
                    }.into_any(),
                    UploadState::Done => view! { <span class="badge badge--low" data-testid="upload-done">"Uploaded"</span> }.into_any(),
                    UploadState::Cancelled => view! { <span class="badge badge--muted">"Cancelled"</span> }.into_any(),
                    UploadState::Failed(_) => view! { <span class="badge badge--critical">"Failed"</span> }.into_any(),
                }}
            </div>
            // A failed or cancelled upload shows its outcome, not a bar that looks finished.
            {move || matches!(entry.state.get(), UploadState::Sending | UploadState::Done).then(|| view! {
                <progress class="upload__bar" max="100" value=move || percent().to_string() aria-label=move || format!("{} uploaded: {}%", entry.name.get_value(), percent())></progress>
            })}
            {move || match entry.state.get() {
                UploadState::Failed(message) => Some(view! { <p class="form-error" role="alert">{message}</p> }),
                _ => None,
            }}
        </li>
    }
}

pub(super) fn access_label(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::Public => "Everyone in the organization",
        AccessLevel::ProjectTeam => "The project team",
        AccessLevel::Restricted => "Capture and proposal managers",
        AccessLevel::Confidential => "Only me and document managers",
    }
}

/// While `waiting` holds (some document's text is still being read), moves `refresh` on every 2 seconds.
pub(super) fn refresh_while_reading(waiting: Signal<bool>, refresh: RwSignal<u32>) {
    Effect::new(move |_| {
        if waiting.get() {
            set_timeout(move || refresh.try_update(|n| *n += 1).unwrap_or_default(), std::time::Duration::from_secs(2));
        }
    });
}

/// Whether a document's text can be searched, in a few words.
#[component]
pub(super) fn TextStatus(status: ProcessingStatus, error: Option<String>, has_text: bool) -> impl IntoView {
    match status {
        ProcessingStatus::Ready if !has_text => view! {
            <span class="status status--muted" data-testid="text-status"
                title="A scanned image or an empty file: search finds it by its name and tags only">
                "No text found to search"
            </span>
        }
        .into_any(),
        ProcessingStatus::Pending | ProcessingStatus::Processing => {
            view! { <span class="status status--waiting" data-testid="text-status">"Reading text for search…"</span> }
                .into_any()
        }
        ProcessingStatus::Ready => {
            view! { <span class="status status--ready" data-testid="text-status">"Searchable"</span> }.into_any()
        }
        ProcessingStatus::Error => {
            let reason = error.unwrap_or_else(|| "The text could not be read.".into());
            view! {
                <span class="status status--error" data-testid="text-status" title=reason.clone()>{format!("Not searchable by content. {reason}")}</span>
            }
            .into_any()
        }
    }
}

/// What a document row may offer, and what it acts with.
#[derive(Clone)]
struct RowActions {
    can_upload: bool,
    can_delete: bool,
    project: String,
    refresh: RwSignal<u32>,
    delete: ServerAction<DeleteDocument>,
    restore: ServerAction<RestoreDocument>,
}

#[component]
fn DocumentTable(documents: Vec<DocumentRow>, actions: RowActions) -> impl IntoView {
    if documents.is_empty() {
        return view! { <p class="muted card" data-testid="no-documents">"No documents yet. Solicitations, amendments, Q&A responses and drafts belong here."</p> }.into_any();
    }
    view! {
        <div class="table-wrap card">
            <table class="table" data-testid="documents">
                <thead><tr>
                    <th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Version"</th><th scope="col">"Size"</th>
                    <th scope="col">"Who may see it"</th><th scope="col">"Uploaded"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {documents.into_iter().map(|doc| view! { <DocumentRowView doc actions=actions.clone()/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DocumentRowView(doc: DocumentRow, actions: RowActions) -> impl IntoView {
    let RowActions { can_upload, can_delete, project, refresh, delete, restore } = actions;
    let open = RwSignal::new(false);
    let versions = Resource::new(
        move || (open.get(), doc.id),
        |(open, id)| async move { if open { Some(document_versions(id.to_string()).await) } else { None } },
    );
    let id = doc.id.to_string();
    let new_version = RwSignal::new(None::<UploadEntry>);
    let (root, doc_type, access) = (doc.root_id, doc.document_type.unwrap_or(DocumentType::Other), doc.access_level);
    #[cfg(not(feature = "hydrate"))]
    let _ = (root, doc_type, access, &project, refresh);
    view! {
        <tr class=if doc.is_deleted { "row--deleted" } else { "" } data-document=id.clone()>
            <td>
                <a href=format!("/documents/{id}/download") rel="external" download=doc.name.clone() data-testid="document-link">{doc.name.clone()}</a>
                {doc.is_deleted.then(|| view! { <span class="badge badge--muted">"Deleted"</span> })}
                <div class="cell-sub"><TextStatus status=doc.processing_status error=doc.processing_error.clone() has_text=doc.has_text/></div>
            </td>
            <td>{doc.document_type.map(|t| t.label()).unwrap_or("—")}</td>
            <td>
                <button class="button button--ghost" type="button" aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)>{format!("v{}", doc.version_number)}</button>
            </td>
            <td>{crate::format::file_size(doc.file_size_bytes)}</td>
            <td>{access_label(doc.access_level)}</td>
            <td>{format::date_time(doc.created_at)}<div class="cell-sub">{doc.uploaded_by_name.clone().unwrap_or_default()}</div></td>
            <td class="cell-actions">
                <a class="button button--ghost" href=format!("/documents/{id}") aria-label=format!("Details of {}", doc.name)>"Details"</a>
                <a class="button button--ghost" href=format!("/documents/{id}/download?inline=1") target="_blank" rel="external noopener">"View"</a>
                {(can_upload && !doc.is_deleted).then(|| view! {
                    <label class="button button--ghost">"New version"
                        <input class="sr-only" type="file" aria-label=format!("Upload a new version of {}", doc.name)
                            on:change=move |ev| {
                                #[cfg(feature = "hydrate")]
                                {
                                    use wasm_bindgen::JsCast;
                                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                        if let Some(file) = input.files().and_then(|f| f.get(0)) {
                                            let query = format!("project={project}&type={}&access={}&replaces={root}", doc_type.as_str(), access.as_str());
                                            new_version.set(Some(xhr::start(&query, file, refresh, 0)));
                                        }
                                        input.set_value("");
                                    }
                                }
                                #[cfg(not(feature = "hydrate"))]
                                let _ = ev;
                            }/>
                    </label>
                })}
                {can_delete.then(|| if doc.is_deleted {
                    view! { <button class="button button--ghost" type="button" on:click=move |_| { restore.dispatch(RestoreDocument { document_id: doc.id.to_string() }); }>"Restore"</button> }.into_any()
                } else {
                    view! { <button class="button button--ghost" type="button" on:click=move |_| { delete.dispatch(DeleteDocument { document_id: doc.id.to_string() }); }>"Delete"</button> }.into_any()
                })}
            </td>
        </tr>
        {move || new_version.get().map(|entry| view! { <tr><td colspan="7"><ul class="uploads"><UploadRow entry/></ul></td></tr> })}
        {move || open.get().then(|| view! {
            <tr class="versions-row"><td colspan="7">
                <Suspense fallback=|| view! { <p class="muted">"Loading versions…"</p> }>
                    {move || Suspend::new(async move {
                        match versions.await {
                            Some(Ok(list)) => view! {
                                <ol class="versions" data-testid="versions">
                                    {list.into_iter().map(|v| view! {
                                        <li>
                                            <a href=format!("/documents/{}/download", v.id) rel="external" download=v.name.clone()>{format!("Version {} · {}", v.version_number, v.name)}</a>
                                            <span class="muted">{format!(" · {} · {} · {}", crate::format::file_size(v.file_size_bytes), format::date_time(v.created_at), v.uploaded_by_name.unwrap_or_default())}</span>
                                            {v.is_current_version.then(|| view! { " " <span class="badge badge--low">"Current"</span> })}
                                        </li>
                                    }).collect_view()}
                                </ol>
                            }.into_any(),
                            Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                            None => ().into_any(),
                        }
                    })}
                </Suspense>
            </td></tr>
        })}
    }
}

/// Uploads through the UI kit's XMLHttpRequest sender (with progress).
#[cfg(feature = "hydrate")]
mod xhr {
    use super::{UploadEntry, UploadState};
    use leptos::prelude::*;
    use web_sys::File;

    /// Starts uploading `file` with the filing in `query`; the entry follows its progress and outcome, and
    /// `refresh` moves on when it is stored.
    pub fn start(query: &str, file: File, refresh: RwSignal<u32>, key: u32) -> UploadEntry {
        let name = file.name();
        let entry = UploadEntry {
            key,
            name: StoredValue::new(name.clone()),
            size: file.size(),
            progress: RwSignal::new(0.0),
            state: RwSignal::new(UploadState::Sending),
            request: StoredValue::new_local(None),
        };
        let url = format!("/documents/upload?{query}&name={}", crate::format::url_encode(&name));
        // The row that started an upload may be gone when it ends (the list reloaded): try_ setters.
        let request = crate::ui::upload::send(
            &url,
            &file,
            entry.progress,
            move |answer| match answer {
                Ok(_) => {
                    entry.state.try_set(UploadState::Done);
                    refresh.try_update(|n| *n += 1);
                }
                Err(message) => {
                    entry.state.try_set(UploadState::Failed(message));
                }
            },
            move || {
                entry.state.try_set(UploadState::Cancelled);
            },
        );
        entry.request.set_value(request);
        entry
    }
}
