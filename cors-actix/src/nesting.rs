//! How CORS layers inside one another learn of each other from data, not from the order Actix
//! builds them in.
//!
//! - Which layer covered a request: each layer puts its [`Covered`] mark in the request's app
//!   data as the request goes in (a `#[cors]` resource carries one in its own app data, which
//!   Actix adds when it routes the request there). After the inner service, a layer finds the
//!   innermost mark: when it is another layer's, that layer wrote the headers (or answered the
//!   preflight) and this one leaves the response alone. The request, not the response, carries
//!   the mark: a response that middleware in between builds anew still belongs to the policy
//!   that covered its request.
//! - Whether a preflight may be answered before routing: only when no CORS policy inside could
//!   answer it. A `#[cors]` route registers its resource name in [`ROUTE_NAMES`] when the
//!   program links; a default layer looks those names up in its application's resource map
//!   (once, at its first request). A `Cors` wrapping a scope or resource inside another is
//!   declared on the outer one with [`Cors::with_nested_cors`](crate::Cors::with_nested_cors).

use std::rc::Rc;

use actix_web::dev::{Extensions, ServiceRequest};
use actix_web::error::UrlGenerationError;
use actix_web::HttpRequest;
use cors_shared::WriteProtection;

use crate::protection::FromOutside;

/// The mark of the CORS layer that covers a request, in the request's app data.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Covered(usize);

impl Covered {
    /// The mark of every `#[cors]` resource.
    pub const ROUTE: Covered = Covered(0);
}

/// A layer's mark, and the app data container that carries it (built once per worker).
#[derive(Debug)]
pub(crate) struct Mark {
    own: Covered,
    container: Rc<Extensions>,
}

impl Mark {
    /// The mark of the layer identified by `id` (distinct for each `Cors`, never 0), with the
    /// layer's own write protection, if it has one, for the layers inside that inherit it.
    pub(crate) fn new(id: usize, protection: Option<&WriteProtection>) -> Self {
        let own = Covered(id);
        let mut container = Extensions::new();
        container.insert(own);
        if let Some(protection) = protection {
            container.insert(FromOutside(protection.clone()));
        }
        Mark {
            own,
            container: Rc::new(container),
        }
    }

    /// Marks a request this layer covers, for the layers outside it.
    #[inline]
    pub(crate) fn put(&self, req: &mut ServiceRequest) {
        req.add_data_container(Rc::clone(&self.container));
    }

    /// Whether a layer inside this one covered the request.
    #[inline]
    pub(crate) fn covered_inside(&self, req: &HttpRequest) -> bool {
        req.app_data::<Covered>().is_some_and(|c| *c != self.own)
    }
}

/// The resource names of the `#[cors]` handlers of the program, registered as it links.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static ROUTE_NAMES: [&'static str];

/// Whether the application of `req` has a `#[cors]` route: one of [`ROUTE_NAMES`] is a resource
/// of its resource map. (A name that a plain resource of this application shares with a
/// `#[cors]` handler of another counts too: preflights then go through routing, which is always
/// correct.)
#[cold]
pub(crate) fn has_route_policies(req: &HttpRequest) -> bool {
    ROUTE_NAMES.iter().any(|name| {
        !matches!(
            req.url_for_static(name),
            Err(UrlGenerationError::ResourceNotFound)
        )
    })
}

/// Whether the resource that routing finds first for the path of `req` is a `#[cors]` route's,
/// whose policy then decides the request (by path only: guards are not run).
#[cold]
pub(crate) fn route_policy_at(req: &HttpRequest) -> bool {
    req.resource_map()
        .match_name(req.path())
        .is_some_and(|name| ROUTE_NAMES.contains(&name))
}
