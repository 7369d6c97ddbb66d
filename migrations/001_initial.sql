-- Masakari's resources: failover segments, hosts, notifications, and the
-- per-instance moves of microversion 1.3. Integer ids are the list markers
-- (Masakari paginates by id); uuids are what the API names resources by.
-- Rows are soft-deleted as in Masakari: deleted = true, deleted_at set.

CREATE TABLE segments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid            uuid        NOT NULL UNIQUE,
    name            text        NOT NULL,
    service_type    text        NOT NULL,
    description     text,
    recovery_method text        NOT NULL
        CHECK (recovery_method IN ('auto', 'reserved_host', 'auto_priority', 'rh_priority')),
    enabled         boolean     NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT date_trunc('second', now()),
    updated_at      timestamptz,
    deleted_at      timestamptz,
    deleted         boolean     NOT NULL DEFAULT false
);
-- Segment names are unique among live segments (Masakari: uniq_segment0name0deleted).
CREATE UNIQUE INDEX segments_name_live ON segments (name) WHERE NOT deleted;

CREATE TABLE hosts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid                uuid        NOT NULL UNIQUE,
    name                text        NOT NULL,
    failover_segment_id uuid        NOT NULL REFERENCES segments (uuid),
    type                text        NOT NULL,
    control_attributes  text        NOT NULL,
    reserved            boolean     NOT NULL DEFAULT false,
    on_maintenance      boolean     NOT NULL DEFAULT false,
    -- Lazarus sets maintenance itself when it recovers a host; only then may
    -- it clear it again ([engine] clear_maintenance).
    maintenance_by_lazarus boolean  NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT date_trunc('second', now()),
    updated_at          timestamptz,
    deleted_at          timestamptz,
    deleted             boolean     NOT NULL DEFAULT false
);
-- A compute node belongs to one segment: names are globally unique (uniq_host0name0deleted).
CREATE UNIQUE INDEX hosts_name_live ON hosts (name) WHERE NOT deleted;
CREATE INDEX hosts_segment ON hosts (failover_segment_id) WHERE NOT deleted;

CREATE TABLE notifications (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_uuid     uuid        NOT NULL UNIQUE,
    generated_time        timestamptz NOT NULL,
    source_host_uuid      uuid        NOT NULL REFERENCES hosts (uuid),
    failover_segment_uuid uuid        NOT NULL REFERENCES segments (uuid),
    type                  text        NOT NULL CHECK (type IN ('COMPUTE_HOST', 'VM', 'PROCESS')),
    payload               jsonb       NOT NULL,
    status                text        NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'running', 'error', 'failed', 'ignored', 'finished')),
    message               text,
    -- Idempotency id of the monitor event this notification came from; a
    -- redelivered event finds its notification instead of making another.
    event_id              text UNIQUE,
    created_at            timestamptz NOT NULL DEFAULT date_trunc('second', now()),
    updated_at            timestamptz,
    deleted_at            timestamptz,
    deleted               boolean     NOT NULL DEFAULT false
);
CREATE INDEX notifications_status ON notifications (status) WHERE NOT deleted;
CREATE INDEX notifications_dedup ON notifications (source_host_uuid, type, generated_time) WHERE NOT deleted;
CREATE INDEX notifications_segment_active ON notifications (failover_segment_uuid)
    WHERE NOT deleted AND status IN ('new', 'running', 'error');

CREATE TABLE vmoves (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid              uuid        NOT NULL UNIQUE,
    notification_uuid uuid        NOT NULL REFERENCES notifications (notification_uuid),
    instance_uuid     uuid        NOT NULL,
    instance_name     text        NOT NULL DEFAULT '',
    source_host       text        NOT NULL,
    dest_host         text,
    start_time        timestamptz,
    end_time          timestamptz,
    type              text        NOT NULL DEFAULT 'evacuation'
        CHECK (type IN ('evacuation', 'migration', 'live_migration')),
    status            text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'ongoing', 'succeeded', 'failed', 'ignored')),
    message           text,
    created_at        timestamptz NOT NULL DEFAULT date_trunc('second', now()),
    updated_at        timestamptz,
    deleted_at        timestamptz,
    deleted           boolean     NOT NULL DEFAULT false,
    UNIQUE (notification_uuid, instance_uuid)
);

---- create above / drop below ----

DROP TABLE vmoves;
DROP TABLE notifications;
DROP TABLE hosts;
DROP TABLE segments;
