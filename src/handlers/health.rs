use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use diesel::RunQueryDsl;

use crate::access::{Action, Actor};
use crate::page::Page;
use crate::state::AppState;

/// `200` when the database answers, `503` when it does not.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let result = state.db.run(|conn| Ok(diesel::sql_query("SELECT 1").execute(conn)?)).await;
    match result {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// Prometheus metrics (for `--metrics-bind`).
pub async fn metrics(State(state): State<AppState>) -> Response {
    let now = state.clock.now();
    let active = state.db.run(move |conn| Ok(crate::auth::sessions::count_live(conn, now)?)).await;
    match active {
        Ok(active) => {
            let text = state.metrics.render(active, state.passwords.checks());
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// Prometheus metrics on the main address: Admins only.
pub async fn metrics_for_admins(state: State<AppState>, actor: Actor) -> Response {
    if let Err(e) = actor.authorize_global(Action::ViewMetrics) {
        return e.into_response();
    }
    metrics(state).await
}

/// `/` goes to the dashboard when signed in, else to the sign-in page.
pub async fn root(page: Page) -> Redirect {
    Redirect::to(if page.user.is_some() { "/dashboard" } else { "/login" })
}
