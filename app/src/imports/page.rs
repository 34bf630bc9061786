//! /contacts/import, /organizations/import and /projects/import (choose a file, see the recent imports) and /imports/:id (map
//! the columns and preview the first rows, then follow the import and read what was rejected).

use super::{
    DiscardImport, ImportDetail, ImportKind, ImportMode, ImportStatus, ImportSummary, PreviewRow, StartImport,
    TextEncoding, load_import, mapping_to_text, recent_imports,
};
use crate::{
    format,
    ui::{ErrorNote, Field, PageOf},
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn status_badge(status: ImportStatus) -> impl IntoView {
    let class = match status {
        ImportStatus::Done => "badge badge--ok",
        ImportStatus::Failed => "badge badge--danger",
        ImportStatus::Queued | ImportStatus::Running => "badge badge--medium",
        ImportStatus::Uploaded | ImportStatus::Discarded => "badge badge--muted",
    };
    view! { <span class=class data-testid="import-status">{status.label()}</span> }
}

/// "1,234"
fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[component]
pub fn ImportStartPage(kind: ImportKind) -> impl IntoView {
    let recent = Resource::new(move || kind, recent_imports);
    view! {
        <PageOf title="Import" data=recent show=move |list| view! { <ImportStart kind list/> }/>
    }
}

#[component]
fn ImportStart(kind: ImportKind, list: Vec<ImportSummary>) -> impl IntoView {
    let progress = RwSignal::new(None::<f64>);
    let error = RwSignal::new(None::<String>);
    let over = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    let send = move |files: web_sys::FileList| {
        let Some(file) = files.get(0) else { return };
        error.set(None);
        progress.set(Some(0.0));
        let bar = RwSignal::new(0.0);
        Effect::new(move |_| progress.set(Some(bar.get())));
        let url = format!("/imports/upload?kind={kind}&name={}", format::url_encode(&file.name()));
        crate::ui::upload::send(
            &url,
            &file,
            bar,
            move |answer| match answer {
                Ok(body) => match serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_string))
                {
                    Some(id) => {
                        let navigate = leptos_router::hooks::use_navigate();
                        navigate(&format!("/imports/{id}"), Default::default());
                    }
                    None => {
                        progress.try_set(None);
                        error.try_set(Some("The server's answer could not be read; reload the page.".into()));
                    }
                },
                Err(message) => {
                    progress.try_set(None);
                    error.try_set(Some(message));
                }
            },
            move || {
                progress.try_set(None);
            },
        );
    };
    let fields: Vec<&'static str> = kind.fields().iter().map(|f| f.label).collect();
    let (title, noun) = match kind {
        ImportKind::Contacts => ("Import contacts", "people"),
        ImportKind::Organizations => ("Import organizations", "organizations"),
        ImportKind::Projects => ("Import projects", "pursuits"),
    };
    view! {
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href=kind.list_href()>{format::capitalised(kind.label_plural())}</a></p>
                <h1 class="page__title">{title}</h1>
                <p class="muted">{format!(
                    "Upload a CSV file of {noun} with a heading row (up to 100,000 rows). You choose what each column is next, \
                     and see the first rows checked before anything is imported."
                )}</p>
            </div>
        </header>
        <div class=move || if over.get() { "card dropzone dropzone--over" } else { "card dropzone" } data-testid="import-dropzone"
            on:dragover=move |ev| { ev.prevent_default(); over.set(true); }
            on:dragleave=move |_| over.set(false)
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                over.set(false);
                #[cfg(feature = "hydrate")]
                if let Some(files) = ev.data_transfer().and_then(|d| d.files()) { send(files); }
            }>
            <p class="dropzone__hint">"Drop a CSV file here, or "
                <label class="link">"choose a file"
                    <input class="sr-only" type="file" accept=".csv,text/csv,.txt" data-testid="import-file"
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
                ". UTF-8 (with or without a byte-order mark) or Windows-1252, as Excel saves it."
            </p>
            {move || progress.get().map(|p| {
                let percent = (p * 100.0).round() as u32;
                view! {
                    <progress class="upload__bar" max="100" value=percent.to_string()
                        aria-label=format!("File uploaded: {percent}%")></progress>
                }
            })}
            <ErrorNote error=error.into() test_id="import-upload-error"/>
        </div>
        <section class="card" aria-labelledby="import-fields-heading">
            <h2 class="card__title" id="import-fields-heading">"Columns it understands"</h2>
            <p class="muted">{fields.join(" · ")}</p>
            <p class="muted">"Columns are matched by their headings (\u{201c}E-mail Address\u{201d}, \u{201c}Company\u{201d}, \u{201c}Job Title\u{201d} …) and by how you mapped the same headings before; other columns can be left out."</p>
        </section>
        <section class="card" aria-labelledby="recent-imports-heading">
            <h2 class="card__title" id="recent-imports-heading">"Recent imports"</h2>
            {if list.is_empty() {
                view! { <p class="muted">"No imports yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table class="table" data-testid="recent-imports">
                        <thead><tr><th scope="col">"File"</th><th scope="col">"Status"</th><th scope="col">"Imported"</th>
                            <th scope="col">"Rejected"</th><th scope="col">"By"</th><th scope="col">"When"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|i| view! {
                                <tr>
                                    <td><a href=format!("/imports/{}", i.id)>{i.file_name.clone()}</a></td>
                                    <td>{status_badge(i.status)}</td>
                                    <td>{thousands(i.rows_imported.into())}</td>
                                    <td>{thousands(i.rows_rejected.into())}</td>
                                    <td>{i.created_by.clone()}</td>
                                    <td>{format::date_time(i.created_at)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn ImportJobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    // The page's own choices, before the import starts (None: what the server suggests or stored).
    let mapping = RwSignal::new(None::<String>);
    let encoding = RwSignal::new(None::<String>);
    let refresh = RwSignal::new(0u32);
    let start = ServerAction::<StartImport>::new();
    let discard = ServerAction::<DiscardImport>::new();
    let detail = Resource::new(
        move || (id(), mapping.get(), encoding.get(), refresh.get(), start.version().get(), discard.version().get()),
        |(id, mapping, encoding, ..)| async move { load_import(id.parse()?, mapping, encoding).await },
    );
    // While it runs, the page follows it.
    Effect::new(move |_| {
        let working = detail.get().and_then(Result::ok).is_some_and(|d| d.summary.status.is_working());
        if working {
            set_timeout(move || refresh.try_update(|n| *n += 1).unwrap_or_default(), std::time::Duration::from_secs(1));
        }
    });
    view! {
        <PageOf title="Import" data=detail show=move |d| view! { <ImportView detail=d mapping encoding start discard/> }/>
    }
}

#[component]
fn ImportView(
    detail: ImportDetail,
    mapping: RwSignal<Option<String>>,
    encoding: RwSignal<Option<String>>,
    start: ServerAction<StartImport>,
    discard: ServerAction<DiscardImport>,
) -> impl IntoView {
    let s = detail.summary.clone();
    let kind = s.kind;
    view! {
        <header class="page__header">
            <div>
                <p class="eyebrow"><a href=format!("{}/import", kind.list_href())>{format!("Import {}", kind.label_plural())}</a></p>
                <h1 class="page__title">{s.file_name.clone()}</h1>
                <p class="muted">{format!("{} · uploaded by {} on {}", crate::format::file_size(s.file_size_bytes), s.created_by, format::date_time(s.created_at))}</p>
            </div>
            {status_badge(s.status)}
        </header>
        {match s.status {
            ImportStatus::Uploaded => view! { <MappingForm detail mapping encoding start discard/> }.into_any(),
            ImportStatus::Discarded => view! {
                <p class="callout" role="note">"This upload was discarded; nothing was imported. "
                    <a href=format!("{}/import", kind.list_href())>"Import a file"</a></p>
            }.into_any(),
            _ => view! { <Outcome detail/> }.into_any(),
        }}
    }
}

#[component]
fn MappingForm(
    detail: ImportDetail,
    mapping: RwSignal<Option<String>>,
    encoding: RwSignal<Option<String>>,
    start: ServerAction<StartImport>,
    discard: ServerAction<DiscardImport>,
) -> impl IntoView {
    let ImportDetail {
        summary, encoding: current_encoding, headings, mapping: current, mapping_problems, preview, ..
    } = detail;
    let kind = summary.kind;
    let id = summary.id;
    let mode = RwSignal::new(ImportMode::ValidOnly);
    let current = StoredValue::new(current);
    let choose = move |column: usize, field: String| {
        let mut next = current.get_value();
        if let Some(slot) = next.get_mut(column) {
            *slot = (!field.is_empty()).then_some(field);
        }
        mapping.set(Some(mapping_to_text(&next)));
    };
    let start_error = Signal::derive(move || start.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let discard_error = Signal::derive(move || discard.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let problems_count = preview.iter().filter(|r| !r.problems.is_empty()).count();
    let previewed = preview.len();
    let ready = mapping_problems.is_empty();
    let first_row: Vec<String> = preview.first().map(|r| r.cells.clone()).unwrap_or_default();
    let mapped: Vec<usize> =
        (0..headings.len()).filter(|i| current.with_value(|m| m.get(*i).is_some_and(Option::is_some))).collect();
    let shown_headings: Vec<String> = mapped.iter().map(|i| headings[*i].clone()).collect();
    view! {
        <section class="card" aria-labelledby="mapping-heading">
            <h2 class="card__title" id="mapping-heading">"1. What each column is"</h2>
            <Field label="The file's characters" id="import-encoding" let:f>
                <select id=f.id aria-describedby=f.described_by class="input" data-testid="import-encoding"
                    on:change=move |ev| encoding.set(Some(event_target_value(&ev)))>
                    {TextEncoding::ALL.iter().map(|e| view! {
                        <option value=e.as_str() selected=*e == current_encoding>{e.label()}</option>
                    }).collect_view()}
                </select>
            </Field>
            <div class="table-wrap"><table class="table" data-testid="import-mapping">
                <thead><tr><th scope="col">"Column in the file"</th><th scope="col">"Imported as"</th><th scope="col">"First row's value"</th></tr></thead>
                <tbody>
                    {headings.iter().enumerate().map(|(i, heading)| {
                        let chosen = current.with_value(|m| m.get(i).cloned().flatten()).unwrap_or_default();
                        let label = if heading.is_empty() { format!("Column {}", i + 1) } else { heading.clone() };
                        let select_id = format!("import-column-{i}");
                        view! {
                            <tr>
                                <th scope="row"><label for=select_id.clone()>{label}</label></th>
                                <td>
                                    <select id=select_id class="input" data-testid="import-column"
                                        on:change=move |ev| choose(i, event_target_value(&ev))>
                                        <option value="" selected=chosen.is_empty()>"Not imported"</option>
                                        {kind.fields().iter().map(|f| view! {
                                            <option value=f.key selected=f.key == chosen>{f.label}</option>
                                        }).collect_view()}
                                    </select>
                                </td>
                                <td class="cell-sub">{first_row.get(i).cloned().unwrap_or_default()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
            {(!ready).then(|| view! {
                <div class="form-error" role="alert" data-testid="mapping-problems">
                    <p>"Before importing:"</p>
                    <ul>{mapping_problems.iter().map(|p| view! { <li>{format::capitalised(p)}</li> }).collect_view()}</ul>
                </div>
            })}
        </section>
        {ready.then(|| view! {
            <section class="card" aria-labelledby="preview-heading">
                <h2 class="card__title" id="preview-heading">"2. The first rows, checked"</h2>
                <p class="muted" data-testid="preview-summary">{if previewed == 0 {
                    "The file has no rows after its headings.".to_string()
                } else if problems_count == 0 {
                    format!("All of the first {previewed} rows would import.")
                } else {
                    format!("{} of the first {previewed} rows would import; {problems_count} {} problems, named below by row and column.",
                        previewed - problems_count, if problems_count == 1 { "has" } else { "have" })
                }}</p>
                <div class="table-wrap"><table class="table" data-testid="import-preview">
                    <thead><tr>
                        <th scope="col">"Row"</th>
                        {shown_headings.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}
                        <th scope="col">"Problems"</th>
                    </tr></thead>
                    <tbody>
                        {preview.into_iter().map(|row| view! { <PreviewLine row mapped=mapped.clone() headings=headings.clone()/> }).collect_view()}
                    </tbody>
                </table></div>
            </section>
            <section class="card" aria-labelledby="start-heading">
                <h2 class="card__title" id="start-heading">"3. Import"</h2>
                <fieldset class="fieldset">
                    <legend>"When some rows have problems"</legend>
                    <label class="radio">
                        <input type="radio" name="mode" value="valid_only" checked=true data-testid="mode-valid-only"
                            on:change=move |_| mode.set(ImportMode::ValidOnly)/>
                        " Import the valid rows, and give me a file of the rejected ones with their reasons"
                    </label>
                    <label class="radio">
                        <input type="radio" name="mode" value="all_or_nothing" data-testid="mode-all-or-nothing"
                            on:change=move |_| mode.set(ImportMode::AllOrNothing)/>
                        " Import nothing unless every row is valid"
                    </label>
                </fieldset>
                <ErrorNote error=start_error test_id="import-start-error"/>
                <ErrorNote error=discard_error/>
                <div class="button-row">
                    <button class="button button--primary" data-testid="import-start" disabled=move || start.pending().get()
                        on:click=move |_| {
                            let mapping = mapping.get_untracked().unwrap_or_else(|| mapping_to_text(&current.get_value()));
                            let encoding = encoding.get_untracked().unwrap_or_else(|| current_encoding.as_str().to_string());
                            start.dispatch(StartImport { id, mapping, encoding, mode: mode.get_untracked().as_str().to_string() });
                        }>
                        {format!("Import {}", kind.label_plural())}
                    </button>
                    <button class="button button--secondary" on:click=move |_| { discard.dispatch(DiscardImport { id }); }>"Discard this file"</button>
                </div>
            </section>
        })}
    }
}

#[component]
fn PreviewLine(row: PreviewRow, mapped: Vec<usize>, headings: Vec<String>) -> impl IntoView {
    let bad = !row.problems.is_empty();
    let flagged = |i: usize| row.problems.iter().any(|p| p.column.as_deref() == headings.get(i).map(String::as_str));
    view! {
        <tr class=if bad { "row--problem" } else { "" } data-testid="preview-row">
            <th scope="row">{row.row_number}</th>
            {mapped.iter().map(|i| {
                let value = row.cells.get(*i).cloned().unwrap_or_default();
                view! { <td class=if flagged(*i) { "cell--problem" } else { "" }>{value}</td> }
            }).collect_view()}
            <td>
                {if bad {
                    view! { <ul class="problems">{row.problems.iter().map(|p| view! {
                        <li>{match &p.column { Some(c) => format!("{c}: {}", p.message), None => p.message.clone() }}</li>
                    }).collect_view()}</ul> }.into_any()
                } else {
                    view! { <span class="badge badge--ok">"Ready"</span> }.into_any()
                }}
            </td>
        </tr>
    }
}

#[component]
fn Outcome(detail: ImportDetail) -> impl IntoView {
    let s = detail.summary;
    let kind = s.kind;
    let percent = (s.progress * 100.0).round() as u32;
    let counts = format!(
        "{} rows read · {} imported · {} rejected{}",
        thousands(s.rows_read.into()),
        thousands(s.rows_imported.into()),
        thousands(s.rows_rejected.into()),
        if s.organizations_created > 0 {
            let n = s.organizations_created;
            format!(" · {} new organization{}", thousands(n.into()), if n == 1 { "" } else { "s" })
        } else {
            String::new()
        }
    );
    let headline = match s.status {
        ImportStatus::Queued => "Waiting for a server to start the import…".to_string(),
        ImportStatus::Running => format!("Importing… {percent}% of the file read"),
        ImportStatus::Done => format!(
            "Imported {} {}.",
            thousands(s.rows_imported.into()),
            if s.rows_imported == 1 { kind.label_one() } else { kind.label_plural() }
        ),
        _ => s.failure.clone().unwrap_or_else(|| "The import stopped.".into()),
    };
    let all_or_nothing = s.mode == Some(ImportMode::AllOrNothing);
    view! {
        <section class="card" aria-labelledby="outcome-heading" data-testid="import-outcome">
            <h2 class="card__title" id="outcome-heading" role="status">{headline}</h2>
            {s.status.is_working().then(|| view! {
                <progress class="upload__bar" max="100" value=percent.to_string() aria-label=format!("Import: {percent}% of the file read")></progress>
            })}
            <p data-testid="import-counts">{counts}</p>
            {(s.status == ImportStatus::Failed && all_or_nothing && s.rows_rejected > 0).then(|| view! {
                <p class="muted">"Nothing was imported: fix the rows below in the file (or download them), then import it again."</p>
            })}
            <div class="button-row">
                {(s.rows_rejected > 0).then(|| view! {
                    <a class="button button--secondary" href=format!("/imports/{}/rejected.csv", s.id) rel="external"
                        download="rejected-rows.csv" data-testid="rejected-download">"Download the rejected rows (CSV)"</a>
                })}
                {(s.status == ImportStatus::Done).then(|| view! {
                    <a class="button button--primary" href=kind.list_href()>{format!("Open the {}", kind.label_plural())}</a>
                })}
            </div>
        </section>
        {(!detail.rejected.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="rejected-heading">
                <h2 class="card__title" id="rejected-heading">{if s.rows_rejected as usize > detail.rejected.len() {
                    format!("The first {} rejected rows (all {} are in the file)", detail.rejected.len(), thousands(s.rows_rejected.into()))
                } else {
                    "Rejected rows".to_string()
                }}</h2>
                <div class="table-wrap"><table class="table" data-testid="rejected-rows">
                    <thead><tr><th scope="col">"Row"</th><th scope="col">"Column"</th><th scope="col">"What to fix"</th></tr></thead>
                    <tbody>
                        {detail.rejected.into_iter().flat_map(|r| {
                            let row = r.row_number;
                            r.problems.into_iter().map(move |p| view! {
                                <tr><th scope="row">{row}</th><td>{p.column.unwrap_or_else(|| "(whole row)".into())}</td><td>{p.message}</td></tr>
                            })
                        }).collect_view()}
                    </tbody>
                </table></div>
            </section>
        })}
    }
}
