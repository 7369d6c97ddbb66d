package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// segmentDigestSQL digests the state of the whole segments table, deleted
// rows included: each row's id and xmin (the id of the transaction that
// wrote that version of the row; every INSERT and UPDATE, whoever makes
// it, writes a new version, while row locks such as FOR SHARE do not), and
// its updated_at and deleted_at, which every store change sets (they tell
// two versions apart even in the unlikely case that the 32-bit
// transaction counter wrapped onto a frozen row's old xmin). Equal
// digests mean the same rows in the same versions, so a segment list read
// under one digest is still the list under the same digest, in any
// process. One scan of the table's 100-odd rows, no rows sent. It covers
// the segments table alone because the list reads nothing else: a list
// that joined another table would need that table in the digest too.
const segmentDigestSQL = `SELECT count(*)::text || '/' || coalesce(md5(string_agg(
	id::text || ':' || xmin::text || ':' || coalesce(updated_at::text, '') || ':' || coalesce(deleted_at::text, ''),
	',' ORDER BY id)), '') FROM segments`

// SegmentListDigest returns the digest of the segments table's current
// state: equal to the Digest of a SegmentListWithDigest exactly when
// nothing in the table has changed since that list was read. The API
// caches encoded segment lists under it.
func (s *Store) SegmentListDigest(ctx context.Context) (string, error) {
	var d string
	if err := s.pool.QueryRow(ctx, segmentDigestSQL).Scan(&d); err != nil {
		return "", fmt.Errorf("digest segments: %w", err)
	}
	return d, nil
}

// SegmentListWithDigest is SegmentList and the SegmentListDigest of the
// table state it read, both from one snapshot.
func (s *Store) SegmentListWithDigest(ctx context.Context, p *SegmentListParams) ([]*Segment, string, error) {
	q, err := segmentListQuery(p)
	if err != nil {
		return nil, "", err
	}
	var (
		segs   []*Segment
		digest string
	)
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, segmentDigestSQL).Scan(&digest); err != nil {
			return fmt.Errorf("digest segments: %w", err)
		}
		var err error
		segs, err = listRowsTx(ctx, tx, q, p.ListParams, segmentSelect, "segments t", scanSegment)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return segs, digest, nil
}
