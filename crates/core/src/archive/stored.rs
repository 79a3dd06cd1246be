//! Reading what the archive holds: a meeting's sessions (their latest versions, completion
//! against a threshold), a webinar's attendance, a period's, the webinars archived; and storing an
//! imported Teams attendance file. Writing what Graph serves is the parent module's.

use super::*;
use db::p;

impl Archive {
    /// The latest version of every archived session of a meeting, oldest first, with completion
    /// against `threshold`.
    pub fn sessions(&self, join_url: &str, threshold: f64) -> Result<Vec<Session>, CoreError> {
        let db = self.db()?;
        let heads = db.rows(
            "SELECT s.report_id, s.version, s.start_at, s.end_at, s.scheduled_seconds, s.participant_count, rs.first_seen, rs.absent_at
             FROM sessions s LEFT JOIN report_seen rs ON rs.report_id = s.report_id
             WHERE s.join_url = ?1 AND s.version = (SELECT MAX(version) FROM sessions t WHERE t.report_id = s.report_id)
             ORDER BY s.start_at",
            p![join_url],
        )?;
        let mut out = Vec::with_capacity(heads.len());
        for h in heads {
            let (report_id, version): (String, i64) = (h.get(0)?, h.get(1)?);
            let (start, end): (String, String) = (h.get(2)?, h.get(3)?);
            let (scheduled, count): (i64, i64) = (h.get(4)?, h.get(5)?);
            let (first_seen, absent_at): (Option<String>, Option<String>) = (h.get(6)?, h.get(7)?);
            let mut intervals: Vec<(i64, Interval)> = db
                .rows(
                    "SELECT attendee_idx, join_at, leave_at, seconds FROM intervals WHERE report_id = ?1 AND version = ?2 ORDER BY attendee_idx, seq",
                    p![&report_id, version],
                )?
                .iter()
                .map(|r| {
                    Ok((
                        r.get::<i64>(0)?,
                        Interval {
                            join: r.get(1)?,
                            leave: r.get(2)?,
                            seconds: r.get(3)?,
                        },
                    ))
                })
                .collect::<Result<_, CoreError>>()?;
            let rows = db.rows(
                "SELECT idx, key, name, email, kind, role, seconds, reported_seconds, joins, first_join, last_leave FROM attendees WHERE report_id = ?1 AND version = ?2 ORDER BY idx",
                p![&report_id, version],
            )?;
            let mut attendees: Vec<Attendee> = rows
                .iter()
                .map(|r| {
                    let seconds: i64 = r.get(6)?;
                    let share = if scheduled > 0 {
                        seconds as f64 / scheduled as f64
                    } else {
                        0.0
                    };
                    Ok((
                        r.get::<i64>(0)?,
                        Attendee {
                            key: r.get(1)?,
                            name: r.get(2)?,
                            email: r.get(3)?,
                            kind: kind_of(&r.get::<String>(4)?),
                            role: r.get(5)?,
                            seconds,
                            reported_seconds: r.get(7)?,
                            share,
                            joins: r.get(8)?,
                            first_join: r.get(9)?,
                            last_leave: r.get(10)?,
                            intervals: Vec::new(),
                            status: if share >= threshold {
                                Completion::Completed
                            } else {
                                Completion::Partial
                            },
                        },
                    ))
                })
                .collect::<Result<Vec<(i64, Attendee)>, CoreError>>()?
                .into_iter()
                .map(|(_, a)| a)
                .collect();
            // Intervals are ordered by attendee index; hand them out in one pass.
            intervals.reverse();
            for (idx, a) in attendees.iter_mut().enumerate() {
                while intervals.last().is_some_and(|(i, _)| *i == idx as i64) {
                    if let Some((_, iv)) = intervals.pop() {
                        a.intervals.push(iv);
                    }
                }
            }
            let times_hidden = crate::attendance::hide_unknown_times(&mut attendees);
            let counts = Counts::of(&attendees);
            out.push(Session {
                times_hidden,
                report_id,
                start,
                scheduled_seconds: scheduled,
                participant_count: count as u32,
                attendees,
                arrival: first_seen.map(|seen| {
                    crate::attendance::late::Arrival::new(
                        seen,
                        absent_at,
                        &end,
                        crate::attendance::late::DEFAULT_LMS_WINDOW_MINUTES,
                    )
                }),
                end,
                counts,
            });
        }
        Ok(out)
    }

    /// Archived attendance of a webinar, as the Attendance page shows it (`None` when nothing is
    /// archived for its meeting).
    pub fn attendance(
        &self,
        w: &Webinar,
        threshold: f64,
    ) -> Result<Option<WebinarAttendance>, CoreError> {
        let Some(join) = &w.join_url else {
            return Ok(None);
        };
        let sessions = self.sessions(join, threshold)?;
        if sessions.is_empty() {
            return Ok(None);
        }
        let scheduled = sessions.first().map_or(0, |s| s.scheduled_seconds);
        let selected = crate::attendance::select_session(&sessions, &w.start, scheduled);
        let meeting_id = self.meeting(join)?.map(|m| m.0);
        Ok(Some(WebinarAttendance {
            webinar: w.clone(),
            meeting_id,
            sessions,
            selected,
            availability: Availability::Ready,
            note: Some("From the local archive.".into()),
            threshold,
        }))
    }

    /// Every archived webinar of these hosts whose sessions started in `[from, to)`.
    pub fn range(
        &self,
        hosts: &[String],
        from: &str,
        to: &str,
        threshold: f64,
    ) -> Result<Vec<WebinarAttendance>, CoreError> {
        // One row per meeting (its webinar's first row), ordered by its first session in range;
        // written so that PostgreSQL's stricter GROUP BY reads it too.
        // The hosts are chosen in the query: a curator's view of one host reads that host's
        // sessions only, not every host's to drop the rest.
        let mut params = p![from, to];
        let chosen = if hosts.is_empty() {
            String::new()
        } else {
            let marks: Vec<String> = hosts
                .iter()
                .map(|h| {
                    params.push(h.to_ascii_lowercase().into());
                    format!("?{}", params.len())
                })
                .collect();
            format!(" AND LOWER(w.host) IN ({})", marks.join(", "))
        };
        let rows: Vec<WebinarRow> = self
            .db()?
            .rows(
                &format!(
                    "SELECT w.id, w.host, w.subject, w.start_at, w.end_at, w.series_id, w.join_url
                 FROM webinars w JOIN (SELECT join_url, MIN(start_at) AS first FROM sessions
                   WHERE start_at >= ?1 AND start_at < ?2 GROUP BY join_url) s ON s.join_url = w.join_url
                 WHERE w.id = (SELECT MIN(v.id) FROM webinars v WHERE v.join_url = w.join_url){chosen}
                 ORDER BY s.first"
                ),
                params,
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
            .collect::<Result<_, CoreError>>()?;
        let mut out = Vec::new();
        for (id, host, subject, start, end, series_id, join) in rows {
            if !hosts.is_empty() && !hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
                continue;
            }
            let kind = if series_id.is_some() {
                "occurrence"
            } else {
                "singleInstance"
            };
            let w = stored_webinar(
                id,
                host,
                subject,
                start,
                end,
                series_id,
                Some(join),
                None,
                kind.into(),
            );
            if let Some(mut wa) = self.attendance(&w, threshold)? {
                wa.sessions
                    .retain(|s| s.start.as_str() >= from && s.start.as_str() < to);
                if !wa.sessions.is_empty() {
                    out.push(wa);
                }
            }
        }
        Ok(out)
    }

    /// Store an imported Teams download: attached to the archived webinar with the same title that
    /// started within 15 minutes, else to a webinar of its own (`import:` join key).
    pub fn import(
        &self,
        imported: &crate::attendance::import::Imported,
        host: &str,
    ) -> Result<Saved, CoreError> {
        self.check_writable()?;
        let start = imported.start.to_string();
        let window = jiff::SignedDuration::from_mins(15);
        let (Some(lo), Some(hi)) = (
            imported.start.checked_sub(window).ok(),
            imported.start.checked_add(window).ok(),
        ) else {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("The file's start time {start} is not a time a Teams meeting can have."),
                Some("Download the attendance report from Teams again.".into()),
            ));
        };
        // One transaction: a failure leaves neither a webinar without sessions nor half a session.
        self.write(|tx| {
            let existing: Option<String> = tx
            .row(
                "SELECT join_url FROM webinars WHERE subject = ?1 AND start_at >= ?2 AND start_at <= ?3 AND join_url IS NOT NULL LIMIT 1",
                p![&imported.title, lo.to_string(), hi.to_string()],
            )?
            .map(|r| r.get(0))
            .transpose()?;
            let join = match existing {
                Some(j) => j,
                None => {
                    let join = format!("import:{}", imported.session.report_id);
                    let w = stored_webinar(
                        imported.session.report_id.clone(),
                        host.to_string(),
                        imported.title.clone(),
                        start.clone(),
                        imported.end.to_string(),
                        None,
                        Some(join.clone()),
                        Some(host.to_string()),
                        "singleInstance".into(),
                    );
                    write_webinar(tx, &w)?;
                    join
                }
            };
            write_session(tx, &join, &imported.session)
        })
    }

    /// Archived webinars of these hosts starting in `[from, to)` (RFC 3339), as the calendar shows them.
    pub fn webinars(
        &self,
        hosts: &[String],
        from: &str,
        to: &str,
    ) -> Result<Vec<Webinar>, CoreError> {
        let webinars: Vec<Webinar> = self
            .db()?
            .rows(
                "SELECT id, host, subject, start_at, end_at, series_id, join_url, organizer, kind FROM webinars WHERE start_at >= ?1 AND start_at < ?2 ORDER BY start_at",
                p![from, to],
            )?
            .iter()
            .map(|r| {
                Ok(stored_webinar(
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })
            .collect::<Result<_, CoreError>>()?;
        Ok(webinars
            .into_iter()
            .filter(|w| hosts.is_empty() || hosts.iter().any(|h| h.eq_ignore_ascii_case(&w.host)))
            .collect())
    }
}
