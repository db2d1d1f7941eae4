//! Public suffixes that a credentialed subdomain wildcard must not cover.
//!
//! A wildcard such as `https://*.github.io` trusts every site anyone can register under that
//! suffix. Every single-label suffix (a top-level domain) counts, and so does this list of the
//! multi-label public suffixes most often met in CORS configurations: second-level registries
//! and shared hosting platforms from the Public Suffix List. The list is deliberately a subset;
//! a suffix missing here is still accepted, so review credentialed wildcards with care.

const MULTI_LABEL: &[&str] = &[
    // Second-level registries.
    "ac.jp",
    "ac.uk",
    "co.in",
    "co.jp",
    "co.kr",
    "co.nz",
    "co.uk",
    "co.za",
    "com.ar",
    "com.au",
    "com.br",
    "com.cn",
    "com.co",
    "com.hk",
    "com.mx",
    "com.my",
    "com.pl",
    "com.sg",
    "com.tr",
    "com.tw",
    "com.ua",
    "edu.au",
    "gov.uk",
    "ltd.uk",
    "me.uk",
    "ne.jp",
    "net.au",
    "net.br",
    "or.jp",
    "org.au",
    "org.br",
    "org.nz",
    "org.uk",
    "plc.uk",
    // Shared hosting platforms (private section of the Public Suffix List).
    "amplifyapp.com",
    "appspot.com",
    "azurestaticapps.net",
    "azurewebsites.net",
    "blogspot.com",
    "cloudfront.net",
    "deno.dev",
    "firebaseapp.com",
    "fly.dev",
    "github.io",
    "githubusercontent.com",
    "gitlab.io",
    "glitch.me",
    "herokuapp.com",
    "netlify.app",
    "ngrok-free.app",
    "ngrok.io",
    "now.sh",
    "onrender.com",
    "pages.dev",
    "r2.dev",
    "railway.app",
    "readthedocs.io",
    "repl.co",
    "s3.amazonaws.com",
    "surge.sh",
    "vercel.app",
    "web.app",
    "workers.dev",
];

/// True when `suffix` (the part after `*.`) is a public suffix.
pub(crate) fn is_public_suffix(suffix: &str) -> bool {
    (!suffix.contains('.') && suffix != "localhost") || MULTI_LABEL.contains(&suffix)
}
