//! The example of the guide's Rocket chapter (`docs/guide/src/rocket.md`): a default policy read
//! from `Rocket.toml`, a named policy shared by two handlers, and a handler with a policy of its
//! own.
//!
//! Run it from this directory so that Rocket finds `Rocket.toml`:
//! `cd cors-rocket/examples && cargo run --example readme`.

use cors_rocket::{cors, policy, Cors};
use rocket::http::Header;
use rocket::{get, launch, put, routes, Build, Responder, Rocket};

// A named policy, checked by the compiler, shared by both account handlers.
policy! {
    /// Who may read and change the signed-in user's account.
    pub ACCOUNT = {
        origins = ["https://app.example.re"],
        credentials,
        methods = [GET, PUT],
        headers = ["content-type"],
        max_age = 600,
    };
}

#[cors(policy = ACCOUNT)]
#[get("/account")]
fn account() -> &'static str {
    "{\"name\":\"Ada\"}"
}

#[cors(policy = ACCOUNT)]
#[put("/account", data = "<body>")]
fn update_account(body: &str) -> String {
    format!("saved {} bytes", body.len())
}

#[derive(Responder)]
struct Listing {
    body: &'static str,
    total: Header<'static>,
}

// A policy of its own: any subdomain of example.re may read the list and its count.
#[cors(origins = ["https://*.example.re"], expose = ["x-total-count"])]
#[get("/items")]
fn items() -> Listing {
    Listing {
        body: "[1,2,3]",
        total: Header::new("x-total-count", "3"),
    }
}

// No `#[cors]`: the default policy from Rocket.toml applies.
#[get("/health")]
fn health() -> &'static str {
    "ok"
}

/// The application on top of `rocket`, which carries the configuration.
fn app(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/", routes![account, update_account, items, health])
        // Attach CORS after every fairing that mounts routes.
        .attach(Cors::from_config())
}

#[launch]
fn rocket() -> _ {
    app(rocket::build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::config::LogLevel;
    use rocket::figment::providers::{Format, Toml};
    use rocket::http::Status;
    use rocket::local::blocking::Client;

    /// The application with this directory's `Rocket.toml`, whatever the working directory.
    fn client() -> Client {
        let figment = rocket::Config::figment()
            .merge(Toml::string(include_str!("Rocket.toml")).nested())
            .merge(("log_level", LogLevel::Off));
        Client::tracked(app(rocket::custom(figment))).unwrap()
    }

    #[test]
    fn the_readme_example_behaves_as_described() {
        let client = client();
        let res = client
            .options("/account")
            .header(Header::new("Origin", "https://app.example.re"))
            .header(Header::new("Access-Control-Request-Method", "PUT"))
            .header(Header::new(
                "Access-Control-Request-Headers",
                "content-type",
            ))
            .dispatch();
        assert_eq!(res.status(), Status::NoContent);
        let h = res.headers();
        assert_eq!(
            h.get_one("access-control-allow-origin"),
            Some("https://app.example.re")
        );
        assert_eq!(h.get_one("access-control-allow-credentials"), Some("true"));
        assert_eq!(h.get_one("access-control-allow-methods"), Some("PUT"));
        assert_eq!(
            h.get_one("access-control-allow-headers"),
            Some("content-type")
        );
        assert_eq!(h.get_one("access-control-max-age"), Some("600"));

        let res = client
            .get("/items")
            .header(Header::new("Origin", "https://shop.example.re"))
            .dispatch();
        let h = res.headers();
        assert_eq!(
            h.get_one("access-control-allow-origin"),
            Some("https://shop.example.re")
        );
        assert_eq!(
            h.get_one("access-control-expose-headers"),
            Some("x-total-count")
        );

        // The default policy, from Rocket.toml, covers /health and the 404s.
        for path in ["/health", "/missing"] {
            let res = client
                .get(path)
                .header(Header::new("Origin", "https://app.example.re"))
                .dispatch();
            assert_eq!(
                res.headers().get_one("access-control-allow-origin"),
                Some("https://app.example.re"),
                "{path}"
            );
        }
        let res = client
            .get("/health")
            .header(Header::new("Origin", "https://shop.example.re"))
            .dispatch();
        assert_eq!(res.headers().get_one("access-control-allow-origin"), None);
        assert_eq!(res.headers().get_one("vary"), Some("Origin"));
    }
}
