//! The JSON API under `/api/v1`: the second door to the domain functions the
//! pages call, for scripts, mobile apps and payroll integrations. Bearer
//! tokens only (cookies are never read here), errors as RFC 9457 problems,
//! and an OpenAPI 3.1 document generated from these handlers, served at
//! `/api/openapi.json` and shown by Swagger UI at `/api/docs`.
//!
//! Handlers follow the pages' pattern: read the request, call one domain
//! function, turn what it returns into JSON. No rule lives here.

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use serde::Serialize;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as OpenApiDoc, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub mod account;
pub mod auth;
pub mod departments;
pub mod employees;
pub mod extract;
pub mod leave;
pub mod limit;
pub mod problem;

pub use extract::{ApiActor, ApiJson, ApiQuery};
pub use problem::{ApiError, ApiResult, Problem};

/// A moment as RFC 3339 in UTC, like `2026-12-03T15:04:05Z`.
pub fn iso_time(t: crate::clock::Timestamp) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.assume_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A day as `YYYY-MM-DD`.
pub fn iso_date(d: time::Date) -> String {
    crate::display::iso_date(d)
}

/// A page of a list: `items` and where they sit in the whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    /// How many there are in all, on every page; with `total_exact` false,
    /// counting stopped there (at least this many).
    pub total: i64,
    /// False when the count stopped early: the directory counts no further
    /// than the next thousand past the page asked for.
    pub total_exact: bool,
}

/// The CSP of `/api/docs`: Swagger UI runs its own scripts (from this
/// server, vendored into the binary); every other page allows none.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                        base-uri 'none'; object-src 'none'";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "HRMS API",
        description = "The HR portal's JSON API. Sign in at `POST /api/v1/auth/login`, then send \
                       `Authorization: Bearer <access_token>` with every request; when it answers 401, \
                       trade the refresh token for a new pair at `POST /api/v1/auth/refresh`. \
                       Errors are RFC 9457 problems (`application/problem+json`).",
    ),
    tags(
        (name = "auth", description = "Signing in and out, refreshing tokens, registering, password resets"),
        (name = "account", description = "The signed-in person and their sessions"),
        (name = "employees", description = "The directory and employee records"),
        (name = "departments", description = "Departments, their heads and headcounts"),
        (name = "leave", description = "Leave balances and requests, cancelling, and deciding the requests waiting for one"),
    )
)]
struct ApiDoc;

/// Adds what every operation shares: the Bearer scheme, and the error
/// responses any route may give (so that a client, and schemathesis, finds
/// every status documented).
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        let problem = |description: &str| -> RefOr<Response> {
            ResponseBuilder::new()
                .description(description)
                .content(
                    problem::PROBLEM_JSON,
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                        .build(),
                )
                .into()
        };
        let common: &[(&str, &str, bool)] = &[
            ("400", "The request could not be read (a malformed query or body).", false),
            ("401", "No access token, or one that is not valid (see WWW-Authenticate).", false),
            ("403", "The signed-in person may not do this.", false),
            ("404", "There is nothing here that this person may see.", false),
            ("413", "The body is too large.", true),
            ("415", "The body is not JSON.", true),
            ("422", "The values sent break a rule: one message per field.", false),
            ("429", "Too many requests: wait the seconds in Retry-After.", false),
            ("503", "The portal cannot serve this right now (database unavailable or busy); try again.", false),
        ];
        for item in doc.paths.paths.values_mut() {
            for op in
                [&mut item.get, &mut item.post, &mut item.patch, &mut item.delete, &mut item.put].into_iter().flatten()
            {
                let has_body = op.request_body.is_some();
                for (status, description, needs_body) in common {
                    if *needs_body && !has_body {
                        continue;
                    }
                    op.responses.responses.entry((*status).to_owned()).or_insert_with(|| problem(description));
                }
            }
        }
    }
}

/// The API's routes and its OpenAPI document, with `Conventions` applied
/// once every path is in it.
pub fn routes() -> (Router<AppState>, OpenApiDoc) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::register))
        .routes(routes!(auth::password_reset))
        .routes(routes!(account::me))
        .routes(routes!(account::sessions))
        .routes(routes!(account::end_session))
        .routes(routes!(employees::list, employees::create))
        .routes(routes!(employees::show, employees::patch))
        .routes(routes!(departments::list, departments::create))
        .routes(routes!(departments::patch, departments::delete))
        .routes(routes!(leave::balances))
        .routes(routes!(leave::list_requests, leave::create_request))
        .routes(routes!(leave::get_request))
        .routes(routes!(leave::cancel_request))
        .routes(routes!(leave::approvals))
        .routes(routes!(leave::decide_request))
        .split_for_parts();
    Conventions.modify(&mut doc);
    (router, doc)
}

/// `/api`: the versioned routes, the document, the docs, and CORS for the
/// origins `--cors-origins` lists (none by default).
pub fn router(state: &AppState) -> Router<AppState> {
    let (v1, doc) = routes();
    let docs: Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi.json", doc).into();
    let docs = docs.layer(axum::middleware::map_response(|mut res: axum::response::Response| async move {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
        res
    }));
    let mut api = v1;
    let origins = &state.config.api.cors_origins;
    if !origins.is_empty() {
        let list: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        api = api.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(list))
                .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
                .expose_headers([header::RETRY_AFTER, header::WWW_AUTHENTICATE])
                .max_age(std::time::Duration::from_secs(600)),
        );
    }
    // Unknown `/api` addresses reach the pages' fallback (a 404 that
    // `problem::problem_json`, a layer of the whole app, rewrites).
    Router::new().merge(docs).merge(api)
}
