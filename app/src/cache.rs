//! A small in-process cache whose entries expire: for answers every request asks for and that change rarely
//! (which tenant an address is, a tenant's filter menus). Bounded, so made-up keys cannot grow it without end.

use crate::ids::TenantId;
use std::{
    any::{Any, TypeId},
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

pub struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> TtlCache<K, V> {
        TtlCache { ttl, max_entries, entries: Mutex::new(HashMap::new()) }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        // A panic elsewhere while holding the lock leaves a map that is still valid.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value stored under `key` less than the time-to-live ago.
    pub fn get(&self, key: &K) -> Option<V> {
        self.entries().get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, value)| value.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        let mut entries = self.entries();
        if entries.len() >= self.max_entries {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= self.max_entries {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// Forgets `key` at once (after a change this server made itself).
    pub fn remove(&self, key: &K) {
        self.entries().remove(key);
    }
}

/// Answers about one tenant that domains keep for a few seconds (a tenant's filter menus), keyed by the
/// answer's type: the shared state holds one of these without knowing any domain's types.
pub struct TenantMemo {
    answers: TtlCache<(TypeId, TenantId), Arc<dyn Any + Send + Sync>>,
}

impl TenantMemo {
    pub fn new(ttl: Duration, max_entries: usize) -> TenantMemo {
        TenantMemo { answers: TtlCache::new(ttl, max_entries) }
    }

    /// The `T` remembered for `tenant` less than the time-to-live ago.
    pub fn get<T: Clone + 'static>(&self, tenant: TenantId) -> Option<T> {
        self.answers.get(&(TypeId::of::<T>(), tenant)).and_then(|answer| answer.downcast_ref::<T>().cloned())
    }

    pub fn insert<T: Send + Sync + 'static>(&self, tenant: TenantId, answer: T) {
        self.answers.insert((TypeId::of::<T>(), tenant), Arc::new(answer));
    }

    /// Forgets the `T` of `tenant` at once (after a change this server made itself).
    pub fn forget<T: 'static>(&self, tenant: TenantId) {
        self.answers.remove(&(TypeId::of::<T>(), tenant));
    }
}

#[cfg(test)]
mod tests {
    use super::TtlCache;
    use std::time::Duration;

    #[test]
    fn entries_expire_can_be_removed_and_stay_bounded() {
        let cache = TtlCache::new(Duration::from_millis(50), 2);
        cache.insert("a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.remove(&"a");
        assert_eq!(cache.get(&"a"), None);
        cache.insert("b", 2);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&"b"), None, "expired");
        cache.insert("c", 3);
        cache.insert("d", 4);
        cache.insert("e", 5);
        assert!(cache.entries().len() <= 2);
        assert_eq!(cache.get(&"e"), Some(5));
    }

    #[test]
    fn tenant_answers_are_kept_apart_by_type_and_tenant() {
        use super::TenantMemo;
        use crate::ids::TenantId;
        let memo = TenantMemo::new(Duration::from_secs(30), 10);
        let (a, b) = (TenantId::new_random(), TenantId::new_random());
        memo.insert(a, String::from("menus of a"));
        memo.insert(a, 7_u32);
        assert_eq!(memo.get::<String>(a).as_deref(), Some("menus of a"));
        assert_eq!(memo.get::<u32>(a), Some(7));
        assert_eq!(memo.get::<String>(b), None, "another tenant");
        memo.forget::<String>(a);
        assert_eq!((memo.get::<String>(a), memo.get::<u32>(a)), (None, Some(7)));
    }
}
