ALTER TABLE employees DROP COLUMN termination_reason;
ALTER TABLE employees DROP COLUMN terminated_on;
