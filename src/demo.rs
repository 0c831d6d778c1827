//! `hrms demo`: fills an empty database with a believable organisation
//! (8 departments, 200 people in a management hierarchy, a year of leave) so
//! the portal can be explored and benchmarked at a realistic size. The data is
//! the same on every run: names come from a fixed list and a seeded generator.

use diesel::prelude::*;
use time::{Date, Duration};

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::{departments, employees};
use crate::models::employee::{self, EmployeeStatus, NewEmployee};
use crate::models::leave::{self, LeaveStatus};
use crate::models::new_id;
use crate::models::user::{self, NewUser, Role};

const DEPARTMENTS: [&str; 8] =
    ["Engineering", "Sales", "Marketing", "Finance", "People", "Operations", "Customer Success", "Legal"];
/// HR staff are the People department.
const HR_DEPARTMENT: usize = 4;

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

/// Creates departments, 200 people with accounts (all sharing `password_hash`),
/// and their management hierarchy: a CEO, a head per department, three team
/// leads under each head, the rest under the leads.
pub fn fill(conn: &mut DbConnection, now: Timestamp, password_hash: &str) -> QueryResult<Organisation> {
    conn.transaction(|conn| {
        let mut rng = Seeded::new(2026);
        let today = now.date();
        let mut department_ids = Vec::new();
        for name in DEPARTMENTS {
            let id = new_id();
            diesel::insert_into(departments::table)
                .values((
                    departments::id.eq(&id),
                    departments::name.eq(name),
                    departments::created_at.eq(now),
                    departments::updated_at.eq(now),
                ))
                .execute(conn)?;
            department_ids.push(id);
        }

        let mut people: Vec<Person> = Vec::new();
        let total = 200;
        // Members per department (167 in all), so departments differ in size as they do in life.
        let sizes = [48, 30, 18, 12, 10, 16, 25, 8];
        let member_slots: Vec<(usize, usize)> =
            sizes.iter().enumerate().flat_map(|(d, n)| (0..*n).map(move |nth| (d, nth))).collect();
        for i in 0..total {
            // Structure: 0 = CEO; 1..=8 heads; 9..=32 leads (3 per department); the rest members.
            let (department, manager_index) = match i {
                0 => (5, None),
                1..=8 => (i - 1, Some(0)),
                9..=32 => ((i - 9) / 3, Some(1 + (i - 9) / 3)),
                _ => {
                    let (d, nth) = member_slots[i - 33];
                    (d, Some(9 + d * 3 + nth % 3))
                }
            };
            let title = match i {
                0 => "Chief Executive Officer".to_owned(),
                1..=8 => format!("Head of {}", DEPARTMENTS[department]),
                9..=32 => format!("{} Team Lead", DEPARTMENTS[department]),
                _ => member_title(department, &mut rng).to_owned(),
            };
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i * 7 + i / FIRST.len()) % LAST.len()];
            let name = format!("{first} {last}");
            let email = format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase());
            let role = if i == 0 {
                Role::Admin
            } else if department == HR_DEPARTMENT {
                Role::Hr
            } else {
                Role::Employee
            };
            let hire_date = today - Duration::days(30 + rng.below(365 * 8) as i64);
            let user_id = new_id();
            user::insert(
                conn,
                &NewUser {
                    id: &user_id,
                    email: &email,
                    full_name: &name,
                    password_hash,
                    role: role.as_str(),
                    active: true,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            let employee_id = new_id();
            let manager_id = manager_index.map(|m: usize| people[m].employee_id.clone());
            let number = format!("E{:04}", i + 1);
            let phone = format!("+44 20 7946 {:04}", rng.below(10_000));
            employee::insert(
                conn,
                &NewEmployee {
                    id: &employee_id,
                    employee_number: &number,
                    user_id: Some(&user_id),
                    full_name: &name,
                    work_email: &email,
                    job_title: &title,
                    department_id: Some(&department_ids[department]),
                    manager_id: manager_id.as_deref(),
                    hire_date,
                    phone: &phone,
                    status: EmployeeStatus::Active.as_str(),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            people.push(Person { employee_id, user_id, email, name, role, manager_id, hire_date });
        }
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
    let user_of =
        |employee_id: &str| org.people.iter().find(|p| p.employee_id == employee_id).map(|p| p.user_id.clone());
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
            let id = new_id();
            let created = now - Duration::days((today - first).whole_days().max(0) + 14);
            leave::insert_request(
                conn,
                &leave::NewLeaveRequest {
                    id: &id,
                    employee_id: &person.employee_id,
                    leave_type_id: type_id,
                    first_day: first,
                    last_day: last,
                    half_day,
                    half_days,
                    reason: if type_id == "sick" { "" } else { "Time off" },
                    status: LeaveStatus::Pending.as_str(),
                    approver_employee_id: person.manager_id.as_deref(),
                    created_at: created,
                    updated_at: created,
                },
            )?;
            if status != LeaveStatus::Pending {
                let decider =
                    person.manager_id.as_deref().and_then(user_of).or_else(|| hr_user.clone()).unwrap_or_default();
                let comment = (status == LeaveStatus::Rejected).then_some("Too many people are away then, sorry.");
                let decision = leave::Decision { decided_by_user_id: Some(&decider), comment };
                leave::change_status(
                    conn,
                    &id,
                    LeaveStatus::Pending,
                    status,
                    Some(decision),
                    created + Duration::days(1),
                )?;
            }
        }
    }
    Ok(())
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
