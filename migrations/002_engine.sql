-- The engine's durable workflow: one recovery per notification it acts on,
-- a journal of its steps, the observers that reported a failure, and the
-- leases of singleton loops (the leader row).
--
-- A recovery is owned through its lease columns (owner, epoch, expires_at).
-- Claiming bumps the epoch; every checkpoint locks the recovery row and
-- checks owner and epoch in the same transaction that writes the journal,
-- so an engine whose lease moved on can no longer record (or act).

CREATE TABLE recoveries (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid              uuid        NOT NULL UNIQUE,
    notification_uuid uuid        NOT NULL UNIQUE REFERENCES notifications (notification_uuid),
    kind              text        NOT NULL CHECK (kind IN ('host', 'instance', 'process')),
    host_uuid         uuid        NOT NULL REFERENCES hosts (uuid),
    host_name         text        NOT NULL,
    segment_uuid      uuid        NOT NULL REFERENCES segments (uuid),
    state             text        NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'running', 'held', 'done')),
    hold_reason       text,
    attempt           integer     NOT NULL DEFAULT 1,
    run_after         timestamptz NOT NULL DEFAULT now(),
    lease_owner       text,
    lease_epoch       bigint      NOT NULL DEFAULT 0,
    lease_expires_at  timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz,
    finished_at       timestamptz
);
-- Invariant 2: one active host recovery per host, across all engines.
CREATE UNIQUE INDEX recoveries_one_active_per_host ON recoveries (host_name)
    WHERE kind = 'host' AND state IN ('pending', 'running', 'held');
CREATE INDEX recoveries_claimable ON recoveries (run_after) WHERE state IN ('pending', 'running', 'held');
CREATE INDEX recoveries_segment ON recoveries (segment_uuid, created_at);

-- The steps journal: intent, then result, each row carrying the lease epoch
-- under which it was written.
CREATE TABLE recovery_steps (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recovery_uuid uuid        NOT NULL REFERENCES recoveries (uuid),
    name          text        NOT NULL,
    item          text        NOT NULL DEFAULT '',
    phase         text        NOT NULL CHECK (phase IN ('intent', 'result', 'progress')),
    state         text        NOT NULL,
    progress      double precision NOT NULL DEFAULT 0,
    message       text        NOT NULL DEFAULT '',
    detail        jsonb,
    owner         text        NOT NULL,
    epoch         bigint      NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX recovery_steps_recovery ON recovery_steps (recovery_uuid, id);
CREATE INDEX recovery_steps_fence ON recovery_steps (created_at) WHERE name = 'fence' AND phase = 'intent';

-- Who reported a failure: several host monitors reporting the same failure
-- merge into one notification/recovery and are kept here as evidence.
CREATE TABLE notification_observers (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_uuid uuid        NOT NULL REFERENCES notifications (notification_uuid),
    event_id          text        NOT NULL,
    observer          text        NOT NULL DEFAULT '',
    monitor           text        NOT NULL DEFAULT '',
    payload           jsonb,
    evidence          jsonb,
    received_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (notification_uuid, event_id)
);

-- Named leases of singleton loops; name 'leader' is the engine leader row.
CREATE UNLOGGED TABLE leases (
    name       text        PRIMARY KEY,
    owner      text        NOT NULL,
    epoch      bigint      NOT NULL DEFAULT 1,
    expires_at timestamptz NOT NULL
);

---- create above / drop below ----

DROP TABLE leases;
DROP TABLE notification_observers;
DROP TABLE recovery_steps;
DROP TABLE recoveries;
