//! Files dragged onto the window. The window's native drag-and-drop (Tauri's `DragDrop` window
//! event) lands here, in Rust: the paths stay on this side and the webview only learns that files
//! are over the window or were dropped (a count and a number for the drop), then asks for the
//! drop it saw to be imported — so, as with the open dialog, the webview never names a path.
//! This module owns that hand-over, not the import (`commands::attendance`).

use std::path::PathBuf;
use std::time::Duration;

use tauri::{DragDropEvent, WindowEvent};
use tokio::sync::watch;

/// What the webview may know of the drags: whether files are over the window, and the last
/// drop by its number and size.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub struct DropNews {
    pub hovering: bool,
    /// Counts the drops since start-up; 0 before the first.
    pub drop: u32,
    /// How many files the last drop carried.
    pub files: u32,
}

pub struct Drops {
    news: watch::Sender<DropNews>,
    /// The paths of drop number `news.drop`.
    last: std::sync::Mutex<Vec<PathBuf>>,
}

impl Default for Drops {
    fn default() -> Self {
        Drops {
            news: watch::channel(DropNews::default()).0,
            last: std::sync::Mutex::new(Vec::new()),
        }
    }
}

impl Drops {
    /// Files came over the window, left it, or were dropped on it.
    pub fn on_window_event(&self, event: &WindowEvent) {
        match event {
            WindowEvent::DragDrop(DragDropEvent::Enter { .. }) => self.hover(true),
            WindowEvent::DragDrop(DragDropEvent::Leave) => self.hover(false),
            WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) => self.dropped(paths.clone()),
            _ => {}
        }
    }

    fn hover(&self, hovering: bool) {
        self.news.send_modify(|n| n.hovering = hovering);
    }

    pub fn dropped(&self, paths: Vec<PathBuf>) {
        let files = paths.len() as u32;
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = paths;
        self.news.send_modify(|n| {
            n.hovering = false;
            n.drop += 1;
            n.files = files;
        });
    }

    /// The news, as soon as it differs from what the webview saw (`None`: answer at once), or
    /// after `patience` unchanged — a long poll, so the window needs no event permission.
    pub async fn wait(&self, seen: Option<DropNews>, patience: Duration) -> DropNews {
        let mut rx = self.news.subscribe();
        let Some(seen) = seen else {
            return *rx.borrow();
        };
        let _ = tokio::time::timeout(patience, rx.wait_for(|n| *n != seen)).await;
        let now = *rx.borrow();
        now
    }

    /// The paths of drop number `drop`, once: `None` when another drop came since, or when it
    /// was taken already.
    pub fn take(&self, drop: u32) -> Option<Vec<PathBuf>> {
        if self.news.borrow().drop != drop {
            return None;
        }
        let paths = std::mem::take(&mut *self.last.lock().unwrap_or_else(|e| e.into_inner()));
        Some(paths).filter(|p| !p.is_empty())
    }
}

/// The end-to-end build's stand-in for a hand dragging files (WebDriver cannot drag from the
/// desktop): when the file named by `ROLLCALL_TEST_DROP` appears, its lines are dropped as
/// paths through the same `dropped` as a real drop, and the file is removed.
#[cfg(feature = "test-seams")]
pub fn start_seam(app: tauri::AppHandle) {
    use tauri::Manager;
    let Some(trigger) = std::env::var_os("ROLLCALL_TEST_DROP").filter(|v| !v.is_empty()) else {
        return;
    };
    let trigger = PathBuf::from(trigger);
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(200));
        let Ok(text) = std::fs::read_to_string(&trigger) else {
            continue;
        };
        let _ = std::fs::remove_file(&trigger);
        let paths = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(PathBuf::from)
            .collect();
        let state = app.state::<crate::state::AppState>();
        state.drops.hover(true);
        // Long enough for a test to see the hint while the files are "over" the window.
        std::thread::sleep(Duration::from_millis(1500));
        state.drops.dropped(paths);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_drop_is_news_once_and_its_paths_are_taken_once() {
        let d = Drops::default();
        let start = d.wait(None, Duration::ZERO).await;
        assert_eq!(start, DropNews::default());
        // Nothing new: the wait ends on its patience with the same news.
        assert_eq!(d.wait(Some(start), Duration::from_millis(20)).await, start);
        d.hover(true);
        let over = d.wait(Some(start), Duration::from_secs(5)).await;
        assert!(over.hovering);
        d.dropped(vec![PathBuf::from("a.csv"), PathBuf::from("b.csv")]);
        let news = d.wait(Some(over), Duration::from_secs(5)).await;
        assert_eq!(
            news,
            DropNews {
                hovering: false,
                drop: 1,
                files: 2
            }
        );
        assert_eq!(d.take(0), None, "an older drop is gone");
        assert_eq!(d.take(1).map(|p| p.len()), Some(2));
        assert_eq!(d.take(1), None, "taken once");
    }
}
