-- A session started with "Keep me signed in on this device" gets the long lifetimes
-- (--remember-idle, --remember-max-age) when it is refreshed.
ALTER TABLE sessions ADD COLUMN remember BOOLEAN NOT NULL DEFAULT FALSE;
