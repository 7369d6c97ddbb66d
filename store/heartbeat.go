package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// MonitorHeartbeat is the last heartbeat heard from one host monitor.
type MonitorHeartbeat struct {
	Host       string
	LastSeen   time.Time
	PeersAlive map[string]int
}

// MonitorHeartbeatsUpsert records a batch of heartbeats in one statement.
// last_seen is the database's now(), not the monitor's or the engine's
// clock, so the self-check compares times from one clock only; LastSeen
// of the arguments is ignored. A host listed twice keeps its last entry.
func (s *Store) MonitorHeartbeatsUpsert(ctx context.Context, beats []MonitorHeartbeat) error {
	if len(beats) == 0 {
		return nil
	}
	last := make(map[string]int, len(beats))
	for i, b := range beats {
		last[b.Host] = i
	}
	hosts := make([]string, 0, len(last))
	peers := make([]string, 0, len(last))
	for i, b := range beats {
		if last[b.Host] != i {
			continue
		}
		p := []byte("{}")
		if b.PeersAlive != nil {
			var err error
			if p, err = json.Marshal(b.PeersAlive); err != nil {
				return fmt.Errorf("encode peers_alive of %s: %w", b.Host, err)
			}
		}
		hosts, peers = append(hosts, b.Host), append(peers, string(p))
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO monitor_heartbeats (host, last_seen, peers_alive)
		SELECT h, now(), p::jsonb FROM unnest($1::text[], $2::text[]) AS u(h, p)
		ON CONFLICT (host) DO UPDATE SET last_seen = EXCLUDED.last_seen, peers_alive = EXCLUDED.peers_alive`, hosts, peers)
	if err != nil {
		return fmt.Errorf("upsert %d monitor heartbeats: %w", len(hosts), err)
	}
	return nil
}

// MonitorHeartbeatCounts counts the host monitors heard from within known
// of the database's now, and how many of them were heard within fresh.
func (s *Store) MonitorHeartbeatCounts(ctx context.Context, known, fresh time.Duration) (knownN, freshN int, err error) {
	err = s.pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE last_seen > now() - $2::float8 * interval '1 second')
		FROM monitor_heartbeats WHERE last_seen > now() - $1::float8 * interval '1 second'`, known.Seconds(), fresh.Seconds()).Scan(&knownN, &freshN)
	if err != nil {
		return 0, 0, fmt.Errorf("count monitor heartbeats: %w", err)
	}
	return knownN, freshN, nil
}

// MonitorHeartbeats lists the recorded heartbeats, by host.
func (s *Store) MonitorHeartbeats(ctx context.Context) ([]MonitorHeartbeat, error) {
	rows, err := s.pool.Query(ctx, `SELECT host, last_seen, peers_alive FROM monitor_heartbeats ORDER BY host`)
	if err != nil {
		return nil, fmt.Errorf("list monitor heartbeats: %w", err)
	}
	defer rows.Close()
	var out []MonitorHeartbeat
	for rows.Next() {
		var b MonitorHeartbeat
		var raw []byte
		if err := rows.Scan(&b.Host, &b.LastSeen, &raw); err != nil {
			return nil, fmt.Errorf("scan monitor heartbeat: %w", err)
		}
		if err := json.Unmarshal(raw, &b.PeersAlive); err != nil {
			return nil, fmt.Errorf("decode peers_alive of %s: %w", b.Host, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list monitor heartbeats: %w", err)
	}
	return out, nil
}

// MonitorHeartbeatAge is how long ago a host monitor was last heard from,
// measured by the database's clock (the one last_seen was written with).
type MonitorHeartbeatAge struct {
	Host string
	Age  time.Duration
}

// MonitorHeartbeatAges lists, by host, the age of the heartbeats heard
// within known (all of them when known is zero).
func (s *Store) MonitorHeartbeatAges(ctx context.Context, known time.Duration) ([]MonitorHeartbeatAge, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT host, extract(epoch FROM now() - last_seen)::float8 FROM monitor_heartbeats
		WHERE $1::float8 <= 0 OR last_seen > now() - $1::float8 * interval '1 second'
		ORDER BY host`, known.Seconds())
	if err != nil {
		return nil, fmt.Errorf("list monitor heartbeat ages: %w", err)
	}
	defer rows.Close()
	var out []MonitorHeartbeatAge
	for rows.Next() {
		var a MonitorHeartbeatAge
		var sec float64
		if err := rows.Scan(&a.Host, &sec); err != nil {
			return nil, fmt.Errorf("scan monitor heartbeat age: %w", err)
		}
		a.Age = time.Duration(max(sec, 0) * float64(time.Second))
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list monitor heartbeat ages: %w", err)
	}
	return out, nil
}
