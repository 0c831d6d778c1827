//! The journeys, each a function of a fresh `Rig` (server, driver, browser).

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use serde_json::json;
use time::{Date, Duration as TimeDuration, OffsetDateTime, Weekday};

use crate::rig::{Browser, PAST_ACCESS_EXPIRY, Rig, create_user};

const REFRESH_COOKIE: &str = "hrms_refresh";
const ACCESS_COOKIE: &str = "hrms_access";
const PASSWORD: &str = "violet harbor engine 7";
/// The password chosen through the reset link of journey 7.
const NEW_PASSWORD: &str = "amber lantern quietly 42";

struct Person {
    name: &'static str,
    email: &'static str,
}

const ADA: Person = Person { name: "Ada Lovelace", email: "ada@example.com" };

// ---------------------------------------------------------------------------
// Steps shared by the journeys.

/// Registers `who` as a person would: name and email on the form, "Check
/// your inbox", the link from the message, a password of their own; ends
/// signed in, on the dashboard with the welcome notice.
async fn register(rig: &Browser, who: &Person) -> Result<()> {
    rig.goto("/register").await?;
    fill_registration(rig, who).await?;
    submit_registration(rig, who).await?;
    open_verification_link(rig, who).await?;
    choose_password(rig, who, PASSWORD).await
}

async fn fill_registration(rig: &Browser, who: &Person) -> Result<()> {
    ensure!(
        !rig.exists("#password").await? && !rig.exists("#password_confirm").await?,
        "the registration form asks for a password; it should only ask for a name and an email"
    );
    rig.fill("#full_name", who.name).await?;
    rig.fill("#email", who.email).await
}

/// Sends the registration form; the answer asks to check the inbox.
async fn submit_registration(rig: &Browser, who: &Person) -> Result<()> {
    let button = r#"form[action="/register"] button[type=submit]"#;
    let label = rig.text(button).await?;
    ensure!(label == "Send me the link", "the registration button says {label:?}");
    rig.click_and_wait(button).await?;
    expect_check_inbox(rig, "Check your inbox to finish creating your account", who).await.context("after registering")
}

/// The current window answers a request for a link: "Check your inbox",
/// naming the address, and nothing signed in.
async fn expect_check_inbox(rig: &Browser, message: &str, who: &Person) -> Result<()> {
    let heading = rig.text("main h1").await?;
    ensure!(
        heading == "Check your inbox",
        "the page is {heading:?} at {}, not \"Check your inbox\"",
        rig.where_am_i().await
    );
    let notice = rig.text(".alert-info").await?;
    ensure!(
        notice.contains(message) && notice.contains(who.email),
        "the check-inbox page says {notice:?}, not {message:?} about {}",
        who.email
    );
    ensure!(rig.cookie(ACCESS_COOKIE).await?.is_none(), "asking for a link signed the browser in");
    Ok(())
}

/// Opens the verification link mailed to `who`: the page to choose a password.
async fn open_verification_link(rig: &Browser, who: &Person) -> Result<()> {
    let link = rig.wait_for_link(who.email, "/register/verify/").await?;
    rig.goto(&link).await?;
    expect_password_page(rig, who, "Choose your password", "Create my account").await.context("the verification link")
}

/// The current window shows a form to choose a password for `who`, titled
/// `title`, whose button says `button`, the email shown but not editable.
async fn expect_password_page(rig: &Browser, who: &Person, title: &str, button: &str) -> Result<()> {
    let heading = rig.text("main h1").await?;
    ensure!(heading == title, "the page is {heading:?} at {}, not {title:?}", rig.where_am_i().await);
    let email = rig.find("main form #email").await?;
    let shown = email.prop("value").await?.unwrap_or_default();
    ensure!(shown == who.email, "the password page shows the email {shown:?}, not {}", who.email);
    ensure!(email.attr("readonly").await?.is_some(), "the email on the password page can be edited");
    rig.find("main form #password").await?;
    rig.find("main form #password_confirm").await?;
    let label = rig.text("main form button[type=submit]").await?;
    ensure!(label == button, "the password page's button says {label:?}, not {button:?}");
    Ok(())
}

/// Chooses `password` on the page of a mailed link: lands signed in on the
/// dashboard (with the link's notice, checked by the caller).
async fn choose_password(rig: &Browser, who: &Person, password: &str) -> Result<()> {
    rig.fill("#password", password).await?;
    rig.fill("#password_confirm", password).await?;
    rig.click_and_wait("main form button[type=submit]").await?;
    expect_dashboard(rig, who).await.context("after choosing a password")?;
    ensure!(
        rig.cookie(REFRESH_COOKIE).await?.is_some() && rig.cookie(ACCESS_COOKIE).await?.is_some(),
        "after choosing a password the browser is not signed in"
    );
    Ok(())
}

/// The dashboard carries `?notice=<key>` and shows its text.
async fn expect_notice(rig: &Browser, key: &str, text: &str) -> Result<()> {
    let url = rig.client.current_url().await?;
    let query = url.query().unwrap_or_default();
    ensure!(query == format!("notice={key}"), "the dashboard was reached with ?{query}, not ?notice={key}");
    let notice = rig.text(".alert-info").await?;
    ensure!(notice == text, "the notice is {notice:?}, not {text:?}");
    Ok(())
}

/// Signs out with the navigation's button: the sign-in page.
async fn sign_out(rig: &Browser, who: &Person) -> Result<()> {
    rig.click_and_wait(r#"form[action="/logout"] button"#).await?;
    expect_login_page(rig, who).await.context("after signing out")
}

/// Signs in through the form (on the sign-in page, opened if need be) and
/// checks the dashboard.
async fn sign_in(rig: &Browser, who: &Person) -> Result<()> {
    if rig.path().await? != "/login" {
        rig.goto("/login").await?;
    }
    submit_login(rig, who.email, PASSWORD).await?;
    expect_dashboard(rig, who).await.context("after signing in")
}

async fn submit_login(rig: &Browser, email: &str, password: &str) -> Result<()> {
    rig.fill("#email", email).await?;
    rig.fill("#password", password).await?;
    rig.click_and_wait(r#"form[action="/login"] button[type=submit]"#).await
}

/// An account for `who`, and a session made by the sign-in form (not the
/// one the verification link starts).
async fn register_and_sign_in(rig: &Browser, who: &Person) -> Result<()> {
    register(rig, who).await?;
    sign_out(rig, who).await?;
    sign_in(rig, who).await
}

/// The current window shows `who`'s dashboard at /dashboard.
async fn expect_dashboard(rig: &Browser, who: &Person) -> Result<()> {
    let path = rig.path().await?;
    ensure!(path == "/dashboard", "expected the dashboard, the browser is at {}", rig.where_am_i().await);
    let heading = rig.text("main h1").await?;
    let welcome = format!("Welcome, {}", who.name);
    ensure!(heading.contains(&welcome), "dashboard heading is {heading:?}, expected {welcome:?}");
    Ok(())
}

/// The current window shows the sign-in form, and nothing personal.
async fn expect_login_page(rig: &Browser, who: &Person) -> Result<()> {
    ensure!(rig.path().await? == "/login", "expected the sign-in page, the browser is at {}", rig.where_am_i().await);
    ensure!(rig.exists(r#"form[action="/login"] #password"#).await?, "no sign-in form on {}", rig.where_am_i().await);
    let body = rig.text("body").await?;
    ensure!(
        !body.contains("Welcome,") && !body.contains(who.email),
        "the sign-in page shows personal content: {body:?}"
    );
    Ok(())
}

async fn refresh_cookie(rig: &Browser) -> Result<String> {
    rig.cookie(REFRESH_COOKIE).await?.with_context(|| format!("the browser has no {REFRESH_COOKIE} cookie"))
}

/// The deliberate wait of these journeys: past the access token's lifetime.
async fn wait_past_access_expiry() {
    tokio::time::sleep(PAST_ACCESS_EXPIRY).await;
}

// ---------------------------------------------------------------------------
// 1. Register with name and email, follow the link from the message, choose
//    a password, land on the dashboard; sign out and sign in again.

pub async fn register_then_sign_in(rig: &Rig) -> Result<()> {
    rig.goto("/register").await?;
    rig.screenshots("register").await?;
    fill_registration(rig, &ADA).await?;
    submit_registration(rig, &ADA).await?;
    rig.screenshots("check-inbox").await?;
    open_verification_link(rig, &ADA).await?;
    rig.screenshots("choose-password").await?;
    choose_password(rig, &ADA, PASSWORD).await?;
    expect_notice(rig, "welcome", "Your email is verified and your account is ready. Welcome!").await?;
    rig.screenshots("welcome").await?;

    sign_out(rig, &ADA).await?;
    sign_in(rig, &ADA).await?;
    ensure!(
        refresh_cookie(rig).await.is_ok() && rig.cookie(ACCESS_COOKIE).await?.is_some(),
        "signed in, but the session cookies are missing"
    );
    rig.screenshots("dashboard").await
}

// ---------------------------------------------------------------------------
// 2. After the access token expired, a click renders the next page directly,
//    and the refresh token was rotated on the way.

pub async fn silent_refresh_after_expiry(rig: &Rig) -> Result<()> {
    register_and_sign_in(rig, &ADA).await?;
    let refresh_before = refresh_cookie(rig).await?;

    wait_past_access_expiry().await;
    rig.click_and_wait(r#"nav a[href="/dashboard"]"#).await?;

    expect_dashboard(rig, &ADA).await.context("the first page after the access token expired")?;
    // Rendered directly: this navigation followed no redirect (a detour via
    // the sign-in page would count at least one, and end elsewhere).
    let redirects = rig.script("return performance.getEntriesByType('navigation')[0].redirectCount;", vec![]).await?;
    ensure!(redirects == json!(0), "the dashboard was reached after {redirects} redirect(s)");
    let refresh_after = refresh_cookie(rig).await?;
    ensure!(
        refresh_after != refresh_before,
        "the {REFRESH_COOKIE} cookie did not change when the expired access token was refreshed"
    );
    rig.screenshots("dashboard").await
}

// ---------------------------------------------------------------------------
// 3. Two windows on the dashboard, reloaded together after expiry: both
//    render, and the session survives.

pub async fn two_windows_reload_together(rig: &Rig) -> Result<()> {
    register_and_sign_in(rig, &ADA).await?;
    let first = rig.client.window().await?;
    let second = rig.client.new_window(false).await?.handle;
    rig.client.switch_to_window(second.clone()).await?;
    rig.goto("/dashboard").await?;
    expect_dashboard(rig, &ADA).await.context("second window")?;
    let refresh_before = refresh_cookie(rig).await?;

    wait_past_access_expiry().await;

    // WebDriver drives one window at a time, so two reloads cannot be
    // *commanded* at once. Instead each window is given a timer (in the
    // page, through WebDriver's script, which the pages' CSP does not
    // govern) that calls location.reload() at the same wall-clock moment,
    // a little ahead. What is simultaneous: both timers are armed before
    // either fires (checked below: both report time still to go), and the
    // browser then starts both reloads within a few milliseconds (their
    // navigation start times are compared below), each request carrying the
    // cookies of the moment, i.e. the same expired access token and the
    // same refresh token. What is not: which request the server handles
    // first is up to scheduling; the portal must serve both either way (one
    // rotates the refresh token, the other is within the reuse grace).
    let windows = [("first", first.clone()), ("second", second)];
    let mut loaded = Vec::new();
    for (_, window) in &windows {
        rig.client.switch_to_window(window.clone()).await?;
        loaded.push(rig.time_origin().await?);
    }
    let now = rig.script("return Date.now();", vec![]).await?.as_f64().context("Date.now()")?;
    // Far enough ahead that arming both windows fits even on a loaded CI machine.
    let at = now + 2000.0;
    let arm = "const at = arguments[0]; \
               setTimeout(() => location.reload(), at - Date.now()); \
               return at - Date.now();";
    let mut time_to_go = Vec::new();
    for (_, window) in &windows {
        rig.client.switch_to_window(window.clone()).await?;
        time_to_go.push(rig.script(arm, vec![json!(at)]).await?);
    }
    ensure!(
        time_to_go.iter().all(|t| t.as_f64().is_some_and(|t| t > 0.0)),
        "a reload timer was armed too late (ms to go: {time_to_go:?}); the reloads were not together"
    );

    let mut started = Vec::new();
    for ((label, window), before) in windows.iter().zip(loaded) {
        rig.client.switch_to_window(window.clone()).await?;
        rig.wait_new_document(before).await.with_context(|| format!("the {label} window did not reload"))?;
        expect_dashboard(rig, &ADA).await.with_context(|| format!("the {label} window after the reload"))?;
        started.push(rig.time_origin().await?);
    }
    let apart = (started[0] - started[1]).abs();
    eprintln!("journey 3: the two reloads started {apart:.1} ms apart");
    // A few ms on an idle machine; 250 ms leaves room for a loaded CI machine.
    ensure!(apart < 250.0, "the two reloads started {apart:.1} ms apart; not together");
    let refresh_after = refresh_cookie(rig).await?;
    ensure!(refresh_after != refresh_before, "after the two reloads the browser still holds the old refresh token");

    // Still alive afterwards: once the new access token has expired too, a
    // further navigation is served by the refresh token the browser now
    // holds, which rotates again (a stale, already-used token would not).
    wait_past_access_expiry().await;
    rig.client.switch_to_window(first).await?;
    rig.click_and_wait(r#"nav a[href="/dashboard"]"#).await?;
    expect_dashboard(rig, &ADA).await.context("a further navigation after the two reloads")?;
    ensure!(
        refresh_cookie(rig).await? != refresh_after,
        "the refresh token the browser held after the two reloads was not rotated on the next refresh"
    );
    rig.screenshots("dashboard").await
}

// ---------------------------------------------------------------------------
// 4. Sign out; Back and reload show the sign-in page, not the dashboard.

pub async fn sign_out_then_back(rig: &Rig) -> Result<()> {
    register_and_sign_in(rig, &ADA).await?;
    let dashboard = rig.time_origin().await?;
    rig.click_and_wait(r#"form[action="/logout"] button"#).await?;
    expect_login_page(rig, &ADA).await.context("after signing out")?;
    let notice = rig.text(".alert-info").await?;
    ensure!(notice.contains("signed out"), "after signing out the notice is {notice:?}");
    for cookie in [ACCESS_COOKIE, REFRESH_COOKIE] {
        ensure!(rig.cookie(cookie).await?.is_none(), "the {cookie} cookie is still set after signing out");
    }

    // Sign-out sends `Clear-Site-Data: "cache"`, so Back cannot restore the
    // dashboard from the back/forward cache: the server is asked again.
    rig.client.back().await?;
    ensure!(rig.time_origin().await? != dashboard, "Back restored the signed-out dashboard from the browser's cache");
    expect_login_page(rig, &ADA).await.context("after pressing Back")?;
    rig.client.refresh().await?;
    ensure!(rig.time_origin().await? != dashboard, "reloading did not load a new document");
    expect_login_page(rig, &ADA).await.context("after pressing Back and reloading")?;
    rig.screenshots("login").await
}

// ---------------------------------------------------------------------------
// 5. Wrong passwords: a generic message five times, then throttled.

pub async fn wrong_password_then_throttled(rig: &Rig) -> Result<()> {
    register(rig, &ADA).await?;
    sign_out(rig, &ADA).await?;
    for attempt in 1..=6 {
        submit_login(rig, ADA.email, "violet harbor engine 8").await?;
        ensure!(
            rig.path().await? == "/login",
            "wrong password, attempt {attempt}: the browser is at {}",
            rig.where_am_i().await
        );
        let error = rig.text(".alert-error").await?;
        if attempt <= 5 {
            ensure!(
                error == "The email or password is not correct.",
                "wrong password, attempt {attempt}: the message is {error:?}"
            );
        } else {
            ensure!(
                error.contains("Too many sign-in attempts"),
                "wrong password, attempt {attempt}: the message is {error:?}, not the throttling message"
            );
        }
    }
    rig.screenshots("login-throttled").await
}

// ---------------------------------------------------------------------------
// 6. A leave request approved by the manager: HR puts Eli under Mona through
//    the edit form; Eli requests three days of annual leave in a browser of
//    his own; Mona approves it, with a comment, in a third; Eli sees it
//    approved and counted as taken.

const HANA: Person = Person { name: "Hana Human-Resources", email: "hana@example.com" };
const MONA: Person = Person { name: "Mona Manager", email: "mona@example.com" };
const ELI: Person = Person { name: "Eli Employee", email: "eli@example.com" };
const APPROVAL_COMMENT: &str = "Enjoy the break, Eli!";

/// The organisation of journey 6, made with `hrms user create` before the
/// server starts: each account gets an employee record of its own.
pub async fn leave_organisation(database_url: &str) -> Result<()> {
    for (who, role) in [(&HANA, "hr"), (&MONA, "employee"), (&ELI, "employee")] {
        create_user(database_url, who.email, who.name, role, PASSWORD).await?;
    }
    Ok(())
}

pub async fn leave_request_approved(rig: &Rig) -> Result<()> {
    // HR, in the first browser: Eli reports to Mona from now on, and joined in January.
    sign_in(rig, &HANA).await?;
    set_manager(rig, &ELI, &MONA).await?;

    // Eli, in a browser of his own: Monday to Wednesday of a coming week.
    let (first, last) = leave_days()?;
    let eli = rig.another_browser().await?;
    sign_in(&eli, &ELI).await?;
    eli.click_and_wait(r#"nav a[href="/leave"]"#).await?;
    eli.click_and_wait(r#".page-header a[href="/leave/new"]"#).await?;
    eli.select_starting_with("#leave_type_id", "Annual leave").await?;
    eli.set_value("#first_day", &iso(first)).await?;
    eli.set_value("#last_day", &iso(last)).await?;
    eli.fill("#reason", "Family visit").await?;
    eli.click_and_wait(r#"form[action="/leave"] button[type=submit]"#).await?;
    ensure!(eli.path().await? == "/leave", "sending the request led to {}", eli.where_am_i().await);
    let notice = eli.text(".alert-info").await?;
    ensure!(notice.contains("sent for approval"), "after requesting leave the notice is {notice:?}");
    expect_own_request(&eli, "Pending", MONA.name).await.context("Eli's request, just sent")?;

    // Mona, in a third browser: the request waits for her, and she approves.
    let mona = rig.another_browser().await?;
    sign_in(&mona, &MONA).await?;
    let approve_here = r#"form.approve-in-place button[value=approve]"#;
    ensure!(mona.exists(approve_here).await?, "Mona's dashboard offers no Approve button for Eli's request");
    mona.screenshots("mona-dashboard").await?;
    mona.click_and_wait(r#"nav a[href="/leave/approvals"]"#).await?;
    let rows = mona.client.find_all(Locator::Css("#mine tbody tr")).await?;
    ensure!(rows.len() == 1, "Mona's approvals list {} requests from her team, expected Eli's one", rows.len());
    let row = rows[0].text().await?;
    for expected in [ELI.name, "Annual leave", "Pending", "Family visit"] {
        ensure!(row.contains(expected), "Mona's approvals row is {row:?}, without {expected:?}");
    }
    ensure!(cell(&mona, "#mine tbody tr", "Days").await? == "3", "the request is not for 3 days: {row:?}");
    mona.screenshots("mona-before-approving").await?;
    mona.fill("#mine tbody tr [name=comment]", APPROVAL_COMMENT).await?;
    mona.click_and_wait(r#"#mine tbody tr button[name=decision][value=approve]"#).await?;
    ensure!(mona.path().await? == "/leave/approvals", "approving led to {}", mona.where_am_i().await);
    let notice = mona.text(".alert-info").await?;
    ensure!(notice.contains("The request was approved"), "after approving the notice is {notice:?}");
    ensure!(!mona.exists("#mine tbody tr").await?, "Eli's request still waits for Mona after she approved it");

    // Eli opens his leave page again: approved, with the comment, and taken.
    eli.click_and_wait(r#"nav a[href="/leave"]"#).await?;
    expect_own_request(&eli, "Approved", MONA.name).await.context("Eli's request, after Mona approved it")?;
    let comment = cell(&eli, ".stack-table tbody tr", "Comment").await?;
    ensure!(comment == APPROVAL_COMMENT, "the comment Eli sees is {comment:?}, not {APPROVAL_COMMENT:?}");
    let annual = r#"article.balance-card[aria-label="Annual leave"]"#;
    for (figure, expected) in [("Taken", "3"), ("Pending", "0")] {
        let xpath = format!(".//dt[normalize-space(.)='{figure}']/following-sibling::dd");
        let value = eli.find(annual).await?.find(Locator::XPath(&xpath)).await?.text().await?;
        ensure!(value == expected, "the Annual leave balance shows {figure} {value:?}, expected {expected:?}");
    }
    let left = eli.text(&format!("{annual} .balance-left")).await?;
    ensure!(left.contains("22"), "the Annual leave balance shows {left:?}, expected 22 days left");

    eli.screenshots("eli-leave").await?;
    eli.screenshots_at("eli-requests", "#requests-title").await?;
    mona.screenshots("mona-approvals").await
}

/// As HR: directory, `who`'s profile, Edit; chooses `manager` in the form and
/// saves; the profile then names the manager.
async fn set_manager(hr: &Browser, who: &Person, manager: &Person) -> Result<()> {
    hr.click_and_wait(r#"nav a[href="/employees"]"#).await?;
    hr.click_link(who.name).await?;
    let heading = hr.text("main h1").await?;
    ensure!(heading.contains(who.name), "the profile heading is {heading:?}, not {}", who.name);
    hr.click_and_wait(r#".page-header a[href$="/edit"]"#).await?;
    hr.select_starting_with("#manager_id", &format!("{} (", manager.name)).await?;
    // The account was created today; HR records that the person joined in
    // January, so that this year's allowance is not pro-rated to a few days.
    let january = format!("{}-01-01", time::OffsetDateTime::now_utc().year());
    hr.set_value("#hire_date", &january).await?;
    hr.click_and_wait(r#"main form.form button[type=submit]"#).await?;
    ensure!(hr.path().await?.starts_with("/employees/"), "saving the record led to {}", hr.where_am_i().await);
    ensure!(!hr.exists(".field-invalid").await?, "the edit form refused the change: {}", hr.text("main").await?);
    let line = hr.text(r#"section[aria-labelledby="team-title"] .person"#).await?;
    ensure!(line.contains(manager.name), "after saving, the profile's manager is {line:?}, not {}", manager.name);
    Ok(())
}

/// Eli's one request on /leave: Annual leave, 3 days, `status`, `approver`.
async fn expect_own_request(eli: &Browser, status: &str, approver: &str) -> Result<()> {
    let rows = eli.client.find_all(Locator::Css(".stack-table tbody tr")).await?;
    ensure!(rows.len() == 1, "Eli's leave page lists {} requests, expected 1", rows.len());
    let row = ".stack-table tbody tr";
    for (label, expected) in [("Type", "Annual leave"), ("Days", "3"), ("Status", status)] {
        let value = cell(eli, row, label).await?;
        ensure!(value == expected, "Eli's request shows {label} {value:?}, expected {expected:?}");
    }
    let by = cell(eli, row, "Approver").await?;
    ensure!(by.contains(approver), "Eli's request shows approver {by:?}, expected {approver:?}");
    Ok(())
}

/// The text of the cell labelled `label` (its `data-label`) in `row`.
async fn cell(browser: &Browser, row: &str, label: &str) -> Result<String> {
    browser.text(&format!(r#"{row} td[data-label="{label}"]"#)).await
}

/// Monday to Wednesday of the next week, counted from the server's real
/// date (UTC, as its clock). Near the year's end that week may fall in the
/// next year, whose balance /leave does not show: then the last Monday to
/// Wednesday of this year (a request may lie in the past).
fn leave_days() -> Result<(Date, Date)> {
    let today = OffsetDateTime::now_utc().date();
    let monday = today.next_occurrence(Weekday::Monday);
    let monday = if (monday + TimeDuration::days(2)).year() == today.year() {
        monday
    } else {
        today.prev_occurrence(Weekday::Monday)
    };
    let wednesday = monday + TimeDuration::days(2);
    ensure!(wednesday.year() == today.year(), "no Monday to Wednesday of {} around {today}", today.year());
    Ok((monday, wednesday))
}

fn iso(day: Date) -> String {
    format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day())
}

// ---------------------------------------------------------------------------
// 7. Forgot password: Ada is signed in in one browser; in another she asks
//    for a link from the sign-in page, follows it from the message and sets
//    a new password. The new password works, the old one no longer does,
//    and the first browser is signed out.

pub async fn forgot_password(rig: &Rig) -> Result<()> {
    // Browser A (the rig's first): Ada, registered and signed in.
    register(rig, &ADA).await?;

    // Browser B: the sign-in page, "Forgot your password?".
    let b = rig.another_browser().await?;
    b.goto("/login").await?;
    b.click_link("Forgot your password?").await?;
    ensure!(b.path().await? == "/password/forgot", "the link led to {}", b.where_am_i().await);
    let heading = b.text("main h1").await?;
    ensure!(heading == "Forgot your password?", "the forgot-password page is titled {heading:?}");
    b.screenshots("forgot").await?;
    b.fill("#email", ADA.email).await?;
    let button = r#"form[action="/password/forgot"] button[type=submit]"#;
    let label = b.text(button).await?;
    ensure!(label == "Send me a link", "the forgot-password button says {label:?}");
    b.click_and_wait(button).await?;
    expect_check_inbox(&b, "we sent it a link to choose a new password", &ADA)
        .await
        .context("after asking for a link")?;
    b.screenshots("forgot-check-inbox").await?;

    // The link from the message: a new password.
    let link = b.wait_for_link(ADA.email, "/password/reset/").await?;
    b.goto(&link).await?;
    expect_password_page(&b, &ADA, "Choose a new password", "Set my new password").await.context("the reset link")?;
    b.screenshots("reset").await?;
    choose_password(&b, &ADA, NEW_PASSWORD).await?;
    expect_notice(&b, "password_reset", "Your new password is set. Every other session was signed out.").await?;
    b.screenshots("reset-done").await?;

    // Browser A, on its next page load, well within the access token's
    // lifetime: signed out (the reset revoked its session at once).
    rig.click_and_wait(r#"nav a[href="/dashboard"]"#).await?;
    expect_login_page(rig, &ADA).await.context("browser A, after the password was reset in browser B")?;

    // The link works once.
    b.goto(&link).await?;
    let heading = b.text("main h1").await?;
    ensure!(heading == "This link was already used", "the reset link, opened again, shows {heading:?}");

    // Browser B: sign out; the old password fails, the new one works.
    b.goto("/dashboard").await?;
    expect_dashboard(&b, &ADA).await.context("browser B, after the reset")?;
    sign_out(&b, &ADA).await?;
    submit_login(&b, ADA.email, PASSWORD).await?;
    ensure!(b.path().await? == "/login", "the old password led to {}", b.where_am_i().await);
    let error = b.text(".alert-error").await?;
    ensure!(error == "The email or password is not correct.", "with the old password the message is {error:?}");
    submit_login(&b, ADA.email, NEW_PASSWORD).await?;
    expect_dashboard(&b, &ADA).await.context("after signing in with the new password")
}

// 8. The API's interactive docs work with no internet: Swagger UI, served
//    from the binary, runs under the docs' own CSP, renders the document
//    and can call the API ("Try it out" on sign-in answers with a problem).

pub async fn api_docs_offline(rig: &Rig) -> Result<()> {
    rig.goto("/api/docs/").await?;
    let title = rig.text(".info .title").await.context("Swagger UI did not render (blocked script?)")?;
    ensure!(title.starts_with("HRMS API"), "the docs are titled {title:?}");
    let login = r#"#operations-auth-login"#;
    rig.find(login).await?;
    rig.screenshots("api-docs").await?;
    // Open sign-in, "Try it out", send the example body: the wrong password's problem comes back.
    rig.click(&format!("{login} .opblock-summary")).await?;
    rig.click(&format!("{login} .try-out__btn")).await?;
    rig.click(&format!("{login} .execute")).await?;
    let status = rig.text(&format!("{login} .live-responses-table tbody .response-col_status")).await?;
    ensure!(status.trim() == "401", "Try it out on sign-in answered {status:?}");
    rig.screenshots_at("api-docs-try-login", login).await
}

/// The demo organisation (200 people), made with `hrms demo` before the
/// server starts. Its HR person is `DEMO_HR`.
pub async fn demo_organisation(database_url: &str) -> Result<()> {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_hrms"))
        .args(["demo", "--database-url", database_url, "--bcrypt-cost", "4", "--password", PASSWORD])
        .output()
        .await
        .context("running hrms demo")?;
    let printed = String::from_utf8_lossy(&out.stdout);
    ensure!(out.status.success(), "hrms demo failed: {printed}{}", String::from_utf8_lossy(&out.stderr));
    ensure!(printed.contains(DEMO_HR.email), "the demo's HR person is not {}: {printed}", DEMO_HR.email);
    Ok(())
}

const DEMO_HR: Person = Person { name: "Farid Johnson", email: "farid.johnson@example.com" };

/// HR at company scale: the Approvals tab counts what waits, the queue is
/// paged and filtered, and two ticked requests are approved at once.
pub async fn approvals_at_scale(rig: &Rig) -> Result<()> {
    sign_in(rig, &DEMO_HR).await?;
    let tab = rig.text(r#"nav a[href="/leave/approvals"]"#).await?;
    ensure!(tab.starts_with("Approvals (") && tab.ends_with(')'), "the Approvals tab reads {tab:?}, without a count");
    rig.click_and_wait(r#"nav a[href="/leave/approvals"]"#).await?;
    let rows = rig.client.find_all(Locator::Css("#others tbody tr, #mine tbody tr")).await?;
    ensure!(rows.len() == 25, "the first page of HR's queue has {} requests, expected 25", rows.len());
    ensure!(rig.exists(r#"nav.pagination a[rel="next"]"#).await?, "no link to the next page");
    rig.screenshots("hr-queue").await?;
    rig.screenshots_at("hr-queue-rows", "#others").await?;

    // Filter by the first department in the list; the filter is kept.
    let department = rig.script("return document.querySelector('#department').options[1].value;", vec![]).await?;
    let department = department.as_str().context("a department")?.to_owned();
    rig.script("document.querySelector('#department').value = arguments[0];", vec![json!(department)]).await?;
    rig.click_and_wait(r#"form.queue-filters button[type=submit]"#).await?;
    ensure!(rig.path().await? == "/leave/approvals", "filtering led to {}", rig.where_am_i().await);
    let url = rig.client.current_url().await?;
    ensure!(url.query().unwrap_or_default().contains(&department), "the address {url} lacks the department");

    // Tick two and approve them together.
    let boxes = rig.client.find_all(Locator::Css(r#"input[name="ids"][form="bulk"]"#)).await?;
    ensure!(boxes.len() >= 2, "only {} requests in the department", boxes.len());
    for checkbox in &boxes[..2] {
        checkbox.click().await?;
    }
    rig.screenshots("hr-queue-ticked").await?;
    rig.click_and_wait(r#"form#bulk button[type=submit]"#).await?;
    let report = rig.text(".bulk-report").await?;
    ensure!(report.starts_with("2 approved"), "after approving two the report reads {report:?}");
    rig.screenshots("hr-bulk-approved").await?;

    // A team lead approves from the dashboard and stays there.
    let lead = rig.another_browser().await?;
    sign_in(&lead, &DEMO_LEAD).await?;
    let approve_here = r#"form.approve-in-place button[value=approve]"#;
    ensure!(lead.exists(approve_here).await?, "the team lead's dashboard offers no Approve button");
    lead.screenshots("lead-dashboard").await?;
    lead.click_and_wait(approve_here).await?;
    ensure!(lead.path().await? == "/dashboard", "approving from the dashboard led to {}", lead.where_am_i().await);
    let notice = lead.text(".alert-info").await?;
    ensure!(notice.contains("The request was approved"), "after approving the notice is {notice:?}");
    Ok(())
}

const DEMO_LEAD: Person = Person { name: "Jonas Petrov", email: "jonas.petrov@example.com" };

// ---------------------------------------------------------------------------
// 10. The month calendar: HR puts Eli under Mona; Eli asks for two days
//     early next month; Mona opens the calendar from her leave page, moves
//     to the next month and finds Eli there, marked pending, in the grid (a
//     laptop) and in the list of days (a phone).

pub async fn month_calendar(rig: &Rig) -> Result<()> {
    sign_in(rig, &HANA).await?;
    set_manager(rig, &ELI, &MONA).await?;

    // Eli: the first Tuesday and Wednesday of next month.
    let today = OffsetDateTime::now_utc().date();
    let next_month =
        today.replace_day(1)?.checked_add(TimeDuration::days(32)).context("a next month")?.replace_day(1)?;
    let first = next_month.previous_day().context("a day before")?.next_occurrence(Weekday::Tuesday);
    let last = first + TimeDuration::days(1);
    let eli = rig.another_browser().await?;
    sign_in(&eli, &ELI).await?;
    eli.goto("/leave/new").await?;
    eli.select_starting_with("#leave_type_id", "Annual leave").await?;
    eli.set_value("#first_day", &iso(first)).await?;
    eli.set_value("#last_day", &iso(last)).await?;
    eli.fill("#reason", "Private appointment").await?;
    eli.click_and_wait(r#"form[action="/leave"] button[type=submit]"#).await?;
    ensure!(eli.path().await? == "/leave", "sending the request led to {}", eli.where_am_i().await);

    // Mona: Your leave, Calendar, this month, then Next.
    let mona = rig.another_browser().await?;
    sign_in(&mona, &MONA).await?;
    mona.click_and_wait(r#"nav a[href="/leave"]"#).await?;
    mona.click_and_wait(r#".page-header a[href="/leave/calendar"]"#).await?;
    ensure!(mona.path().await? == "/leave/calendar", "the Calendar button led to {}", mona.where_am_i().await);
    let title = mona.text(".calendar-title").await?;
    ensure!(title.contains(&today.month().to_string()), "the calendar opens on {title:?}, not this month");
    mona.screenshots("mona-this-month").await?;
    mona.click_and_wait(r#".calendar-months a[rel="next"]"#).await?;
    let url = mona.client.current_url().await?;
    let month = format!("month={:04}-{:02}", next_month.year(), u8::from(next_month.month()));
    ensure!(url.query().unwrap_or_default().contains(&month), "Next led to {url}, not {month}");
    for day in [first, last] {
        let cell = mona.text(&format!(r#"td[data-day="{}"]"#, iso(day))).await?;
        ensure!(cell.contains(ELI.name) && cell.contains("(pending)"), "{} in the grid reads {cell:?}", iso(day));
    }
    ensure!(!mona.text("main").await?.contains("Private appointment"), "the calendar shows a reason");
    mona.screenshots("mona-next-month").await?;
    // On a phone the month is a list of the days with absences.
    mona.set_viewport(crate::rig::PHONE).await?;
    let agenda = mona.text(".calendar-agenda").await;
    mona.set_viewport(crate::rig::LAPTOP).await?;
    let agenda = agenda?;
    ensure!(agenda.contains(ELI.name), "the phone's list of days reads {agenda:?}, without {}", ELI.name);
    Ok(())
}

// ---------------------------------------------------------------------------
// 11. Ending an employment: HR opens Eli's profile from the directory and
//     presses End employment; the page says what will happen and asks for
//     the last working day and a reason; sent without a reason it comes back
//     with the message beside the field; with one, the profile is a former
//     employee's, with the last working day and the reason.

pub async fn end_employment(rig: &Rig) -> Result<()> {
    sign_in(rig, &HANA).await?;
    rig.click_and_wait(r#"nav a[href="/employees"]"#).await?;
    rig.click_link(ELI.name).await?;
    rig.click_and_wait(r#"a.button-danger[href$="/terminate"]"#).await?;
    ensure!(rig.path().await?.ends_with("/terminate"), "End employment led to {}", rig.where_am_i().await);
    let heading = rig.text("main h1").await?;
    ensure!(heading.contains(ELI.name), "the termination page's heading is {heading:?}");
    let today = iso(OffsetDateTime::now_utc().date());
    let day = rig.script("return document.querySelector('#last_working_day').value;", vec![]).await?;
    ensure!(day == json!(today), "the last working day starts as {day}, not today ({today})");
    rig.screenshots("form").await?;

    // Without a reason: the form again, with the message beside the field.
    rig.click_and_wait(r#"main form button[type=submit]"#).await?;
    let message = rig.text("#reason-error").await?;
    ensure!(message.contains("Enter the reason"), "without a reason the form says {message:?}");
    rig.screenshots_at("refused", "main form").await?;

    rig.fill("#reason", "Moved to another city; resigned with a month's notice.").await?;
    rig.click_and_wait(r#"main form button[type=submit]"#).await?;
    let path = rig.path().await?;
    ensure!(path.starts_with("/employees/") && !path.ends_with("/terminate"), "ending led to {path}");
    let notice = rig.text(".alert-info").await?;
    ensure!(notice.contains("terminated"), "after ending the notice is {notice:?}");
    let details = rig.text(r#"section[aria-labelledby="details-title"]"#).await?;
    for expected in ["Terminated", "Last working day", "Moved to another city"] {
        ensure!(details.contains(expected), "the former employee's details read {details:?}, without {expected:?}");
    }
    ensure!(!rig.exists(r#"a[href$="/terminate"]"#).await?, "the profile still offers to end the employment");
    rig.screenshots("former-employee").await?;
    rig.screenshots_at("former-employee-details", "#details-title").await?;

    // Removing a public holiday asks first too; "Keep it" changes nothing.
    rig.click_and_wait(r#"nav a[href="/leave/settings"]"#).await?;
    let year = OffsetDateTime::now_utc().year();
    rig.set_value("#holiday-day", &format!("{year}-12-31")).await?;
    rig.fill("#holiday-name", "New Year's Eve").await?;
    rig.click_and_wait(r#"form[action="/leave/holidays"] button[type=submit]"#).await?;
    rig.click_and_wait(r#".holiday-list a[href$="/delete"]"#).await?;
    let question = rig.text("main h1").await?;
    ensure!(question.contains("Remove New Year's Eve?"), "Remove led to a page asking {question:?}");
    rig.screenshots("confirm-holiday").await?;
    rig.click_link("Keep it").await?;
    ensure!(rig.path().await? == "/leave/settings", "Keep it led to {}", rig.where_am_i().await);
    let holidays = rig.text(".holiday-list").await?;
    ensure!(holidays.contains("New Year's Eve"), "after Keep it the holidays are {holidays:?}");
    Ok(())
}

// ---------------------------------------------------------------------------
// 12. The org chart of the demo organisation: HR opens it from the directory
//     and sees the whole company; a team lead sees their own branch.

pub async fn org_chart(rig: &Rig) -> Result<()> {
    sign_in(rig, &DEMO_HR).await?;
    rig.click_and_wait(r#"nav a[href="/employees"]"#).await?;
    rig.click_and_wait(r#".page-header a[href="/employees/chart"]"#).await?;
    ensure!(rig.path().await? == "/employees/chart", "the Org chart button led to {}", rig.where_am_i().await);
    let boxes = rig.client.find_all(Locator::Css(".org-chart a.org-box")).await?;
    ensure!(boxes.len() >= 150, "HR's chart has {} boxes, not the whole demo company", boxes.len());
    rig.screenshots("hr-chart").await?;
    // Nothing is wider than a phone's screen, however deep the lines go.
    rig.set_viewport(crate::rig::PHONE).await?;
    let overflow = rig.script("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await;
    let deepest =
        rig.script("return document.querySelectorAll('.org-chart li li li li a.org-box').length;", vec![]).await;
    rig.set_viewport(crate::rig::LAPTOP).await?;
    let overflow = overflow?.as_i64().unwrap_or(i64::MAX);
    ensure!(overflow <= 0, "the chart is {overflow}px wider than a phone");
    ensure!(deepest?.as_u64().unwrap_or(0) > 0, "the demo chart is less than four levels deep");

    let lead = rig.another_browser().await?;
    sign_in(&lead, &DEMO_LEAD).await?;
    lead.goto("/employees/chart").await?;
    let own = lead.text(".org-box.org-me .org-name").await?;
    ensure!(own.contains(DEMO_LEAD.name), "the lead's own box reads {own:?}");
    let theirs = lead.client.find_all(Locator::Css(".org-chart a.org-box")).await?;
    ensure!(theirs.len() < boxes.len(), "the lead sees {} boxes, as many as HR", theirs.len());
    lead.screenshots_at("lead-chart", ".org-me").await
}

/// HR imports people from a CSV file: the first file has one mistake,
/// reported by row and column; the corrected one is confirmed and the people
/// are in the directory. The manager column names a row further down.
pub async fn import_preview(rig: &Rig) -> Result<()> {
    let header =
        "employee_number,full_name,work_email,job_title,department,manager_employee_number,hire_date,phone,status";
    let rows = |department: &str| {
        format!(
            "{header}\r\nE0201,Grace Hopper,grace@example.com,Rear admiral of compilers,Engineering,E0202,2026-02-02,+1 555 0100,active\r\n\
             E0202,Alan Turing,alan@example.com,Head of engineering,{department},,2026-01-05,,active\r\n"
        )
    };
    let files = tempfile::tempdir()?;
    let (broken, fixed) = (files.path().join("staff.csv"), files.path().join("staff-fixed.csv"));
    std::fs::write(&broken, rows("Enginering"))?;
    std::fs::write(&fixed, rows("Engineering"))?;

    sign_in(rig, &HANA).await?;
    rig.goto("/departments").await?;
    rig.fill("#name", "Engineering").await?;
    rig.click_and_wait(r#"form[action="/departments"] button[type=submit]"#).await?;
    rig.goto("/employees").await?;
    rig.click_and_wait(r#".page-header a[href="/employees/import"]"#).await?;
    rig.screenshots("import-page").await?;

    // The file with a typing mistake in a department's name.
    let upload = r#"form[action="/employees/import"] button[type=submit]"#;
    rig.find("#file").await?.send_keys(&broken.display().to_string()).await?;
    rig.click_and_wait(upload).await?;
    let problems = rig.text(".import-problems tbody").await?;
    ensure!(
        problems.contains("Row 3") && problems.contains("department") && problems.contains("Enginering"),
        "the preview lists {problems:?}, not the department of row 3"
    );
    ensure!(!rig.exists(r#"form[action$="/confirm"]"#).await?, "a file with a problem can be confirmed");
    rig.screenshots_at("import-problem", ".import-preview").await?;

    // The corrected file: two records to create, then confirmed.
    rig.find("#file").await?.send_keys(&fixed.display().to_string()).await?;
    rig.click_and_wait(upload).await?;
    let summary = rig.text(".import-preview").await?;
    ensure!(summary.contains("2 to create, 0 to update"), "the preview says {summary:?}");
    rig.screenshots_at("import-preview", ".import-preview").await?;
    rig.click_and_wait(r#"form[action$="/confirm"] button[type=submit]"#).await?;
    ensure!(rig.path().await? == "/employees", "confirming led to {}", rig.where_am_i().await);
    let notice = rig.text(".alert-info").await?;
    ensure!(notice.contains("import was applied"), "after the import the notice is {notice:?}");
    let directory = rig.text(".directory-table").await?;
    for name in ["Grace Hopper", "Alan Turing"] {
        ensure!(directory.contains(name), "the directory lists {directory:?}, without {name}");
    }
    rig.screenshots("import-directory").await
}
