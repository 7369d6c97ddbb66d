-- The last heartbeat the engine heard from each host monitor: the engine's
-- self-check compares how many monitors it heard recently with how many it
-- knows (DESIGN.md invariant 4). One row per monitoring host, overwritten
-- in batches; no history is kept.

CREATE TABLE monitor_heartbeats (
    host        text        PRIMARY KEY,
    last_seen   timestamptz NOT NULL,
    peers_alive jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX monitor_heartbeats_last_seen ON monitor_heartbeats (last_seen);

---- create above / drop below ----

DROP TABLE monitor_heartbeats;
