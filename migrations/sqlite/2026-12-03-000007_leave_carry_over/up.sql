-- The most unused days of a type that carry into the next year, in half days
-- (a working day is 2). The carried amount itself is computed, never stored.
ALTER TABLE leave_types ADD COLUMN max_carry_over_half_days INTEGER NOT NULL DEFAULT 0;
