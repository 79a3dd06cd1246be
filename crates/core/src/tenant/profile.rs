//! Connection profiles: the non-secret half of a connection, saved as JSON in the app's data folder.
//!
//! One file (`profiles.json`) is shared by the desktop app and the CLI (`--profile NAME`), written
//! atomically. It never holds a secret: the client secret and refresh tokens live in the OS keychain
//! ([`crate::tenant::secrets`]); the profile keeps only what Entra itself shows of a secret (its first three
//! characters) and the expiry date the admin typed.

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rollcall_graph::Endpoints;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, ErrorCode};

/// Which Microsoft cloud the tenant lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Cloud {
    #[default]
    Global,
    /// US Government L4 (GCC High).
    UsGov,
    /// US Government L5 (DoD): its own Graph host (concepts/deployments.md).
    UsGovDod,
    China,
    /// Authority and Graph URLs typed in (e.g. the demo tenant or a test server).
    Custom,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum AuthMode {
    /// Client credentials: the app's own permissions (`roles`), no user.
    #[default]
    Application,
    /// Authorization code + PKCE: a signed-in user's permissions (`scp`).
    Delegated,
}

/// What the admin fills in. Secrets are not part of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub cloud: Cloud,
    /// Only for `Cloud::Custom`.
    #[serde(default)]
    pub authority: Option<String>,
    /// Only for `Cloud::Custom`.
    #[serde(default)]
    pub graph: Option<String>,
    pub tenant: String,
    pub client_id: String,
    pub mode: AuthMode,
    /// The LMS portal's domain, e.g. `lms.school.example`.
    #[serde(default)]
    pub portal_domain: String,
    /// "Receive webinar participant information from Teams".
    #[serde(default)]
    pub participant_info: bool,
    /// "Teams webinars (virtual events)": also read the hosts' Teams webinars, their registrations
    /// and attendance (needs one more Graph permission per mode).
    #[serde(default)]
    pub teams_webinars: bool,
    /// Minutes after a webinar's end during which the LMS polls Teams for participants (LMS
    /// Collaborator: 60); a report that appears later is marked late. Default: 60.
    #[serde(default)]
    pub lms_window_minutes: Option<u32>,
    /// Hours after a webinar's end during which a sync keeps checking for its reports. Default: 48.
    #[serde(default)]
    pub recheck_hours: Option<u32>,
    /// Host accounts whose calendars hold the webinars (application mode).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// First three characters of the saved client secret, as Entra shows them.
    #[serde(default)]
    pub secret_hint: Option<String>,
    /// The expiry date the admin entered for the secret (`YYYY-MM-DD`).
    #[serde(default)]
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub secret_expires: Option<Date>,
    /// The account last signed in (delegated mode).
    #[serde(default)]
    pub signed_in_as: Option<String>,
    /// A proxy for this profile only (`http://proxy.school.example:8080`), when the system's proxy
    /// settings and `HTTPS_PROXY` are not the right ones. Its password is in the keychain.
    #[serde(default)]
    pub proxy: Option<String>,
    /// The proxy's user name, when it asks for one (HTTP 407).
    #[serde(default)]
    pub proxy_user: Option<String>,
    /// A shared archive (`postgres://USER@HOST:PORT/DATABASE`, its password in the keychain)
    /// instead of the file in the data folder.
    #[serde(default)]
    pub archive: Option<String>,
}

/// Per-field validation problems, for the form.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// What a cloud does not offer that Rollcall needs, in the user's words; `None` where everything
/// works. From the national-cloud tables of onlinemeeting-get.md and meetingattendancereport-list.md
/// (v1.0): Global, US Gov L4 and L5 support both; China supports neither.
pub fn cloud_limits(endpoints: &Endpoints) -> Option<&'static str> {
    let host = url::Url::parse(&endpoints.graph)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    host.ends_with("chinacloudapi.cn").then_some(
        "The China cloud (21Vianet) has no online-meeting look-up or attendance reports in Microsoft Graph: Rollcall can manage the webinar calendar there, but cannot read attendance. Import the Teams attendance downloads instead.",
    )
}

impl Cloud {
    /// The sign-in and Graph addresses of this cloud (`Custom`: the ones typed in).
    pub fn endpoints(self, authority: Option<&str>, graph: Option<&str>) -> Endpoints {
        match self {
            Cloud::Global => Endpoints::global(),
            Cloud::UsGov => Endpoints {
                authority: "https://login.microsoftonline.us".into(),
                graph: "https://graph.microsoft.us/v1.0".into(),
            },
            Cloud::UsGovDod => Endpoints {
                authority: "https://login.microsoftonline.us".into(),
                graph: "https://dod-graph.microsoft.us/v1.0".into(),
            },
            // The sign-in host Entra documents today for 21Vianet (MicrosoftDocs/entra-docs:
            // docs/identity-platform/authentication-national-cloud.md); login.chinacloudapi.cn is
            // its older alias.
            Cloud::China => Endpoints {
                authority: "https://login.partner.microsoftonline.cn".into(),
                graph: "https://microsoftgraph.chinacloudapi.cn/v1.0".into(),
            },
            Cloud::Custom => Endpoints {
                authority: authority.unwrap_or_default().to_string(),
                graph: graph.unwrap_or_default().to_string(),
            },
        }
    }
}

impl Profile {
    pub fn endpoints(&self) -> Endpoints {
        self.cloud
            .endpoints(self.authority.as_deref(), self.graph.as_deref())
    }

    /// The fingerprint of where this profile's secrets may go: the authority's and Graph's origins,
    /// the tenant and the client id. A saved secret carries it and is refused when it differs.
    pub fn binding(&self) -> String {
        let e = self.endpoints();
        let origin = |u: &str| {
            url::Url::parse(u)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_else(|_| u.to_string())
        };
        let text = format!(
            "{}|{}|{}|{}",
            origin(&e.authority),
            origin(&e.graph),
            self.tenant.trim().to_ascii_lowercase(),
            self.client_id.trim().to_ascii_lowercase()
        );
        fingerprint(&text)
    }

    /// The redirect URI the LMS portal uses, to register under "Web".
    /// The LMS polling window in minutes (at most a week).
    pub fn lms_window(&self) -> u32 {
        self.lms_window_minutes
            .unwrap_or(crate::attendance::late::DEFAULT_LMS_WINDOW_MINUTES)
            .min(7 * 24 * 60)
    }

    /// How long to keep checking for reports after the end, in hours (1 hour to 30 days).
    pub fn recheck(&self) -> u32 {
        self.recheck_hours
            .unwrap_or(crate::attendance::late::DEFAULT_RECHECK_HOURS)
            .clamp(1, 30 * 24)
    }

    pub fn portal_redirect_uri(&self) -> Option<String> {
        let d = self.portal_domain.trim().trim_end_matches('/');
        (!d.is_empty()).then(|| format!("https://{d}/api/v2/webinars/oauth/microsoft-callback"))
    }

    /// Check every field; an empty list means the profile can be saved.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let mut err = |field: &str, message: String| {
            errs.push(FieldError {
                field: field.into(),
                message,
            })
        };
        // Ids name keychain entries and archive files: no path separators, no "..". (Empty is a
        // new profile, given an id on save; the file's profiles must have one, see `load`.)
        if !self.id.is_empty()
            && (self.id.len() > 200
                || self.id.starts_with('.')
                || self.id.contains("..")
                || !self
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            err(
                "id",
                format!(
                    "\"{}\" is not a profile id (letters, digits, '-', '_' and '.', at most 200).",
                    self.id.chars().take(80).collect::<String>()
                ),
            );
        }
        if self.name.trim().is_empty() {
            err(
                "name",
                "Give the profile a name, e.g. \"Production portal\".".into(),
            );
        } else if self.name.chars().count() > 80 {
            err("name", "Keep the name under 80 characters.".into());
        }
        if let Some(m) = tenant_problem(&self.tenant) {
            err("tenant", m);
        }
        if !is_guid(&self.client_id) {
            err("clientId", "The Application (client) ID is a GUID like 11111111-2222-3333-4444-555555555555; copy it from the app's Overview page.".into());
        }
        if self.cloud == Cloud::Custom {
            for (field, v) in [("authority", &self.authority), ("graph", &self.graph)] {
                match v.as_deref().map(url::Url::parse) {
                    Some(Ok(u)) if u.scheme() == "https" && u.host().is_some() => {}
                    // Plain http only to this computer (the demo tenant, a local test server):
                    // a secret or token never crosses a network unencrypted.
                    Some(Ok(u)) if u.scheme() == "http" && is_loopback(&u) => {}
                    Some(Ok(u)) if u.scheme() == "http" => err(
                        field,
                        "Use https:// — plain http:// is allowed only for this computer (localhost, 127.0.0.1).".into(),
                    ),
                    _ => err(
                        field,
                        "Enter a full URL such as https://login.microsoftonline.com.".into(),
                    ),
                }
            }
        }
        if let Some(proxy) = self.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
            match url::Url::parse(proxy.trim()) {
                Ok(u) if !u.username().is_empty() || u.password().is_some() => err(
                    "proxy",
                    "Leave the user and password out of the proxy address: enter them in the proxy's own fields (the password goes to the keychain).".into(),
                ),
                Ok(u) if matches!(u.scheme(), "http" | "https" | "socks5") && u.host().is_some() => {}
                _ => err(
                    "proxy",
                    "Enter the proxy as a URL, e.g. http://proxy.school.example:8080.".into(),
                ),
            }
        }
        if let Some(a) = self.archive.as_deref().filter(|a| !a.trim().is_empty()) {
            if let Err(e) = crate::archive::ServerAddress::parse(a.trim()) {
                err("archive", e.user_message());
            }
        }
        let d = self.portal_domain.trim();
        if !d.is_empty() && !is_domain(d.trim_end_matches('/')) {
            err("portalDomain", "Enter the portal's domain only, e.g. lms.school.example (no https:// and no path).".into());
        }
        for h in &self.hosts {
            if !is_mailbox(h) {
                err("hosts", format!("\"{h}\" is not an e-mail address."));
            }
        }
        errs
    }
}

/// The fingerprint a stored secret carries of where it may be sent: 16 bytes of SHA-256, in hex.
pub fn fingerprint(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::try_parse(s.trim()).is_ok() && s.trim().len() == 36
}

fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// A profile id as it may appear in a file name of the data folder (`archive-{key}.sqlite`,
/// `cancelled-{key}.json`): ASCII letters, digits and `-`, anything else `_`, so no id — even one
/// that escaped validation — can name a path outside the folder.
pub fn file_key(profile_id: &str) -> String {
    profile_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A mailbox as RFC 5321 4.1.2 writes it for a host account: a dot-atom local part (ASCII letters,
/// digits and ``!#$%&'*+-/=?^_`{|}~``, at most 64 octets), `@`, and a domain. No quoted local
/// parts, no white space, no non-ASCII look-alike quotes (`„`, `“`): a host address goes into
/// PowerShell and Graph URLs.
pub fn is_mailbox(s: &str) -> bool {
    let Some((local, domain)) = s.trim().rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    local.len() <= 64
        && s.trim().len() <= 254
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext))
        && is_domain(domain)
}

/// An e-mail address as rosters and invitations carry it (looser than [`is_mailbox`]: any
/// non-blank local part, for internationalised addresses).
pub fn is_email(s: &str) -> bool {
    match s.trim().split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !local.contains(char::is_whitespace) && is_domain(domain)
        }
        None => false,
    }
}

fn tenant_problem(t: &str) -> Option<String> {
    let t = t.trim();
    if t.is_empty() {
        return Some("Enter the Directory (tenant) ID from the app's Overview page, or a verified domain such as school.onmicrosoft.com.".into());
    }
    if matches!(
        t.to_ascii_lowercase().as_str(),
        "common" | "organizations" | "consumers"
    ) {
        return Some(format!("\"{t}\" is not a tenant: client credentials and the LMS need your own tenant ID or domain."));
    }
    if is_guid(t) || is_domain(t) {
        None
    } else {
        Some("That is neither a tenant ID (a GUID) nor a domain name.".into())
    }
}

/// The saved profiles and which one is active.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfilesFile {
    pub version: u32,
    pub active: Option<String>,
    pub profiles: Vec<Profile>,
}

/// The app's data folder: `ROLLCALL_DATA_DIR`, else the OS data folder + the app identifier (the same
/// folder Tauri's `app_data_dir` resolves to, so the CLI and the app share it).
/// A new profile's id (random, as the app's Settings make them).
pub fn new_profile_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn data_dir() -> Result<PathBuf, CoreError> {
    if let Some(d) = std::env::var_os("ROLLCALL_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    dirs::data_dir()
        .map(|d| d.join("app.rollcall.desktop"))
        .ok_or_else(|| CoreError::internal("this system has no per-user data folder"))
}

/// The profiles file in a folder.
pub struct Profiles {
    path: PathBuf,
}

impl Profiles {
    pub fn in_dir(dir: &Path) -> Self {
        Profiles {
            path: dir.join("profiles.json"),
        }
    }
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder of the profiles file: the app's data folder, where archives and logs live too.
    pub fn dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    pub fn load(&self) -> Result<ProfilesFile, CoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                let file: ProfilesFile = serde_json::from_slice(&bytes).map_err(|e| {
                    CoreError::new(
                        ErrorCode::InvalidInput,
                        format!("The profiles file {} is damaged: {e}.", self.path.display()),
                        Some(
                            "Fix or move the file away; Rollcall will start with no profiles."
                                .into(),
                        ),
                    )
                })?;
                // A hand-edited file is held to what the form allows (ids, URLs, e-mails).
                for p in &file.profiles {
                    let missing_id = p.id.is_empty().then(|| FieldError {
                        field: "id".into(),
                        message: "the profile has no id".into(),
                    });
                    if let Some(e) = missing_id.as_ref().or(p.validate().first()) {
                        return Err(CoreError::new(
                            ErrorCode::InvalidInput,
                            format!(
                                "The profiles file {} has a profile that is not valid (\"{}\", {}): {}",
                                self.path.display(),
                                p.name.chars().take(80).collect::<String>(),
                                e.field,
                                e.message
                            ),
                            Some("Fix that profile in the file, or move the file away; Rollcall will start with no profiles.".into()),
                        ));
                    }
                }
                Ok(file)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ProfilesFile {
                version: 1,
                ..Default::default()
            }),
            Err(e) => Err(CoreError::internal(format!(
                "could not read {}: {e}",
                self.path.display()
            ))),
        }
    }

    pub fn save(&self, file: &ProfilesFile) -> Result<(), CoreError> {
        let bytes =
            serde_json::to_vec_pretty(file).map_err(|e| CoreError::internal(e.to_string()))?;
        crate::support::atomic::write_private(&self.path, &bytes)
    }

    /// Find by name (case-insensitive) or id.
    pub fn find(&self, name_or_id: &str) -> Result<Profile, CoreError> {
        let f = self.load()?;
        f.profiles
            .into_iter()
            .find(|p| p.id == name_or_id || p.name.eq_ignore_ascii_case(name_or_id))
            .ok_or_else(|| {
                CoreError::new(
                    ErrorCode::NotFound,
                    format!("No saved profile is called \"{name_or_id}\"."),
                    Some("Create it in Rollcall → Settings → Connections, or pass --tenant and --client-id.".into()),
                )
            })
    }

    /// Insert or replace by id; a new profile becomes active when none is.
    pub fn upsert(&self, p: Profile) -> Result<ProfilesFile, CoreError> {
        let errs = p.validate();
        if let Some(first) = errs.first() {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                first.message.clone(),
                Some(format!("Field: {}", first.field)),
            ));
        }
        let mut f = self.load()?;
        if f.profiles
            .iter()
            .any(|q| q.id != p.id && q.name.eq_ignore_ascii_case(p.name.trim()))
        {
            return Err(CoreError::new(
                ErrorCode::InvalidInput,
                format!("A profile called \"{}\" already exists.", p.name.trim()),
                Some("Choose another name.".into()),
            ));
        }
        match f.profiles.iter_mut().find(|q| q.id == p.id) {
            Some(slot) => *slot = p.clone(),
            None => f.profiles.push(p.clone()),
        }
        if f.active.is_none() {
            f.active = Some(p.id);
        }
        f.version = 1;
        self.save(&f)?;
        Ok(f)
    }

    pub fn remove(&self, id: &str) -> Result<ProfilesFile, CoreError> {
        let mut f = self.load()?;
        f.profiles.retain(|p| p.id != id);
        if f.active.as_deref() == Some(id) {
            f.active = f.profiles.first().map(|p| p.id.clone());
        }
        self.save(&f)?;
        Ok(f)
    }

    pub fn activate(&self, id: &str) -> Result<ProfilesFile, CoreError> {
        let mut f = self.load()?;
        if !f.profiles.iter().any(|p| p.id == id) {
            return Err(CoreError::new(
                ErrorCode::NotFound,
                "That profile no longer exists.",
                None,
            ));
        }
        f.active = Some(id.to_string());
        self.save(&f)?;
        Ok(f)
    }

    pub fn update(&self, id: &str, change: impl FnOnce(&mut Profile)) -> Result<(), CoreError> {
        let mut f = self.load()?;
        if let Some(p) = f.profiles.iter_mut().find(|p| p.id == id) {
            change(p);
            self.save(&f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample() -> Profile {
        Profile {
            id: "p1".into(),
            name: "Production".into(),
            cloud: Cloud::Global,
            authority: None,
            graph: None,
            tenant: "northwind.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            mode: AuthMode::Application,
            portal_domain: "lms.northwind.example".into(),
            participant_info: true,
            teams_webinars: false,
            lms_window_minutes: None,
            recheck_hours: None,
            hosts: vec!["megan@northwind.example".into()],
            secret_hint: None,
            secret_expires: None,
            signed_in_as: None,
            proxy: None,
            proxy_user: None,
            archive: None,
        }
    }

    #[test]
    fn file_keys_cannot_leave_the_data_folder() {
        assert_eq!(file_key("../../etc/passwd"), "______etc_passwd");
        assert_eq!(file_key("C:\\x"), "C__x");
        assert_eq!(file_key("prod-1"), "prod-1");
    }

    #[test]
    fn ids_a_new_profile_may_lack_but_no_file_may_hold() {
        let mut p = sample();
        p.id = String::new();
        assert!(p.validate().is_empty(), "a new profile gets its id on save");
        for bad in ["../x", "a/b", ".hidden", "a..b", "x y"] {
            p.id = bad.into();
            assert!(p.validate().iter().any(|e| e.field == "id"), "{bad}");
        }
        p.id = "cli-contoso.onmicrosoft.com-11111111-2222-3333-4444-555555555555".into();
        assert!(p.validate().is_empty());
    }

    #[test]
    fn clouds_have_their_documented_hosts_and_limits() {
        let mut p = sample();
        p.cloud = Cloud::UsGovDod;
        assert_eq!(p.endpoints().graph, "https://dod-graph.microsoft.us/v1.0");
        assert_eq!(p.endpoints().resource(), "https://dod-graph.microsoft.us");
        assert!(cloud_limits(&p.endpoints()).is_none());
        p.cloud = Cloud::China;
        assert_eq!(
            p.endpoints().authority,
            "https://login.partner.microsoftonline.cn"
        );
        assert!(cloud_limits(&p.endpoints()).unwrap().contains("attendance"));
        p.cloud = Cloud::Global;
        assert!(cloud_limits(&p.endpoints()).is_none());
        // The serialised name the UI and profiles.json use.
        assert_eq!(
            serde_json::to_string(&Cloud::UsGovDod).unwrap(),
            "\"usGovDod\""
        );
    }

    #[test]
    fn validation_names_each_bad_field() {
        assert!(sample().validate().is_empty());
        let mut p = sample();
        p.tenant = "common".into();
        p.client_id = "Q~abc".into();
        p.portal_domain = "https://lms.example/path".into();
        p.hosts = vec!["megan".into()];
        p.cloud = Cloud::Custom;
        let fields: Vec<String> = p.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "tenant",
                "clientId",
                "authority",
                "graph",
                "portalDomain",
                "hosts"
            ]
        );
    }

    #[test]
    fn portal_redirect_uri_is_exact() {
        assert_eq!(
            sample().portal_redirect_uri().as_deref(),
            Some("https://lms.northwind.example/api/v2/webinars/oauth/microsoft-callback")
        );
    }

    #[test]
    fn profiles_round_trip_and_keep_one_active() {
        let dir = std::env::temp_dir().join(format!("rollcall-prof-{}", uuid::Uuid::new_v4()));
        let store = Profiles::in_dir(&dir);
        assert!(store.load().unwrap().profiles.is_empty());
        store.upsert(sample()).unwrap();
        let mut b = sample();
        b.id = "p2".into();
        b.name = "production".into();
        assert!(
            store.upsert(b.clone()).is_err(),
            "duplicate names are refused"
        );
        b.name = "Staging".into();
        let f = store.upsert(b).unwrap();
        assert_eq!(f.active.as_deref(), Some("p1"));
        assert_eq!(store.find("staging").unwrap().id, "p2");
        let f = store.remove("p1").unwrap();
        assert_eq!(f.active.as_deref(), Some("p2"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
