-- Which door a session was opened through: 'web' (cookies) or 'api' (Bearer).
-- A refresh token works only at its own door.
ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'web';
