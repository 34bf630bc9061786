//! Keyboard focus in the browser: where it goes when a dialog opens, how it stays inside, where it returns,
//! and moving between the items of a group with the arrow keys. On the server these do nothing (pages are
//! rendered there, never focused).

use leptos::{prelude::*, web_sys};

/// What can take focus from the keyboard, in document order.
pub const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type='hidden']), \
     select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// The element that had focus when it was made, given focus back by `restore` (if it is still on the page).
#[derive(Clone, Copy)]
pub struct Remembered(StoredValue<Option<web_sys::HtmlElement>, LocalStorage>);

impl Remembered {
    pub fn now() -> Remembered {
        Remembered(StoredValue::new_local(dom::active()))
    }

    pub fn restore(self) {
        if let Some(Some(element)) = self.0.try_get_value() {
            dom::focus_if_connected(&element);
        }
    }
}

/// Focuses `[data-autofocus]` inside `container`, else its first field or button other than a close button,
/// else the container itself.
pub fn first_inside(container: &web_sys::HtmlElement) {
    dom::first_inside(container);
}

/// Tab / Shift+Tab wrap around inside `container` (a modal dialog's focus trap).
pub fn keep_inside(container: &web_sys::HtmlElement, ev: &web_sys::KeyboardEvent) {
    dom::keep_inside(container, ev);
}

/// Focuses `element` and scrolls it into view (an error that appeared where the eye is not).
pub fn bring_into_view(element: &web_sys::HtmlElement) {
    dom::bring_into_view(element);
}

/// A field that takes focus when it appears (the field of a form a button just opened).
pub fn takes_focus() -> NodeRef<leptos::html::Input> {
    let node = NodeRef::<leptos::html::Input>::new();
    node.on_load(|input| bring_into_view(&input));
    node
}

/// Keeps the keyboard where it was across a re-render that replaces the controls (a filter change reloads
/// the page's data and its filter bar): `keep_for_next_render` notes the control, `restore_kept`, called
/// when the new controls are on the page, focuses it again and brings the results (`[data-results]`) into
/// view if they are out of sight.
pub fn keep_for_next_render(selector: String) {
    dom::keep(selector);
}

pub fn restore_kept() {
    dom::restore_kept();
}

/// The control `keep_for_next_render` noted, if any (a bar may open the section that holds it).
pub fn kept() -> Option<String> {
    dom::kept()
}

/// The `name` of the focused form control, if any.
pub fn focused_name() -> Option<String> {
    dom::focused_name()
}

/// Focuses the element `selector` finds in the page, scrolling it into view (after the DOM has settled).
pub fn element(selector: String) {
    dom::focus_selector(selector);
}

/// Focuses the element a keyboard user goes to from `from` (an item of a group) in `direction`: the
/// previous / next sibling matching `item`, the first or the last.
pub fn sibling(from: &web_sys::Element, item: &str, direction: Step) -> bool {
    dom::sibling(from, item, direction)
}

/// In a row of groups (a board's columns): focuses the item at the same position (or the last) in the
/// nearest group before or after `from`'s that has items.
pub fn across(from: &web_sys::Element, group: &str, item: &str, forward: bool) -> bool {
    dom::across(from, group, item, forward)
}

/// Focuses the first `target` inside the nearest `group` around `from` (a column's header from its first
/// card, and back).
pub fn in_group(from: &web_sys::Element, group: &str, target: &str) -> bool {
    dom::in_group(from, group, target)
}

/// Follows the first link inside `element` (Enter on a card opens its page).
pub fn follow_link(element: &web_sys::Element) {
    dom::follow_link(element);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Previous,
    Next,
    First,
    Last,
}

impl Step {
    /// The step an arrow, Home or End key asks for in a vertical group.
    pub fn vertical(key: &str) -> Option<Step> {
        match key {
            "ArrowUp" => Some(Step::Previous),
            "ArrowDown" => Some(Step::Next),
            "Home" => Some(Step::First),
            "End" => Some(Step::Last),
            _ => None,
        }
    }
}

#[cfg(feature = "hydrate")]
mod dom {
    use super::{FOCUSABLE, Step};
    use leptos::{prelude::*, wasm_bindgen::JsCast, web_sys};

    pub fn active() -> Option<web_sys::HtmlElement> {
        document().active_element()?.dyn_into::<web_sys::HtmlElement>().ok()
    }

    pub fn focus_if_connected(element: &web_sys::HtmlElement) {
        if element.is_connected() {
            let _ = element.focus();
        }
    }

    fn items(container: &web_sys::Element, selector: &str) -> Vec<web_sys::HtmlElement> {
        let Ok(list) = container.query_selector_all(selector) else { return Vec::new() };
        (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlElement>().ok()).collect()
    }

    pub fn first_inside(container: &web_sys::HtmlElement) {
        let target = container
            .query_selector("[data-autofocus]")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            .or_else(|| items(container, FOCUSABLE).into_iter().find(|e| !e.class_list().contains("dialog__close")));
        match target {
            Some(element) => {
                let _ = element.focus();
            }
            None => {
                let _ = container.set_attribute("tabindex", "-1");
                let _ = container.focus();
            }
        }
    }

    pub fn keep_inside(container: &web_sys::HtmlElement, ev: &web_sys::KeyboardEvent) {
        let all = items(container, FOCUSABLE);
        let (Some(first), Some(last)) = (all.first(), all.last()) else { return };
        let current = active();
        let inside = current.as_ref().is_some_and(|c| container.contains(Some(c)));
        let wrap_to = if !inside {
            Some(first)
        } else if ev.shift_key() && current.as_ref() == Some(first) {
            Some(last)
        } else if !ev.shift_key() && current.as_ref() == Some(last) {
            Some(first)
        } else {
            None
        };
        if let Some(target) = wrap_to {
            ev.prevent_default();
            let _ = target.focus();
        }
    }

    pub fn bring_into_view(element: &web_sys::HtmlElement) {
        let _ = element.focus();
        element.scroll_into_view_with_bool(false);
    }

    thread_local! {
        static KEPT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }

    pub fn keep(selector: String) {
        KEPT.with(|k| *k.borrow_mut() = Some(selector));
    }

    pub fn kept() -> Option<String> {
        KEPT.with(|k| k.borrow().clone())
    }

    pub fn focused_name() -> Option<String> {
        document().active_element()?.get_attribute("name").filter(|n| !n.is_empty())
    }

    pub fn restore_kept() {
        let Some(selector) = KEPT.with(|k| k.borrow_mut().take()) else { return };
        request_animation_frame(move || {
            if let Some(element) = find(&selector) {
                let _ = element.focus();
            }
            if let Some(results) = document().query_selector("[data-results]").ok().flatten() {
                let top = results.get_bounding_client_rect().top();
                let height = window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0);
                if top > height * 0.8 || top < 0.0 {
                    results.scroll_into_view_with_bool(true);
                }
            }
        });
    }

    /// The page's element that `selector` finds, if it can take focus.
    fn find(selector: &str) -> Option<web_sys::HtmlElement> {
        document().query_selector(selector).ok().flatten()?.dyn_into::<web_sys::HtmlElement>().ok()
    }

    pub fn focus_selector(selector: String) {
        // After Leptos has applied the change that made the element (the next frame).
        request_animation_frame(move || {
            if let Some(element) = find(&selector) {
                bring_into_view(&element);
            }
        });
    }

    pub fn across(from: &web_sys::Element, group: &str, item: &str, forward: bool) -> bool {
        let Ok(Some(own)) = from.closest(group) else { return false };
        let Some(row) = own.parent_element() else { return false };
        let index = items(&own, item).iter().position(|e| e.unchecked_ref::<web_sys::Element>() == from).unwrap_or(0);
        let mut groups = items(&row, group);
        let Some(at) = groups.iter().position(|g| g.unchecked_ref::<web_sys::Element>() == &own) else { return false };
        let rest: Vec<web_sys::HtmlElement> =
            if forward { groups.split_off(at + 1) } else { groups.into_iter().take(at).rev().collect() };
        for g in rest {
            let candidates = items(&g, item);
            if let Some(target) = candidates.get(index).or(candidates.last()) {
                let _ = target.focus();
                return true;
            }
        }
        false
    }

    pub fn in_group(from: &web_sys::Element, group: &str, target: &str) -> bool {
        let Ok(Some(own)) = from.closest(group) else { return false };
        match items(&own, target).first() {
            Some(t) => {
                let _ = t.focus();
                true
            }
            None => false,
        }
    }

    pub fn follow_link(element: &web_sys::Element) {
        if let Ok(Some(link)) = element.query_selector("a[href]")
            && let Ok(link) = link.dyn_into::<web_sys::HtmlElement>()
        {
            link.click();
        }
    }

    pub fn sibling(from: &web_sys::Element, item: &str, direction: Step) -> bool {
        let Some(parent) = from.parent_element() else { return false };
        let all: Vec<web_sys::HtmlElement> =
            items(&parent, item).into_iter().filter(|e| e.parent_element().as_ref() == Some(&parent)).collect();
        let here = all.iter().position(|e| e.unchecked_ref::<web_sys::Element>() == from);
        let target = match (direction, here) {
            (Step::First, _) => all.first(),
            (Step::Last, _) => all.last(),
            (Step::Previous, Some(i)) => i.checked_sub(1).and_then(|i| all.get(i)),
            (Step::Next, Some(i)) => all.get(i + 1),
            (_, None) => None,
        };
        match target {
            Some(t) => {
                let _ = t.focus();
                true
            }
            None => false,
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod dom {
    use super::Step;
    use leptos::web_sys;

    pub fn active() -> Option<web_sys::HtmlElement> {
        None
    }
    pub fn focus_if_connected(_: &web_sys::HtmlElement) {}
    pub fn first_inside(_: &web_sys::HtmlElement) {}
    pub fn keep_inside(_: &web_sys::HtmlElement, _: &web_sys::KeyboardEvent) {}
    pub fn focus_selector(_: String) {}
    pub fn keep(_: String) {}
    pub fn restore_kept() {}
    pub fn kept() -> Option<String> {
        None
    }
    pub fn focused_name() -> Option<String> {
        None
    }
    pub fn bring_into_view(_: &web_sys::HtmlElement) {}
    pub fn sibling(_: &web_sys::Element, _: &str, _: Step) -> bool {
        false
    }
    pub fn across(_: &web_sys::Element, _: &str, _: &str, _: bool) -> bool {
        false
    }
    pub fn follow_link(_: &web_sys::Element) {}
    pub fn in_group(_: &web_sys::Element, _: &str, _: &str) -> bool {
        false
    }
}
