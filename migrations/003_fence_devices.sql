-- Fence devices per host (a Lazarus extension; Masakari's tables are left
-- as they are) and operators' confirmations that a host is off.
--
-- A host's devices form its fence topology: devices of the same level must
-- all read back off for the level to succeed; levels are tried in
-- ascending order; a 'manual' device makes its level wait for an operator.
-- Passwords are stored only encrypted (AES-256-GCM with the key of
-- [fencing] secret_key_file, nonce prepended, the host uuid as associated
-- data); the API never returns them.

CREATE TABLE fence_devices (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid               uuid        NOT NULL UNIQUE,
    host_uuid          uuid        NOT NULL REFERENCES hosts (uuid),
    level              integer     NOT NULL CHECK (level BETWEEN 1 AND 100),
    driver             text        NOT NULL CHECK (driver IN ('ipmi', 'agent', 'manual')),
    agent              text        NOT NULL DEFAULT '',
    address            text        NOT NULL DEFAULT '',
    port               integer     CHECK (port BETWEEN 1 AND 65535),
    username           text        NOT NULL DEFAULT '',
    password_encrypted bytea,
    options            jsonb       NOT NULL DEFAULT '{}',
    -- Readiness, written by the engine's periodic check: NULL until checked.
    fence_ready        boolean,
    last_error         text,
    checked_at         timestamptz,
    created_at         timestamptz NOT NULL DEFAULT date_trunc('second', now()),
    updated_at         timestamptz,
    deleted_at         timestamptz,
    deleted            boolean     NOT NULL DEFAULT false
);
CREATE INDEX fence_devices_host ON fence_devices (host_uuid, level) WHERE NOT deleted;

CREATE TABLE fence_confirmations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid         uuid        NOT NULL UNIQUE,
    host_uuid    uuid        NOT NULL REFERENCES hosts (uuid),
    confirmed_at timestamptz NOT NULL DEFAULT now(),
    -- Who confirmed: the user (and project) of the token, or "noauth".
    confirmed_by text        NOT NULL,
    comment      text        NOT NULL DEFAULT ''
);
CREATE INDEX fence_confirmations_host ON fence_confirmations (host_uuid, confirmed_at);

---- create above / drop below ----

DROP TABLE fence_confirmations;
DROP TABLE fence_devices;
