use std::process::ExitCode;

use clap::Parser;
use hrms::commands;
use hrms::config::{Cli, Command};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=info")))
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            None => commands::serve(cli.serve).await,
            Some(Command::Serve(args)) => commands::serve(*args).await,
            Some(Command::User(cmd)) => commands::user(cmd).await,
            Some(Command::Demo { db, password, bcrypt_cost }) => commands::demo(db, password, bcrypt_cost).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
