use std::process::ExitCode;

use clap::Parser;
use hrms::commands;
use hrms::config::{Cli, Command, LogFormat};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    init_logging(cli.log_format);
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
            Some(Command::Demo { db, password, bcrypt_cost, people }) => {
                commands::demo(db, password, bcrypt_cost, people).await
            }
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

/// Logs to standard output: colours only on a terminal (escape codes in a
/// file or a log shipper are noise), or one JSON object per line.
fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).init(),
        LogFormat::Text => builder.with_ansi(std::io::stdout().is_terminal()).init(),
    }
}

/// glibc gives each thread that allocates concurrently an arena of its own
/// (up to 8 per core), and memory freed in one is not reused by another:
/// with request handlers spread over worker and blocking threads that makes
/// the resident set grow with connections. Four arenas hold it down (1,000
/// idle connections: see bench/README.md); two cost a third of the
/// dashboard's throughput in the same measurement.
fn limit_malloc_arenas() {
    // An operator's own MALLOC_ARENA_MAX wins (glibc reads it at start-up).
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}
