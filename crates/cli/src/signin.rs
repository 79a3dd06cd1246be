//! `rollcall login`, `whoami` and `logout`: the user sign-in of delegated mode in the system browser,
//! who Rollcall acts as, and forgetting a signed-in user.

use crate::connection::{self, ConnectionArgs};
use crate::term::tell;
use crate::{fail, print_json};

/// `rollcall whoami`: sign in now and describe the token.
pub async fn whoami(conn: &ConnectionArgs, json: bool) -> std::process::ExitCode {
    let (conn, _emulator) = match conn.resolve().await {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    match rollcall_core::tenant::session::status(&conn, true).await {
        Ok(st) if json => print_json(&st),
        Ok(st) => print!("{}", status_text(&st)),
        Err(e) => return fail(&e),
    }
    std::process::ExitCode::SUCCESS
}

/// `rollcall logout`: the refresh token leaves the keychain.
pub fn logout(conn: &ConnectionArgs) -> std::process::ExitCode {
    let result = conn.target().and_then(|t| match t {
        connection::Target::Demo => Ok(()),
        connection::Target::Profile(p) => rollcall_core::tenant::session::sign_out(
            &ConnectionArgs::profiles()?,
            ConnectionArgs::secret_store().as_ref(),
            &p.id,
        ),
    });
    match result {
        Ok(()) => {
            tell!("rollcall: signed out");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

pub async fn login(
    args: &connection::ConnectionArgs,
    no_browser: bool,
) -> Result<rollcall_core::tenant::session::ConnectionStatus, rollcall_core::CoreError> {
    use rollcall_core::tenant::session::{opener_from_env, SignInAttempt};
    let connection::Target::Profile(profile) = args.target()? else {
        return Err(rollcall_core::CoreError::new(
            rollcall_core::ErrorCode::InvalidInput,
            "The demo tenant signs in as the application; there is nobody to log in.",
            Some("Use --profile NAME or --tenant/--client-id with --mode delegated.".into()),
        ));
    };
    let attempt = SignInAttempt::begin(&profile).await?;
    let opened = !no_browser && opener_from_env().open(&attempt.url).is_ok();
    if opened {
        tell!("rollcall: continue in the browser window that opened (waiting up to 5 minutes; Ctrl+C cancels)");
    } else {
        tell!("rollcall: open this address in a browser to sign in (waiting up to 5 minutes; Ctrl+C cancels):");
        tell!("{}", attempt.url);
    }
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let (_conn, status) = attempt
        .finish(
            &connection::ConnectionArgs::profiles()?,
            connection::ConnectionArgs::secret_store(),
            cancel,
        )
        .await?;
    Ok(status)
}

pub fn status_text(st: &rollcall_core::tenant::session::ConnectionStatus) -> String {
    let mut s = format!(
        "Signed in as {}\nTenant: {}\nProfile: {}{}\nToken valid until: {}\nPermissions: {}\n",
        st.signed_in_as,
        st.tenant,
        st.profile,
        if st.demo { " (DEMO)" } else { "" },
        st.token_valid_until,
        if st.permissions.is_empty() {
            "none".to_string()
        } else {
            st.permissions.join(", ")
        },
    );
    if let (Some(hint), Some(exp), Some(days)) =
        (&st.secret_hint, &st.secret_expires, st.secret_days_left)
    {
        s.push_str(&format!(
            "Client secret: {hint}… expires {exp} ({days} days left)\n"
        ));
    } else if let Some(hint) = &st.secret_hint {
        s.push_str(&format!("Client secret: {hint}…\n"));
    }
    s
}
