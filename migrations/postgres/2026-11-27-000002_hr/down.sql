DROP TABLE leave_requests;
ALTER TABLE departments DROP CONSTRAINT departments_head_employee_id_fkey;
DROP TABLE public_holidays;
DROP TABLE leave_types;
DROP TABLE employees;
DROP TABLE departments;
