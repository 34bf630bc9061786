//! The error every server function returns: serializable so the browser gets the same typed value, with a
//! message that tells the user what to do. Internals go to the log, never to the user.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input is wrong; the message says what to fix.
    #[error("{0}")]
    Validation(String),
    /// The thing does not exist, or belongs to someone the caller may not see (the same answer on purpose).
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("You are not allowed to {0}.")]
    Forbidden(String),
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Sign-in was refused; the message says why as far as it is safe to say.
    #[error("{0}")]
    SignInRefused(String),
    /// The thing already exists or the change collides with the current state (duplicate email, plan limit).
    #[error("{0}")]
    Conflict(String),
    /// The record would repeat one that exists (the same UEI, the same e-mail): the message names it and
    /// `href` opens it.
    #[error("{message}")]
    Exists { message: String, href: String },
    #[error("{0}")]
    TooManyRequests(String),
    /// No active organization answers at this address.
    #[error("No active organization is available at \"{0}\". Check the address, or ask your administrator.")]
    UnknownTenant(String),
    #[error("The service is busy or restarting. Please try again in a moment.")]
    Unavailable,
    /// An upload past the configured size limit; the message names the limit.
    #[error("{0}")]
    TooLarge(String),
    /// A file whose bytes are not of an accepted type (or not what its name says); the message says why.
    #[error("{0}")]
    UnsupportedFile(String),
    #[error("File storage is unavailable right now, so nothing was saved. Please try again in a few minutes.")]
    StorageUnavailable,
    /// The same outage met by a read (a download): nothing is lost, the file cannot be sent now.
    #[error(
        "File storage is unavailable right now, so the file cannot be opened. It is safe; please try again in a few minutes."
    )]
    StorageUnreadable,
    /// Something failed on the server; the reference finds the full story in the log.
    #[error("Something went wrong on our side. Please try again; if it keeps happening, quote reference {0}.")]
    Internal(String),
    /// The request never got a proper answer (network down, server unreachable ...).
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

/// A closed set's parser refused a value: the message names the set and what it accepts.
impl From<crate::closed_set::UnknownVariant> for AppError {
    fn from(err: crate::closed_set::UnknownVariant) -> AppError {
        AppError::Validation(err.to_string())
    }
}

/// An id that is not one (a mistyped address): the message names the kind of id.
impl From<crate::ids::InvalidId> for AppError {
    fn from(err: crate::ids::InvalidId) -> AppError {
        AppError::Validation(err.to_string())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let err = match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::Validation(format!("The request was malformed: {msg}"))
            }
            other => AppError::Transport(other.to_string()),
        };
        // On the server this runs when the arguments did not decode: answer 422, not 500.
        #[cfg(feature = "ssr")]
        let err = ssr::respond_with(err);
        err
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! Mapping to HTTP, once, and the logging of internal failures.

    use super::AppError;
    use crate::request::RequestScope;
    use axum::http::StatusCode;
    use std::panic::Location;

    impl AppError {
        pub fn status(&self) -> StatusCode {
            match self {
                AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::NotFound(_) | AppError::UnknownTenant(_) => StatusCode::NOT_FOUND,
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                AppError::Unauthenticated | AppError::SignInRefused(_) => StatusCode::UNAUTHORIZED,
                AppError::Conflict(_) | AppError::Exists { .. } => StatusCode::CONFLICT,
                AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
                AppError::Unavailable | AppError::StorageUnavailable | AppError::StorageUnreadable => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
                AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                AppError::UnsupportedFile(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                AppError::Internal(_) | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }

        /// Logs an unexpected failure with its whole source chain and returns the user-facing error that
        /// carries only the request id.
        pub fn internal(err: &(dyn std::error::Error + 'static), request_id: &str) -> AppError {
            tracing::error!(request_id, error = %chain(err), "internal error");
            AppError::Internal(request_id.to_string())
        }

        /// Maps a database error met at `at`: an outage (no connection, a lost one, a server shutting down or
        /// starting) is "try again" (503); a value the database refused (too long, out of range, not
        /// allowed) is the caller's to fix (422) and a backstop behind the checks where input enters; the
        /// rest is internal. The log names the statement's place in the code and the whole error.
        pub fn from_db(err: sqlx::Error, request_id: &str, at: &Location<'_>) -> AppError {
            match classify_db(&err) {
                DbFailure::Outage => {
                    tracing::warn!(request_id, at = %at, error = %err, "database unavailable");
                    AppError::Unavailable
                }
                DbFailure::RefusedValue(message) => {
                    tracing::warn!(request_id, at = %at, error = %err, "database refused a value that passed the checks");
                    AppError::Validation(message)
                }
                DbFailure::Other => {
                    tracing::error!(request_id, at = %at, error = %chain(&err), "database error");
                    AppError::Internal(request_id.to_string())
                }
            }
        }
    }

    /// `?` on a query's result: the error is logged with where the query was called, an outage closes the
    /// database gate (see `db::DbGate`), and the user gets the message of `from_db` with the request's
    /// reference.
    impl From<sqlx::Error> for AppError {
        #[track_caller]
        fn from(err: sqlx::Error) -> AppError {
            let at = Location::caller();
            let scope = RequestScope::current();
            if is_outage(&err)
                && let Some(scope) = &scope
            {
                scope.db_gate.trip();
            }
            AppError::from_db(err, scope.as_ref().map_or("-", |s| s.request_id.as_str()), at)
        }
    }

    /// An error and its sources, outermost first: "a: b: c".
    fn chain(err: &(dyn std::error::Error + 'static)) -> String {
        let mut chain = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        chain
    }

    /// Whether a database error means the database is out of reach (the request found nothing wrong with
    /// what it asked).
    pub fn is_outage(err: &sqlx::Error) -> bool {
        matches!(classify_db(err), DbFailure::Outage)
    }

    enum DbFailure {
        Outage,
        RefusedValue(String),
        Other,
    }

    fn classify_db(err: &sqlx::Error) -> DbFailure {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => {
                DbFailure::Outage
            }
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                match code.as_ref() {
                    // connection_exception, operator_intervention (admin_shutdown, crash_shutdown,
                    // cannot_connect_now), insufficient_resources (too_many_connections).
                    c if c.starts_with("08") || c.starts_with("57P") || c == "53300" => DbFailure::Outage,
                    // string_data_right_truncation, numeric_value_out_of_range, datetime_field_overflow,
                    // invalid_datetime_format, character_not_in_repertoire, untranslatable_character,
                    // invalid_text_representation, check_violation.
                    "22001" | "22003" | "22008" | "22007" | "22021" | "22P05" | "22P02" | "23514" => DbFailure::RefusedValue(
                        "A value is too long, out of range or not allowed here; check what you entered and try again.".into(),
                    ),
                    _ => DbFailure::Other,
                }
            }
            _ => DbFailure::Other,
        }
    }

    /// Runs a server function's body and gives its error the matching HTTP status.
    pub async fn serve<T>(body: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
        body.await.map_err(respond_with)
    }

    /// Sets the HTTP status of the server function's response to match the error, then hands it back.
    pub fn respond_with(err: AppError) -> AppError {
        if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            options.set_status(err.status());
        }
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_tell_the_user_what_to_do() {
        assert_eq!(AppError::NotFound("Project".into()).to_string(), "Project was not found.");
        assert!(AppError::Internal("req-1".into()).to_string().contains("reference req-1"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn outages_are_503_and_refused_values_422() {
        use axum::http::StatusCode;
        let here = std::panic::Location::caller();
        let lost =
            AppError::from_db(sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)), "r1", here);
        assert_eq!((lost.clone(), lost.status()), (AppError::Unavailable, StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(AppError::from_db(sqlx::Error::PoolTimedOut, "r2", here), AppError::Unavailable);
        assert_eq!(AppError::from_db(sqlx::Error::RowNotFound, "r3", here), AppError::Internal("r3".into()));
        assert_eq!(AppError::StorageUnreadable.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn survives_the_trip_to_the_browser() {
        let err = AppError::Validation("Name is required.".into());
        let bytes = err.ser();
        assert_eq!(AppError::de(bytes), err);
    }
}
