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
        for i in 0..total {
            // Structure: 0 = CEO; 1..=8 heads; 9..=32 leads (3 per department); the rest members.
            let (department, manager_index) = match i {
                0 => (5, None),
                1..=8 => (i - 1, Some(0)),
                9..=32 => ((i - 9) / 3, Some(1 + (i - 9) / 3)),
                _ => {
                    let d = (i - 33) % DEPARTMENTS.len();
                    (d, Some(9 + d * 3 + (i - 33) / DEPARTMENTS.len() % 3))
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
        Ok(Organisation { people })
    })
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
