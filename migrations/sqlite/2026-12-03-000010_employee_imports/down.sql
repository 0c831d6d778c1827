DROP TABLE employee_imports;
