//! From entries to a validated policy: each entry is checked against its key's shape (one
//! method per shape), the resulting `PolicySpec` goes through the core's `validate()`, and the
//! core's errors are mapped back to the tokens they are about (`diag`).

use cors_shared::{ErrorKind, Field, OriginSet, Policy, PolicySpec, Shape};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Ident, Lit, Token};

use crate::diag::{self, FieldSpans, Spans};
use crate::errors::Errors;
use crate::keys::{self, Key};
use crate::syntax::{Entry, Item, Value};

/// Stands for the user's runtime set while the macro validates everything else: the set's
/// contents are only known at run time, where the set checks them against this policy's rules.
static COMPILE_TIME_SET: OriginSet = OriginSet::new("(runtime set)");

/// What a policy's entries say, once each has been checked against its key.
pub(crate) enum Written {
    /// Inline keys, validated by the core; `set` is the runtime origin set named in `origins`.
    Spec {
        policy: Policy,
        set: Option<syn::Path>,
        /// Where the policy's notes point: the `protect_writes` key, else the whole policy.
        notes_at: proc_macro2::Span,
    },
    /// `policy = PATH`.
    Named(syn::Path),
}

/// The message for a value of the wrong type.
fn expected(key: Key) -> String {
    let name = key.name();
    let ex = key.example();
    match key {
        Key::Policy => {
            format!("`{name}` takes the name of a static declared with `policy!`: write `{ex}`")
        }
        Key::Field(Field::Origins) => format!(
            "`{name}` takes a list of string literals in brackets: write `{ex}` (or, for origins that change at run time, the name of an `OriginSet` static: `origins = TENANTS`)"
        ),
        Key::Field(Field::ProtectWrites) => format!(
            "`{name}` takes `true` or `false`: write `{ex}` to refuse cross-site writes and WebSocket handshakes from origins this policy does not allow, `{name} = false` to accept them on this route even when the application turns protection on, or leave it out to follow the application"
        ),
        Key::Field(field) => match field.shape() {
            Shape::Methods => format!(
                "`{name}` takes a list of method names in brackets: write `{ex}` (or `[\"M-SEARCH\"]` for names that are not identifiers)"
            ),
            Shape::Seconds => format!(
                "`{name}` takes a whole number of seconds (0 to {}): write `{ex}`",
                cors_shared::MAX_AGE_LIMIT
            ),
            Shape::Flag => format!(
                "`{name}` is a flag: write `{ex}` to turn it on, or leave it out (`{name} = true` and `{name} = false` also work)"
            ),
            _ => format!("`{name}` takes a list of string literals in brackets: write `{ex}`"),
        },
    }
}

/// The string inside a string-literal expression.
fn string_lit(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s),
            attrs,
        }) if attrs.is_empty() && s.suffix().is_empty() => Some(s.value()),
        _ => None,
    }
}

/// Time units a `max_age` literal may be mistakenly suffixed with, and their length in seconds.
const TIME_UNITS: [(&[&str], u64); 5] = [
    (&["ms", "millis"], 0),
    (&["s", "sec", "secs", "second", "seconds"], 1),
    (&["m", "min", "mins", "minute", "minutes"], 60),
    (&["h", "hr", "hrs", "hour", "hours"], 3600),
    (&["d", "day", "days"], 86_400),
];

/// Why an integer literal is not a plain decimal number of seconds, with the number to write.
///
/// Rust reads `10m` as the literal `10` with a suffix `m`, and `0x10` as 16: taken at face
/// value, `max_age = 10m` would send `Access-Control-Max-Age: 10`. So a suffix (a time unit or
/// a type such as `u32`) and a hexadecimal, octal or binary literal are errors naming the
/// decimal seconds to write; `_` separators (`86_400`) are fine.
fn seconds_problem(name: &str, n: &syn::LitInt) -> Option<String> {
    let suffix = n.suffix();
    let value = n.base10_parse::<u64>().ok();
    let digits = n.base10_digits();
    if !suffix.is_empty() {
        let unit = TIME_UNITS
            .iter()
            .find(|(names, _)| names.contains(&suffix))
            .map(|&(_, secs)| secs);
        let written = format!("{digits}{suffix}");
        return Some(match unit {
            Some(0) => format!(
                "`{name}` counts whole seconds and takes no unit: {}",
                write_seconds(name, &written, value.map(|ms| ms / 1000))
            ),
            Some(secs) => format!(
                "`{name}` counts seconds and takes no unit (Rust would read `{written}` as \
                 {digits}): {}",
                write_seconds(name, &written, value.and_then(|v| v.checked_mul(secs)))
            ),
            None => format!(
                "`{name}` takes a plain number of seconds, without a `{suffix}` suffix: {}",
                write_seconds(name, &written, value)
            ),
        });
    }
    let text = n.to_string();
    let kind = match text.get(..2) {
        Some("0x") => "hexadecimal",
        Some("0o") => "octal",
        Some("0b") => "binary",
        _ => return None,
    };
    Some(format!(
        "`{name}` takes seconds written in decimal, not {kind}: {}",
        write_seconds(name, &text, value)
    ))
}

/// "write `max_age = N`" for what `written` means, or the limit when it is above it.
fn write_seconds(name: &str, written: &str, seconds: Option<u64>) -> String {
    let limit = cors_shared::MAX_AGE_LIMIT;
    match seconds {
        Some(s) if s <= limit => format!("write `{name} = {s}`"),
        Some(s) => format!(
            "`{written}` is {s} seconds, above the limit of {limit}: write at most \
             `{name} = {limit}`"
        ),
        None => {
            format!("`{written}` is far above the limit of {limit} seconds: write `{name} = 600`")
        }
    }
}

/// A plain path expression (`TENANTS`, `crate::TENANTS`, `GET`).
fn plain_path(expr: &Expr) -> Option<&syn::Path> {
    match expr {
        Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() => Some(&p.path),
        _ => None,
    }
}

/// The path of a runtime origin set: a static's name, upper case by Rust's convention
/// (`TENANTS`, `crate::sets::TENANTS`). A lower-case name in `origins` is far more often an
/// origin written without its quotes, and gets that error instead.
fn set_path(expr: &Expr) -> Option<&syn::Path> {
    let path = plain_path(expr)?;
    let last = path.segments.last()?;
    let name = last.ident.unraw().to_string();
    let upper = name.chars().any(|c| c.is_ascii_uppercase())
        && !name.chars().any(|c| c.is_ascii_lowercase());
    (upper && last.arguments.is_none()).then_some(path)
}

/// The state of one interpretation.
struct Interpreter<'e> {
    errors: Errors,
    spec: PolicySpec,
    spans: Spans,
    /// `policy = PATH` and the path, when it could be read.
    named: Option<(&'e Entry, Option<syn::Path>)>,
    /// The runtime set named in `origins`.
    set: Option<syn::Path>,
    seen: Vec<(Key, &'e Ident)>,
    /// Keys whose value could not be read; the core's errors about them would only confuse.
    unreadable: Vec<Field>,
    /// An unknown key is often a misspelt `origins`: then "no origin" would be a second,
    /// misleading error about the same token.
    unknown_key: bool,
    /// List keys with an unreadable item: "the list is empty" would be wrong about them.
    partly_read: Vec<Field>,
}

/// Checks each entry against its key and builds the spec, reporting every problem.
/// `empty` is the message's opening for a policy with no entries at all.
pub(crate) fn interpret(
    entries: Vec<Entry>,
    whole: TokenStream,
    empty: &str,
) -> syn::Result<Written> {
    if entries.is_empty() {
        return Err(syn::Error::new_spanned(
            &whole,
            format!(
                "{empty}: list at least `origins`, e.g. `origins = [\"https://app.example.re\"]`, or name a `policy!` with `policy = NAME`"
            ),
        ));
    }
    let mut it = Interpreter {
        errors: Errors::default(),
        spec: PolicySpec::new(),
        spans: Spans {
            whole,
            ..Spans::default()
        },
        named: None,
        set: None,
        seen: Vec::new(),
        unreadable: Vec::new(),
        unknown_key: false,
        partly_read: Vec::new(),
    };
    for entry in &entries {
        it.entry(entry);
    }
    it.finish()
}

impl<'e> Interpreter<'e> {
    /// One entry: its key, then its value by the key's shape.
    fn entry(&mut self, entry: &'e Entry) {
        let name = entry.key.unraw().to_string();
        let Some(key) = Key::from_name(&name) else {
            self.unknown(entry, &name);
            return;
        };
        if let Some((_, first)) = self.seen.iter().find(|(k, _)| *k == key) {
            self.errors.at(
                &entry.key,
                format!("duplicate key `{name}`: each key may appear once; merge the two into one"),
            );
            self.errors.at(first, format!("`{name}` is first set here"));
            return;
        }
        self.seen.push((key, &entry.key));
        let field = match key {
            Key::Field(f) => f,
            Key::Policy => {
                self.named(entry);
                return;
            }
        };
        let mut spans = FieldSpans {
            entry: entry.to_token_stream(),
            value: entry.value.as_ref().map(ToTokens::to_token_stream),
            items: Vec::new(),
        };
        let readable = match (field.shape(), &entry.value) {
            (_, None) if field.shape() == Shape::Flag => self.flag(field, true),
            (_, None) => {
                self.errors.at(
                    entry,
                    format!("`{name}` needs a value: write `{}`", key.example()),
                );
                false
            }
            (
                Shape::Flag,
                Some(Value::Expr(Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }))),
            ) => self.flag(field, b.value),
            (
                Shape::Seconds,
                Some(Value::Expr(Expr::Lit(ExprLit {
                    lit: Lit::Int(n), ..
                }))),
            ) => self.seconds(&name, n),
            (Shape::Strings | Shape::Methods, Some(Value::List { items, .. })) => {
                self.list(key, field, items, &mut spans);
                true
            }
            (_, Some(Value::Expr(expr))) if field == Field::Origins && set_path(expr).is_some() => {
                self.origin_set(expr, &mut spans);
                true
            }
            (_, Some(value)) => {
                self.errors.at(value, expected(key));
                false
            }
        };
        if !readable {
            self.unreadable.push(field);
        }
        self.spans.fields.insert(field, spans);
    }

    /// A key that is not one, with the key it most probably stands for.
    fn unknown(&mut self, entry: &Entry, name: &str) {
        let hint = match Field::suggest_among(name, &[keys::POLICY]) {
            Some(k) => format!("; did you mean `{k}`?"),
            None => String::new(),
        };
        self.unknown_key = true;
        self.errors.at(
            &entry.key,
            format!(
                "unknown key `{name}`{hint}\n  = help: the keys are {}",
                keys::all_names()
            ),
        );
    }

    /// `policy = PATH`.
    fn named(&mut self, entry: &'e Entry) {
        let path = match &entry.value {
            Some(Value::Expr(expr)) if plain_path(expr).is_some() => plain_path(expr).cloned(),
            Some(value) => {
                self.errors.at(value, expected(Key::Policy));
                None
            }
            None => {
                self.errors.at(entry, expected(Key::Policy));
                None
            }
        };
        self.named = Some((entry, path));
    }

    /// A flag key: bare, or `= true` / `= false`.
    fn flag(&mut self, field: Field, on: bool) -> bool {
        self.spec.set_flag(field, on)
    }

    /// `max_age = N`: a plain decimal number of seconds (`_` separators allowed).
    fn seconds(&mut self, name: &str, n: &syn::LitInt) -> bool {
        if let Some(problem) = seconds_problem(name, n) {
            self.errors.at(n, problem);
            return false;
        }
        match n.base10_parse::<u64>() {
            Ok(seconds) => {
                self.spec.max_age = Some(seconds);
                true
            }
            Err(_) => {
                self.errors.at(
                    n,
                    format!(
                        "`{name}` is far above the limit of {} seconds: write `{name} = 600`",
                        cors_shared::MAX_AGE_LIMIT
                    ),
                );
                false
            }
        }
    }

    /// The runtime set of `origins`, written alone (`origins = TENANTS`) or as a list item.
    fn origin_set(&mut self, expr: &Expr, spans: &mut FieldSpans) {
        let Some(path) = set_path(expr) else {
            return;
        };
        if self.set.is_some() {
            self.errors.at(
                expr,
                "a policy takes one runtime origin set: put these origins into one `OriginSet`",
            );
            return;
        }
        self.set = Some(path.clone());
        self.spec.origin_set = Some(&COMPILE_TIME_SET);
        if spans.value.is_none() {
            spans.value = Some(expr.to_token_stream());
        }
    }

    /// A list key, item by item.
    fn list(
        &mut self,
        key: Key,
        field: Field,
        items: &Punctuated<Item, Token![,]>,
        spans: &mut FieldSpans,
    ) {
        let name = key.name();
        let shape = field.shape();
        let mut values = Vec::new();
        let mut complete = true;
        for item in items {
            let text = match item {
                Item::Star(star) => {
                    self.errors.at(
                        star,
                        format!(
                            "write the wildcard as a string literal: `\"*\"` (in `{name} = [\"*\"]`)"
                        ),
                    );
                    // Validate it as the wildcard it is meant to be, so the core's rules about
                    // `*` are reported in the same run.
                    Some("*".to_owned())
                }
                Item::Expr(expr) if field == Field::Origins && set_path(expr).is_some() => {
                    self.origin_set(expr, spans);
                    continue;
                }
                Item::Expr(expr) => string_lit(expr).or_else(|| match shape {
                    Shape::Methods => plain_path(expr)
                        .and_then(|p| p.get_ident())
                        .map(|i| i.unraw().to_string()),
                    _ => None,
                }),
            };
            match text {
                Some(text) => {
                    values.push(text);
                    spans.items.push(item.to_token_stream());
                }
                None if shape == Shape::Methods => {
                    complete = false;
                    self.errors.at(
                        item,
                        "expected a method name such as `GET` or a string literal such as `\"M-SEARCH\"`",
                    );
                }
                None => {
                    complete = false;
                    self.errors.at(
                        item,
                        format!(
                            "`{name}` entries are string literals: write `{}`",
                            key.example()
                        ),
                    );
                }
            }
        }
        if !complete {
            self.partly_read.push(field);
        }
        if let Some(list) = self.spec.list_mut(field) {
            *list = values;
        }
    }

    /// The named policy, or the validated inline one.
    fn finish(mut self) -> syn::Result<Written> {
        if let Some((policy, path)) = self.named.take() {
            for (key, ident) in &self.seen {
                if *key != Key::Policy {
                    self.errors.at(
                        ident,
                        format!(
                            "`{}` cannot be combined with `policy = ...`: a named policy is complete on its own; move `{}` into the `policy!` definition, or drop `policy` and write the whole policy here",
                            key.name(),
                            key.name()
                        ),
                    );
                }
            }
            self.errors.finish()?;
            return match path {
                Some(path) => Ok(Written::Named(path)),
                None => Err(syn::Error::new_spanned(policy, expected(Key::Policy))),
            };
        }
        match self.spec.validate() {
            Ok(policy) => {
                self.errors.finish()?;
                let notes_at = self
                    .seen
                    .iter()
                    .find(|(k, _)| *k == Key::Field(Field::ProtectWrites))
                    .map_or_else(|| self.spans.whole_span(), |(_, ident)| ident.span());
                Ok(Written::Spec {
                    policy,
                    set: self.set,
                    notes_at,
                })
            }
            Err(problems) => {
                let relevant = problems
                    .errors()
                    .iter()
                    .filter(|e| !self.unreadable.contains(&e.location().field))
                    .filter(|e| !(self.unknown_key && e.kind() == ErrorKind::NoOrigins))
                    .filter(|e| {
                        let at = e.location();
                        !(at.index.is_none() && self.partly_read.contains(&at.field))
                    });
                if let Some(e) = diag::policy_errors(relevant, &self.spec, &self.spans) {
                    self.errors.push(e);
                }
                // Every problem the core found is either reported here or follows from a value
                // that was reported as unreadable, so `errors` is never empty at this point.
                self.errors.finish()?;
                Err(syn::Error::new_spanned(
                    &self.spans.whole,
                    "invalid CORS policy",
                ))
            }
        }
    }
}
