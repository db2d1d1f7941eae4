//! What a forwarded request keeps of its decision until the inner service answers: for an
//! actual request, the few facts its headers are rebuilt from; for a preflight that a CORS layer
//! inside may answer, its lines, to decide only if none did.

use std::sync::Arc;

use actix_web::http::header::HeaderValue;
use cors_shared::{CorsHeaders, Decision, Policy, Vary};

use crate::headers::Prepared;
use crate::log::Refused;
use crate::request::{Captured, Reuse};

/// A forwarded request's decision, owned, so that it outlives the request (which moves into the
/// inner service and does not come back on an error): taken as the request arrived, or left
/// until the inner service has answered. Each keeps the version of a reloadable policy that
/// decided (or will decide) the request.
#[derive(Debug)]
pub(crate) enum Kept {
    Decided(Verdict, Option<Arc<Policy>>),
    /// Boxed, in a box the worker reuses: it is large, and the requests of layers with nothing
    /// inside never have one.
    Undecided(Box<Captured>, Option<Arc<Policy>>),
}

impl Kept {
    /// The version of a reloadable policy kept for the request.
    #[inline]
    pub(crate) fn pinned(&self) -> Option<&Arc<Policy>> {
        match self {
            Kept::Decided(_, pinned) | Kept::Undecided(_, pinned) => pinned.as_ref(),
        }
    }
}

/// What an actual response gets from the decision taken as its request arrived: which
/// `Access-Control-Allow-Origin`, whether the policy's credentials and expose list apply, the
/// `Vary` tokens, and the refusal for the log. The values themselves stay in the policy and the
/// prepared headers until they are written.
#[derive(Debug)]
pub(crate) struct Verdict {
    allow_origin: AllowOrigin,
    allow_credentials: bool,
    expose_headers: bool,
    vary: Vary,
    refused: Option<Box<Refused>>,
}

/// Which `Access-Control-Allow-Origin` value a response gets.
#[derive(Debug)]
enum AllowOrigin {
    None,
    Star,
    /// The value prepared for the policy's exact origin at this index.
    Prepared(usize),
    /// The request's own `Origin` (a pattern, a runtime set, a reloadable policy's origin).
    Request(HeaderValue),
}

impl Verdict {
    /// Keeps what `decision`, of an actual request, says. The preflight-only headers are named
    /// and dropped: an actual request's decision never has them.
    #[inline]
    pub(crate) fn keep(
        decision: &Decision<'_>,
        request: Reuse<'_>,
        prepared: &Prepared,
        refused: Option<Box<Refused>>,
    ) -> Self {
        let CorsHeaders {
            allow_origin,
            fixed_origin,
            allow_credentials,
            allow_methods: _,
            allow_headers: _,
            allow_private_network: _,
            max_age: _,
            expose_headers,
            vary,
        } = *decision.headers();
        let allow_origin = match (allow_origin, fixed_origin, request.origin) {
            (None, _, _) => AllowOrigin::None,
            (Some("*"), _, _) => AllowOrigin::Star,
            (Some(_), Some(i), _) if prepared.has_origin(i) => AllowOrigin::Prepared(i),
            (Some(_), _, Some(value)) => AllowOrigin::Request(value.clone()),
            // The core allows only an origin the request sent.
            (Some(_), _, None) => AllowOrigin::None,
        };
        Verdict {
            allow_origin,
            allow_credentials,
            expose_headers: expose_headers.is_some(),
            vary,
            refused,
        }
    }

    /// The headers to write, from `policy` (the one that decided) and the kept values.
    #[inline]
    pub(crate) fn headers<'a>(&'a self, policy: &'a Policy) -> (CorsHeaders<'a>, Reuse<'a>) {
        let mut request = Reuse::default();
        let (allow_origin, fixed_origin) = match &self.allow_origin {
            AllowOrigin::None => (None, None),
            AllowOrigin::Star => (Some("*"), None),
            AllowOrigin::Prepared(i) => (policy.fixed_origins().nth(*i), Some(*i)),
            AllowOrigin::Request(value) => {
                request.origin = Some(value);
                (value.to_str().ok(), None)
            }
        };
        let headers = CorsHeaders {
            allow_origin,
            fixed_origin,
            allow_credentials: self.allow_credentials,
            allow_methods: None,
            allow_headers: None,
            allow_private_network: false,
            max_age: None,
            expose_headers: self.expose_headers.then(|| policy.expose_value()).flatten(),
            vary: self.vary,
        };
        (headers, request)
    }

    /// Logs the refusal, if the request was refused and the log wants it.
    #[inline]
    pub(crate) fn log(&self) {
        if let Some(refused) = &self.refused {
            refused.log();
        }
    }
}
