//! Errors from behind a CORS middleware: the response Actix makes from them carries the CORS
//! headers too, and a preflight that no layer inside answered gets the policy's answer instead.

use std::fmt;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{Error, HttpResponse, ResponseError};

use crate::config::{Config, Role};
use crate::decision::Kept;
use crate::log::Refused;
use crate::{headers, log, preflight};

/// An error from behind a CORS middleware, whose response carries the CORS headers.
#[derive(Debug)]
pub(crate) struct CorsError {
    inner: Error,
    config: Arc<Config>,
    kept: Box<Kept>,
    /// A preflight no layer inside answered: the response is the policy's answer, with this
    /// status, not the error's.
    answer: Option<StatusCode>,
}

impl CorsError {
    /// Attaches what the layer kept to an error from the inner service, unless a CORS layer
    /// inside did already. (The request cannot be kept to build that response here: holding a
    /// clone of the `HttpRequest` across the inner call makes Actix's routing panic, as it needs
    /// the only reference to update the match info.)
    #[cold]
    pub(crate) fn wrap(config: &Arc<Config>, kept: Kept, error: Error) -> Error {
        if error.as_error::<CorsError>().is_some() {
            return error;
        }
        let answer = match &kept {
            Kept::Decided(verdict, _) => {
                verdict.log();
                None
            }
            Kept::Undecided(captured, _) if captured.write_refused.is_some() => {
                if let Some(Some(refused)) = &captured.write_refused {
                    refused.log();
                }
                Some(StatusCode::FORBIDDEN)
            }
            Kept::Undecided(captured, _) => {
                let policy = config.policy(kept.pinned());
                let decision = policy.decide(&captured.read().0);
                let status = preflight::status(&decision);
                if status.is_none() {
                    let refused =
                        Refused::keep(decision.refusal(), captured.method(), || None, config.role);
                    if let Some(refused) = refused {
                        refused.log();
                    }
                }
                if let Some(status) = status.filter(|_| log::debug_enabled()) {
                    log::preflight(
                        config,
                        decision.refusal(),
                        status,
                        None,
                        captured.requested_method(),
                    );
                }
                status.filter(|_| config.role == Role::Default)
            }
        };
        CorsError {
            inner: error,
            config: Arc::clone(config),
            kept: Box::new(kept),
            answer,
        }
        .into()
    }

    /// Sets the headers on `response`, or returns the policy's answer to the preflight.
    fn respond(&self, mut response: HttpResponse) -> HttpResponse {
        let prepared = &self.config.prepared;
        let policy = self.config.policy(self.kept.pinned());
        match &*self.kept {
            Kept::Decided(verdict, _) => {
                let (cors, request) = verdict.headers(&policy);
                headers::write(&cors, request, prepared, response.headers_mut());
            }
            Kept::Undecided(captured, _) if captured.write_refused.is_some() => {
                return captured.write_refusal(prepared);
            }
            Kept::Undecided(captured, _) => {
                let (view, request) = captured.read();
                let decision = policy.decide(&view);
                match self.answer {
                    Some(status) => return preflight::answer(status, &decision, request, prepared),
                    None => headers::write(
                        decision.headers(),
                        request,
                        prepared,
                        response.headers_mut(),
                    ),
                }
            }
        }
        response
    }
}

impl fmt::Display for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl ResponseError for CorsError {
    fn status_code(&self) -> StatusCode {
        self.answer
            .unwrap_or_else(|| self.inner.as_response_error().status_code())
    }

    fn error_response(&self) -> HttpResponse {
        let response = match self.answer {
            Some(status) => HttpResponse::new(status),
            None => self.inner.error_response(),
        };
        self.respond(response)
    }
}
