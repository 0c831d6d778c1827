//! The org chart: the reporting lines (`employees.manager_id`) of current
//! staff as a tree, read with one query and built in memory.
//!
//! Who sees what (`access::Action::ViewOrgChart`):
//! - HR (relation `Other`) sees the whole company: everyone without a
//!   current manager is a root, and each person sits under their manager.
//! - Everyone else (relation `Own`) sees their own branch: their manager, that
//!   manager's manager and so on up to the top (the chain only, not the
//!   peers at each level: those are in the directory), then themselves with
//!   everyone who reports to them, directly or not.
//!
//! Someone whose manager has left (or is missing) is a root. Reporting lines
//! that loop (A under B under A: the forms refuse it, but old or imported
//! data may hold it) never make the walk loop: each person is placed at most
//! once, and in the whole-company chart a loop that no root reaches is
//! entered at its first member by name.

use std::collections::{HashMap, HashSet};

use crate::access::{Action, Actor, Relation};
use crate::error::AppResult;
use crate::models::employee::{self, Employee};
use crate::state::AppState;

/// One box of the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub job_title: String,
    pub manager_id: Option<String>,
}

impl From<Employee> for Member {
    fn from(e: Employee) -> Self {
        Member { id: e.id, name: e.full_name, job_title: e.job_title, manager_id: e.manager_id }
    }
}

/// The chart as nested lists, in document order: what the page writes out
/// one step at a time (a loop, where a recursive template could overflow
/// on a deep chain).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `<ul>`
    Open,
    /// `<li>` and the person's box; `me`: the viewer's own box.
    Person { member: Member, me: bool, reports: usize },
    /// `</li>`
    EndPerson,
    /// `</ul>`
    Close,
}

/// What the chart page shows.
pub struct OrgChart {
    pub steps: Vec<Step>,
    /// How many people are in the chart.
    pub people: usize,
    /// The whole company (HR), or the viewer's branch.
    pub whole_company: bool,
}

/// The chart `actor` may see: the whole company for HR, their own branch for
/// everyone else (see the module's comment). One read of current staff.
pub async fn org_chart(state: &AppState, actor: &Actor) -> AppResult<OrgChart> {
    let whole_company = actor.can_globally(Action::ViewOrgChart);
    let me = if whole_company {
        actor.employee_id().map(str::to_owned)
    } else {
        let me = actor.employee()?.id.clone();
        actor.authorize(Action::ViewOrgChart, Relation::Own)?;
        Some(me)
    };
    let staff: Vec<Member> =
        state.db.run(|conn| Ok(employee::current_staff(conn)?)).await?.into_iter().map(Member::from).collect();
    let tree = Tree::new(staff);
    let steps = match (&me, whole_company) {
        (_, true) => tree.company(me.as_deref()),
        (Some(me), false) => tree.branch(me),
        (None, false) => Vec::new(),
    };
    let people = steps.iter().filter(|s| matches!(s, Step::Person { .. })).count();
    Ok(OrgChart { steps, people, whole_company })
}

/// Current staff (by name, as read) and who reports to whom among them.
pub struct Tree {
    staff: Vec<Member>,
    /// Index of each person by id.
    index: HashMap<String, usize>,
    /// Each person's direct reports, by name.
    reports: Vec<Vec<usize>>,
    /// Each person's manager, when that manager is current staff.
    manager: Vec<Option<usize>>,
}

impl Tree {
    /// `staff` in the order their boxes should appear among siblings.
    pub fn new(staff: Vec<Member>) -> Tree {
        let index: HashMap<String, usize> = staff.iter().enumerate().map(|(i, m)| (m.id.clone(), i)).collect();
        let manager: Vec<Option<usize>> = staff
            .iter()
            .enumerate()
            .map(|(i, m)| m.manager_id.as_ref().and_then(|id| index.get(id).copied()).filter(|&boss| boss != i))
            .collect();
        let mut reports = vec![Vec::new(); staff.len()];
        for (i, boss) in manager.iter().enumerate() {
            if let Some(boss) = boss {
                reports[*boss].push(i);
            }
        }
        Tree { staff, index, reports, manager }
    }

    /// Everyone: the roots (no current manager) by name, each with everyone
    /// under them; then any loop no root reaches, from its first member.
    pub fn company(&self, me: Option<&str>) -> Vec<Step> {
        let me = me.and_then(|id| self.index.get(id).copied());
        let roots: Vec<usize> = (0..self.staff.len()).filter(|&i| self.manager[i].is_none()).collect();
        let mut placed = vec![false; self.staff.len()];
        let mut steps = self.walk(roots, &mut placed, me, |i| self.reports[i].clone());
        while let Some(stray) = placed.iter().position(|p| !p) {
            steps.extend(self.walk(vec![stray], &mut placed, me, |i| self.reports[i].clone()));
        }
        steps
    }

    /// `me`'s manager chain from the top down to `me`, then everyone under
    /// `me`. Unknown `me` (not current staff): nothing.
    pub fn branch(&self, me: &str) -> Vec<Step> {
        let Some(&me) = self.index.get(me) else { return Vec::new() };
        // Up the chain, each person once: a loop ends the climb.
        let mut chain = vec![me];
        let mut seen: HashSet<usize> = HashSet::from([me]);
        while let Some(boss) = chain.last().and_then(|&i| self.manager[i]) {
            if !seen.insert(boss) {
                break;
            }
            chain.push(boss);
        }
        chain.reverse();
        let next_down: HashMap<usize, usize> = chain.windows(2).map(|w| (w[0], w[1])).collect();
        let mut placed = vec![false; self.staff.len()];
        self.walk(vec![chain[0]], &mut placed, Some(me), |i| match next_down.get(&i) {
            Some(&below) => vec![below],
            None => self.reports[i].clone(),
        })
    }

    /// The nested lists of `roots` and, for each person, `below(person)`;
    /// each person at most once (`placed`), without recursion.
    fn walk(
        &self,
        roots: Vec<usize>,
        placed: &mut [bool],
        me: Option<usize>,
        below: impl Fn(usize) -> Vec<usize>,
    ) -> Vec<Step> {
        let mut steps = vec![Step::Open];
        // Each level: the people still to write and how far along it is.
        let mut levels: Vec<(Vec<usize>, usize)> = vec![(roots, 0)];
        while let Some((level, at)) = levels.last_mut() {
            let Some(&i) = level.get(*at) else {
                levels.pop();
                steps.push(Step::Close);
                if !levels.is_empty() {
                    steps.push(Step::EndPerson);
                }
                continue;
            };
            *at += 1;
            if placed[i] {
                continue;
            }
            placed[i] = true;
            let children: Vec<usize> = below(i).into_iter().filter(|&c| !placed[c]).collect();
            steps.push(Step::Person {
                member: self.staff[i].clone(),
                me: me == Some(i),
                reports: self.reports[i].len(),
            });
            if children.is_empty() {
                steps.push(Step::EndPerson);
            } else {
                steps.push(Step::Open);
                levels.push((children, 0));
            }
        }
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, manager: Option<&str>) -> Member {
        Member { id: id.into(), name: id.into(), job_title: String::new(), manager_id: manager.map(str::to_owned) }
    }

    /// The chart as text: "(" and ")" for lists, the names in between.
    fn outline(steps: &[Step]) -> String {
        steps
            .iter()
            .map(|s| match s {
                Step::Open => "(".to_owned(),
                Step::Close => ")".to_owned(),
                Step::Person { member, me: true, .. } => format!("{}*", member.name),
                Step::Person { member, .. } => member.name.clone(),
                Step::EndPerson => ".".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn company() -> Tree {
        Tree::new(vec![
            member("ann", None),
            member("bob", Some("ann")),
            member("cat", Some("ann")),
            member("dan", Some("bob")),
            member("eve", Some("gone")),
        ])
    }

    #[test]
    fn the_company_nests_everyone_under_their_manager() {
        assert_eq!(outline(&company().company(Some("dan"))), "( ann ( bob ( dan* . ) . cat . ) . eve . )");
    }

    #[test]
    fn a_branch_is_the_chain_up_and_everyone_below() {
        // Bob: Ann above (not Cat, a peer of Bob's), Dan below.
        assert_eq!(outline(&company().branch("bob")), "( ann ( bob* ( dan . ) . ) . )");
        assert_eq!(outline(&company().branch("ann")), "( ann* ( bob ( dan . ) . cat . ) . )");
        assert_eq!(outline(&company().branch("eve")), "( eve* . )", "a manager who left: a root");
        assert_eq!(outline(&company().branch("nobody")), "");
    }

    #[test]
    fn loops_in_the_data_end_and_place_everyone_once() {
        let tree = Tree::new(vec![
            member("ann", None),
            member("xav", Some("yan")),
            member("yan", Some("zoe")),
            member("zoe", Some("xav")),
            member("me", Some("me")),
        ]);
        assert_eq!(outline(&tree.company(None)), "( ann . me . ) ( xav ( zoe ( yan . ) . ) . )");
        assert_eq!(outline(&tree.branch("yan")), "( xav ( zoe ( yan* . ) . ) . )");
        assert_eq!(outline(&tree.branch("me")), "( me* . )");
    }
}
