//! Errors from behind a CORS middleware: the response Actix makes from them carries the CORS
//! headers too.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{Error, HttpResponse, ResponseError};

use crate::cors::{Role, Shared};
use crate::outcome::{Outcome, Pending};

/// An error from behind a CORS middleware, whose response carries the CORS headers.
#[derive(Debug)]
pub(crate) struct CorsError {
    inner: Error,
    outcome: Box<Outcome>,
    /// A preflight no route answered: the response is the policy's answer, not the error's.
    replace: bool,
}

impl CorsError {
    /// Attaches the outcome to an error from the inner service. (The request cannot be kept to
    /// build that response here: holding a clone of the `HttpRequest` across the inner call
    /// makes Actix's routing panic, as it needs the only reference to update the match info.)
    #[cold]
    pub(crate) fn wrap(shared: &Shared, pending: Pending, error: Error) -> Error {
        if error.as_error::<CorsError>().is_some() {
            return error;
        }
        let outcome = pending.outcome(shared);
        outcome.log();
        let replace = shared.role == Role::Default && outcome.is_preflight();
        CorsError {
            inner: error,
            outcome: Box::new(outcome),
            replace,
        }
        .into()
    }
}

impl fmt::Display for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl ResponseError for CorsError {
    fn status_code(&self) -> StatusCode {
        match self.outcome.preflight_status() {
            Some(status) if self.replace => status,
            _ => self.inner.as_response_error().status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if self.replace {
            return self.outcome.answer();
        }
        let mut response = self.inner.error_response();
        self.outcome.apply(&mut response);
        response
    }
}
