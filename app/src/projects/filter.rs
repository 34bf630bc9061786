//! Which pursuits a page shows: the filter shared by the board, the table and the CSV export, its URL form,
//! its checks, and the controls that change it.

use crate::{domain::Priority, error::AppError, ids::UserId, ui::Field};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What the filter menus offer: the tenant's capture managers, agencies and set-asides in use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilterChoices {
    pub managers: Vec<(UserId, String)>,
    pub agencies: Vec<String>,
    pub set_asides: Vec<String>,
}

/// Which pursuits the board, the table and the export show, as it appears in the URL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProjectFilter {
    pub q: Option<String>,
    pub manager: Option<UserId>,
    pub mine: bool,
    pub priority: Option<Priority>,
    pub agency: Option<String>,
    pub set_aside: Option<String>,
    /// A NAICS code or its prefix, e.g. "5415".
    pub naics: Option<String>,
    /// Response due within this many days from today.
    pub due_within: Option<i32>,
    pub min_value: Option<Decimal>,
    pub max_value: Option<Decimal>,
}

impl ProjectFilter {
    /// Reads the filter from URL query values; unknown values are ignored rather than failing the page.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> ProjectFilter {
        let text = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        ProjectFilter {
            q: text("q"),
            manager: get("manager").and_then(|m| m.parse().ok()),
            mine: get("mine").is_some_and(|m| m == "1" || m == "true"),
            priority: get("priority").and_then(|p| p.parse().ok()),
            agency: text("agency"),
            set_aside: text("set_aside"),
            naics: text("naics"),
            due_within: get("due_within").and_then(|d| d.parse().ok()),
            min_value: get("min_value").and_then(|v| crate::input::plain_decimal(&v)),
            max_value: get("max_value").and_then(|v| crate::input::plain_decimal(&v)),
        }
    }

    /// The URL query for this filter ("" when empty).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(q) = &self.q {
            parts.push(format!("q={}", crate::format::url_encode(q)));
        }
        if let Some(m) = self.manager {
            parts.push(format!("manager={m}"));
        }
        if self.mine {
            parts.push("mine=1".to_string());
        }
        if let Some(p) = self.priority {
            parts.push(format!("priority={p}"));
        }
        for (key, value) in [("agency", &self.agency), ("set_aside", &self.set_aside), ("naics", &self.naics)] {
            if let Some(v) = value {
                parts.push(format!("{key}={}", crate::format::url_encode(v)));
            }
        }
        if let Some(d) = self.due_within {
            parts.push(format!("due_within={d}"));
        }
        if let Some(v) = self.min_value {
            parts.push(format!("min_value={v}"));
        }
        if let Some(v) = self.max_value {
            parts.push(format!("max_value={v}"));
        }
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }

    /// The capture manager to filter on: the caller for "my pursuits", else the one chosen.
    pub fn manager_for(&self, caller: UserId) -> Option<UserId> {
        if self.mine { Some(caller) } else { self.manager }
    }

    /// What is wrong with the filter, said so the person can fix it.
    pub fn check(&self) -> Result<(), AppError> {
        let long = |v: &Option<String>, max: usize| v.as_ref().is_some_and(|v| v.chars().count() > max);
        if long(&self.q, 200) || long(&self.agency, 255) || long(&self.set_aside, 100) || long(&self.naics, 20) {
            return Err(AppError::Validation("A filter value is too long (search: at most 200 characters).".into()));
        }
        if self.naics.as_ref().is_some_and(|n| !n.chars().all(|c| c.is_ascii_digit())) {
            return Err(AppError::Validation("A NAICS code has digits only, e.g. 541512 or 5415.".into()));
        }
        if self.due_within.is_some_and(|d| !(1..=365).contains(&d)) {
            return Err(AppError::Validation("\"Due within\" must be 1 to 365 days.".into()));
        }
        if self.min_value.is_some_and(|v| v < Decimal::ZERO) || self.max_value.is_some_and(|v| v < Decimal::ZERO) {
            return Err(AppError::Validation("Values cannot be negative.".into()));
        }
        if self.min_value.is_some_and(|v| v > crate::input::MAX_AMOUNT)
            || self.max_value.is_some_and(|v| v > crate::input::MAX_AMOUNT)
        {
            return Err(AppError::Validation("Values go up to $9,999,999,999,999.99.".into()));
        }
        if let (Some(min), Some(max)) = (self.min_value, self.max_value)
            && min > max
        {
            return Err(AppError::Validation(format!("The minimum value ({min}) is above the maximum ({max}).")));
        }
        Ok(())
    }
}

/// One part of a filter, to show it as a chip and take it away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterPart {
    Search,
    Manager,
    Mine,
    Priority,
    Agency,
    SetAside,
    Naics,
    DueWithin,
    MinValue,
    MaxValue,
}

impl ProjectFilter {
    /// The filters in force, each with what a chip says ("Agency: Department of the Army").
    pub fn active(&self, choices: &FilterChoices) -> Vec<(FilterPart, String)> {
        let mut parts = Vec::new();
        if let Some(q) = &self.q {
            parts.push((FilterPart::Search, format!("\u{201c}{q}\u{201d}")));
        }
        if let Some(m) = self.manager {
            let name = choices.managers.iter().find(|(id, _)| *id == m).map_or("someone", |(_, n)| n.as_str());
            parts.push((FilterPart::Manager, format!("Capture manager: {name}")));
        }
        if self.mine {
            parts.push((FilterPart::Mine, "My pursuits".to_string()));
        }
        if let Some(p) = self.priority {
            parts.push((FilterPart::Priority, format!("Priority: {}", p.label())));
        }
        if let Some(a) = &self.agency {
            parts.push((FilterPart::Agency, format!("Agency: {a}")));
        }
        if let Some(s) = &self.set_aside {
            parts.push((FilterPart::SetAside, format!("Set-aside: {s}")));
        }
        if let Some(n) = &self.naics {
            parts.push((FilterPart::Naics, format!("NAICS {n}")));
        }
        if let Some(d) = self.due_within {
            parts.push((FilterPart::DueWithin, format!("Due within {d} days")));
        }
        if let Some(v) = self.min_value {
            parts.push((FilterPart::MinValue, format!("Value from {}", crate::format::money_full(v))));
        }
        if let Some(v) = self.max_value {
            parts.push((FilterPart::MaxValue, format!("Value to {}", crate::format::money_full(v))));
        }
        parts
    }

    pub fn clear(&mut self, part: FilterPart) {
        match part {
            FilterPart::Search => self.q = None,
            FilterPart::Manager => self.manager = None,
            FilterPart::Mine => self.mine = false,
            FilterPart::Priority => self.priority = None,
            FilterPart::Agency => self.agency = None,
            FilterPart::SetAside => self.set_aside = None,
            FilterPart::Naics => self.naics = None,
            FilterPart::DueWithin => self.due_within = None,
            FilterPart::MinValue => self.min_value = None,
            FilterPart::MaxValue => self.max_value = None,
        }
    }

    /// How many of the folded filters (agency and after) are in force.
    fn folded_in_force(&self) -> usize {
        [
            self.agency.is_some(),
            self.set_aside.is_some(),
            self.naics.is_some(),
            self.due_within.is_some(),
            self.min_value.is_some(),
            self.max_value.is_some(),
        ]
        .into_iter()
        .filter(|on| *on)
        .count()
    }
}

/// The filter controls. Filters live in the URL (a view can be bookmarked and shared): each change
/// navigates to `href(next filter)`.
#[component]
pub fn FilterBar(
    filter: ProjectFilter,
    choices: FilterChoices,
    href: Callback<ProjectFilter, String>,
) -> impl IntoView {
    let navigate = use_navigate();
    let current = StoredValue::new(filter.clone());
    let go = move |change: &dyn Fn(&mut ProjectFilter)| {
        let mut next = current.get_value();
        change(&mut next);
        // The page reloads its data and this bar with it: the keyboard stays on the control it was on.
        if let Some(name) = crate::ui::focus::focused_name() {
            crate::ui::focus::keep_for_next_render(format!("form.filters [name='{name}']"));
        } else {
            crate::ui::focus::keep_for_next_render("form.filters input[name='q']".to_string());
        }
        navigate(&href.run(next), Default::default());
    };
    let form = NodeRef::<leptos::html::Form>::new();
    form.on_load(|_| crate::ui::focus::restore_kept());
    let active = filter.active(&choices);
    let folded_count = filter.folded_in_force();
    // Folded unless the keyboard is coming back to a control inside it.
    let folded_controls = ["agency", "set_aside", "naics", "due_within", "min_value", "max_value"];
    let more = RwSignal::new(
        crate::ui::focus::kept().is_some_and(|k| folded_controls.iter().any(|n| k.contains(&format!("'{n}'")))),
    );
    let FilterChoices { managers, agencies, set_asides } = choices;
    let go = StoredValue::new(go);
    let manager_value = filter.manager.map(|m| m.to_string()).unwrap_or_default();
    let priority_value = filter.priority.map(|p| p.to_string()).unwrap_or_default();
    view! {
        <form node_ref=form class="filters" role="search" aria-label="Filter pursuits" on:submit=move |ev| ev.prevent_default()>
          <div class="toolbar">
            <Field label="Search" id="filter-q" class="field--grow" let:f>
                <input class="input" id=f.id aria-describedby=f.described_by type="search" name="q" value=filter.q.clone().unwrap_or_default() placeholder="Title, agency, solicitation"
                    on:change=move |ev| { let v = event_target_value(&ev); go.with_value(|go| go(&|f| f.q = Some(v.trim().to_string()).filter(|v| !v.is_empty()))); }/>
            </Field>
            <Field label="Capture manager" id="filter-manager" let:f>
                <select class="input" id=f.id aria-describedby=f.described_by name="manager" on:change=move |ev| { let v = event_target_value(&ev); go.with_value(|go| go(&|f| { f.manager = v.parse().ok(); f.mine = false; })); }>
                    <option value="" selected=manager_value.is_empty()>"Anyone"</option>
                    {managers.into_iter().map(|(id, name)| { let v = id.to_string(); view! { <option value=v.clone() selected=v == manager_value>{name}</option> } }).collect_view()}
                </select>
            </Field>
            <Field label="Priority" id="filter-priority" let:f>
                <select class="input" id=f.id aria-describedby=f.described_by name="priority" on:change=move |ev| { let v = event_target_value(&ev); go.with_value(|go| go(&|f| f.priority = v.parse().ok())); }>
                    <option value="" selected=priority_value.is_empty()>"Any"</option>
                    {Priority::ALL.iter().map(|p| view! { <option value=p.as_str() selected=p.as_str() == priority_value>{p.label()}</option> }).collect_view()}
                </select>
            </Field>
            <label class="check check--inline">
                <input type="checkbox" name="mine" checked=filter.mine on:change=move |ev| { let on = event_target_checked(&ev); go.with_value(|go| go(&|f| { f.mine = on; if on { f.manager = None; } })); }/>
                <span>"My pursuits"</span>
            </label>
            <button class="button button--ghost filters__more" type="button" aria-expanded=move || more.get().to_string()
                aria-controls="more-filters" on:click=move |_| more.update(|m| *m = !*m)>
                {if folded_count > 0 { format!("More filters ({folded_count})") } else { "More filters".to_string() }}
            </button>
          </div>
          <div class="toolbar" id="more-filters" hidden=move || !more.get()>
            <Field label="Agency" id="filter-agency" let:f>
                <select class="input" id=f.id aria-describedby=f.described_by name="agency" on:change=move |ev| { let v = event_target_value(&ev); go.with_value(|go| go(&|f| f.agency = Some(v.clone()).filter(|v| !v.is_empty()))); }>
                    <option value="" selected=filter.agency.is_none()>"Any agency"</option>
                    {agencies.into_iter().map(|a| { let selected = filter.agency.as_deref() == Some(a.as_str()); view! { <option value=a.clone() selected=selected>{a.clone()}</option> } }).collect_view()}
                </select>
            </Field>
            <Field label="Set-aside" id="filter-set_aside" let:f>
                <select class="input" id=f.id aria-describedby=f.described_by name="set_aside" on:change=move |ev| { let v = event_target_value(&ev); go.with_value(|go| go(&|f| f.set_aside = Some(v.clone()).filter(|v| !v.is_empty()))); }>
                    <option value="" selected=filter.set_aside.is_none()>"Any"</option>
                    {set_asides.into_iter().map(|a| { let selected = filter.set_aside.as_deref() == Some(a.as_str()); view! { <option value=a.clone() selected=selected>{a.clone()}</option> } }).collect_view()}
                </select>
            </Field>
            <Field label="NAICS" id="filter-naics" class="field--narrow" let:f>
                <input class="input" id=f.id aria-describedby=f.described_by name="naics" inputmode="numeric" value=filter.naics.clone().unwrap_or_default() placeholder="5415"
                    on:change=move |ev| { let v = event_target_value(&ev); go.with_value(|go| go(&|f| f.naics = Some(v.trim().to_string()).filter(|v| !v.is_empty()))); }/>
            </Field>
            <Field label="Due within" id="filter-due_within" class="field--narrow" let:f>
                <select class="input" id=f.id aria-describedby=f.described_by name="due_within" on:change=move |ev| { let v = event_target_value(&ev); go.with_value(|go| go(&|f| f.due_within = v.parse().ok())); }>
                    <option value="" selected=filter.due_within.is_none()>"Any time"</option>
                    {[7, 14, 30, 60, 90].into_iter().map(|d| view! { <option value=d.to_string() selected=filter.due_within == Some(d)>{format!("{d} days")}</option> }).collect_view()}
                </select>
            </Field>
            <Field label="Value from ($)" id="filter-min_value" class="field--narrow" let:f>
                <input class="input" id=f.id aria-describedby=f.described_by name="min_value" inputmode="numeric" value=filter.min_value.map(|v| v.to_string()).unwrap_or_default()
                    on:change=move |ev| { let v = event_target_value(&ev); go.with_value(|go| go(&|f| f.min_value = crate::input::plain_decimal(&v))); }/>
            </Field>
            <Field label="Value to ($)" id="filter-max_value" class="field--narrow" let:f>
                <input class="input" id=f.id aria-describedby=f.described_by name="max_value" inputmode="numeric" value=filter.max_value.map(|v| v.to_string()).unwrap_or_default()
                    on:change=move |ev| { let v = event_target_value(&ev); go.with_value(|go| go(&|f| f.max_value = crate::input::plain_decimal(&v))); }/>
            </Field>
          </div>
          {(!active.is_empty()).then(|| view! {
            <div class="chips" role="group" aria-label="Filters in force">
                {active.into_iter().map(|(part, text)| view! {
                    <button class="chip" type="button" aria-label=format!("Remove filter {text}")
                        on:click=move |_| go.with_value(|go| go(&|f| f.clear(part)))>
                        <span>{text.clone()}</span><span class="chip__x" aria-hidden="true">"×"</span>
                    </button>
                }).collect_view()}
                <button class="button button--ghost chips__clear" type="button"
                    on:click=move |_| go.with_value(|go| go(&|f| *f = ProjectFilter::default()))>"Clear filters"</button>
            </div>
          })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_filter_in_force_is_a_chip_that_takes_it_away() {
        let manager = UserId::new_random();
        let choices = FilterChoices { managers: vec![(manager, "Priya Natarajan".into())], ..Default::default() };
        let mut filter = ProjectFilter {
            q: Some("cloud".into()),
            manager: Some(manager),
            agency: Some("Department of the Army".into()),
            min_value: Some(Decimal::from(1_000_000)),
            ..Default::default()
        };
        let chips: Vec<String> = filter.active(&choices).into_iter().map(|(_, text)| text).collect();
        assert_eq!(
            chips,
            [
                "\u{201c}cloud\u{201d}",
                "Capture manager: Priya Natarajan",
                "Agency: Department of the Army",
                "Value from $1,000,000"
            ]
        );
        assert_eq!(filter.folded_in_force(), 2);
        for (part, _) in filter.active(&choices) {
            filter.clear(part);
        }
        assert_eq!(filter, ProjectFilter::default());
        assert!(filter.active(&choices).is_empty());
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let filter = ProjectFilter {
            q: Some("cyber ops".into()),
            mine: true,
            priority: Some(Priority::High),
            ..Default::default()
        };
        let query = filter.to_query();
        assert_eq!(query, "?q=cyber%20ops&mine=1&priority=high");
        let parsed: std::collections::HashMap<&str, String> =
            [("q", "cyber ops".to_string()), ("mine", "1".into()), ("priority", "high".into())].into_iter().collect();
        assert_eq!(ProjectFilter::from_query(|k| parsed.get(k).cloned()), filter);
        assert_eq!(
            ProjectFilter::from_query(|k| (k == "priority").then(|| "urgent".to_string())),
            ProjectFilter::default()
        );
        let all = ProjectFilter {
            agency: Some("Department of the Army".into()),
            set_aside: Some("8(a)".into()),
            naics: Some("5415".into()),
            due_within: Some(30),
            min_value: Some(Decimal::from(1_000_000)),
            max_value: Some(Decimal::from(50_000_000)),
            ..Default::default()
        };
        let query = all.to_query();
        let pairs: std::collections::HashMap<String, String> = query
            .trim_start_matches('?')
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("%20", " ").replace("%28", "(").replace("%29", ")")))
            .collect();
        assert_eq!(ProjectFilter::from_query(|k| pairs.get(k).cloned()), all);
    }

    #[test]
    fn bad_filters_say_what_to_fix() {
        let check = |f: ProjectFilter| f.check().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(check(ProjectFilter { naics: Some("54x".into()), ..Default::default() }).contains("digits only"));
        assert!(check(ProjectFilter { due_within: Some(0), ..Default::default() }).contains("1 to 365"));
        assert!(
            check(ProjectFilter {
                min_value: Some(Decimal::from(5)),
                max_value: Some(Decimal::from(2)),
                ..Default::default()
            })
            .contains("above the maximum")
        );
        assert!(check(ProjectFilter { min_value: Some(Decimal::from(-1)), ..Default::default() }).contains("negative"));
        assert_eq!(check(ProjectFilter::default()), "");
    }
}
