//! The signed-in caller of a server function, and the one door for authorization.

use super::{
    door::begin_tenant_tx,
    queries,
    visitor::{UserRef, Visitor},
};
use crate::{
    audit::{Actor, AuditAction, AuditEvent, ssr::record},
    auth::Permission,
    db::Tx,
    error::AppError,
    ids::ProjectId,
    request::RequestContext,
    state::AppState,
    tenancy::TenantRef,
};
use uuid::Uuid;

/// What a permission is asked for: the whole tenant, or one project (where project-level role assignments
/// also count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Tenant,
    Project(ProjectId),
}

impl Resource {
    fn parts(self) -> (&'static str, Option<Uuid>) {
        match self {
            Resource::Tenant => ("tenant", None),
            Resource::Project(id) => ("opportunity_project", Some(id.as_uuid())),
        }
    }
}

/// The permissions a caller holds on one resource, as found by an authorization check.
#[derive(Debug, Clone)]
pub struct Held(Vec<Permission>);

impl Held {
    pub fn allows(&self, permission: Permission) -> bool {
        self.0.contains(&permission)
    }
}

/// A signed-in user calling a server function.
#[derive(Clone)]
pub struct Caller {
    pub state: AppState,
    pub request: RequestContext,
    pub tenant: TenantRef,
    pub user: UserRef,
    pub user_session_id: Uuid,
}

impl Caller {
    /// The signed-in caller of the current request, or Unauthenticated.
    pub async fn current() -> Result<Caller, AppError> {
        Caller::of_visitor(AppState::from_context()?, Visitor::current().await?)
    }

    /// The caller behind a visitor (plain axum routes have the visitor as an extension).
    pub fn of_visitor(state: AppState, visitor: Visitor) -> Result<Caller, AppError> {
        let signed_in = visitor.signed_in.ok_or(AppError::Unauthenticated)?;
        Ok(Caller {
            state,
            request: visitor.request,
            tenant: signed_in.tenant,
            user: signed_in.user,
            user_session_id: signed_in.user_session_id,
        })
    }

    /// The usual start of a server function: the signed-in caller, a tenant-scoped transaction, and the
    /// permission checked (refusals recorded).
    pub async fn start(permission: Permission, resource: Resource) -> Result<(Caller, Tx), AppError> {
        let caller = Caller::current().await?;
        let (tx, _) = caller.enter(permission, resource).await?;
        Ok((caller, tx))
    }

    /// `start`, also handing back what the caller holds on `resource` (from the same lookup as the check),
    /// for pages that show or hide actions.
    pub async fn start_holding(permission: Permission, resource: Resource) -> Result<(Caller, Tx, Held), AppError> {
        let caller = Caller::current().await?;
        let (tx, held) = caller.enter(permission, resource).await?;
        Ok((caller, tx, held))
    }

    pub async fn commit(&self, tx: Tx) -> Result<(), AppError> {
        Ok(tx.commit().await?)
    }

    /// A transaction scoped to the caller's tenant, with the caller as the acting user: only through the
    /// entries here (see `door`).
    async fn begin(&self) -> Result<Tx, AppError> {
        Ok(begin_tenant_tx(&self.state.pool, self.tenant.id, Some(self.user.id)).await?)
    }

    /// `start` for a caller already in hand (plain routes): a transaction once `permission` on `resource`
    /// is checked, and what the caller holds there.
    pub async fn enter(&self, permission: Permission, resource: Resource) -> Result<(Tx, Held), AppError> {
        let mut tx = self.begin().await?;
        let held = self.authorize(&mut tx, permission, resource).await?;
        Ok((tx, held))
    }

    /// Another transaction of an operation checked earlier in this request (an upload records its document
    /// after the file is stored). `Held` is the proof: only a passed check makes one.
    pub async fn again(&self, _checked: &Held) -> Result<Tx, AppError> {
        self.begin().await
    }

    /// For a check whose resource is found by reading (a document's project): read through
    /// `Unchecked::reads`, then `Unchecked::authorize` hands the transaction over. Dropped unchecked, the
    /// transaction rolls back, so nothing done before the check is ever committed.
    pub async fn look_up(&self) -> Result<Unchecked<'_>, AppError> {
        Ok(Unchecked { caller: self, tx: self.begin().await? })
    }

    /// The signed-in person's own account (password, second factor, their own sessions): no permission is
    /// needed, and what runs through this transaction reads and changes the caller's own rows only.
    pub async fn own_account(&self) -> Result<Tx, AppError> {
        self.begin().await
    }

    /// The caller as an audit actor.
    pub fn actor(&self) -> Actor {
        Actor::of_request(self.tenant.id, Some(self.user.id), Some(self.user_session_id), &self.request)
    }

    /// Writes an audit row in `tx`.
    pub async fn audit(&self, tx: &mut Tx, event: AuditEvent) -> Result<(), AppError> {
        Ok(record(tx, &self.actor(), event).await?)
    }

    /// The permissions the caller holds for `resource` (tenant-wide roles plus, for a project, the roles
    /// assigned on it), unexpired.
    pub async fn permissions(
        &self,
        tx: &mut Tx,
        resource: Resource,
    ) -> Result<Vec<(String, Vec<Permission>)>, AppError> {
        let project = match resource {
            Resource::Project(id) => Some(id),
            Resource::Tenant => None,
        };
        let grants = queries::grants(tx, self.user.id, project).await?;
        Ok(grants
            .into_iter()
            .map(|g| {
                let parsed = g.parsed();
                (g.role_name, parsed)
            })
            .collect())
    }

    /// The one authorization check. Allowed: Ok. Refused: the refusal is recorded in permission_audit and
    /// audit_logs (in a transaction of its own, so it survives the caller's rollback) and the caller gets
    /// Forbidden with what they tried to do.
    #[tracing::instrument(name = "authorize", level = "debug", skip_all, fields(permission = permission.as_str(), user = %self.user.id))]
    pub async fn authorize(&self, tx: &mut Tx, permission: Permission, resource: Resource) -> Result<Held, AppError> {
        let grants = self.permissions(tx, resource).await?;
        if grants.iter().any(|(_, perms)| perms.contains(&permission)) {
            return Ok(Held(grants.into_iter().flat_map(|(_, perms)| perms).collect()));
        }
        let roles: Vec<&str> = grants.iter().map(|(name, _)| name.as_str()).collect();
        let reason = if roles.is_empty() {
            "no role assigned".to_string()
        } else {
            format!("not granted by: {}", roles.join(", "))
        };
        self.record_denial(permission, resource, &reason).await?;
        Err(AppError::Forbidden(crate::format::lower_first(permission.description())))
    }

    async fn record_denial(&self, permission: Permission, resource: Resource, reason: &str) -> Result<(), AppError> {
        let (resource_type, resource_id) = resource.parts();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO permission_audit (tenant_id, user_id, resource_type, resource_id, permission_checked, \
             permission_granted, denial_reason, ip_address, request_id) \
             VALUES (app_current_tenant_id(), $1, $2, $3, $4, false, $5, $6::inet, $7)",
        )
        .bind(self.user.id)
        .bind(resource_type)
        .bind(resource_id)
        .bind(permission.as_str())
        .bind(reason)
        .bind(self.request.ip.map(|ip| ip.to_string()))
        .bind(&self.request.request_id)
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::new(
            AuditAction::AccessDenied,
            resource_type,
            resource_id,
            format!("Refused {}: {reason}", permission.as_str()),
        )
        .denied(permission.as_str());
        self.audit(&mut tx, event).await?;
        tx.commit().await?;
        tracing::info!(permission = permission.as_str(), user = %self.user.id, "permission refused");
        Ok(())
    }
}

/// A transaction before its permission check (see `Caller::look_up`).
pub struct Unchecked<'c> {
    caller: &'c Caller,
    tx: Tx,
}

impl Unchecked<'_> {
    /// The transaction, for the reads that find what to check.
    pub fn reads(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Checks `permission` on `resource` and hands the transaction over.
    pub async fn authorize(mut self, permission: Permission, resource: Resource) -> Result<(Tx, Held), AppError> {
        let held = self.caller.authorize(&mut self.tx, permission, resource).await?;
        Ok((self.tx, held))
    }

    /// The transaction, to record why the caller is refused (the access log of a document they may not
    /// see) and commit that record.
    pub fn for_refusal_record(self) -> Tx {
        self.tx
    }
}
