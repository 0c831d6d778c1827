//! Calendar feeds: an `.ics` address per person that calendar apps poll,
//! with their own leave, their team's absences (the people their month
//! calendar shows) and the public holidays.
//!
//! The address is the only credential (calendar apps send no cookie), so it
//! is a 256-bit random token of which only the SHA-256 hash is stored; it is
//! shown once, when made. Renewing replaces it (the old address stops at
//! once), stopping deletes it, and a deactivated account's feed stops.
//!
//! What a feed shows is what the month calendar shows: names and dates, and
//! for one's own leave its type. Never a reason, since a feed address ends up
//! in calendar apps and shared calendars.
//!
//! A wrong address is answered 404 and records nothing: guessing 256 bits is
//! hopeless, and a counter per address would let anyone fill a table (and
//! lock out calendar services that fetch many people's feeds from one address).

use std::collections::HashMap;

use time::Duration;

use crate::access::{self, Action, Actor, Relation};
use crate::auth::tokens::{hash_refresh_token as sha256_hex, is_token_shaped, new_refresh_token as new_token};
use crate::clock::Timestamp;
use crate::error::{AppError, AppResult};
use crate::ical::{self, Event as CalendarEvent};
use crate::models::audit::{self, Event, Who};
use crate::models::calendar::{self as calendar_store, Scope};
use crate::models::calendar_feed;
use crate::models::employee;
use crate::models::leave::{self as leave_store, LeaveStatus};
use crate::state::AppState;

/// How far back a feed reaches: last quarter's leave stays visible.
pub const DAYS_BEFORE: Duration = Duration::days(92);
/// How far ahead a feed reaches.
pub const DAYS_AFTER: Duration = Duration::days(366);

/// How often reading a feed is written down (calendar apps poll every few
/// minutes; the account page needs no more than this).
const READ_NOTED_EVERY: Duration = Duration::hours(1);

/// The path of the feed whose token is `token`.
pub fn path(token: &str) -> String {
    format!("/calendar/{token}.ics")
}

/// Whether someone has a feed, for the account page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedStatus {
    pub created_at: Timestamp,
    pub last_read_at: Option<Timestamp>,
}

/// The actor's feed, if they have one.
pub async fn status(state: &AppState, actor: &Actor) -> AppResult<Option<FeedStatus>> {
    actor.authorize(Action::SubscribeCalendarFeed, Relation::Own)?;
    let user_id = actor.account()?.user_id.clone();
    state
        .db
        .run(move |conn| {
            Ok(calendar_feed::of_user(conn, &user_id)?
                .map(|feed| FeedStatus { created_at: feed.created_at, last_read_at: feed.last_read_at }))
        })
        .await
}

/// Makes the actor a new feed address, replacing the one they had, and
/// returns its token: the only time it is known.
pub async fn renew(state: &AppState, actor: &Actor) -> AppResult<String> {
    actor.authorize(Action::SubscribeCalendarFeed, Relation::Own)?;
    let user_id = actor.account()?.user_id.clone();
    let (who, now) = (Who::of(actor), state.clock.now());
    let token = new_token();
    let hash = sha256_hex(&token);
    state
        .db
        .atomic(move |conn| {
            let replaced = calendar_feed::replace(conn, &user_id, &hash, now)?;
            let detail = if replaced { "renewed: the old address stopped" } else { "created" };
            audit::record(conn, now, Event::CalendarFeedCreated, who.entry().detail(detail))?;
            Ok(())
        })
        .await?;
    Ok(token)
}

/// Stops the actor's feed; whether they had one.
pub async fn stop(state: &AppState, actor: &Actor) -> AppResult<bool> {
    actor.authorize(Action::SubscribeCalendarFeed, Relation::Own)?;
    let user_id = actor.account()?.user_id.clone();
    let (who, now) = (Who::of(actor), state.clock.now());
    state
        .db
        .atomic(move |conn| {
            let stopped = calendar_feed::remove(conn, &user_id)?;
            if stopped {
                audit::record(conn, now, Event::CalendarFeedStopped, who.entry())?;
            }
            Ok(stopped)
        })
        .await
}

/// The calendar at `file` (`<token>.ics`). `NotFound` for anything but the
/// address of a feed whose account is active and may have one.
pub async fn read(state: &AppState, file: &str) -> AppResult<String> {
    let token = file.strip_suffix(".ics").filter(|t| is_token_shaped(t)).ok_or(AppError::NotFound)?;
    let hash = sha256_hex(token);
    let now = state.clock.now();
    state
        .db
        .run(move |conn| {
            let (feed, user) = calendar_feed::with_owner(conn, &hash)?.ok_or(AppError::NotFound)?;
            let role = user.role()?;
            if !user.active || !access::allows(role, Action::SubscribeCalendarFeed, Relation::Own) {
                return Err(AppError::NotFound);
            }
            let (from, to) = (now.date() - DAYS_BEFORE, now.date() + DAYS_AFTER);
            let me = employee::find_by_user(conn, &user.id)?.filter(|e| !e.is_terminated());
            let mut events = Vec::new();
            if let Some(me) = &me {
                let scope = Scope::Team { me: me.id.clone(), manager: me.manager_id.clone() };
                let people: HashMap<String, String> = calendar_store::people(conn, &scope)?.into_iter().collect();
                let ids: Vec<String> = people.keys().cloned().collect();
                let types: HashMap<String, String> =
                    leave_store::all_types(conn)?.into_iter().map(|t| (t.id, t.name)).collect();
                for request in calendar_store::absences_between(conn, &ids, from, to)? {
                    let own = request.employee_id == me.id;
                    let what = if own {
                        types.get(&request.leave_type_id).cloned().unwrap_or_else(|| "Leave".into())
                    } else {
                        let name = people.get(&request.employee_id).map_or("Someone", String::as_str);
                        format!("{name}: away")
                    };
                    let pending = request.status() == LeaveStatus::Pending;
                    let mut summary = what;
                    if request.half_day {
                        summary.push_str(" (half day)");
                    }
                    if pending {
                        summary.push_str(" (pending)");
                    }
                    events.push(CalendarEvent {
                        uid: format!("leave-{}@hrms", request.id),
                        summary,
                        first_day: request.first_day,
                        last_day: request.last_day,
                        tentative: pending,
                        free: !own,
                    });
                }
            }
            for holiday in leave_store::holidays_between(conn, from, to)? {
                events.push(CalendarEvent {
                    uid: format!("holiday-{}@hrms", holiday.day),
                    summary: holiday.name,
                    first_day: holiday.day,
                    last_day: holiday.day,
                    tentative: false,
                    free: true,
                });
            }
            if feed.last_read_at.is_none_or(|at| now - at >= READ_NOTED_EVERY) {
                calendar_feed::mark_read(conn, &user.id, now)?;
            }
            Ok(ical::calendar(&format!("hrms: {}", user.full_name), now, &events))
        })
        .await
}
