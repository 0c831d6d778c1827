//! What the `hrms` binary does: serve, and the account commands for operators.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{Context, bail};
use tokio::net::TcpListener;

use crate::access::Actor;
use crate::auth::password::{hash_blocking, policy_violation};
use crate::auth::revocation;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, DatabaseArgs, ServeArgs, UserCommand};
use crate::db::{Db, DbTarget};
use crate::domain::accounts::{self, AccountChange, Changed, NewAccount};
use crate::models::employee::Enrollment;
use crate::models::user::{self, normalize_email};
use crate::state::AppState;

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::try_from(args).map_err(anyhow::Error::msg)?;
    if let Some(problem) = crate::security::public_url_mismatch(config.bind, &config.public_url) {
        tracing::warn!("{problem}");
        eprintln!("  Warning: {problem}.");
    }
    let state = AppState::new(config, Arc::new(SystemClock)).await?;
    if let Some((email, password)) = bootstrap_admin(&state).await? {
        // Printed once, on the terminal of whoever started the first server
        // (standard error: standard output may carry JSON logs); never logged.
        eprintln!(
            "\n  First start: an Admin account was created.\n    email:    {email}\n    password: {password}\n  Sign in and keep the password somewhere safe; it is not shown again.\n"
        );
    }
    // On the terminal, so that a first user knows where to find their mail.
    eprintln!("  Mail is {}.", state.mailer.describe());
    let listener = TcpListener::bind(state.config.bind)
        .await
        .with_context(|| format!("could not listen on {}", state.config.bind))?;
    run(listener, state).await
}

/// Serves on `listener` until SIGINT or SIGTERM, finishing in-flight requests
/// for up to `--shutdown-timeout`.
pub async fn run(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    run_until(listener, state, shutdown_signal()).await
}

/// [`run`], stopping when `shutdown` completes instead of on a signal.
pub async fn run_until(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mut limits = state.config.connections;
    limits.max_connections = crate::serve::fit_to_fd_limit(limits.max_connections);
    let _watcher = revocation::Watcher::start(&state.db, state.revoked.clone(), state.clock.clone());
    let pruner = tokio::spawn(crate::maintenance::prune_forever(state.clone(), state.config.retention));
    let sender = tokio::spawn(crate::mail::sender::run_forever(state.clone()));
    tracing::info!("mail is {}", state.mailer.describe());
    let metrics_server = match state.config.metrics_bind {
        Some(addr) => {
            let metrics_listener =
                TcpListener::bind(addr).await.with_context(|| format!("could not listen on {addr}"))?;
            tracing::info!(address = %addr, "metrics are served");
            let app = crate::router::metrics_app(state.clone());
            // Scrapers are few: a small cap of its own, so they never take the portal's.
            let metrics_limits = crate::serve::ConnectionLimits { max_connections: 16, ..limits };
            Some(tokio::spawn(crate::serve::serve(metrics_listener, app, metrics_limits, std::future::pending())))
        }
        None => None,
    };
    tracing::info!(
        address = %listener.local_addr()?,
        public_url = %state.config.public_url.origin,
        max_connections = limits.max_connections,
        "hrms is serving"
    );
    let app = crate::build_app(state);
    crate::serve::serve(listener, app, limits, shutdown).await;
    pruner.abort();
    sender.abort();
    if let Some(server) = metrics_server {
        server.abort();
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

pub use crate::domain::accounts::{BOOTSTRAP_ADMIN_EMAIL, bootstrap_admin};

/// `hrms demo`: fills an empty database and prints the accounts to try.
pub async fn demo(db: DatabaseArgs, password: String, bcrypt_cost: u32, people: usize) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || {
        if let Some(problem) = policy_violation(&password, "") {
            bail!("--password refused: {problem}");
        }
        let db_url = db.database_url.clone();
        let db = open_db(&db)?;
        if !db.run_blocking(|conn| Ok(crate::demo::is_empty(conn)?))? {
            bail!("the database already has departments or employees; the demo fills only an empty one");
        }
        let hash = hash_blocking(&password, bcrypt_cost)?;
        let now = SystemClock.now();
        let started = std::time::Instant::now();
        let org = db.run_blocking(move |conn| Ok(crate::demo::fill(conn, now, &hash, people)?))?;
        println!(
            "Demo organisation created: {} people in {} departments, in {:.1} s.",
            org.people.len(),
            crate::demo::plan(people).len(),
            started.elapsed().as_secs_f64()
        );
        println!("Every account's password: {password}");
        for (what, email) in org.showcase() {
            println!("  {what:<24} {email}");
        }
        println!();
        println!("To look around, serve this database:");
        println!("  hrms serve --database-url {db_url}");
        println!("(from the source: cargo run --release -- serve --database-url {db_url})");
        println!("then open http://127.0.0.1:3000 (or your --public-url) and sign in with an account above.");
        Ok(())
    })
    .await?
}

fn open_db(args: &DatabaseArgs) -> anyhow::Result<Db> {
    let target = DbTarget::parse(&args.database_url).map_err(anyhow::Error::msg)?;
    let db = Db::new(target, Some(1), std::time::Duration::from_secs(10));
    db.migrate().context("could not prepare the database")?;
    Ok(db)
}

pub async fn user(cmd: UserCommand) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || user_blocking(cmd, &mut std::io::stdin().lock())).await?
}

/// The account commands; `stdin` supplies the password for `create`. They act
/// as the operator (an Admin's power, no account), through the same domain
/// functions as the pages, so the same rules hold (the last Admin stays).
pub fn user_blocking(cmd: UserCommand, stdin: &mut dyn BufRead) -> anyhow::Result<()> {
    let now = SystemClock.now();
    let operator = Actor::operator();
    match cmd {
        UserCommand::Create { email, name, role, db, bcrypt_cost } => {
            let mut password = String::new();
            stdin.read_line(&mut password).context("could not read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let (email, full_name) = accounts::check_new_account(&email, &name, password).map_err(|errors| {
                let (field, message) = errors.iter().next().unwrap_or(("input", "refused"));
                let field = match field {
                    "email" => "--email",
                    "full_name" => "--name",
                    _ => "password refused",
                };
                anyhow::anyhow!("{field}: {message}")
            })?;
            let db = open_db(&db)?;
            let password_hash = hash_blocking(password, bcrypt_cost)?;
            let account = NewAccount { email: email.clone(), full_name, role, password_hash };
            let created = db.run_blocking(|conn| accounts::create(conn, &operator, &account, now))?;
            let Some(enrollment) = created else {
                bail!("an account with the email {email} already exists");
            };
            println!("Created {} account for {email}.", role.label());
            match enrollment {
                Enrollment::Linked(_) => println!("Linked it to the employee record HR entered for {email}."),
                Enrollment::Created(_) => println!("Gave it a new employee record (no department yet)."),
                Enrollment::Unavailable => println!(
                    "Note: {email} is on an employee record that is terminated or linked to another account; \
                     this account has no employee record."
                ),
            }
        }
        UserCommand::SetRole { email, role, db } => {
            let db = open_db(&db)?;
            let email = normalize_email(&email);
            let changed = db.run_blocking(|conn| {
                let Some(account) = user::find_by_email(conn, &email)? else {
                    return Ok(None);
                };
                accounts::change_in(conn, &operator, &account.id, AccountChange::Role(role), now).map(Some)
            });
            match changed {
                Ok(Some(Changed::Done(revoked))) => {
                    println!("{email} is now {}; {} session(s) signed out.", role.label(), revoked.len())
                }
                Ok(Some(Changed::Unchanged)) => println!("{email} is already {}; nothing changed.", role.label()),
                Ok(None) => bail!("no account with the email {email}"),
                Err(e) => return Err(e.into()),
            }
        }
        UserCommand::ResetPassword { email, db, public_url } => {
            let origin = crate::config::PublicUrl::parse(&public_url).map_err(anyhow::Error::msg)?.origin;
            let ctx = crate::mail::MailContext { portal: "HRMS".to_owned(), base_url: origin };
            let db = open_db(&db)?;
            let link =
                db.run_blocking(|conn| accounts::requests::operator_reset_link(conn, &operator, &email, &ctx, now))?;
            let Some(link) = link else {
                bail!("no account with the email {}", normalize_email(&email));
            };
            println!("Open this link within one hour to choose a new password for {}:", normalize_email(&email));
            println!("  {link}");
            println!("It works once; signing in with the current password cancels it.");
        }
    }
    Ok(())
}
