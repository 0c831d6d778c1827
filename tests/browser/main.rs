//! Real-browser journeys: headless Chromium driven through chromedriver
//! (fantoccini) against a real `hrms serve` process with `--access-ttl 3s`.
//!
//! Each journey gets its own server (fresh SQLite database, free loopback
//! port), its own chromedriver and its own fresh browser profile (journey 6
//! opens two more sessions, one per person, each with a profile of its own,
//! after creating the accounts with `hrms user create`; journey 7 opens a
//! second one for the same person). The server writes its mail as `.eml`
//! files to a folder of the journey, where the journeys find the links that
//! register an account or reset a password. Without Chromium or
//! chromedriver they are skipped with one line, unless `CI=true`, where that
//! is a failure. Screenshots go to `target/screenshots/`.

mod journeys;
mod rig;

use rig::Rig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_1_register_then_sign_in() {
    if let Some(rig) = Rig::start("1-register-then-sign-in").await {
        rig.run(journeys::register_then_sign_in).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_2_silent_refresh_after_expiry() {
    if let Some(rig) = Rig::start("2-silent-refresh-after-expiry").await {
        rig.run(journeys::silent_refresh_after_expiry).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_3_two_windows_reload_together() {
    if let Some(rig) = Rig::start("3-two-windows-reload-together").await {
        rig.run(journeys::two_windows_reload_together).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_4_sign_out_then_back() {
    if let Some(rig) = Rig::start("4-sign-out-then-back").await {
        rig.run(journeys::sign_out_then_back).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_5_wrong_password_then_throttled() {
    if let Some(rig) = Rig::start("5-wrong-password-then-throttled").await {
        rig.run(journeys::wrong_password_then_throttled).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_6_leave_request_approved_by_the_manager() {
    if let Some(rig) = Rig::start_with("6-leave-approved", journeys::leave_organisation).await {
        rig.run(journeys::leave_request_approved).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_7_forgot_password() {
    if let Some(rig) = Rig::start("7-forgot-password").await {
        rig.run(journeys::forgot_password).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_8_api_docs_work_offline() {
    if let Some(rig) = Rig::start("8-api-docs-offline").await {
        rig.run(journeys::api_docs_offline).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_9_approvals_at_company_scale() {
    if let Some(rig) = Rig::start_with("9-approvals-at-scale", journeys::demo_organisation).await {
        rig.run(journeys::approvals_at_scale).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_10_month_calendar() {
    if let Some(rig) = Rig::start_with("10-month-calendar", journeys::leave_organisation).await {
        rig.run(journeys::month_calendar).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_11_end_employment() {
    if let Some(rig) = Rig::start_with("11-end-employment", journeys::leave_organisation).await {
        rig.run(journeys::end_employment).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_12_org_chart() {
    if let Some(rig) = Rig::start_with("12-org-chart", journeys::demo_organisation).await {
        rig.run(journeys::org_chart).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_13_import_preview() {
    if let Some(rig) = Rig::start_with("13-import-preview", journeys::leave_organisation).await {
        rig.run(journeys::import_preview).await;
    }
}
