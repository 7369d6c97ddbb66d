package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SegmentFailureStats is what the storm brake weighs before a fence.
type SegmentFailureStats struct {
	// Hosts is the number of live hosts in the segment.
	Hosts int
	// Failing is how many distinct hosts of the segment have a host
	// recovery that is active or began within the window (this one
	// included).
	Failing int
	// Fences is how many other recoveries of the segment recorded a fence
	// intent within the window.
	Fences int
	// FailingHosts names the hosts counted in Failing.
	FailingHosts []string
}

// RecoverySegmentFailureStatsTx serialises fencing decisions of one
// segment across all engines (a transaction-scoped advisory lock held until
// the caller's transaction ends) and counts what the storm brake needs. The
// caller records its fence intent in the same transaction, so the next
// engine's count includes it.
func RecoverySegmentFailureStatsTx(ctx context.Context, tx pgx.Tx, segmentUUID, recoveryUUID string, window time.Duration) (SegmentFailureStats, error) {
	var st SegmentFailureStats
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('lazarus-fence-gate'), hashtext($1))`, segmentUUID); err != nil {
		return st, fmt.Errorf("lock fence gate of segment %s: %w", segmentUUID, err)
	}
	err := tx.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM hosts WHERE failover_segment_id = $1 AND NOT deleted),
			(SELECT COALESCE(array_agg(DISTINCT host_name), '{}') FROM recoveries
			  WHERE segment_uuid = $1 AND kind = 'host'
			    AND (state <> 'done' OR created_at > now() - ($3::float8 * interval '1 second'))),
			(SELECT count(DISTINCT st.recovery_uuid) FROM recovery_steps st
			  JOIN recoveries r ON r.uuid = st.recovery_uuid
			  WHERE r.segment_uuid = $1 AND st.recovery_uuid <> $2
			    AND st.name = 'fence' AND st.phase = 'intent'
			    AND st.created_at > now() - ($3::float8 * interval '1 second'))`,
		segmentUUID, recoveryUUID, window.Seconds()).Scan(&st.Hosts, &st.FailingHosts, &st.Fences)
	if err != nil {
		return st, fmt.Errorf("count failures of segment %s: %w", segmentUUID, err)
	}
	st.Failing = len(st.FailingHosts)
	return st, nil
}
