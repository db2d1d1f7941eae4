//! Mount bases with a policy of their own ([`Cors::mount_policy`](crate::Cors::mount_policy)):
//! checked at ignite, then matched with each request's path.

use cors_shared::PolicySource;
use rocket::http::uri::Origin;
use rocket::Request;

/// A mount base with its own policy, checked at ignite.
#[derive(Debug)]
pub(crate) struct Mount {
    /// The base as written, for the log.
    pub(crate) base: String,
    /// Its (decoded) path segments.
    segments: Vec<String>,
    pub(crate) policy: PolicySource,
}

impl Mount {
    /// Whether `request`'s path is this base or below it.
    pub(crate) fn covers(&self, request: &Request<'_>) -> bool {
        let mut path = request.uri().path().segments();
        self.segments
            .iter()
            .all(|segment| path.next() == Some(segment.as_str()))
    }
}

/// The mount bases as given to `Cors::mount_policy`, checked: longest first, or one problem per
/// bad base.
pub(crate) fn check(given: &[(String, PolicySource)]) -> Result<Vec<Mount>, Vec<String>> {
    let mut mounts: Vec<Mount> = Vec::new();
    let mut problems = Vec::new();
    for (base, policy) in given {
        let problem = |why: &str| {
            format!(
                "- the CORS mount policy for `{base}`: {why}; write the path the routes are \
                 mounted at, such as `Cors::new(default).mount_policy(\"/admin\", admin)`"
            )
        };
        let uri = match Origin::parse_route(base) {
            Ok(uri) => uri,
            Err(error) => {
                problems.push(problem(&format!(
                    "`{base}` is not a path Rocket can mount at ({error})"
                )));
                continue;
            }
        };
        if uri.query().is_some() {
            problems.push(problem("a mount base has no query"));
            continue;
        }
        if uri
            .path()
            .raw_segments()
            .any(|s| s.as_str().starts_with('<'))
        {
            problems.push(problem(
                "dynamic segments are not supported in a CORS mount base; give the routes \
                 their policy with #[cors] instead",
            ));
            continue;
        }
        let segments: Vec<String> = uri
            .path()
            .segments()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if let Some(other) = mounts.iter().find(|m| m.segments == segments) {
            problems.push(format!(
                "- the CORS mount policy for `{base}`: `{}` already has one, and a base has \
                 one policy; remove one of the two",
                other.base
            ));
            continue;
        }
        mounts.push(Mount {
            base: base.clone(),
            segments,
            policy: policy.clone(),
        });
    }
    // The longest base that covers a path is the first found.
    mounts.sort_by_key(|m| std::cmp::Reverse(m.segments.len()));
    if problems.is_empty() {
        Ok(mounts)
    } else {
        Err(problems)
    }
}
