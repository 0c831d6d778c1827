DROP TABLE leave_requests;
DROP TABLE public_holidays;
DROP TABLE leave_types;
DROP TABLE employees;
DROP TABLE departments;
