// Written by hand (see diesel.toml): one schema for both backends, using only
// the portable types (Text, Bool, Timestamp). The `schema_matches_migrations`
// test loads every table on each backend to catch drift.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        full_name -> Text,
        password_hash -> Text,
        role -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        leave_notifications -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        user_agent -> Text,
        ip -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        idle_expires_at -> Timestamp,
        absolute_expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
        remember -> Bool,
        kind -> Text,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        throttle_key -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        occurred_at -> Timestamp,
        event -> Text,
        user_id -> Nullable<Text>,
        email -> Nullable<Text>,
        session_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    departments (id) {
        id -> Text,
        name -> Text,
        head_employee_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    employees (id) {
        id -> Text,
        employee_number -> Text,
        user_id -> Nullable<Text>,
        full_name -> Text,
        work_email -> Text,
        job_title -> Text,
        department_id -> Nullable<Text>,
        manager_id -> Nullable<Text>,
        hire_date -> Date,
        phone -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        terminated_on -> Nullable<Date>,
        termination_reason -> Nullable<Text>,
    }
}

diesel::table! {
    leave_types (id) {
        id -> Text,
        name -> Text,
        yearly_allowance_days -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        max_carry_over_half_days -> Integer,
    }
}

diesel::table! {
    public_holidays (id) {
        id -> Text,
        day -> Date,
        name -> Text,
    }
}

diesel::table! {
    leave_requests (id) {
        id -> Text,
        employee_id -> Text,
        leave_type_id -> Text,
        first_day -> Date,
        last_day -> Date,
        half_day -> Bool,
        half_days -> Integer,
        reason -> Text,
        status -> Text,
        approver_employee_id -> Nullable<Text>,
        decided_by_user_id -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_comment -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    link_tokens (token_hash) {
        token_hash -> Text,
        purpose -> Text,
        email -> Text,
        full_name -> Text,
        user_id -> Nullable<Text>,
        employee_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        sensitive -> Bool,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    known_devices (user_id, device_hash) {
        user_id -> Text,
        device_hash -> Text,
        first_seen_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    calendar_feeds (user_id) {
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    employee_imports (id) {
        id -> Text,
        user_id -> Text,
        file_name -> Text,
        content -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(calendar_feeds -> users (user_id));
diesel::joinable!(employees -> departments (department_id));
diesel::joinable!(leave_requests -> leave_types (leave_type_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    refresh_tokens,
    login_failures,
    audit_log,
    settings,
    departments,
    employees,
    leave_types,
    public_holidays,
    leave_requests,
    link_tokens,
    outbox,
    known_devices,
    calendar_feeds,
    employee_imports,
);
