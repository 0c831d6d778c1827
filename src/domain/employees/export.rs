//! The directory as CSV: what the viewer may see, with the directory's
//! filters, in the import's columns (`import::COLUMNS`), so that HR's export
//! of everyone imports back unchanged.

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::DirectoryQuery;
use super::import::COLUMNS;
use crate::access::{Action, Actor};
use crate::display::iso_date;
use crate::error::AppResult;
use crate::models::employee::{self, DirectoryFilter, Employee};
use crate::state::AppState;

/// Records read per query while streaming.
const CHUNK: i64 = 500;

/// One record as a CSV line. `managers`: number and whether terminated, by id.
fn line(
    e: &Employee,
    department: Option<&str>,
    managers: &HashMap<String, (String, bool)>,
    see_former: bool,
) -> String {
    let manager = e
        .manager_id
        .as_ref()
        .and_then(|id| managers.get(id))
        .filter(|(_, terminated)| see_former || !terminated)
        .map(|(number, _)| number.clone())
        .unwrap_or_default();
    crate::csv::line(&[
        e.employee_number.clone(),
        e.full_name.clone(),
        e.work_email.clone(),
        e.job_title.clone(),
        department.unwrap_or_default().to_owned(),
        manager,
        iso_date(e.hire_date),
        e.phone.clone(),
        e.status().as_str().to_owned(),
    ])
}

/// The directory for `query` (its filters and order; not its page) as CSV,
/// a header row then a line per record, read `CHUNK` records at a time and
/// sent down the channel as it goes. Former staff only for those who may
/// see them (and then only when asked for, as on the page); a manager who
/// has left is left out for those who may not.
pub async fn directory_csv(
    state: &AppState,
    actor: &Actor,
    query: DirectoryQuery,
) -> AppResult<mpsc::Receiver<AppResult<String>>> {
    actor.authorize_global(Action::ViewDirectory)?;
    let see_former = actor.can_globally(Action::ViewTerminatedStaff);
    let filter = DirectoryFilter {
        name: query.name,
        department_id: query.department_id,
        title: query.title,
        include_terminated: query.include_terminated && see_former,
    };
    let sort = query.sort;
    let read = move |conn: &mut crate::db::DbConnection, offset: i64| {
        let rows = employee::directory_page(conn, &filter, sort, CHUNK, offset)?;
        let mut ids: Vec<String> = rows.iter().filter_map(|(e, _)| e.manager_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let managers: HashMap<String, (String, bool)> = employee::find_many(conn, &ids)?
            .into_iter()
            .map(|m| {
                let terminated = m.is_terminated();
                (m.id, (m.employee_number, terminated))
            })
            .collect();
        let text: String = rows.iter().map(|(e, d)| line(e, d.as_deref(), &managers, see_former)).collect();
        Ok((rows.len() as i64, text))
    };
    Ok(crate::csv::stream::pages(state.db.clone(), crate::csv::line(&COLUMNS), CHUNK, read))
}
