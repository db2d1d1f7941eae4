// The note is a warning; denying it here makes trybuild record its text.
#![deny(deprecated)]

cors_actix::policy! {
    pub PUBLIC = { origins = ["*"], protect_writes = true };
}

fn main() {}
