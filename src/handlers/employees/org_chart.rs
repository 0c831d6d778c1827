//! `GET /employees/chart`: the reporting lines as nested lists of boxes.

use axum::extract::State;
use axum::response::Response;

use crate::access::Actor;
use crate::domain::org_chart::{self, Step};
use crate::error::AppResult;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

#[derive(askama::Template)]
#[template(path = "employees/org_chart.html")]
pub struct OrgChartPage {
    pub layout: Layout,
    pub steps: Vec<Step>,
    pub people: usize,
    pub whole_company: bool,
}

pub async fn org_chart(State(state): State<AppState>, actor: Actor, page: Page) -> AppResult<Response> {
    let chart = org_chart::org_chart(&state, &actor).await?;
    Ok(ok_page(&OrgChartPage {
        layout: page.layout(),
        steps: chart.steps,
        people: chart.people,
        whole_company: chart.whole_company,
    }))
}
