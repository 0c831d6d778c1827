ALTER TABLE sessions DROP COLUMN remember;
