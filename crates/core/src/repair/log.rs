//! The change log: every change Rollcall made in a tenant (when, who signed in, what, Graph's
//! request-id), in `DATA/changes.json`, written whole on each entry (`support::atomic`). It never
//! holds a secret: a renewed secret is named by its hint and key id.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// How an additive change is taken back.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Undo {
    /// PATCH the registration back to these values (the `before` of the properties changed).
    PatchApplication { object_id: String, body: String },
    /// DELETE this app role assignment.
    RemoveAssignment {
        resource_id: String,
        assignment_id: String,
    },
    /// PATCH the AllPrincipals grant's `scope` back (or DELETE it when `scope` is empty).
    RestoreGrant { grant_id: String, scope: String },
    /// Remove this client secret (a renewal whose new secret was never used).
    RemoveSecret { object_id: String, key_id: String },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChangeRecord {
    /// RFC 3339 UTC.
    pub at: String,
    pub tenant: String,
    /// The registration changed (its Application (client) ID).
    pub client_id: String,
    /// Who signed in to make it ("ada@… (Global Administrator)").
    pub by: String,
    /// The change's id (`redirect-web`, `consent-roles`, `secret-renew`, …) and set-up step.
    pub change: String,
    pub step: String,
    pub title: String,
    pub before: String,
    pub after: String,
    pub request_id: Option<String>,
    pub undo: Option<Undo>,
    /// When it was undone (RFC 3339), if it was.
    #[serde(default)]
    pub undone_at: Option<String>,
    /// For a secret renewal, the key it replaced (removed by `retire`); for a retirement, the key
    /// removed.
    #[serde(default)]
    pub retire_key: Option<String>,
}

/// The log file of one data folder.
#[derive(Clone, Debug)]
pub struct ChangeLog {
    path: PathBuf,
}

impl ChangeLog {
    pub fn in_dir(dir: &Path) -> Self {
        ChangeLog {
            path: dir.join("changes.json"),
        }
    }

    /// Every entry, oldest first. A missing file is an empty log; an unreadable one says so.
    pub fn read(&self) -> Result<Vec<ChangeRecord>, CoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                CoreError::new(
                    crate::error::ErrorCode::InvalidInput,
                    format!(
                        "The change log {} cannot be read: {e}.",
                        self.path.display()
                    ),
                    Some("Move the file aside; Rollcall starts a new log.".into()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(CoreError::internal(format!(
                "reading {}: {e}",
                self.path.display()
            ))),
        }
    }

    pub fn append(&self, rec: ChangeRecord) -> Result<(), CoreError> {
        let mut all = self.read()?;
        all.push(rec);
        self.write(&all)
    }

    /// Mark entry `index` (0-based) undone now.
    pub fn mark_undone(&self, index: usize) -> Result<(), CoreError> {
        let mut all = self.read()?;
        if let Some(r) = all.get_mut(index) {
            r.undone_at = Some(jiff::Timestamp::now().to_string());
        }
        self.write(&all)
    }

    /// A change that can no longer be undone safely (a renewal once the old secret is gone).
    pub fn clear_undo(&self, index: usize) -> Result<(), CoreError> {
        let mut all = self.read()?;
        if let Some(r) = all.get_mut(index) {
            r.undo = None;
        }
        self.write(&all)
    }

    fn write(&self, all: &[ChangeRecord]) -> Result<(), CoreError> {
        let text = serde_json::to_vec_pretty(all)
            .map_err(|e| CoreError::internal(format!("the change log: {e}")))?;
        crate::support::private::create_dir(self.path.parent().unwrap_or(Path::new(".")))
            .map_err(|e| CoreError::internal(format!("creating the data folder: {e}")))?;
        crate::support::atomic::write_private(&self.path, &text)
    }
}
