//! Launch fails when `#[cors]` routes are mounted and no CORS fairing is attached.
//!
//! Without the fairing, nothing would apply a route's policy or answer its preflights, and
//! nothing of this crate would run to say so. `#[cors]` writes the handler's return type `R` as
//! `Checked<R, AttachCorsFairing>` (the same type), and Rocket's route attribute queries every
//! `Sentinel` named in a handler's signature as the application launches.

use rocket::{Ignite, Rocket, Sentinel};

use crate::registry::{RouteEntry, ROUTES};
use crate::runtime::Runtime;

/// The sentinel of every `#[cors]` route: stops launch, naming the routes, when no CORS fairing
/// was ignited on the application that mounts them. Not public API.
#[derive(Debug)]
pub struct AttachCorsFairing;

impl Sentinel for AttachCorsFairing {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        if rocket.state::<Runtime>().is_some() {
            return false;
        }
        let routes: Vec<String> = rocket
            .routes()
            .filter(|r| ROUTES.iter().any(|e: &RouteEntry| e.matches(r)))
            .map(|r| format!("{} {}", r.method, r.uri))
            .collect();
        log::error!(
            target: "cors_rocket",
            "the #[cors] route{} {} {} mounted, but no CORS fairing is attached, so no policy \
             would be applied and preflights would get 404: add `.attach(Cors::from_config())` \
             (or `Cors::new(policy)`) to this Rocket, after every fairing that mounts routes",
            if routes.len() == 1 { "" } else { "s" },
            routes.join(", "),
            if routes.len() == 1 { "is" } else { "are" },
        );
        true
    }
}
