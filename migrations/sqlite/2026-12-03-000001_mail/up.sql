-- Mail: single-use links (sign-up verification, invitations, password
-- resets), the outbox the background sender delivers from, the browsers each
-- account has signed in from, and the leave-notification preference.

-- Only the SHA-256 hash of a link token is kept. used_at is set by the
-- conditional update that spends it, so two clicks at once cannot both win.
CREATE TABLE link_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,                  -- verify | invite | reset
    email TEXT NOT NULL,                    -- trimmed, lower-cased
    full_name TEXT NOT NULL,                -- verify: the name given at sign-up
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,            -- reset
    employee_id TEXT REFERENCES employees(id) ON DELETE CASCADE,    -- invite
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX link_tokens_email ON link_tokens (email, purpose);
CREATE INDEX link_tokens_user_id ON link_tokens (user_id);
CREATE INDEX link_tokens_employee_id ON link_tokens (employee_id);
CREATE INDEX link_tokens_expires_at ON link_tokens (expires_at);

-- Written in the transaction of the change that causes a message; delivered
-- by a background sender that claims rows with a conditional update.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,                     -- verify, reset, invite, leave_submitted, ...
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,             -- holds a link: never shown, emptied once sent
    status TEXT NOT NULL,                   -- queued | sending | sent | failed
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_created_at ON outbox (created_at);

-- Browsers an account has signed in from (a random cookie, hashed), so that
-- a sign-in from a new one can be told to the account's owner.
CREATE TABLE known_devices (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_hash TEXT NOT NULL,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, device_hash)
);

ALTER TABLE users ADD COLUMN leave_notifications BOOLEAN NOT NULL DEFAULT 1;
