//! What every handler sees: the tenant's world behind one lock, the fault settings, the signing
//! keys and the base URL.

use std::sync::{Mutex, MutexGuard};

use crate::{faults, jwt, model, seed};

/// The state every handler sees.
pub struct Shared {
    pub(crate) world: Mutex<model::World>,
    pub faults: faults::FaultState,
    pub keys: jwt::Keys,
    /// Base URL (`http://127.0.0.1:port`), known once the listener is bound.
    pub base: String,
    pub creds: seed::DemoCredentials,
    /// Check every successful Graph answer against Microsoft's description before it is sent
    /// (`Config::check_answers`).
    pub check_answers: bool,
    /// Answers that did not match the description: each turned into a 500 and kept here.
    pub deviations: Mutex<Vec<String>>,
}

impl Shared {
    /// Lock the world. A panic in a handler must not take the whole emulator down with a poisoned
    /// lock, so a poisoned guard is recovered.
    pub fn world(&self) -> MutexGuard<'_, model::World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// The answers so far that did not match Graph's description.
    pub fn deviations(&self) -> Vec<String> {
        self.deviations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
    pub fn graph_base(&self) -> String {
        format!("{}/v1.0", self.base)
    }
}
