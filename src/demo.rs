//! `hrms demo`: fills an empty database with a believable organisation
//! (8 departments, 200 people in a management hierarchy, a year of leave; or
//! any size up to 100,000 with `--people`, the departments repeated per
//! office) so the portal can be explored and benchmarked at a realistic size.
//! The data is the same on every run: names come from a fixed list and a
//! seeded generator.

use diesel::prelude::*;
use time::{Date, Duration};

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::{departments, employees, leave_requests, users};
use crate::models::employee::{self, EmployeeStatus, NewEmployee};
use crate::models::leave::{self, LeaveStatus};
use crate::models::new_id;
use crate::models::user::{NewUser, Role};

const DEPARTMENTS: [&str; 8] =
    ["Engineering", "Sales", "Marketing", "Finance", "People", "Operations", "Customer Success", "Legal"];
/// HR staff are the People department(s).
const HR_DEPARTMENT: usize = 4;
/// How many members each kind of department has in the default company of
/// 200 (167 in all), and its share of the members in a bigger one: departments
/// differ in size as they do in life.
const MEMBER_WEIGHTS: [usize; 8] = [48, 30, 18, 12, 10, 16, 25, 8];
/// A bigger company has the eight kinds of department in several offices,
/// one office per this many people.
const PEOPLE_PER_OFFICE: usize = 2_400;
const OFFICES: [&str; 24] = [
    "Berlin",
    "Lisbon",
    "Toronto",
    "Austin",
    "Nairobi",
    "Singapore",
    "Sydney",
    "Dublin",
    "Warsaw",
    "Madrid",
    "Osaka",
    "Seoul",
    "Chicago",
    "Denver",
    "Lagos",
    "Cairo",
    "Mumbai",
    "Pune",
    "Jakarta",
    "Manila",
    "Lima",
    "Bogota",
    "Oslo",
    "Vienna",
];
/// A team lead has about this many people at most.
const TEAM_SIZE: usize = 16;

/// The size of the demo company unless asked otherwise.
pub const DEFAULT_PEOPLE: usize = 200;
/// The sizes `hrms demo --people` accepts.
pub const PEOPLE: std::ops::RangeInclusive<usize> = 50..=100_000;

/// One department of the demo company: its name, its kind (an index into
/// `DEPARTMENTS`), how many team leads and members it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentPlan {
    pub name: String,
    pub kind: usize,
    pub leads: usize,
    pub members: usize,
}

/// The departments of a company of `people` (a CEO, a head per department,
/// its team leads and members, `people` in all). 200 people: the eight
/// departments with three leads each; more: the same eight in more offices.
pub fn plan(people: usize) -> Vec<DepartmentPlan> {
    let offices = people.div_ceil(PEOPLE_PER_OFFICE).clamp(1, OFFICES.len());
    let departments = offices * DEPARTMENTS.len();
    let weight = |d: usize| MEMBER_WEIGHTS[d % DEPARTMENTS.len()];
    let total_weight: usize = (0..departments).map(weight).sum();
    // Leads from a first estimate of each department's members.
    let estimate = people.saturating_sub(1 + departments * 4);
    let leads: Vec<usize> =
        (0..departments).map(|d| (estimate * weight(d) / total_weight).div_ceil(TEAM_SIZE).max(3)).collect();
    let members_total = people.saturating_sub(1 + departments + leads.iter().sum::<usize>());
    let mut members: Vec<usize> = (0..departments).map(|d| members_total * weight(d) / total_weight).collect();
    // What rounding down left over goes to the first departments, one each.
    let short = members_total - members.iter().sum::<usize>();
    for m in members.iter_mut().take(short) {
        *m += 1;
    }
    (0..departments)
        .map(|d| {
            let kind = d % DEPARTMENTS.len();
            let name = if offices == 1 {
                DEPARTMENTS[kind].to_owned()
            } else {
                format!("{} {}", DEPARTMENTS[kind], OFFICES[d / DEPARTMENTS.len()])
            };
            DepartmentPlan { name, kind, leads: leads[d], members: members[d] }
        })
        .collect()
}

const FIRST: [&str; 48] = [
    "Ada", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hugo", "Imani", "Jonas", "Keiko", "Liam", "Maya",
    "Noah", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe",
    "Aaron", "Bianca", "Carlos", "Dalia", "Emil", "Fatima", "Gustav", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Mateo",
    "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Uma", "Viktor", "Yara",
];
const LAST: [&str; 48] = [
    "Adams",
    "Baker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quist",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Umarov",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Andersson",
    "Brown",
    "Costa",
    "Dubois",
    "Eriksen",
    "Ferreira",
    "Gomez",
    "Horvat",
    "Ivanova",
    "Johnson",
    "Kim",
    "Larsen",
    "Martin",
    "Novak",
    "Olsen",
    "Park",
    "Ramos",
    "Silva",
    "Torres",
    "Ueda",
    "Vogel",
    "Wright",
];

/// A small deterministic generator (SplitMix64): the same organisation every run.
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// One person of the demo organisation.
pub struct Person {
    pub employee_id: String,
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub manager_id: Option<String>,
    pub hire_date: Date,
}

/// What `fill` made, for printing and for the leave generator.
pub struct Organisation {
    pub people: Vec<Person>,
}

impl Organisation {
    /// A few accounts worth trying, with what they show.
    pub fn showcase(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        if let Some(p) = self.people.iter().find(|p| p.role == Role::Admin) {
            out.push(("Admin (the CEO)", p.email.as_str()));
        }
        if let Some(p) = self.people.iter().find(|p| p.role == Role::Hr) {
            out.push(("HR", p.email.as_str()));
        }
        let is_manager = |p: &&Person| self.people.iter().any(|q| q.manager_id.as_deref() == Some(&p.employee_id));
        if let Some(p) = self.people.iter().skip(9).find(|p| p.role == Role::Employee && is_manager(p)) {
            out.push(("Team lead (a manager)", p.email.as_str()));
        }
        if let Some(p) = self.people.iter().rev().find(|p| p.role == Role::Employee) {
            out.push(("Employee", p.email.as_str()));
        }
        out
    }
}

/// Whether the database has no HR data yet (a bootstrap Admin may exist).
pub fn is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
    let employees: i64 = employees::table.count().get_result(conn)?;
    let departments: i64 = departments::table.count().get_result(conn)?;
    Ok(employees == 0 && departments == 0)
}

/// Creates the departments of `plan(people)` and `people` people with
/// accounts (all sharing `password_hash`) in a management hierarchy: a CEO,
/// a head per department, team leads under each head, members under the
/// leads; then a year of leave.
pub fn fill(conn: &mut DbConnection, now: Timestamp, password_hash: &str, people: usize) -> QueryResult<Organisation> {
    conn.transaction(|conn| {
        let mut rng = Seeded::new(2026);
        let today = now.date();
        let plan = plan(people);
        let mut department_ids = Vec::new();
        for department in &plan {
            let id = new_id();
            diesel::insert_into(departments::table)
                .values((
                    departments::id.eq(&id),
                    departments::name.eq(&department.name),
                    departments::created_at.eq(now),
                    departments::updated_at.eq(now),
                ))
                .execute(conn)?;
            department_ids.push(id);
        }

        // Who is who, by position: 0 the CEO; then the heads, one per
        // department; then each department's leads; then the members, each
        // under one of their department's leads in turn.
        let heads = 1;
        let first_lead: Vec<usize> = plan
            .iter()
            .scan(heads + plan.len(), |next, d| {
                let first = *next;
                *next += d.leads;
                Some(first)
            })
            .collect();
        let mut roles: Vec<(usize, Option<usize>, Rank)> = vec![(CEO_DEPARTMENT, None, Rank::Ceo)];
        roles.extend((0..plan.len()).map(|d| (d, Some(0), Rank::Head)));
        for (d, department) in plan.iter().enumerate() {
            roles.extend((0..department.leads).map(|_| (d, Some(1 + d), Rank::Lead)));
        }
        for (d, department) in plan.iter().enumerate() {
            roles.extend(
                (0..department.members).map(|nth| (d, Some(first_lead[d] + nth % department.leads), Rank::Member)),
            );
        }

        let mut people: Vec<Person> = Vec::with_capacity(roles.len());
        // What the records hold beyond `Person`: (number, title, phone, department).
        let mut details: Vec<(String, String, String, usize)> = Vec::with_capacity(roles.len());
        let mut emails: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        for (i, (department, manager_index, rank)) in roles.into_iter().enumerate() {
            let kind = plan[department].kind;
            let title = match rank {
                Rank::Ceo => "Chief Executive Officer".to_owned(),
                Rank::Head => format!("Head of {}", plan[department].name),
                Rank::Lead => format!("{} Team Lead", DEPARTMENTS[kind]),
                Rank::Member => member_title(kind, &mut rng).to_owned(),
            };
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i * 7 + i / FIRST.len()) % LAST.len()];
            let name = format!("{first} {last}");
            // A big company has namesakes: the second gets a number, as mail systems do.
            let local = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
            let seen = emails.entry(local.clone()).or_default();
            *seen += 1;
            let email =
                if *seen == 1 { format!("{local}@example.com") } else { format!("{local}{}@example.com", *seen) };
            let role = if rank == Rank::Ceo {
                Role::Admin
            } else if kind == HR_DEPARTMENT {
                Role::Hr
            } else {
                Role::Employee
            };
            let hire_date = today - Duration::days(30 + rng.below(365 * 8) as i64);
            let user_id = new_id();
            let employee_id = new_id();
            let manager_id = manager_index.map(|m: usize| people[m].employee_id.clone());
            let number = format!("E{:04}", i + 1);
            let phone = format!("+44 20 7946 {:04}", rng.below(10_000));
            details.push((number, title, phone, department));
            people.push(Person { employee_id, user_id, email, name, role, manager_id, hire_date });
        }
        // A thousand rows a statement: row by row, 50,000 people took minutes.
        let users: Vec<NewUser> = people
            .iter()
            .map(|p| NewUser {
                id: &p.user_id,
                email: &p.email,
                full_name: &p.name,
                password_hash,
                role: p.role.as_str(),
                active: true,
                created_at: now,
                updated_at: now,
            })
            .collect();
        crate::insert_in_chunks!(conn, users::table, users, 1000);
        let records: Vec<NewEmployee> = people
            .iter()
            .zip(&details)
            .map(|(p, (number, title, phone, department))| NewEmployee {
                id: &p.employee_id,
                employee_number: number,
                user_id: Some(&p.user_id),
                full_name: &p.name,
                work_email: &p.email,
                job_title: title,
                department_id: Some(&department_ids[*department]),
                manager_id: p.manager_id.as_deref(),
                hire_date: p.hire_date,
                phone,
                status: EmployeeStatus::Active.as_str(),
                created_at: now,
                updated_at: now,
            })
            .collect();
        employee::insert_all(conn, &records)?;
        // Department heads.
        for (d, id) in department_ids.iter().enumerate() {
            diesel::update(departments::table.find(id))
                .set(departments::head_employee_id.eq(&people[1 + d].employee_id))
                .execute(conn)?;
        }
        let organisation = Organisation { people };
        fill_leave(conn, now, &organisation, &mut rng)?;
        Ok(organisation)
    })
}

/// The CEO sits in Operations (of the first office).
const CEO_DEPARTMENT: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rank {
    Ceo,
    Head,
    Lead,
    Member,
}

/// A year of leave: for every person, requests spread over the last twelve
/// months (mostly approved, a few rejected) and the next three (pending or
/// approved), within their allowances, never overlapping, never across New Year.
fn fill_leave(conn: &mut DbConnection, now: Timestamp, org: &Organisation, rng: &mut Seeded) -> QueryResult<()> {
    let today = now.date();
    let mut holidays = Vec::new();
    for year in [today.year() - 1, today.year(), today.year() + 1] {
        for (month, day, name) in [(1, 1, "New Year's Day"), (12, 25, "Christmas Day"), (12, 26, "Boxing Day")] {
            if let Ok(date) =
                Date::from_calendar_date(year, time::Month::try_from(month).unwrap_or(time::Month::January), day)
            {
                leave::add_holiday(conn, &new_id(), date, name)?;
                holidays.push(date);
            }
        }
    }
    let hr_user = org.people.iter().find(|p| p.role == Role::Hr).map(|p| p.user_id.clone());
    let users: std::collections::HashMap<&str, &str> =
        org.people.iter().map(|p| (p.employee_id.as_str(), p.user_id.as_str())).collect();
    let user_of = |employee_id: &str| users.get(employee_id).map(|u| (*u).to_owned());
    let mut requests: Vec<SeedRequest> = Vec::new();
    for person in &org.people {
        // (leave type, half days already used) per year, and the days taken so far.
        let mut used: std::collections::HashMap<(&str, i32), i32> = std::collections::HashMap::new();
        let mut taken: Vec<(Date, Date)> = Vec::new();
        for _ in 0..(4 + rng.below(5)) {
            let (type_id, allowance) = if rng.below(5) == 0 { ("sick", 20) } else { ("annual", 50) };
            let mut first = today - Duration::days(365) + Duration::days(rng.below(365 + 90) as i64);
            while !crate::domain::leave::rules::is_working_day(first, &holidays) {
                first += Duration::days(1);
            }
            let length = if type_id == "sick" { rng.below(3) } else { rng.below(10) } as i64;
            let mut last = first + Duration::days(length);
            // People book whole working weeks or days: end on a working day.
            while !crate::domain::leave::rules::is_working_day(last, &holidays) {
                last -= Duration::days(1);
            }
            let half_day = length == 0 && rng.below(4) == 0;
            if first.year() != last.year() || first < person.hire_date {
                continue;
            }
            let half_days = crate::domain::leave::rules::working_half_days(first, last, half_day, &holidays);
            let year_used = used.entry((type_id, first.year())).or_default();
            if half_days == 0
                || *year_used + half_days > allowance
                || taken.iter().any(|(a, b)| first <= *b && *a <= last)
            {
                continue;
            }
            let status = if first > today {
                if rng.below(2) == 0 { LeaveStatus::Pending } else { LeaveStatus::Approved }
            } else if rng.below(10) == 0 {
                LeaveStatus::Rejected
            } else {
                LeaveStatus::Approved
            };
            if status != LeaveStatus::Rejected {
                *year_used += half_days;
                taken.push((first, last));
            }
            let created = now - Duration::days((today - first).whole_days().max(0) + 14);
            // Decided the day after it was asked for, by the manager (HR for those without one).
            let decided = (status != LeaveStatus::Pending).then(|| created + Duration::days(1));
            let decider = decided.map(|_| {
                person.manager_id.as_deref().and_then(user_of).or_else(|| hr_user.clone()).unwrap_or_default()
            });
            requests.push(SeedRequest {
                id: new_id(),
                employee_id: &person.employee_id,
                leave_type_id: type_id,
                first_day: first,
                last_day: last,
                half_day,
                half_days,
                reason: if type_id == "sick" { "" } else { "Time off" },
                status: status.as_str(),
                approver_employee_id: person.manager_id.as_deref(),
                decided_by_user_id: decider,
                decided_at: decided,
                decision_comment: (status == LeaveStatus::Rejected).then_some("Too many people are away then, sorry."),
                created_at: created,
                updated_at: decided.unwrap_or(created),
            });
        }
    }
    // 15 columns: 1,000 rows a statement stays under SQLite's parameter limit.
    crate::insert_in_chunks!(conn, leave_requests::table, requests, 1000);
    Ok(())
}

/// A leave request of the demo as it ends up: decided ones carry their decision.
#[derive(Insertable)]
#[diesel(table_name = leave_requests)]
struct SeedRequest<'a> {
    id: String,
    employee_id: &'a str,
    leave_type_id: &'static str,
    first_day: Date,
    last_day: Date,
    half_day: bool,
    half_days: i32,
    reason: &'static str,
    status: &'static str,
    approver_employee_id: Option<&'a str>,
    decided_by_user_id: Option<String>,
    decided_at: Option<Timestamp>,
    decision_comment: Option<&'static str>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

fn member_title(department: usize, rng: &mut Seeded) -> &'static str {
    let titles: &[&str] = match DEPARTMENTS[department] {
        "Engineering" => &["Software Engineer", "Senior Software Engineer", "Site Reliability Engineer", "QA Engineer"],
        "Sales" => &["Account Executive", "Sales Development Representative", "Sales Engineer"],
        "Marketing" => &["Marketing Manager", "Content Writer", "Designer", "Growth Analyst"],
        "Finance" => &["Accountant", "Financial Analyst", "Payroll Specialist"],
        "People" => &["HR Generalist", "Recruiter", "People Partner"],
        "Operations" => &["Operations Analyst", "Office Manager", "IT Support Specialist"],
        "Customer Success" => &["Customer Success Manager", "Support Specialist", "Onboarding Specialist"],
        _ => &["Legal Counsel", "Paralegal", "Compliance Officer"],
    };
    titles[rng.below(titles.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headcount(plan: &[DepartmentPlan]) -> usize {
        1 + plan.iter().map(|d| 1 + d.leads + d.members).sum::<usize>()
    }

    #[test]
    fn the_default_company_is_the_eight_departments_with_three_leads_each() {
        let plan = plan(DEFAULT_PEOPLE);
        assert_eq!(plan.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), DEPARTMENTS);
        assert!(plan.iter().all(|d| d.leads == 3));
        assert_eq!(plan.iter().map(|d| d.members).collect::<Vec<_>>(), MEMBER_WEIGHTS);
        assert_eq!(headcount(&plan), 200);
    }

    #[test]
    fn every_size_adds_up_and_teams_stay_small() {
        for people in [*PEOPLE.start(), 201, 2_400, 2_401, 10_000, 50_000, *PEOPLE.end()] {
            let plan = plan(people);
            assert_eq!(headcount(&plan), people, "{people}");
            for d in &plan {
                assert!(d.leads >= 3, "{people}: {d:?}");
                assert!(d.members.div_ceil(d.leads) <= TEAM_SIZE + 2, "{people}: teams of at most ~16: {d:?}");
            }
            let names: std::collections::HashSet<&str> = plan.iter().map(|d| d.name.as_str()).collect();
            assert_eq!(names.len(), plan.len(), "{people}: department names are unique");
        }
        let big = plan(50_000);
        assert_eq!(big.len(), 21 * 8, "one office per 2,400 people");
        let engineering = big[0].leads + big[0].members + 1;
        assert!((300..=700).contains(&engineering), "the largest kind of department: {engineering}");
    }
}
