use super::*;

#[test]
fn powershell_has_the_exact_app_id_and_cmdlets() {
    let app = "be10091b-c10c-42c0-9e3a-d8cf4f12b075";
    let s = access_policy_scripts(
        app,
        &[
            "megan@contoso.example".into(),
            "o'brien$x@contoso.example".into(),
            "a\u{201E};Remove-Item C:\\*\u{2019}@contoso.example".into(),
        ],
    );
    assert_eq!(s.len(), 3);
    let global = &s[0].value;
    assert!(global.contains("Connect-MicrosoftTeams\n"));
    assert!(global.contains(&format!(
        "New-CsApplicationAccessPolicy -Identity 'LMS-Teams-Webinars' -AppIds '{app}' -Description"
    )));
    assert!(global
        .contains("Grant-CsApplicationAccessPolicy -PolicyName 'LMS-Teams-Webinars' -Global\n"));
    let per_host = &s[1].value;
    assert!(per_host.contains("Grant-CsApplicationAccessPolicy -PolicyName 'LMS-Teams-Webinars' -Identity 'megan@contoso.example'\n"));
    assert!(
        per_host.contains("-Identity 'o''brien$x@contoso.example'\n"),
        "a verbatim string: $ stays text, the quote is doubled"
    );
    assert!(
        per_host
            .contains("-Identity 'a\u{201E};Remove-Item C:\\*\u{2019}\u{2019}@contoso.example'\n"),
        "„ cannot end a verbatim string; ’ is a single quote to PowerShell and is doubled"
    );
    assert!(!per_host.contains("-Global"));
    let existing = &s[2].value;
    assert!(existing.contains(&format!("Set-CsApplicationAccessPolicy -Identity '<name of the existing policy>' -AppIds @{{Add='{app}'}}\n")));
    assert!(!existing.contains("New-CsApplicationAccessPolicy"));
}

#[test]
fn the_redirect_step_accepts_exactly_what_the_client_sends() {
    let app = |public: &[&str], spa: &[&str]| AppRedirects {
        public_client: RedirectList {
            redirect_uris: public.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
        spa: RedirectList {
            redirect_uris: spa.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
        ..Default::default()
    };
    assert!(credentials::loopback_finding(&app(&["http://localhost"], &[])).0);
    let (ok, line) = credentials::loopback_finding(&app(&[], &["http://localhost"]));
    assert!(!ok && line.contains("Single-page application") && line.contains("AADSTS9002327"));
    let (ok, line) = credentials::loopback_finding(&app(&["http://127.0.0.1"], &[]));
    assert!(!ok && line.contains("AADSTS50011"), "{line}");
}

#[test]
fn loopback_uris() {
    assert!(is_loopback("http://localhost"));
    assert!(is_loopback("http://localhost:5000/"));
    // Only what the client sends: 127.0.0.1 registered alone fails sign-in with AADSTS50011.
    assert!(!is_loopback("http://127.0.0.1"));
    assert!(!is_loopback("https://localhost"));
    assert!(!is_loopback("http://localhost/callback"));
}
