//! `rollcall`: the headless command line. Output for scripts goes to stdout; logs go to stderr.

mod connection;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rollcall",
    version,
    about = "Teams webinar setup checks, calendars and attendance exports"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the demo tenant (identity platform + Graph) until killed; prints one JSON line.
    Emulator {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// Seed of the deterministic demo tenant.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Named situation to start in (repeatable): see `--help` of the emulator crate.
        #[arg(long = "scenario")]
        scenarios: Vec<String>,
        /// Latency added to every Graph request, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
    },
    /// Show what the demo or a real tenant looks like through Rollcall's pipeline.
    Summary {
        #[command(flatten)]
        conn: connection::ConnectionArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROLLCALL_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rollcall: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(70);
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> std::process::ExitCode {
    match cli.command {
        Command::Emulator {
            listen,
            seed,
            scenarios,
            latency_ms,
        } => {
            let config = rollcall_emulator::Config {
                seed,
                scenarios,
                faults: rollcall_emulator::Faults {
                    latency_ms,
                    ..Default::default()
                },
                now: None,
            };
            let running = match rollcall_emulator::start(&listen, config).await {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("rollcall emulator: {e}");
                    return std::process::ExitCode::from(64);
                }
            };
            match serde_json::to_string(&running.info) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("rollcall emulator: {e}"),
            }
            let _ = tokio::signal::ctrl_c().await;
            running.stop().await;
            std::process::ExitCode::SUCCESS
        }
        Command::Summary { conn, json } => {
            let (conn, _emulator) = match conn.resolve().await {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("rollcall: {e}");
                    return std::process::ExitCode::from(64);
                }
            };
            match rollcall_core::summary::fetch(&conn).await {
                Ok(summary) => {
                    if json {
                        match serde_json::to_string_pretty(&summary) {
                            Ok(s) => println!("{s}"),
                            Err(e) => eprintln!("{e}"),
                        }
                    } else {
                        print!("{}", summary.to_text());
                    }
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("rollcall: {}", e.user_message());
                    std::process::ExitCode::from(e.exit_code())
                }
            }
        }
    }
}
