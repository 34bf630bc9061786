//! An instant as the server writes it (UTC, the same text on both sides: no hydration mismatch), followed,
//! once the page runs in the browser, by the reader's own local time. A deadline of 17:00 Eastern reads
//! "Mar 4, 2027 22:00 UTC (Mar 4, 2027, 5:00 PM your time)".

use crate::format;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[component]
pub fn LocalTime(at: DateTime<Utc>) -> impl IntoView {
    let local = RwSignal::new(None::<String>);
    Effect::new(move |_| local.set(in_reader_zone(at)));
    view! {
        <time datetime=at.to_rfc3339()>{format::date_time(at)}</time>
        {move || local.get().map(|l| view! { <span class="local-time">{format!(" ({l} your time)")}</span> })}
    }
}

#[cfg(feature = "hydrate")]
fn in_reader_zone(at: DateTime<Utc>) -> Option<String> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64));
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into()).ok()?;
    js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into()).ok()?;
    date.to_locale_string("en-US", &options).as_string()
}

#[cfg(not(feature = "hydrate"))]
fn in_reader_zone(_at: DateTime<Utc>) -> Option<String> {
    None
}
