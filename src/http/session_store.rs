//! The tower-sessions store in PostgreSQL, keyed by the SHA-256 of the session id: the table never holds a
//! usable cookie value.

use app::auth::ssr::session::token_hash;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
};

#[derive(Debug, Clone)]
pub struct PgSessionStore {
    pool: PgPool,
    /// Closed when the store meets a database outage, so the next requests fail fast.
    gate: std::sync::Arc<app::db::DbGate>,
}

impl PgSessionStore {
    pub fn new(pool: PgPool, gate: std::sync::Arc<app::db::DbGate>) -> PgSessionStore {
        PgSessionStore { pool, gate }
    }

    fn backend(&self, err: sqlx::Error) -> session_store::Error {
        if app::error::ssr::is_outage(&err) {
            self.gate.trip();
        }
        session_store::Error::Backend(err.to_string())
    }
}

fn expiry(record: &Record) -> Result<DateTime<Utc>, session_store::Error> {
    DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0)
        .ok_or_else(|| session_store::Error::Encode("session expiry out of range".into()))
}

fn data(record: &Record) -> Result<serde_json::Value, session_store::Error> {
    serde_json::to_value(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

impl PgSessionStore {
    /// Writes the record; `replace` decides whether an existing row with the same id is overwritten
    /// (save) or left alone (create, which then picks another id). True when the row was written.
    async fn write(&self, record: &Record, replace: bool) -> session_store::Result<bool> {
        let conflict =
            if replace { "DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at" } else { "DO NOTHING" };
        // Each statement in a transaction, like every statement of the app role (transaction-mode poolers).
        let mut tx = self.pool.begin().await.map_err(|e| self.backend(e))?;
        let written = sqlx::query(&format!(
            "INSERT INTO http_sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id_hash) {conflict}"
        ))
        .bind(token_hash(&record.id))
        .bind(data(record)?)
        .bind(expiry(record)?)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.backend(e))?;
        tx.commit().await.map_err(|e| self.backend(e))?;
        Ok(written.rows_affected() == 1)
    }
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id until one is free (a collision of 128 random bits is not expected, but is handled).
        while !self.write(record, false).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, true).await.map(|_| ())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut tx = self.pool.begin().await.map_err(|e| self.backend(e))?;
        let row: Option<(serde_json::Value, DateTime<Utc>)> =
            sqlx::query_as("SELECT data, expires_at FROM http_sessions WHERE id_hash = $1 AND expires_at > now()")
                .bind(token_hash(id))
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| self.backend(e))?;
        tx.commit().await.map_err(|e| self.backend(e))?;
        let Some((data, expires_at)) = row else { return Ok(None) };
        let data = serde_json::from_value(data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let mut tx = self.pool.begin().await.map_err(|e| self.backend(e))?;
        sqlx::query("DELETE FROM http_sessions WHERE id_hash = $1")
            .bind(token_hash(id))
            .execute(&mut *tx)
            .await
            .map_err(|e| self.backend(e))?;
        tx.commit().await.map_err(|e| self.backend(e))?;
        Ok(())
    }
}
