use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use diesel::RunQueryDsl;

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

/// `/` goes to the dashboard when signed in, else to the sign-in page.
pub async fn root(page: Page) -> Redirect {
    Redirect::to(if page.user.is_some() { "/dashboard" } else { "/login" })
}
