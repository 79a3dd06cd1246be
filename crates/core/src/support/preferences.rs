//! The user's preferences: theme, zoom, display time zone, default completion threshold and the
//! last export folder. One JSON object in `preferences.json` in the data folder (beside
//! `profiles.json`), written by the desktop through `tauri-plugin-store` and read here too, so the
//! CLI takes the same default zone and threshold. Never a secret: nothing here is one.
//!
//! Reading is lenient: a missing file, a broken one or a value out of range gives the default for
//! that value (and a warning in the log), never an error that stops a command.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, ErrorCode};

/// The file's name in the data folder.
pub const FILE: &str = "preferences.json";

/// The zoom levels Settings offers (on top of the OS display scaling).
pub const ZOOM_LEVELS: [f64; 4] = [1.0, 1.25, 1.5, 1.75];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    /// `light` or `dark`; absent: follow the OS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// One of [`ZOOM_LEVELS`]; absent: 100 %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoom: Option<f64>,
    /// IANA zone the calendar and exports show times in; absent: this computer's zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Default completion threshold, a share of the scheduled time in (0, 1]; absent: 0.8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The folder the last export was saved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_folder: Option<String>,
}

pub fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

impl Preferences {
    /// What is wrong with each checked value, in the user's words: theme, zoom, zone, threshold.
    fn problems(&self) -> [Option<String>; 4] {
        [
            self.theme
                .as_ref()
                .filter(|t| *t != "light" && *t != "dark")
                .map(|t| format!("The theme is light, dark or absent (follow the system), not \"{t}\".")),
            self.zoom
                .filter(|z| !ZOOM_LEVELS.contains(z))
                .map(|z| format!("The zoom is one of 100, 125, 150 or 175 %, not {z}.")),
            self.time_zone
                .as_ref()
                .filter(|z| jiff::tz::TimeZone::get(z).is_err())
                .map(|z| format!("\"{z}\" is not a time zone this computer knows (use an IANA name such as Europe/Berlin).")),
            self.threshold
                .filter(|t| !(*t > 0.0 && *t <= 1.0))
                .map(|t| format!("The completion threshold is a share above 0 and at most 1 (e.g. 0.8), not {t}.")),
        ]
    }

    /// Check every value; the first one out of range is refused in the user's words.
    pub fn validate(&self) -> Result<(), CoreError> {
        match self.problems().into_iter().flatten().next() {
            Some(m) => Err(CoreError::new(ErrorCode::InvalidInput, m, None)),
            None => Ok(()),
        }
    }

    /// This one with every invalid value dropped (each falls back to its default).
    pub fn cleaned(mut self) -> Self {
        let [theme, zoom, zone, threshold] = self.problems().map(|p| p.is_some());
        if theme {
            self.theme = None;
        }
        if zoom {
            self.zoom = None;
        }
        if zone {
            self.time_zone = None;
        }
        if threshold {
            self.threshold = None;
        }
        self
    }

    /// Read the preferences of a data folder (see the module doc: never fails).
    pub fn read(data_dir: &Path) -> Preferences {
        let path = path_in(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Preferences::default(),
            Err(e) => {
                tracing::warn!("preferences: cannot read {}: {e}", path.display());
                return Preferences::default();
            }
        };
        match serde_json::from_str::<serde_json::Value>(&text) {
            // Value by value: one bad entry must not cost the others.
            Ok(serde_json::Value::Object(map)) => {
                let field = |k: &str| map.get(k).cloned().unwrap_or(serde_json::Value::Null);
                let p = Preferences {
                    theme: serde_json::from_value(field("theme")).unwrap_or_default(),
                    zoom: serde_json::from_value(field("zoom")).unwrap_or_default(),
                    time_zone: serde_json::from_value(field("timeZone")).unwrap_or_default(),
                    threshold: serde_json::from_value(field("threshold")).unwrap_or_default(),
                    last_folder: serde_json::from_value(field("lastFolder")).unwrap_or_default(),
                };
                let cleaned = p.clone().cleaned();
                if cleaned != p {
                    tracing::warn!(
                        "preferences: values out of range in {} were ignored",
                        path.display()
                    );
                }
                cleaned
            }
            _ => {
                tracing::warn!(
                    "preferences: {} is not a JSON object; using the defaults",
                    path.display()
                );
                Preferences::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("rollcall-prefs-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn missing_broken_and_partly_bad_files_give_defaults_value_by_value() {
        let d = dir();
        assert_eq!(Preferences::read(&d), Preferences::default());
        std::fs::write(path_in(&d), "{ not json").unwrap();
        assert_eq!(Preferences::read(&d), Preferences::default());
        std::fs::write(
            path_in(&d),
            r#"{"theme":"dark","zoom":3,"timeZone":"Mars/Olympus","threshold":0.9,"lastFolder":"/tmp/x","other":1}"#,
        )
        .unwrap();
        let p = Preferences::read(&d);
        assert_eq!(p.theme.as_deref(), Some("dark"));
        assert_eq!(p.zoom, None, "an unknown zoom falls back");
        assert_eq!(p.time_zone, None, "an unknown zone falls back");
        assert_eq!(p.threshold, Some(0.9));
        assert_eq!(p.last_folder.as_deref(), Some("/tmp/x"));
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn out_of_range_values_are_refused_in_words() {
        for (p, word) in [
            (
                Preferences {
                    theme: Some("blue".into()),
                    ..Default::default()
                },
                "theme",
            ),
            (
                Preferences {
                    zoom: Some(2.0),
                    ..Default::default()
                },
                "zoom",
            ),
            (
                Preferences {
                    time_zone: Some("Nowhere".into()),
                    ..Default::default()
                },
                "time zone",
            ),
            (
                Preferences {
                    threshold: Some(0.0),
                    ..Default::default()
                },
                "threshold",
            ),
            (
                Preferences {
                    threshold: Some(1.5),
                    ..Default::default()
                },
                "threshold",
            ),
        ] {
            let e = p.validate().unwrap_err();
            assert!(e.message.contains(word), "{}", e.message);
        }
        let good = Preferences {
            theme: Some("light".into()),
            zoom: Some(1.5),
            time_zone: Some("Pacific/Kiritimati".into()),
            threshold: Some(1.0),
            last_folder: None,
        };
        assert!(good.validate().is_ok());
        assert_eq!(good.clone().cleaned(), good);
    }
}
