-- An uploaded CSV of employee records between its preview and its
-- confirmation. At most one per account (a new upload replaces it); it
-- expires an hour after the upload and expired ones are deleted at the next
-- upload, so the table stays small. The file is kept as text: it was checked
-- to be UTF-8 without control characters before it was stored.
CREATE TABLE employee_imports (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX employee_imports_expires_at ON employee_imports (expires_at);
