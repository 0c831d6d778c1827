//! The approvals queue at the size of a company: filtered by department,
//! leave type and dates, counted and paged in SQL, approved in bulk (each
//! request through `leave::decide`, in its own transaction), and the facts
//! the navigation's Approvals tab shows. Who may see and decide what is
//! `access`'s call, as everywhere.

use std::collections::HashMap;

use time::Date;

use super::{DecisionInput, Names, Paging, RequestPage, calendar, check_paging, decide};
use crate::access::{Action, Actor, QueueFacts, Relation, allows};
use crate::auth::middleware::CurrentUser;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::department::{self, Department};
use crate::models::leave::{self as store, LeaveRequest, LeaveType, QueueFilter, QueuePart};
use crate::state::AppState;

/// Requests on one page of the queue.
pub const PER_PAGE: i64 = 25;
/// The most requests one bulk decision may carry.
pub const MAX_BULK: usize = 100;
/// The longest date range the queue can be filtered to, in days (two years).
pub const MAX_RANGE_DAYS: i64 = 731;

/// The filters as typed into the form (the query string); empty: any.
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    pub department: String,
    pub leave_type: String,
    pub from: String,
    pub to: String,
    pub page: String,
}

/// The filters once read: the filter and the page. Checks the form of each
/// value; whether the department and the type exist is `approvals`' job.
pub fn check_query(query: &QueueQuery) -> Result<(QueueFilter, i64), FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut date = |field: &'static str, typed: &str| -> Option<Date> {
        let typed = typed.trim();
        if typed.is_empty() {
            return None;
        }
        let parsed = Date::parse(typed, time::macros::format_description!("[year]-[month]-[day]")).ok();
        if parsed.is_none() {
            errors.add(field, "Enter a date like 2026-06-15.");
        }
        parsed
    };
    let (from, to) = (date("from", &query.from), date("to", &query.to));
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errors.add("to", "The end of the range cannot be before its start.");
        } else if (to - from).whole_days() > MAX_RANGE_DAYS {
            errors.add("to", "Choose a range of at most two years.");
        }
    }
    let page = match query.page.trim() {
        "" => 1,
        typed => match typed.parse::<i64>() {
            Ok(page) if page >= 1 => page,
            _ => {
                errors.add("page", "Pages are numbered from 1.");
                1
            }
        },
    };
    let id = |typed: &str| Some(typed.trim().to_owned()).filter(|t| !t.is_empty());
    let filter = QueueFilter { department_id: id(&query.department), leave_type_id: id(&query.leave_type), from, to };
    if errors.is_empty() { Ok((filter, page)) } else { Err(errors) }
}

/// One page of the queue, as two lists: the requests routed to the actor,
/// then (for HR) every other one; each list oldest leave first.
pub struct Listing {
    pub mine: Vec<LeaveRequest>,
    pub others: Option<Vec<LeaveRequest>>,
    pub total_mine: i64,
    pub total_others: i64,
    pub paging: Paging,
    pub names: Names,
    /// By request id: who else in its owner's team is away on its days (for
    /// the queue page; empty for the API). Read for the whole page at once.
    pub clashes: HashMap<String, Option<calendar::TeamClashes>>,
}

impl Listing {
    pub fn total(&self) -> i64 {
        self.total_mine + self.total_others
    }
}

/// What the queue page shows: the choices of the filter form, the filter as
/// read, and the listing, or what is wrong with the filters.
pub struct Approvals {
    pub departments: Vec<Department>,
    pub types: Vec<LeaveType>,
    pub filter: QueueFilter,
    pub listing: Result<Listing, FieldErrors>,
    /// Whether the actor has an employee record (and so may have reports).
    pub linked: bool,
    /// Whether the actor sees every waiting request (HR).
    pub sees_all: bool,
}

/// The queue page for `query`. Filters that cannot be read, or name a
/// department or leave type that does not exist, give `listing: Err`.
pub async fn approvals(state: &AppState, actor: &Actor, query: &QueueQuery) -> AppResult<Approvals> {
    let me = actor.employee_id().map(str::to_owned);
    let sees_all = actor.can_globally(Action::ViewAllPendingLeave);
    let checked = check_query(query);
    state
        .db
        .run(move |conn| {
            let departments = department::all(conn)?;
            let types = store::all_types(conn)?;
            let (filter, listing) = match checked {
                Err(errors) => (QueueFilter::default(), Err(errors)),
                Ok((filter, page)) => {
                    let mut errors = FieldErrors::new();
                    if let Some(id) = &filter.department_id
                        && !departments.iter().any(|d| &d.id == id)
                    {
                        errors.add("department", "There is no such department: choose one from the list.");
                    }
                    if let Some(id) = &filter.leave_type_id
                        && !types.iter().any(|t| &t.id == id)
                    {
                        errors.add("leave_type", "There is no such type of leave: choose one from the list.");
                    }
                    if errors.is_empty() {
                        let paging = Paging { page, per_page: PER_PAGE };
                        let mut listing = listing(conn, me.as_deref(), sees_all, &filter, paging)?;
                        let mut shown = listing.mine.clone();
                        shown.extend(listing.others.iter().flatten().cloned());
                        listing.clashes = calendar::clashes_for_page(conn, &shown)?;
                        (filter, Ok(listing))
                    } else {
                        (filter, Err(errors))
                    }
                }
            };
            Ok(Approvals { departments, types, filter, listing, linked: me.is_some(), sees_all })
        })
        .await
}

/// One page over the two parts of the queue, each counted and paged in SQL:
/// the page takes what it needs of the first part, the rest from the second.
fn listing(
    conn: &mut DbConnection,
    me: Option<&str>,
    sees_all: bool,
    filter: &QueueFilter,
    paging: Paging,
) -> AppResult<Listing> {
    let offset = paging.offset();
    let (total_mine, mine) = match me {
        Some(me) => {
            let total = store::count_queue(conn, QueuePart::RoutedTo(me), filter)?;
            let page = if offset < total {
                store::queue_page(conn, QueuePart::RoutedTo(me), filter, paging.per_page, offset)?
            } else {
                Vec::new()
            };
            (total, page)
        }
        None => (0, Vec::new()),
    };
    let (total_others, others) = if sees_all {
        let part = QueuePart::Rest(me);
        let total = store::count_queue(conn, part, filter)?;
        let room = paging.per_page - i64::try_from(mine.len()).unwrap_or(paging.per_page);
        let page = if room > 0 {
            store::queue_page(conn, part, filter, room, offset.saturating_sub(total_mine).max(0))?
        } else {
            Vec::new()
        };
        (total, Some(page))
    } else {
        (0, None)
    };
    let mut shown = mine.clone();
    shown.extend(others.iter().flatten().cloned());
    let names = Names::load(conn, &shown)?;
    Ok(Listing { mine, others, total_mine, total_others, paging, names, clashes: HashMap::new() })
}

/// One page of the whole queue as one list, unfiltered (the JSON API's).
pub async fn whole_queue_page(
    state: &AppState,
    actor: &Actor,
    page: Option<i64>,
    per_page: Option<i64>,
) -> AppResult<RequestPage> {
    let paging = check_paging(page, per_page)?;
    let me = actor.employee_id().map(str::to_owned);
    let sees_all = actor.can_globally(Action::ViewAllPendingLeave);
    let listing =
        state.db.run(move |conn| listing(conn, me.as_deref(), sees_all, &QueueFilter::default(), paging)).await?;
    let total = listing.total();
    let mut requests = listing.mine;
    requests.extend(listing.others.into_iter().flatten());
    Ok(RequestPage { requests, names: listing.names, paging, total })
}

// ---------- Bulk approval ----------

/// What became of a bulk approval, request by request.
#[derive(Default)]
pub struct BulkOutcome {
    /// Approved now (or, for a request to cancel, the cancellation approved).
    pub approved: Vec<LeaveRequest>,
    /// Changed meanwhile (decided by someone else, cancelled): left alone,
    /// shown as they are now.
    pub changed: Vec<LeaveRequest>,
    /// Still waiting but not approved, with why (it no longer fits the balance).
    pub refused: Vec<(LeaveRequest, String)>,
    /// Ids the actor may not decide (or that do not exist): not named, so that
    /// nothing is told about requests that are not theirs.
    pub not_yours: usize,
    pub names: Names,
}

/// Approves each of `ids` through `leave::decide`, in a transaction of its
/// own, and reports what became of each. At most `MAX_BULK` ids (400 above
/// it); none is `Invalid` on the field `ids`.
pub async fn approve_many(state: &AppState, actor: &Actor, ids: Vec<String>) -> AppResult<BulkOutcome> {
    if ids.len() > MAX_BULK {
        return Err(AppError::BadRequest(format!(
            "At most {MAX_BULK} requests can be approved at once; {} were sent. Select fewer and try again.",
            ids.len()
        )));
    }
    let mut unique: Vec<String> = Vec::new();
    for id in ids.into_iter().map(|id| id.trim().to_owned()).filter(|id| !id.is_empty()) {
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    if unique.is_empty() {
        return Err(AppError::invalid("ids", "Select at least one request to approve."));
    }
    let (mut approved, mut changed, mut refused, mut not_yours) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for id in unique {
        let input = DecisionInput { decision: "approve".into(), comment: String::new() };
        match decide(state, actor, id.clone(), input).await {
            Ok(_) => approved.push(id),
            Err(AppError::Conflict { .. }) => changed.push(id),
            Err(AppError::NotFound | AppError::Forbidden(_)) => not_yours += 1,
            Err(AppError::Invalid(errors)) => {
                let why = errors.get("comment").unwrap_or("It cannot be approved as it is.").to_owned();
                refused.push((id, why));
            }
            Err(e) => return Err(e),
        }
    }
    // Everything named below passed `leave::visible` in `decide`.
    state
        .db
        .run(move |conn| {
            let mut wanted: Vec<String> = approved.clone();
            wanted.extend(changed.iter().cloned());
            wanted.extend(refused.iter().map(|(id, _)| id.clone()));
            let found: HashMap<String, LeaveRequest> =
                store::find_requests(conn, &wanted)?.into_iter().map(|r| (r.id.clone(), r)).collect();
            let pick = |ids: &[String]| ids.iter().filter_map(|id| found.get(id).cloned()).collect::<Vec<_>>();
            let all: Vec<LeaveRequest> = found.values().cloned().collect();
            Ok(BulkOutcome {
                approved: pick(&approved),
                changed: pick(&changed),
                refused: refused.iter().filter_map(|(id, why)| Some((found.get(id)?.clone(), why.clone()))).collect(),
                not_yours,
                names: Names::load(conn, &all)?,
            })
        })
        .await
}

// ---------- The navigation's tab ----------

/// What the Approvals tab needs for the signed-in `user`: how many requests
/// wait in their queue (for HR, every one in the company but their own; for
/// others, those routed to them) and whether they manage anyone. The latter
/// is only looked up when nothing waits and the role does not see every
/// request: otherwise the tab shows whatever it says, and it reads `false`.
pub async fn tab_facts(state: &AppState, user: &CurrentUser) -> AppResult<QueueFacts> {
    let sees_all = allows(user.role, Action::ViewAllPendingLeave, Relation::Other);
    let user_id = user.user_id.clone();
    state
        .db
        .run(move |conn| {
            if sees_all {
                return Ok(QueueFacts {
                    waiting: store::count_waiting_except_user(conn, &user_id)?,
                    has_reports: false,
                });
            }
            let waiting = store::count_routed_to_user(conn, &user_id)?;
            let has_reports = waiting == 0 && store::user_has_reports(conn, &user_id)?;
            Ok(QueueFacts { waiting, has_reports })
        })
        .await
}

/// How a request reads in a bulk report: "Rob Report, Mon 8 Jun – Tue 9 Jun 2026".
pub fn label(request: &LeaveRequest, names: &Names) -> String {
    format!("{}, {}", names.employee(&request.employee_id), crate::display::date_span(request))
}

/// The status a changed request is in now, in words ("approved").
pub fn now_is(request: &LeaveRequest) -> String {
    crate::display::leave_status_label(request.status()).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str, page: &str) -> QueueQuery {
        QueueQuery { from: from.into(), to: to.into(), page: page.into(), ..QueueQuery::default() }
    }

    #[test]
    fn filters_are_read_or_refused_with_a_message_per_field() {
        let (filter, page) = check_query(&query("2026-06-01", "2026-06-30", "2")).expect("fine");
        assert_eq!((filter.from.map(|d| d.day()), filter.to.map(|d| d.day()), page), (Some(1), Some(30), 2));
        assert!(check_query(&query("", "2026-06-30", "")).is_ok(), "an open start");
        for (from, to, page, field) in [
            ("2026-13-01", "", "", "from"),
            ("next week", "", "", "from"),
            ("", "2026-02-30", "", "to"),
            ("2026-07-01", "2026-06-01", "", "to"),
            ("2024-01-01", "2026-06-01", "", "to"),
            ("", "", "0", "page"),
            ("", "", "-3", "page"),
            ("", "", "two", "page"),
        ] {
            let errors = check_query(&query(from, to, page)).expect_err("refused");
            assert!(errors.has(field), "{from} {to} {page}: {field}");
        }
    }
}
