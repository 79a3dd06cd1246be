//! The Graph permissions the LMS integration needs, per auth mode, exactly as the set-up article
//! lists them. The last two of each list are needed only with participant information.

use crate::tenant::profile::AuthMode;

const APPLICATION: [&str; 4] = [
    "User.Read.All",
    "Calendars.ReadWrite",
    "OnlineMeetings.Read.All",
    "OnlineMeetingArtifact.Read.All",
];

const DELEGATED: [&str; 6] = [
    "offline_access",
    "openid",
    "User.Read",
    "Calendars.ReadWrite",
    "OnlineMeetings.Read",
    "OnlineMeetingArtifact.Read.All",
];

/// The required permissions (application `roles` or delegated scopes).
pub fn required(mode: AuthMode, participant_info: bool) -> Vec<&'static str> {
    let all: &[&str] = match mode {
        AuthMode::Application => &APPLICATION,
        AuthMode::Delegated => &DELEGATED,
    };
    let n = if participant_info {
        all.len()
    } else {
        all.len() - 2
    };
    all[..n].to_vec()
}

/// The extra permission for Teams webinars (virtual events): application `VirtualEvent.Read.All`
/// (virtualeventwebinar-getbyuseridandrole.md); delegated `VirtualEvent.ReadWrite`, so a signed-in
/// organizer can also create, publish and cancel (virtualeventwebinar-publish.md), which no
/// application permission allows.
pub fn virtual_events(mode: AuthMode) -> &'static str {
    match mode {
        AuthMode::Application => "VirtualEvent.Read.All",
        AuthMode::Delegated => "VirtualEvent.ReadWrite",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_follow_the_article() {
        assert_eq!(
            required(AuthMode::Application, false),
            ["User.Read.All", "Calendars.ReadWrite"]
        );
        assert_eq!(required(AuthMode::Application, true).len(), 4);
        assert_eq!(
            required(AuthMode::Delegated, false),
            [
                "offline_access",
                "openid",
                "User.Read",
                "Calendars.ReadWrite"
            ]
        );
        assert_eq!(
            required(AuthMode::Delegated, true)[5],
            "OnlineMeetingArtifact.Read.All"
        );
    }
}
