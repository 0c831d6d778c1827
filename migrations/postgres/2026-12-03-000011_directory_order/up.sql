-- The directory's order (lower(full_name), then id) as an index, so that a
-- page of 25 walks the index and stops instead of sorting every match.
CREATE INDEX employees_name_order ON employees (lower(full_name), id);
