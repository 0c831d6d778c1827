-- The HR data: departments, employee records, leave types, public holidays, leave requests.

CREATE TABLE departments (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    head_employee_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE employees (
    id TEXT PRIMARY KEY NOT NULL,
    employee_number TEXT NOT NULL UNIQUE,
    user_id TEXT UNIQUE REFERENCES users(id) ON DELETE SET NULL,   -- the sign-in account, once linked
    full_name TEXT NOT NULL,
    work_email TEXT NOT NULL UNIQUE,                               -- trimmed, lower-cased
    job_title TEXT NOT NULL,
    department_id TEXT REFERENCES departments(id),
    manager_id TEXT REFERENCES employees(id),
    hire_date DATE NOT NULL,
    phone TEXT NOT NULL,
    status TEXT NOT NULL,                                          -- active | on_leave | terminated
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX employees_department_id ON employees (department_id);
CREATE INDEX employees_manager_id ON employees (manager_id);
CREATE INDEX employees_full_name ON employees (full_name);
ALTER TABLE departments ADD CONSTRAINT departments_head_employee_id_fkey
    FOREIGN KEY (head_employee_id) REFERENCES employees(id) ON DELETE SET NULL;

CREATE TABLE leave_types (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    yearly_allowance_days INTEGER,                                 -- NULL: unlimited
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE public_holidays (
    id TEXT PRIMARY KEY NOT NULL,
    day DATE NOT NULL UNIQUE,
    name TEXT NOT NULL
);

-- Amounts are in half days (an integer), so half-day leave needs no floats.
CREATE TABLE leave_requests (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL REFERENCES employees(id),
    leave_type_id TEXT NOT NULL REFERENCES leave_types(id),
    first_day DATE NOT NULL,
    last_day DATE NOT NULL,
    half_day BOOLEAN NOT NULL,
    half_days INTEGER NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,                  -- pending | approved | rejected | cancelled | cancel_requested
    approver_employee_id TEXT REFERENCES employees(id),  -- the manager at request time; NULL: HR decides
    decided_by_user_id TEXT REFERENCES users(id),
    decided_at TIMESTAMP,
    decision_comment TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX leave_requests_employee_id ON leave_requests (employee_id, first_day);
CREATE INDEX leave_requests_status ON leave_requests (status);
CREATE INDEX leave_requests_approver ON leave_requests (approver_employee_id, status);

INSERT INTO leave_types (id, name, yearly_allowance_days, created_at, updated_at) VALUES
    ('annual', 'Annual leave', 25, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
    ('sick', 'Sick leave', 10, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'),
    ('unpaid', 'Unpaid leave', NULL, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC');
