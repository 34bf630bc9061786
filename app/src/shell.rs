//! The frame around every page: navigation for each area of the product.

use crate::{
    auth::{sign_out, signed_in_as},
    ui::{ToastRegion, focus},
};
use leptos::prelude::*;
use leptos_router::{components::Outlet, hooks::use_location};

struct NavItem {
    label: &'static str,
    href: &'static str,
    /// Areas whose issue has not landed are listed, not linked, so nobody clicks into a dead end.
    available: bool,
}

const NAV: &[NavItem] = &[
    NavItem { label: "Dashboard", href: "/", available: true },
    NavItem { label: "Opportunities", href: "/opportunities", available: true },
    NavItem { label: "Pipeline", href: "/pipeline", available: true },
    NavItem { label: "Projects", href: "/projects", available: true },
    NavItem { label: "Contacts", href: "/contacts", available: true },
    NavItem { label: "Documents", href: "/documents", available: true },
    NavItem { label: "Settings", href: "/settings", available: true },
];

/// The shell around the nested routes.
#[component]
pub fn AppShellOutlet() -> impl IntoView {
    view! { <AppShell><Outlet/></AppShell> }
}

/// Who is signed in, and the way out.
#[component]
fn UserMenu() -> impl IntoView {
    let me = Resource::new(|| (), |_| signed_in_as());
    let leave = Action::new(|_: &()| sign_out());
    Effect::new(move |_| {
        if leave.value().get().is_some() {
            #[cfg(feature = "hydrate")]
            {
                let _ = window().location().set_href("/sign-in");
            }
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || me.get().and_then(Result::ok).map(|me| view! {
                <div class="user-menu">
                    <a class="user-menu__who" href="/account" title="Your account">
                        <span class="user-menu__name" data-testid="signed-in-as">{me.name}</span>
                        <span class="user-menu__org">{me.organization}</span>
                    </a>
                    <button class="button button--ghost" type="button" on:click=move |_| { leave.dispatch(()); }>
                        "Sign out"
                    </button>
                </div>
            })}
        </Transition>
    }
}

#[component]
pub fn AppShell(children: Children) -> impl IntoView {
    let location = use_location();
    // The router would treat "#main" as a navigation; focus goes to the content itself (before hydration the
    // plain link does the same).
    let skip = |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        focus::element("#main".to_string());
    };
    view! {
        <ToastRegion>
        <a class="skip-link" href="#main" on:click=skip>"Skip to content"</a>
        <div class="shell">
            <aside class="shell__nav" aria-label="Main navigation">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"G"</span>
                    <span class="brand__name">"GWM CRM"</span>
                </a>
                <crate::search::FindAnything/>
                <nav>
                    <ul class="nav-list">
                        {NAV
                            .iter()
                            .map(|item| {
                                if item.available {
                                    let href = item.href;
                                    let current = move || {
                                        let path = location.pathname.get();
                                        // Organizations are the Contacts area's other list.
                                        let here = match href {
                                            "/" => path == "/",
                                            "/contacts" => path.starts_with(href) || path.starts_with("/organizations"),
                                            _ => path.starts_with(href),
                                        };
                                        here.then_some("page")
                                    };
                                    view! {
                                        <li>
                                            <a class="nav-link" href=href aria-current=current>
                                                {item.label}
                                            </a>
                                        </li>
                                    }
                                        .into_any()
                                } else {
                                    view! {
                                        <li>
                                            <span class="nav-link nav-link--soon" aria-disabled="true">
                                                {item.label}
                                                <span class="nav-link__badge">"soon"</span>
                                            </span>
                                        </li>
                                    }
                                        .into_any()
                                }
                            })
                            .collect_view()}
                        <li><crate::notifications::NotificationsLink/></li>
                    </ul>
                </nav>
                <UserMenu/>
            </aside>
            <main id="main" class="shell__main" tabindex="-1">
                {children()}
            </main>
        </div>
        </ToastRegion>
    }
}
