//! The settings pages. Each loads through its server functions, so a person without the permission sees
//! the refusal message (and the refusal is recorded), never someone else's data.

mod roles;
mod security;
mod user;
mod users;

pub use roles::RolesPage;
pub use security::SecurityPage;
pub use user::UserPage;
pub use users::UsersPage;

use crate::{
    auth::{Permission, who_am_i},
    error::AppError,
    ui::LoadError,
};
use leptos::prelude::*;
use leptos_meta::Title;

struct Area {
    title: &'static str,
    href: &'static str,
    text: &'static str,
    needs: Permission,
}

const AREAS: &[Area] = &[
    Area {
        title: "Users",
        href: "/settings/users",
        text: "Add people, assign roles, unlock accounts, reset passwords and end sessions.",
        needs: Permission::AdminUsers,
    },
    Area {
        title: "Roles",
        href: "/settings/roles",
        text: "See what each role may do and create custom roles.",
        needs: Permission::AdminRoles,
    },
    Area {
        title: "Security",
        href: "/settings/security",
        text: "Require two-step verification for admins or for everyone.",
        needs: Permission::AdminSecurity,
    },
    Area {
        title: "Single sign-on",
        href: "/settings/sso",
        text: "Connect your SAML identity provider, map groups to roles, test it.",
        needs: Permission::AdminSso,
    },
    Area {
        title: "External data sources",
        href: "/settings/sources",
        text: "Connect SAM.gov and your company's opportunity feed, choose what to search, see each source's health.",
        needs: Permission::AdminSources,
    },
];

#[component]
pub fn SettingsHome() -> impl IntoView {
    let me = Resource::new(|| (), |_| who_am_i());
    view! {
        <Title text="Settings · GWM CRM"/>
        <section class="page">
            <header class="page__header">
                <div>
                    <p class="eyebrow">"Administration"</p>
                    <h1 class="page__title">"Settings"</h1>
                </div>
            </header>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Err(e) => view! { <LoadError error=e/> }.into_any(),
                        Ok(me) => {
                            let visible: Vec<&Area> = AREAS.iter().filter(|a| me.can(a.needs)).collect();
                            if visible.is_empty() {
                                view! { <LoadError error=AppError::Forbidden("change the organization's settings".into())/> }.into_any()
                            } else {
                                view! {
                                    <div class="card-grid">
                                        {visible.into_iter().map(|a| view! {
                                            <a class="card card--link" href=a.href>
                                                <h2 class="card__title">{a.title}</h2>
                                                <p class="muted">{a.text}</p>
                                            </a>
                                        }).collect_view()}
                                    </div>
                                }.into_any()
                            }
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
