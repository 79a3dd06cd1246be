//! OS-specific start-up adjustments, kept in one place.

/// Called first thing in `run`, before any thread or GTK starts.
///
/// Linux without a GPU render node (virtual machines, remote desktops, Xvfb): WebKitGTK's GL
/// compositing would run on a software rasteriser (llvmpipe), which costs about 120 MB of memory
/// in the web process and slows painting, for no visual gain. It is turned off there unless the
/// user set `WEBKIT_DISABLE_COMPOSITING_MODE` themselves. Windows (WebView2) and macOS (WKWebView)
/// need nothing.
pub fn prepare() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() && !has_gpu_render_node() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

#[cfg(target_os = "linux")]
fn has_gpu_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Whether the notification server reads the body as markup: on Linux the freedesktop spec allows
/// it (and GNOME, KDE, dunst do); Windows and macOS show text as it is.
pub const NOTIFICATION_BODY_IS_MARKUP: bool = cfg!(target_os = "linux");
