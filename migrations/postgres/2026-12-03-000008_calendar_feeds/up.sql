-- A calendar feed: a secret address (256 random bits, only its SHA-256 hash
-- kept) at which calendar apps read someone's leave, their team's absences and
-- the public holidays. One per account: renewing replaces the hash, so the old
-- address stops at once; deleting the row stops the feed.
CREATE TABLE calendar_feeds (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_read_at TIMESTAMP
);
