//! Every route in one place.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tower_cookies::CookieManagerLayer;
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
