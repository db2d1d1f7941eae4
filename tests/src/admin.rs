//! The admin routes of the conformance servers (`PUT /admin/tenants`, `PUT /admin/global`),
//! written once so that both adapters answer with the same statuses and bytes. Each adapter
//! only moves the body in and the [`Answer`] out.
//!
//! A replaced global policy is not stored by the handler: the handler validates it and hands
//! it back ([`read_global`]), and the adapter stores it once the CORS layer has written the
//! response's headers. The adapters decide the default policy when the response is written,
//! so storing it earlier would answer the replacing request with the new policy, where the
//! contract wants the one in force when the request arrived.

use cors_shared::{OriginSet, Policy, PolicyErrors, PolicySpec};
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

/// `PUT /admin/global`, before anything changes: `body` is a JSON object with the keys of
/// [`PolicySpec`] (those of `Rocket.toml`'s `cors` table). The validated policy, for the adapter
/// to store once the response's CORS headers are written, or the answer that refuses it: 422
/// `{"errors": ["...", ...]}` for a policy that breaks a rule, 400 `{"error": "..."}` for a
/// body that is not such an object (unknown keys included).
pub fn read_global(body: &[u8]) -> Result<Policy, Answer> {
    let spec: PolicySpec = serde_json::from_slice(body).map_err(|e| {
        Answer::malformed(
            "a JSON object with the keys of a CORS policy, such as {\"origins\": [\"https://app.example.re\"]}",
            &e,
        )
    })?;
    spec.validate().map_err(|errors| {
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
    })
}

/// The answer to an accepted `PUT /admin/global`: 200 `{"ok": true}`.
pub fn global_replaced() -> Answer {
    Answer {
        status: 200,
        body: "{\"ok\":true}".to_owned(),
    }
}
