#![allow(clippy::unwrap_used, clippy::expect_used)]
//! CSV export benchmark: 1,000,000 attendee rows (1,000 sessions of 1,000 attendees, hostile names
//! included) streamed to a file through `CsvExport`, against Python's `csv.writer` writing the same
//! cells in the same run. Prints rows/s, peak memory and the ratio.
//! Run: `cargo bench -p rollcall-core --bench export` (needs `python3` for the baseline).

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use rollcall_core::attendance::export::{CsvExport, CsvOptions, Level};

mod common;
use common::{peak_rss_mb, session, PER_SESSION, SESSIONS};

fn main() {
    let dir = std::env::temp_dir().join(format!("rollcall-bench-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let one = session(0);
    let before = peak_rss_mb();

    // Rollcall: stream 1,000 sessions; only one session is in memory at a time.
    let path = dir.join("rollcall.csv");
    let t = Instant::now();
    // The csv writer buffers 64 KiB itself: the file needs no second buffer.
    let file = std::fs::File::create(&path).unwrap();
    let mut export =
        CsvExport::new(file, Level::Attendee, &CsvOptions::excel("Europe/Berlin")).unwrap();
    let mut s = one.clone();
    for n in 0..SESSIONS {
        s.webinar.subject = format!("Methods seminar #{n}");
        export.write(&s).unwrap();
    }
    let (rows, mut out) = export.finish().unwrap();
    out.flush().unwrap();
    let rust = t.elapsed();
    let bytes = std::fs::metadata(&path).unwrap().len();
    let after = peak_rss_mb();

    // Python's csv module writing the same cells (taken from our own output, so both write the
    // same rows): time measured inside Python, interpreter start-up excluded.
    let sample = dir.join("rows.csv");
    {
        let text = std::fs::read_to_string(&path).unwrap();
        let head: String = text.split_inclusive("\r\n").take(PER_SESSION + 1).collect();
        std::fs::write(&sample, head).unwrap();
    }
    let script = r#"
import csv, sys, time
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig")))
header, body = rows[0], rows[1:]
out = open(sys.argv[2], "w", newline="", encoding="utf-8-sig")
t = time.perf_counter()
w = csv.writer(out)
w.writerow(header)
for n in range(int(sys.argv[3])):
    for r in body:
        r[0] = "Methods seminar #%d" % n
        w.writerow(r)
out.close()
print(time.perf_counter() - t)
"#;
    let py = Command::new("python3")
        .args([
            "-c",
            script,
            sample.to_str().unwrap(),
            dir.join("python.csv").to_str().unwrap(),
            &SESSIONS.to_string(),
        ])
        .output()
        .expect("python3 for the baseline");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let python: f64 = String::from_utf8_lossy(&py.stdout).trim().parse().unwrap();

    println!(
        "CSV export, {rows} attendee rows, {:.0} MB written",
        bytes as f64 / 1e6
    );
    println!(
        "  rollcall (csv crate, streaming): {:>7.2} s  {:>10.0} rows/s",
        rust.as_secs_f64(),
        rows as f64 / rust.as_secs_f64()
    );
    println!(
        "  python3 csv.writer, same cells:  {:>7.2} s  {:>10.0} rows/s",
        python,
        rows as f64 / python
    );
    println!(
        "  ratio python / rollcall:         {:>7.1}x",
        python / rust.as_secs_f64()
    );
    match (before, after) {
        (Some(b), Some(a)) => println!("  peak resident memory: {a:.0} MB (before the export {b:.0} MB; one 1,000-row session in memory)"),
        _ => println!("  peak resident memory: n/a on this OS"),
    }
    std::fs::remove_dir_all(dir).unwrap();
}
