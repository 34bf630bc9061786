//! In-app notifications: what the sync tells people (a change from the source to a pursuit they manage, with
//! its impact; new opportunities from a source they follow), listed newest first at /notifications with the
//! unread count in the navigation; read one (by opening it) or all.

use crate::{
    domain::ImpactLevel,
    error::AppError,
    format,
    ids::NotificationId,
    ui::{ErrorNote, LoadError},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Notification {
    pub id: NotificationId,
    pub title: String,
    pub body: Option<String>,
    pub link: Option<String>,
    pub impact_level: Option<ImpactLevel>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// The most a list shows (newest first).
pub const SHOWN: i64 = 200;

#[server(prefix = "/api", endpoint = "notifications/list")]
pub async fn load_notifications() -> Result<Vec<Notification>, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let caller = Caller::current().await?;
        let mut tx = caller.own_account().await?;
        let list = ssr::list(&mut tx, caller.user.id).await?;
        tx.commit().await?;
        Ok(list)
    })
    .await
}

#[server(prefix = "/api", endpoint = "notifications/unread")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let caller = Caller::current().await?;
        let mut tx = caller.own_account().await?;
        let n = ssr::unread(&mut tx, caller.user.id).await?;
        tx.commit().await?;
        Ok(n)
    })
    .await
}

/// Marks the caller's notifications read: the one named, or all (`None`). Someone else's is not found.
#[server(prefix = "/api", endpoint = "notifications/read")]
pub async fn mark_read(id: Option<NotificationId>) -> Result<u64, AppError> {
    use crate::server_prelude::*;
    serve(async move {
        let caller = Caller::current().await?;
        let mut tx = caller.own_account().await?;
        let n = ssr::mark_read(&mut tx, caller.user.id, id).await?;
        if id.is_some() && n == 0 && !ssr::owns(&mut tx, caller.user.id, id).await? {
            return Err(AppError::NotFound("Notification".into()));
        }
        tx.commit().await?;
        Ok(n)
    })
    .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::{Notification, NotificationId, SHOWN};
    use crate::{db::Tx, ids::UserId};

    pub async fn list(tx: &mut Tx, user: UserId) -> Result<Vec<Notification>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, title, body, link, impact_level, created_at, read_at FROM notifications \
              WHERE tenant_id = app_current_tenant_id() AND user_id = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(user)
        .bind(SHOWN)
        .fetch_all(&mut **tx)
        .await
    }

    pub async fn unread(tx: &mut Tx, user: UserId) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT count(*) FROM notifications WHERE tenant_id = app_current_tenant_id() AND user_id = $1 AND read_at IS NULL",
        )
        .bind(user)
        .fetch_one(&mut **tx)
        .await
    }

    pub async fn mark_read(tx: &mut Tx, user: UserId, id: Option<NotificationId>) -> Result<u64, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = now() \
              WHERE user_id = $1 AND read_at IS NULL AND ($2::uuid IS NULL OR id = $2)",
        )
        .bind(user)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn owns(tx: &mut Tx, user: UserId, id: Option<NotificationId>) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM notifications WHERE user_id = $1 AND id = $2)")
            .bind(user)
            .bind(id)
            .fetch_one(&mut **tx)
            .await
    }
}

/// The navigation's link with the unread count.
#[component]
pub fn NotificationsLink() -> impl IntoView {
    let unread = Resource::new(|| (), |_| unread_notifications());
    let location = leptos_router::hooks::use_location();
    let current = move || (location.pathname.get() == "/notifications").then_some("page");
    view! {
        <a class="nav-link" href="/notifications" aria-current=current>
            "Notifications"
            <Transition fallback=|| ()>
                {move || unread.get().and_then(Result::ok).filter(|n| *n > 0).map(|n| view! {
                    <span class="nav-link__count" data-testid="unread-notifications">
                        {n}<span class="sr-only">" unread"</span>
                    </span>
                })}
            </Transition>
        </a>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let read = Action::new(|id: &Option<NotificationId>| mark_read(*id));
    let list = Resource::new(move || read.version().get(), |_| load_notifications());
    let error = Signal::derive(move || read.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text="Notifications · GWM CRM"/>
        <section class="page" data-hydrated=move || hydrated.get().to_string()>
            <header class="page__header">
                <div>
                    <h1 class="page__title">"Notifications"</h1>
                    <p class="muted">"Changes the sources made to the pursuits you manage, and new opportunities from the sources you follow."</p>
                </div>
                <button class="button button--secondary" type="button" on:click=move |_| { read.dispatch(None); }>"Mark all read"</button>
            </header>
            <ErrorNote error/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(items) if items.is_empty() => view! {
                            <div class="card empty-state"><p>"Nothing yet. When a source changes a pursuit you manage, or a source you follow (in Opportunities) returns new opportunities, it shows here."</p></div>
                        }.into_any(),
                        Ok(items) => view! {
                            <ol class="card notifications">
                                {items.into_iter().map(|n| {
                                    let id = n.id;
                                    let unread = n.read_at.is_none();
                                    let badge = n.impact_level.map(|i| view! { <span class=i.badge()>{i.label()}</span> });
                                    let open = n.link.clone().unwrap_or_else(|| "/notifications".into());
                                    view! {
                                        <li class=if unread { "notification notification--unread" } else { "notification" } data-testid="notification">
                                            <div class="notification__head">
                                                {badge}
                                                <a href=open on:click=move |_| { if unread { read.dispatch(Some(id)); } }>{n.title.clone()}</a>
                                                {unread.then(|| view! { <span class="badge badge--ok">"New"</span> })}
                                            </div>
                                            <p class="muted">{n.body.clone().unwrap_or_default()}" · "{format::date_time(n.created_at)}</p>
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
