//! The admin routes of the conformance servers (`PUT /admin/tenants`, `PUT /admin/global`),
//! written once so that both adapters answer with the same statuses and bytes. Each adapter
//! only moves the body in and the [`Answer`] out.
//!
//! The handler of `PUT /admin/global` replaces the policy itself: both adapters decide a request
//! with the version in force when it arrived, so the request that replaces the policy is still
//! answered by the old one, as the contract wants.

use cors_shared::{OriginSet, PolicyErrors, PolicyHandle, PolicySpec};
use serde::Serialize;

/// The content type of every admin answer.
pub const JSON: &str = "application/json";

/// What an admin route answers: a status and a JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: String,
}

impl Answer {
    fn json(status: u16, body: &impl Serialize) -> Self {
        match serde_json::to_string(body) {
            Ok(body) => Answer { status, body },
            // Serializing strings and numbers does not fail.
            Err(e) => Answer {
                status: 500,
                body: format!("{{\"error\":\"cannot write the answer: {e}\"}}"),
            },
        }
    }

    /// 400 with `{"error": "..."}`: a body that is not what the route reads.
    fn malformed(what: &str, error: &serde_json::Error) -> Self {
        #[derive(Serialize)]
        struct Malformed {
            error: String,
        }
        Answer::json(
            400,
            &Malformed {
                error: format!("the body must be {what}: {error}"),
            },
        )
    }
}

/// One refused entry of a change to the set, as `PUT /admin/tenants` reports it.
#[derive(Serialize)]
struct BadEntry<'a> {
    index: usize,
    entry: &'a str,
    message: String,
}

/// `PUT /admin/tenants`: `body` is a JSON array of origin strings that replaces `set` whole.
///
/// 200 `{"origins": N}` when every entry is valid; 422 `{"errors": [{"index": I, "entry":
/// "...", "message": "..."}, ...]}` with one item per problem (an entry may break two rules)
/// and the set unchanged; 400 `{"error": "..."}` when the body is not an array of strings.
pub fn replace_tenants(set: &'static OriginSet, body: &[u8]) -> Answer {
    let entries: Vec<String> = match serde_json::from_slice(body) {
        Ok(entries) => entries,
        Err(e) => {
            return Answer::malformed(
                "a JSON array of origin strings, such as [\"https://t1.example.re\"]",
                &e,
            )
        }
    };
    match set.replace(entries.iter().map(String::as_str)) {
        Ok(n) => {
            #[derive(Serialize)]
            struct Replaced {
                origins: usize,
            }
            Answer::json(200, &Replaced { origins: n })
        }
        Err(errors) => {
            #[derive(Serialize)]
            struct Refused<'a> {
                errors: Vec<BadEntry<'a>>,
            }
            let errors = errors
                .errors()
                .iter()
                .map(|e| {
                    let index = e.location().index.unwrap_or(0);
                    BadEntry {
                        index,
                        entry: e
                            .entry()
                            .or_else(|| entries.get(index).map(String::as_str))
                            .unwrap_or(""),
                        message: e.message(),
                    }
                })
                .collect();
            Answer::json(422, &Refused { errors })
        }
    }
}

/// The lines `PUT /admin/global` answers a refused policy with: `key[index]: message; fix`.
pub fn policy_problems(errors: &PolicyErrors) -> Vec<String> {
    errors
        .errors()
        .iter()
        .map(|e| format!("{}: {}; {}", e.location(), e.message(), e.fix()))
        .collect()
}

/// `PUT /admin/global`: `body` is a JSON object with the keys of [`PolicySpec`] (those of
/// `Rocket.toml`'s `cors` table), which replaces the policy of `handle`. 200 `{"ok": true}`;
/// 422 `{"errors": ["...", ...]}` for a policy that breaks a rule and 400 `{"error": "..."}` for
/// a body that is not such an object (unknown keys included), the policy in force kept.
pub fn replace_global(handle: &PolicyHandle, body: &[u8]) -> Answer {
    let spec: PolicySpec = match serde_json::from_slice(body) {
        Ok(spec) => spec,
        Err(e) => {
            return Answer::malformed(
                "a JSON object with the keys of a CORS policy, such as {\"origins\": [\"https://app.example.re\"]}",
                &e,
            )
        }
    };
    match handle.replace(&spec) {
        Ok(()) => Answer {
            status: 200,
            body: "{\"ok\":true}".to_owned(),
        },
        Err(errors) => {
            #[derive(Serialize)]
            struct Refused {
                errors: Vec<String>,
            }
            Answer::json(
                422,
                &Refused {
                    errors: policy_problems(&errors),
                },
            )
        }
    }
}
