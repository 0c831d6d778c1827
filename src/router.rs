//! Every route in one place.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tower_cookies::CookieManagerLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::middleware::load_session;
use crate::error::AppError;
use crate::handlers::{account, admin, auth, dashboard, departments, employees, health, leave, links};
use crate::state::AppState;
use crate::{security, static_files, telemetry};

/// Forms are small; anything larger is refused with 413 before it is read.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// An employee import's CSV file, with room for the form around it; a larger
/// file inside the limit is refused by the import itself, with the same message.
const IMPORT_BODY_BYTES: usize = crate::domain::employees::import::MAX_FILE_BYTES + 64 * 1024;

pub fn build_app(state: AppState) -> Router {
    // Pages know who is signed in (and refresh their session silently).
    let pages = Router::new()
        .route("/", get(health::root))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/register", get(auth::register_page).post(auth::register_submit))
        .route("/logout", get(auth::logout_page).post(auth::logout))
        // mailed links
        .route("/register/verify/{token}", get(links::verify_page).post(links::verify_submit))
        .route("/invitation/{token}", get(links::invitation_page).post(links::invitation_submit))
        .route("/password/forgot", get(links::forgot_page).post(links::forgot_submit))
        .route("/password/reset/{token}", get(links::reset_page).post(links::reset_submit))
        .route("/dashboard", get(dashboard::show))
        // employees and departments
        .route("/employees", get(employees::directory).post(employees::create))
        .route("/employees.csv", get(employees::directory_csv))
        .route("/employees/new", get(employees::new_page))
        .route("/employees/chart", get(employees::org_chart))
        .route(
            "/employees/import",
            get(employees::import::page)
                .post(employees::import::upload)
                .layer(DefaultBodyLimit::max(IMPORT_BODY_BYTES)),
        )
        .route("/employees/import/template.csv", get(employees::import::template))
        .route("/employees/import/{id}/confirm", post(employees::import::confirm))
        .route("/employees/{id}", get(employees::profile).post(employees::update))
        .route("/employees/{id}/edit", get(employees::edit_page))
        .route("/employees/{id}/terminate", get(employees::terminate_page).post(employees::terminate))
        .route("/employees/{id}/invite", post(employees::invite))
        .route("/departments", get(departments::index).post(departments::create))
        .route("/departments/{id}", post(departments::update))
        .route("/departments/{id}/edit", get(departments::edit))
        .route("/departments/{id}/delete", post(departments::delete))
        // leave
        .route("/leave", get(leave::requests::index).post(leave::requests::create))
        .route("/leave/new", get(leave::requests::new_form))
        .route("/leave/approvals", get(leave::approvals::queue))
        .route("/leave/calendar", get(leave::calendar::show))
        .route("/leave/approvals/bulk", post(leave::approvals::bulk))
        .route("/leave/requests", get(leave::reports::list))
        .route("/leave/requests.csv", get(leave::reports::list_csv))
        .route("/leave/report", get(leave::reports::report))
        .route("/leave/report.csv", get(leave::reports::report_csv))
        .route("/leave/settings", get(leave::settings::show))
        .route("/leave/types/{id}", post(leave::settings::update_type))
        .route("/leave/holidays", post(leave::settings::add_holiday))
        .route(
            "/leave/holidays/{id}/delete",
            get(leave::settings::confirm_delete_holiday).post(leave::settings::delete_holiday),
        )
        .route("/leave/{id}", get(leave::requests::show))
        .route("/leave/{id}/cancel", get(leave::requests::confirm_cancel).post(leave::requests::cancel))
        .route("/leave/{id}/decide", post(leave::approvals::decide))
        // account and admin
        .route("/account/sessions", get(account::sessions::list))
        .route("/account/sessions/revoke-others", post(account::sessions::revoke_others))
        .route("/account/sessions/{id}/revoke", post(account::sessions::revoke_one))
        .route("/account/password", get(account::password::form).post(account::password::submit))
        .route("/admin/users", get(admin::users::list))
        // role, deactivate, reactivate, sign-out (GET: the deactivation's confirmation page)
        .route("/admin/users/{id}/{action}", get(admin::users::confirm).post(admin::users::act))
        .route("/admin/audit", get(admin::audit::list))
        .route("/admin/audit.csv", get(admin::audit::list_csv))
        .route("/admin/mail", get(admin::mail::list))
        .route("/admin/mail/{id}/retry", post(admin::mail::retry))
        .route("/account/notifications", get(account::notifications::form).post(account::notifications::submit))
        .route("/account/calendar", get(account::calendar::show))
        .route("/account/calendar/renew", post(account::calendar::renew))
        .route("/account/calendar/stop", post(account::calendar::stop))
        // A calendar app's address: no cookie, the path holds the key (see telemetry::loggable_path).
        .route("/calendar/{file}", get(account::calendar::ics))
        // Unknown addresses too answer inside the signed-in layout.
        .fallback(|| async { AppError::NotFound })
        .layer(from_fn_with_state(state.clone(), load_session));

    Router::new()
        .merge(pages)
        .merge(crate::api::router(&state))
        .route("/healthz", get(health::healthz))
        .route("/static/{name}", get(static_files::serve))
        .route("/metrics", get(health::metrics_for_admins).route_layer(from_fn_with_state(state.clone(), load_session)))
        .layer(from_fn_with_state(state.clone(), telemetry::track))
        .layer(from_fn_with_state(state.clone(), security::same_origin))
        .layer(from_fn(security::no_nul_bytes))
        // Errors under /api leave as problem+json, whoever answered them.
        .layer(from_fn(crate::api::problem::problem_json))
        .layer(from_fn_with_state(state.clone(), security::headers))
        // Outside every layer that reads a body (`problem_json`).
        .layer(compression())
        .layer(from_fn(no_compression_across_sites))
        .layer(from_fn_with_state(state.clone(), crate::proxy::resolve_client))
        .layer(from_fn_with_state(state.clone(), db_deadline))
        .layer(CookieManagerLayer::new())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(PropagateRequestIdLayer::new(telemetry::REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span).on_response(telemetry::log_response))
        .layer(SetRequestIdLayer::new(telemetry::REQUEST_ID, MakeRequestUuid))
        // Outermost: a client's request id is kept only when it is short and plain.
        .layer(from_fn(telemetry::drop_unsafe_request_id))
        .with_state(state)
}

/// Bodies smaller than this leave as they are: gzip saves a few hundred bytes
/// at most there, and the response fits in one packet either way.
const COMPRESS_MIN_BYTES: u64 = 1024;

/// gzip for whoever accepts it: pages, JSON, CSS, CSV, the calendar feed.
/// (Only `compression-gzip` is compiled in; brotli is not in this machine's
/// crate cache, and browsers offer it only over https, where a proxy in front
/// usually compresses.)
///
/// Streams stay streams: the CSV downloads (`csv::stream`) are compressed as
/// they go, and the encoder flushes whatever it holds whenever the next chunk
/// is not ready yet, so the first rows leave at once and memory stays bounded
/// (`tests/it/compression.rs` checks this). Server-sent events, gRPC and
/// images other than SVG are never compressed (tower-http's own exclusions).
///
/// BREACH (guessing a secret in a compressed page from the sizes of many
/// responses to requests with chosen input): pages hold a secret, the CSRF
/// token, which is the same on every page of a session, and some reflect input
/// from the address (searches). The attacker has to make the victim's browser
/// send those requests, with the victim's cookies: cookies are `SameSite=Lax`,
/// so only top-level navigations from another site carry them, and
/// `no_compression_across_sites` answers exactly those uncompressed. The API
/// authenticates with a header no other site can make a browser send.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = SizeAbove::new(COMPRESS_MIN_BYTES)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE);
    CompressionLayer::new().quality(CompressionLevel::Default).compress_when(predicate)
}

/// A request another site started (`Sec-Fetch-Site: cross-site`, or
/// `same-site`: a sibling subdomain need not be ours) is answered
/// uncompressed, so that no other site can measure compressed pages (BREACH,
/// see `compression`). A person following a link from a mail pays for one
/// uncompressed page; their next click is same-origin. Clients that send no
/// `Sec-Fetch-Site` (not a browser, or a very old one) are compressed for.
async fn no_compression_across_sites(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let site = req.headers().get("sec-fetch-site").map(|v| v.as_bytes().to_ascii_lowercase());
    if matches!(site.as_deref(), Some(b"cross-site" | b"same-site")) {
        req.headers_mut().remove(axum::http::header::ACCEPT_ENCODING);
    }
    next.run(req).await
}

/// `/metrics` alone, for `--metrics-bind`: no sign-in, so bind it to an
/// address only the monitoring system reaches.
pub fn metrics_app(state: AppState) -> Router {
    Router::new().route("/metrics", get(health::metrics)).with_state(state)
}

/// Every request gets one budget for waiting on database connections.
async fn db_deadline(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    crate::db::with_deadline(state.config.db_acquire_timeout, next.run(req)).await
}
