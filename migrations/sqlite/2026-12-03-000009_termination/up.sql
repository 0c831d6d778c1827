-- The last working day and the reason given when someone's employment ended
-- (NULL for current staff and for records ended before these were kept).
ALTER TABLE employees ADD COLUMN terminated_on DATE;
ALTER TABLE employees ADD COLUMN termination_reason TEXT;
