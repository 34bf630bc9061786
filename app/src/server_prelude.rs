//! What a server function's body starts with, in one line (`use crate::server_prelude::*;`, as Leptos's
//! examples `use self::ssr::*;`): the door, the permission catalogue, audit events and the error mapping.
//! Foundation code: it never imports a domain.

pub use crate::{
    audit::{AuditAction, AuditEvent, RiskLevel},
    auth::{
        Permission,
        ssr::{Caller, Resource},
    },
    error::ssr::serve,
};
