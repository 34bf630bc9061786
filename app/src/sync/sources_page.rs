//! /settings/sources: where the organization's opportunities come from. Each source shows its health (from
//! its consecutive errors), when it was last heard from and what went wrong, its search and limits, and
//! its latest calls; an admin adds, edits, tests, polls now, pauses or deletes (when nothing refers to it).

use super::{
    AuthKind, ConnectionStatus, SourceKind,
    sources::{
        ConnectionTest, DeleteSource, PollSourceNow, SaveSource, SetSourceActive, SourceView, TestSource, load_sources,
    },
};
use crate::{
    format,
    ui::{Dialog, ErrorNote, Field, LoadError, toasts},
};
use leptos::prelude::*;
use leptos_meta::Title;

impl SourceKind {
    pub const fn label(self) -> &'static str {
        match self {
            SourceKind::SamGov => "SAM.gov",
            SourceKind::GwmFeed => "GWM opportunity feed",
        }
    }
}

impl AuthKind {
    pub const fn label(self) -> &'static str {
        match self {
            AuthKind::None => "No sign-in",
            AuthKind::ApiKey => "API key",
            AuthKind::BasicAuth => "User name and password",
            AuthKind::OAuth2 => "OAuth2 client credentials",
        }
    }

    /// What the secret is called for this way of signing in.
    pub const fn secret_label(self) -> &'static str {
        match self {
            AuthKind::None => "Secret",
            AuthKind::ApiKey => "API key",
            AuthKind::BasicAuth => "Password",
            AuthKind::OAuth2 => "Client secret",
        }
    }
}

impl ConnectionStatus {
    pub fn badge(self, active: bool) -> (&'static str, &'static str) {
        match (active, self) {
            (false, _) => ("badge badge--muted", "Paused"),
            (_, ConnectionStatus::Healthy) => ("badge badge--ok", "Healthy"),
            (_, ConnectionStatus::Degraded) => ("badge badge--high", "Degraded"),
            (_, ConnectionStatus::Down) => ("badge badge--critical", "Down"),
            (_, ConnectionStatus::Unknown) => ("badge badge--muted", "Not polled yet"),
        }
    }
}

/// Which form is open: a new source, or an existing one.
#[derive(Clone)]
enum Editing {
    New,
    Existing(Box<SourceView>),
}

#[component]
pub fn SourcesPage() -> impl IntoView {
    let save = ServerAction::<SaveSource>::new();
    let active = ServerAction::<SetSourceActive>::new();
    let delete = ServerAction::<DeleteSource>::new();
    let poll = ServerAction::<PollSourceNow>::new();
    let sources = Resource::new(
        move || (save.version().get(), active.version().get(), delete.version().get(), poll.version().get()),
        |_| load_sources(),
    );
    let editing = RwSignal::new(None::<Editing>);
    let toast = toasts();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
            if let Some(t) = toast {
                t.say("Source saved. Its first poll is due now.");
            }
        }
    });
    Effect::new(move |_| {
        if let (Some(Ok(())), Some(t)) = (poll.value().get(), toast) {
            t.say("Polling now: new and changed opportunities arrive within a minute.");
        }
    });
    let problem = Signal::derive(move || {
        [active.value().get(), delete.value().get(), poll.value().get()]
            .into_iter()
            .flatten()
            .find_map(|r| r.err())
            .map(|e| e.to_string())
    });
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text="External data sources · Settings · GWM CRM"/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <header class="page__header">
                <div>
                    <p class="eyebrow"><a href="/settings">"Settings"</a></p>
                    <h1 class="page__title">"External data sources"</h1>
                    <p class="muted">"Where your organization's opportunities come from. Each source is searched on its schedule; every opportunity it returns is kept with all its versions."</p>
                </div>
                <button class="button button--primary" type="button" on:click=move |_| editing.set(Some(Editing::New))>"Add a source"</button>
            </header>
            <ErrorNote error=problem/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sources.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <div class="card empty-state">
                                <h2 class="card__title">"No sources yet"</h2>
                                <p>"Add SAM.gov with your API key (from your SAM.gov account's profile), or your company's own opportunity feed. Opportunities start arriving at the first poll."</p>
                            </div>
                        }.into_any(),
                        Ok(list) => view! {
                            <div class="stack">
                                {list.into_iter().map(|s| view! { <SourceCard source=s editing active delete poll/> }).collect_view()}
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
            {move || editing.get().map(|e| view! { <SourceForm editing=e save close=Callback::new(move |()| editing.set(None))/> })}
        </section>
    }
}

fn search_summary(s: &SourceView) -> String {
    let c = &s.criteria;
    let mut parts = vec![format!("posted in the last {} days", c.posted_within_days)];
    if !c.naics_codes.is_empty() {
        parts.push(format!("NAICS {}", c.naics_codes.join(", ")));
    }
    if !c.set_asides.is_empty() {
        parts.push(format!("set-asides {}", c.set_asides.join(", ")));
    }
    if !c.notice_types.is_empty() {
        parts.push(format!("notice types {}", c.notice_types.join(", ")));
    }
    if let Some(k) = &c.keywords {
        parts.push(format!("title has \u{201c}{k}\u{201d}"));
    }
    parts.join("; ")
}

#[component]
fn SourceCard(
    source: SourceView,
    editing: RwSignal<Option<Editing>>,
    active: ServerAction<SetSourceActive>,
    delete: ServerAction<DeleteSource>,
    poll: ServerAction<PollSourceNow>,
) -> impl IntoView {
    let test = ServerAction::<TestSource>::new();
    let id = source.id;
    let (badge, health) = source.status.badge(source.is_active);
    let sign_in = match (&source.credential_hint, source.auth) {
        (_, AuthKind::None) => AuthKind::None.label().to_string(),
        (Some(hint), auth) => format!("{} ending \u{2026}{hint}", auth.label()),
        (None, auth) => auth.label().to_string(),
    };
    let schedule = match (source.is_active, source.next_poll) {
        (false, _) => "Paused: not polled".to_string(),
        (true, Some(next)) => {
            format!("Every {} minutes; next {}", source.polling_frequency_minutes, format::date_time(next))
        }
        (true, None) => format!("Every {} minutes", source.polling_frequency_minutes),
    };
    let limits = format!(
        "{} calls an hour, {} s timeout, {} retries, {} records a page",
        source.rate_limit_per_hour, source.timeout_seconds, source.retry_attempts, source.page_size
    );
    let kept = format!(
        "{} kept, {} pursued",
        format::count(source.opportunities, "opportunity", "opportunities"),
        source.projects
    );
    let last_success = source.last_success.map(format::date_time).unwrap_or_else(|| "Never".into());
    let last_error = (source.status != ConnectionStatus::Healthy).then_some(source.last_error.clone()).flatten();
    let errors = source.consecutive_errors;
    let unused = source.unused();
    let is_active = source.is_active;
    let search = search_summary(&source);
    let calls = source.calls.clone();
    let name = source.name.clone();
    let heading_id = format!("source-{id}");
    let labelled_by = heading_id.clone();
    let edit = source.clone();
    view! {
        <article class="card source" aria-labelledby=labelled_by data-testid="source">
            <h2 class="card__title" id=heading_id>
                {source.name.clone()}
                <span class="badge">{source.kind.label()}</span>
                <span class=badge data-testid="source-health">{health}</span>
            </h2>
            <dl class="facts">
                <dt>"Address"</dt><dd><code>{source.endpoint.clone()}</code></dd>
                <dt>"Signs in with"</dt><dd>{sign_in}</dd>
                <dt>"Search"</dt><dd>{search}</dd>
                <dt>"Schedule"</dt><dd>{schedule}</dd>
                <dt>"Limits"</dt><dd>{limits}</dd>
                <dt>"Last success"</dt><dd>{last_success}</dd>
                {last_error.map(|e| view! {
                    <dt>"Last error"</dt>
                    <dd class="text-danger">{e}{(errors > 0).then(|| format!(" ({} failed polls in a row)", errors))}</dd>
                })}
                <dt>"Opportunities"</dt><dd>{kept}</dd>
            </dl>
            <div class="button-row">
                <button class="button button--secondary" type="button" disabled=move || test.pending().get()
                    on:click=move |_| { test.dispatch(TestSource { id }); }>
                    {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
                </button>
                {is_active.then(|| view! {
                    <button class="button button--secondary" type="button" on:click=move |_| { poll.dispatch(PollSourceNow { id }); }>"Poll now"</button>
                })}
                <button class="button button--secondary" type="button"
                    on:click=move |_| editing.set(Some(Editing::Existing(Box::new(edit.clone()))))>"Edit"</button>
                <button class="button button--ghost" type="button" on:click=move |_| { active.dispatch(SetSourceActive { id, active: !is_active }); }>
                    {if is_active { "Pause" } else { "Resume" }}
                </button>
                {unused.then(|| view! {
                    <button class="button button--ghost" type="button" aria-label=format!("Delete {name}")
                        on:click=move |_| { delete.dispatch(DeleteSource { id }); }>"Delete"</button>
                })}
            </div>
            {move || test.value().get().map(|r| match r {
                Ok(t) => view! { <TestResult test=t/> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
            {(!calls.is_empty()).then(|| view! {
                <details class="source__calls">
                    <summary>"Latest calls"</summary>
                    <table class="table">
                        <thead><tr><th scope="col">"When"</th><th scope="col">"Request"</th><th scope="col" class="num">"Status"</th><th scope="col" class="num">"Time"</th><th scope="col">"Result"</th></tr></thead>
                        <tbody>
                            {calls.into_iter().map(|c| view! {
                                <tr>
                                    <td>{format::date_time(c.at)}</td>
                                    <td><code class="source__endpoint">{format!("{} {}", c.method, c.endpoint)}</code></td>
                                    <td class="num">{c.status.map(|s| s.to_string()).unwrap_or_else(|| "–".into())}</td>
                                    <td class="num">{c.elapsed_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
                                    <td>{if c.success { "OK".to_string() } else { c.error.unwrap_or_else(|| "Failed".into()) }}
                                        {(c.attempt > 1).then(|| format!(" (attempt {})", c.attempt))}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </details>
            })}
        </article>
    }
}

#[component]
fn TestResult(test: ConnectionTest) -> impl IntoView {
    let class = if test.ok { "form-ok" } else { "form-error" };
    view! {
        <div class=class role="status" data-testid="source-test">
            <p>{test.message}</p>
            {test.sample.map(|(notice, title)| view! { <p class="muted">"For example: "{title}" ("<code>{notice}</code>")"</p> })}
        </div>
    }
}

#[component]
fn SourceForm(editing: Editing, save: ServerAction<SaveSource>, close: Callback<()>) -> impl IntoView {
    let existing = match &editing {
        Editing::New => None,
        Editing::Existing(s) => Some((**s).clone()),
    };
    let title = match &existing {
        None => "Add a source".to_string(),
        Some(s) => format!("Edit \u{201c}{}\u{201d}", s.name),
    };
    let e = existing.clone();
    let auth = RwSignal::new(e.as_ref().map_or(AuthKind::ApiKey, |s| s.auth));
    let kind = RwSignal::new(e.as_ref().map_or(SourceKind::SamGov, |s| s.kind));
    let text = |f: fn(&SourceView) -> String| e.as_ref().map(f).unwrap_or_default();
    let number =
        |f: fn(&SourceView) -> i32, default: &str| e.as_ref().map_or(default.to_string(), |s| f(s).to_string());
    let id_value = text(|s| s.id.to_string());
    let name_value = text(|s| s.name.clone());
    let endpoint_value = text(|s| s.endpoint.clone());
    let frequency = number(|s| s.polling_frequency_minutes, "60");
    let rate = number(|s| s.rate_limit_per_hour, "40");
    let timeout = number(|s| s.timeout_seconds, "30");
    let retries = number(|s| s.retry_attempts, "3");
    let page_size = text(|s| s.page_size.to_string());
    let has_secret = e.as_ref().is_some_and(|s| s.credential_hint.is_some());
    let error = Signal::derive(move || save.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let criteria = e.as_ref().map(|s| s.criteria.clone()).unwrap_or_default();
    let (username, token_url, client_id, scope) = (
        text(|s| s.username.clone().unwrap_or_default()),
        text(|s| s.token_url.clone().unwrap_or_default()),
        text(|s| s.client_id.clone().unwrap_or_default()),
        text(|s| s.scope.clone().unwrap_or_default()),
    );
    view! {
        <Dialog title on_close=close class="dialog--wide" test_id="source-form">
            <ActionForm action=save attr:class="form">
                <ErrorNote error/>
                <input type="hidden" name="id" value=id_value/>
                <div class="form--grid form">
                    <Field label="Name" id="source-name" required=true let:f>
                        <input id=f.id aria-describedby=f.described_by class="input" name="name" required maxlength="100" data-autofocus=""
                            value=name_value placeholder="SAM.gov"/></Field>
                    <Field label="Kind" id="source-kind" let:f>
                        <select id=f.id aria-describedby=f.described_by class="input" name="kind"
                            on:change=move |ev| { if let Ok(k) = event_target_value(&ev).parse() { kind.set(k); } }>
                            {SourceKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=*k == kind.get_untracked()>{k.label()}</option> }).collect_view()}
                        </select></Field>
                </div>
                <Field label="Address" id="source-endpoint" required=true
                    hint="The API's base address: https://api.sam.gov for SAM.gov (the search path is added), or your feed's base URL." let:f>
                    <input id=f.id aria-describedby=f.described_by class="input" type="url" name="endpoint" required maxlength="500"
                        value=endpoint_value placeholder="https://api.sam.gov"/></Field>
                <div class="form--grid form">
                    <Field label="Sign in with" id="source-auth" let:f>
                        <select id=f.id aria-describedby=f.described_by class="input" name="auth"
                            on:change=move |ev| { if let Ok(a) = event_target_value(&ev).parse() { auth.set(a); } }>
                            {AuthKind::ALL.iter().map(|a| view! { <option value=a.as_str() selected=*a == auth.get_untracked()>{a.label()}</option> }).collect_view()}
                        </select></Field>
                    {move || (auth.get() != AuthKind::None).then(|| {
                        let label = auth.get().secret_label();
                        let hint = if has_secret {
                            "Stored sealed (its last four characters show on the source). Leave empty to keep it."
                        } else {
                            "Stored sealed; never shown again."
                        };
                        view! {
                            <Field label id="source-secret" hint let:f>
                                <input id=f.id aria-describedby=f.described_by class="input" type="password" name="secret" autocomplete="new-password" maxlength="500"/></Field>
                        }
                    })}
                </div>
                {
                    let username = username.clone();
                    move || (auth.get() == AuthKind::BasicAuth).then(|| { let username = username.clone(); view! {
                        <Field label="User name" id="source-username" required=true let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" name="username" required maxlength="200" value=username/></Field>
                    }})
                }
                {
                    let (token_url, client_id, scope) = (token_url.clone(), client_id.clone(), scope.clone());
                    move || (auth.get() == AuthKind::OAuth2).then(|| { let (token_url, client_id, scope) = (token_url.clone(), client_id.clone(), scope.clone()); view! {
                        <div class="form--grid form">
                            <Field label="Token URL" id="source-token_url" required=true let:f>
                                <input id=f.id aria-describedby=f.described_by class="input" type="url" name="token_url" required maxlength="500" value=token_url/></Field>
                            <Field label="Client ID" id="source-client_id" required=true let:f>
                                <input id=f.id aria-describedby=f.described_by class="input" name="client_id" required maxlength="200" value=client_id/></Field>
                            <Field label="Scope" id="source-scope" let:f>
                                <input id=f.id aria-describedby=f.described_by class="input" name="scope" maxlength="500" value=scope/></Field>
                        </div>
                    }})
                }
                <fieldset class="fieldset">
                    <legend>"Search"</legend>
                    <div class="form--grid form">
                        <Field label="Posted within (days)" id="source-posted_within_days" hint="1 to 365." let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" type="number" min="1" max="365" name="posted_within_days" value=criteria.posted_within_days.to_string()/></Field>
                        <Field label="NAICS codes" id="source-naics_codes" hint="Comma-separated, e.g. 541512, 541519." let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" name="naics_codes" value=criteria.naics_codes.join(", ")/></Field>
                        <Field label="Set-asides" id="source-set_asides" hint="Codes, e.g. SBA, 8A, SDVOSBC." let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" name="set_asides" value=criteria.set_asides.join(", ")/></Field>
                        <Field label="Notice types" id="source-notice_types"
                            hint="SAM.gov's letters (o solicitation, p presolicitation, k combined, r sources sought, a award) or your feed's type names." let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" name="notice_types" value=criteria.notice_types.join(", ")/></Field>
                    </div>
                    <Field label="Title keywords" id="source-keywords" let:f>
                        <input id=f.id aria-describedby=f.described_by class="input" name="keywords" maxlength="200" value=criteria.keywords.clone().unwrap_or_default()/></Field>
                </fieldset>
                <fieldset class="fieldset">
                    <legend>"Schedule and limits"</legend>
                    <div class="form--grid form">
                        <Field label="Poll every (minutes)" id="source-polling_frequency_minutes" hint="5 to 10,080 (a week)." let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" type="number" min="5" max="10080" name="polling_frequency_minutes" value=frequency/></Field>
                        <Field label="Calls per hour" id="source-rate_limit_per_hour" hint="Shared by all servers. SAM.gov allows 1,000 a day for most keys." let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" type="number" min="1" max="100000" name="rate_limit_per_hour" value=rate/></Field>
                        <Field label="Timeout (seconds)" id="source-timeout_seconds" let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" type="number" min="1" max="600" name="timeout_seconds" value=timeout/></Field>
                        <Field label="Retries" id="source-retry_attempts" hint="0 to 10, per page." let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" type="number" min="0" max="10" name="retry_attempts" value=retries/></Field>
                        <Field label="Records a page" id="source-page_size" hint="Empty: the API's largest (1,000). Smaller for gateways that cap answers." let:f>
                            <input id=f.id aria-describedby=f.described_by class="input" type="number" min="1" max="1000" name="page_size" value=page_size/></Field>
                    </div>
                </fieldset>
                <div class="button-row">
                    <button class="button button--primary" type="submit" disabled=move || save.pending().get()>"Save source"</button>
                    <button class="button button--ghost" type="button" on:click=move |_| close.run(())>"Cancel"</button>
                </div>
            </ActionForm>
        </Dialog>
    }
}
