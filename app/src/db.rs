//! The database's shared pieces: the transaction type every query function takes, and the gate that
//! fails requests fast during an outage. Transactions on tenant data are opened only by the door
//! (`auth::ssr::door`), which scopes them for row-level security.

use sqlx::{Postgres, Transaction};

pub type Tx = Transaction<'static, Postgres>;

/// Fails fast while the database is down. Without it, every request of an outage waits out the pool's
/// acquire timeout (over TCP, connecting is retried until then): an outage of one server becomes a queue of
/// stuck requests. After a request meets an outage the gate closes for a few seconds; then one request
/// probes, and the others keep getting "try again" until the probe succeeds.
#[derive(Debug, Default)]
pub struct DbGate {
    /// Until when it stays closed (milliseconds since the Unix epoch; 0: open).
    closed_until_ms: std::sync::atomic::AtomicI64,
    /// When a request started finding out whether the database is back (0: none). A probe that never
    /// reported (its request was cancelled) stops counting after 10 seconds.
    probe_started_ms: std::sync::atomic::AtomicI64,
    /// How many times it closed (for the health report and tests).
    trips: std::sync::atomic::AtomicU64,
}

/// What the gate lets a request do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatePass {
    /// The database is up, as far as anyone knows.
    Open,
    /// The gate was closed and this request finds out whether the database is back.
    Probe,
    /// Closed: answer "try again" at once.
    Closed,
}

impl DbGate {
    /// How long the gate stays closed after an outage before one request probes.
    pub const PAUSE_MS: i64 = 3_000;

    fn now_ms() -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    pub fn pass(&self) -> GatePass {
        use std::sync::atomic::Ordering::SeqCst;
        let until = self.closed_until_ms.load(SeqCst);
        if until == 0 {
            return GatePass::Open;
        }
        let now = Self::now_ms();
        if now < until {
            return GatePass::Closed;
        }
        let started = self.probe_started_ms.load(SeqCst);
        if (started != 0 && now - started < 10_000)
            || self.probe_started_ms.compare_exchange(started, now, SeqCst, SeqCst).is_err()
        {
            return GatePass::Closed;
        }
        GatePass::Probe
    }

    /// A request met a database outage.
    pub fn trip(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        self.closed_until_ms.store(Self::now_ms() + Self::PAUSE_MS, SeqCst);
        self.trips.fetch_add(1, SeqCst);
        self.probe_started_ms.store(0, SeqCst);
    }

    /// The probe got through without an outage: open again.
    pub fn probe_succeeded(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        self.closed_until_ms.store(0, SeqCst);
        self.probe_started_ms.store(0, SeqCst);
    }

    pub fn is_closed(&self) -> bool {
        self.closed_until_ms.load(std::sync::atomic::Ordering::SeqCst) != 0
    }

    pub fn trips(&self) -> u64 {
        self.trips.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// `%text%` for LIKE / ILIKE: finds `text` anywhere, the person's own `%`, `_` and backslash taken literally.
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_closes_lets_one_probe_through_and_opens_on_success() {
        let gate = DbGate::default();
        assert_eq!(gate.pass(), GatePass::Open);
        gate.trip();
        assert_eq!(gate.pass(), GatePass::Closed, "closed for the pause");
        gate.closed_until_ms.store(1, std::sync::atomic::Ordering::SeqCst); // the pause is over
        assert_eq!(gate.pass(), GatePass::Probe);
        assert_eq!(gate.pass(), GatePass::Closed, "one probe at a time");
        gate.probe_succeeded();
        assert_eq!(gate.pass(), GatePass::Open);
        assert_eq!(gate.trips(), 1);
    }
}
