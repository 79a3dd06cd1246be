//! A small map that forgets everything when the active connection changes: it remembers the
//! [`crate::tenant::connections::Connections::generation`] its entries belong to. The desktop keeps
//! the latest set-up results and the attendance it fetched in two of these.

use std::collections::HashMap;
use std::sync::Mutex;

use super::lock;

pub struct Cache<V> {
    inner: Mutex<(u64, HashMap<String, V>)>,
}

impl<V: Clone> Default for Cache<V> {
    fn default() -> Self {
        Cache {
            inner: Mutex::new((0, HashMap::new())),
        }
    }
}

impl<V: Clone> Cache<V> {
    /// The entries of `generation`, emptied first if they belong to an older one.
    fn at(&self, generation: u64) -> std::sync::MutexGuard<'_, (u64, HashMap<String, V>)> {
        let mut g = lock(&self.inner);
        if g.0 != generation {
            *g = (generation, HashMap::new());
        }
        g
    }

    pub fn insert(&self, generation: u64, key: String, value: V) {
        self.at(generation).1.insert(key, value);
    }

    pub fn get(&self, generation: u64, key: &str) -> Option<V> {
        self.at(generation).1.get(key).cloned()
    }
}
