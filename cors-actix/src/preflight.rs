//! The answer to a preflight: 204 with the decision's headers when allowed, 403 with only
//! `Vary` when refused. The handler never runs for it.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use cors_shared::Decision;

use crate::headers::{self, Prepared};
use crate::request::Reuse;

/// The status of the answer when the request is a preflight; `None` for any other request,
/// which goes on to the application.
#[inline]
pub(crate) fn status(decision: &Decision<'_>) -> Option<StatusCode> {
    decision
        .preflight_status()
        .and_then(|status| StatusCode::from_u16(status).ok())
}

/// The answer, with status `status` (from [`status`]).
#[inline(never)]
pub(crate) fn answer(
    status: StatusCode,
    decision: &Decision<'_>,
    request: Reuse<'_>,
    prepared: &Prepared,
) -> HttpResponse {
    let mut response = HttpResponse::new(status);
    headers::write(
        decision.headers(),
        request,
        prepared,
        response.headers_mut(),
    );
    response
}
