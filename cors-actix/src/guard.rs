//! The guard that `#[cors(...)]` adds to a route, so that the route also receives the
//! preflights meant for it.

use actix_web::guard::{Guard, GuardContext};
use actix_web::http::{header, Method};

/// Lets a request reach the route unless it is an `OPTIONS` request the route should not see.
///
/// A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) passes when it asks
/// for one of `methods`, the methods of the handler, so that several handlers on one path each
/// answer the preflights for their own method; a malformed preflight (several
/// `Access-Control-Request-Method` lines) passes too, to be refused by the route's policy. Any
/// other `OPTIONS` request passes only when the handler itself handles `OPTIONS`.
pub fn preflight_guard(ctx: &GuardContext<'_>, methods: &[&str], handles_options: bool) -> bool {
    let head = ctx.head();
    if head.method != Method::OPTIONS {
        return true;
    }
    let headers = head.headers();
    let mut requested = headers.get_all(header::ACCESS_CONTROL_REQUEST_METHOD);
    let (first, second) = (requested.next(), requested.next());
    let if_preflight = match (first, second) {
        (Some(method), None) => methods.iter().any(|m| m.as_bytes() == method.as_bytes()),
        _ => true,
    };
    // `Origin` is looked up only when it changes the answer: a handler that does not route the
    // requested method and does not handle `OPTIONS` turns the request away either way.
    if if_preflight == handles_options {
        return handles_options;
    }
    let preflight = cors_shared::is_preflight(
        head.method.as_str().as_bytes(),
        headers.contains_key(header::ORIGIN),
        first.is_some(),
    );
    if preflight {
        if_preflight
    } else {
        handles_options
    }
}

/// The one guard of a handler with a route policy: its methods, and the preflights asking for
/// one of them (see [`preflight_guard`]); `OPTIONS` otherwise only when it is one of them.
#[derive(Clone, Copy, Debug)]
pub struct RouteGuard {
    methods: &'static [&'static str],
}

impl RouteGuard {
    /// The guard for a handler routing `methods`.
    pub const fn new(methods: &'static [&'static str]) -> Self {
        RouteGuard { methods }
    }
}

impl Guard for RouteGuard {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        let method = &ctx.head().method;
        if *method != Method::OPTIONS {
            return self.methods.iter().any(|m| *m == method.as_str());
        }
        preflight_guard(ctx, self.methods, self.methods.contains(&"OPTIONS"))
    }
}
