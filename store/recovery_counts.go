package store

import (
	"context"
	"fmt"
)

// RecoveryCount is how many recoveries of one kind are in one active state.
type RecoveryCount struct {
	Kind, State string
	Count       int
}

// RecoveryCountsActive counts the recoveries not yet done (pending,
// running, held), by kind and state; combinations with none are left out.
func (s *Store) RecoveryCountsActive(ctx context.Context) ([]RecoveryCount, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT kind, state, count(*) FROM recoveries
		WHERE state IN ('pending', 'running', 'held')
		GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("count active recoveries: %w", err)
	}
	defer rows.Close()
	var out []RecoveryCount
	for rows.Next() {
		var c RecoveryCount
		if err := rows.Scan(&c.Kind, &c.State, &c.Count); err != nil {
			return nil, fmt.Errorf("scan recovery count: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count active recoveries: %w", err)
	}
	return out, nil
}
