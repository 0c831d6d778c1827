ALTER TABLE leave_types DROP COLUMN max_carry_over_half_days;
