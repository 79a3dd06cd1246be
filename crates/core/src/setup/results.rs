//! The desktop's latest result of each step for the active connection, so the page, a re-check of
//! one step and the saved report agree. Emptied when the active connection changes.

use super::{check, plan, write_report, Checklist, Step};
use crate::error::CoreError;
use crate::support::cache::Cache;
use crate::tenant::connections::Connections;

#[derive(Default)]
pub struct Results {
    steps: Cache<Step>,
}

impl Results {
    /// The checklist for the active connection, with the latest result of each step checked so far.
    pub fn plan(&self, conns: &Connections) -> Result<Checklist, CoreError> {
        let mut list = plan(&conns.connection()?);
        let generation = conns.generation();
        for s in list.steps.iter_mut() {
            if let Some(r) = self.steps.get(generation, &s.id) {
                *s = r;
            }
        }
        Ok(list)
    }

    /// Check one step now and remember the result.
    pub async fn check(&self, conns: &Connections, id: &str) -> Result<Step, CoreError> {
        let generation = conns.generation();
        let step = check(&conns.connection()?, id).await?;
        self.steps.insert(generation, step.id.clone(), step.clone());
        Ok(step)
    }

    /// Remember a result checked elsewhere (a step checked again after a repair).
    pub fn put(&self, conns: &Connections, step: Step) {
        self.steps.insert(conns.generation(), step.id.clone(), step);
    }

    /// The report of the latest results (`html` or Markdown), written atomically to `path`.
    pub fn save_report(
        &self,
        conns: &Connections,
        path: &std::path::Path,
    ) -> Result<(), CoreError> {
        write_report(&self.plan(conns)?, path)
    }
}
