//! Sending a file with upload progress (XMLHttpRequest: fetch() cannot report it), for every uploader in the
//! app: documents and CSV imports. Browser-only.

use crate::error::AppError;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{File, ProgressEvent, XmlHttpRequest};

/// POSTs `file` as the body to `url`; `progress` follows the bytes sent (0.0–1.0), and `done` gets the
/// answer's body (status 201) or a message saying what went wrong (the server's own, when it gave one).
/// `aborted` is called if the request is cancelled. The request is returned so it can be cancelled.
pub fn send(
    url: &str,
    file: &File,
    progress: RwSignal<f64>,
    done: impl Fn(Result<String, String>) + 'static,
    aborted: impl Fn() + 'static,
) -> Option<XmlHttpRequest> {
    let done = std::rc::Rc::new(done);
    let Ok(request) = XmlHttpRequest::new() else {
        done(Err("This browser cannot upload files.".into()));
        return None;
    };
    if request.open("POST", url).is_err() {
        done(Err("The upload could not start.".into()));
        return None;
    }
    let _ = request.set_request_header("accept", "application/json");
    if let Ok(upload) = request.upload() {
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |ev: ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                progress.try_set(ev.loaded() / ev.total());
            }
        });
        upload.set_onprogress(Some(on_progress.into_js_value().unchecked_ref()));
    }
    let answered = request.clone();
    let on_load_done = done.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let status = answered.status().unwrap_or(0);
        let body = answered.response_text().ok().flatten().unwrap_or_default();
        if status == 201 {
            progress.try_set(1.0);
            on_load_done(Ok(body));
        } else {
            let message = serde_json::from_str::<AppError>(&body)
                .map(|e| e.to_string())
                .unwrap_or_else(|_| format!("The server answered {status}; nothing was saved."));
            on_load_done(Err(message));
        }
    });
    request.set_onload(Some(on_load.into_js_value().unchecked_ref()));
    let on_error_done = done.clone();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        on_error_done(Err("The connection broke during the upload; nothing was saved. Try again.".into()))
    });
    request.set_onerror(Some(on_error.into_js_value().unchecked_ref()));
    let on_abort = Closure::<dyn FnMut()>::new(aborted);
    request.set_onabort(Some(on_abort.into_js_value().unchecked_ref()));
    if request.send_with_opt_blob(Some(file)).is_err() {
        done(Err("The upload could not start.".into()));
        return None;
    }
    Some(request)
}
