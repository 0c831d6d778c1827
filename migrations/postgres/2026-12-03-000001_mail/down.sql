ALTER TABLE users DROP COLUMN leave_notifications;
DROP TABLE known_devices;
DROP TABLE outbox;
DROP TABLE link_tokens;
