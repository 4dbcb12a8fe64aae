-- 004: what was sent to which notification target, per alert state ("severity:status").
-- Per target, so a retry after one target failed never re-sends to the targets that got it.
CREATE TABLE notification_log (
    alert_id    VARCHAR NOT NULL,
    target      VARCHAR NOT NULL,     -- kind:secret_env, e.g. slack:KOUBEI_SLACK_WEBHOOK
    state       VARCHAR NOT NULL,     -- severity:status that was sent
    sent_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (alert_id, target, state)
);
