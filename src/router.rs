//! Every route in one place.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tower_cookies::CookieManagerLayer;
use tower_http::trace::TraceLayer;

use crate::auth::middleware::load_session;
use crate::error::AppError;
use crate::handlers::{auth, dashboard, health};
use crate::state::AppState;
use crate::{security, static_files};

/// Forms are small; anything larger is refused with 413 before it is read.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn build_app(state: AppState) -> Router {
    // Pages know who is signed in (and refresh their session silently).
    let pages = Router::new()
        .route("/", get(health::root))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/register", get(auth::register_page).post(auth::register_submit))
        .route("/logout", get(auth::logout_page).post(auth::logout))
        .route("/dashboard", get(dashboard::show))
        // leave
        .merge(crate::handlers::leave::routes())
        .route_layer(from_fn_with_state(state.clone(), load_session));

    Router::new()
        .merge(pages)
        .route("/healthz", get(health::healthz))
        .route("/static/{name}", get(static_files::serve))
        .fallback(|| async { AppError::NotFound })
        .layer(from_fn_with_state(state.clone(), security::same_origin))
        .layer(from_fn(security::headers))
        .layer(CookieManagerLayer::new())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
