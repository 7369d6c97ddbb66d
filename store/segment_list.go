package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Error is a store error whose message is meant for the API caller
// (Masakari's wording, e.g. "No failover segment with id X."). Kind is the
// sentinel it matches with errors.Is: ErrNotFound, ErrConflict, ErrInvalid,
// or a more specific sentinel that itself wraps one of those.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns Kind, so errors.Is(err, ErrNotFound) and the like work.
func (e *Error) Unwrap() error { return e.Kind }

// ErrInvalid means an argument is malformed: a bad sort key or direction,
// an unknown marker, a filter value of the wrong type.
var ErrInvalid = errors.New("invalid input")

// ErrSegmentInUse means a segment or one of its hosts cannot be changed
// because a notification of the segment is new, running or in error.
var ErrSegmentInUse = fmt.Errorf("segment in use: %w", ErrConflict)

func invalid(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &Error{Kind: ErrNotFound, Message: fmt.Sprintf(format, args...)}
}

func conflict(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// ListParams are the paging and sorting options every list method shares
// (Masakari's common list behaviour, masakari.md §1.4).
type ListParams struct {
	// Limit is the most rows returned; 0 means none, negative means no
	// limit (the API always passes a bounded value).
	Limit int
	// Marker is the integer id of the last row of the previous page; the
	// row must exist (and not be deleted) or the call fails with an
	// ErrInvalid "Marker X could not be found.".
	Marker *int64
	// SortKeys are column names; created_at and id are appended as
	// tie-breakers when absent.
	SortKeys []string
	// SortDirs are "asc" or "desc", one per key at most; missing ones take
	// the first direction given, or "desc".
	SortDirs []string
}

// sortSpec is a validated ORDER BY.
type sortSpec struct {
	keys []string
	dirs []string
}

// processSort applies Masakari's _process_sort_params and checks every key
// against the table's columns.
func processSort(p ListParams, columns []string) (sortSpec, error) {
	defDir := "desc"
	if len(p.SortDirs) > 0 {
		defDir = p.SortDirs[0]
	}
	keys := slices.Clone(p.SortKeys)
	var dirs []string
	for _, d := range p.SortDirs {
		if d != "asc" && d != "desc" {
			return sortSpec{}, invalid("Invalid input received: Unknown sort direction, must be 'asc' or 'desc'")
		}
		dirs = append(dirs, d)
	}
	for len(dirs) < len(keys) {
		dirs = append(dirs, defDir)
	}
	if len(dirs) > len(keys) {
		return sortSpec{}, invalid("Invalid input received: Sort direction size exceeds sort key size")
	}
	for _, k := range []string{"created_at", "id"} {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
			dirs = append(dirs, defDir)
		}
	}
	for _, k := range keys {
		if !slices.Contains(columns, k) {
			return sortSpec{}, invalid("Sort key supplied was not valid.")
		}
	}
	return sortSpec{keys: keys, dirs: dirs}, nil
}

// listQuery builds "SELECT cols FROM table t WHERE … ORDER BY … LIMIT …"
// with keyset pagination after a marker row, as oslo.db's paginate_query
// does: rows strictly after the marker in the requested order. NULLs sort
// first in ascending order (smallest), like oslo.db.
type listQuery struct {
	table   string // e.g. "segments"
	columns []string
	where   []string
	args    []any
}

func (q *listQuery) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

// build returns the SQL; selectList is the select list over alias t (and
// any joins in from).
func (q *listQuery) build(ctx context.Context, tx pgx.Tx, p ListParams, selectList, from string) (string, []any, error) {
	spec, err := processSort(p, q.columns)
	if err != nil {
		return "", nil, err
	}
	where := slices.Clone(q.where)
	where = append(where, "NOT t.deleted")
	if p.Marker != nil {
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+q.table+" WHERE id = $1 AND NOT deleted)", *p.Marker).Scan(&exists); err != nil {
			return "", nil, fmt.Errorf("look up marker: %w", err)
		}
		if !exists {
			return "", nil, invalid("Marker %d could not be found.", *p.Marker)
		}
		m := q.arg(*p.Marker)
		// (k1 after m1) OR (k1 = m1 AND k2 after m2) OR …
		var ors []string
		for i, k := range spec.keys {
			var ands []string
			for _, prev := range spec.keys[:i] {
				ands = append(ands, fmt.Sprintf("t.%[1]s IS NOT DISTINCT FROM m.%[1]s", prev))
			}
			if spec.dirs[i] == "asc" {
				ands = append(ands, fmt.Sprintf("((m.%[1]s IS NULL AND t.%[1]s IS NOT NULL) OR t.%[1]s > m.%[1]s)", k))
			} else {
				ands = append(ands, fmt.Sprintf("((t.%[1]s IS NULL AND m.%[1]s IS NOT NULL) OR t.%[1]s < m.%[1]s)", k))
			}
			ors = append(ors, "("+strings.Join(ands, " AND ")+")")
		}
		where = append(where, fmt.Sprintf("EXISTS (SELECT 1 FROM %s m WHERE m.id = %s AND (%s))", q.table, m, strings.Join(ors, " OR ")))
	}
	var order []string
	for i, k := range spec.keys {
		if spec.dirs[i] == "asc" {
			order = append(order, "t."+k+" ASC NULLS FIRST")
		} else {
			order = append(order, "t."+k+" DESC NULLS LAST")
		}
	}
	sql := "SELECT " + selectList + " FROM " + from + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + strings.Join(order, ", ")
	if p.Limit >= 0 {
		sql += " LIMIT " + q.arg(p.Limit)
	}
	return sql, q.args, nil
}

type querier2 interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// listRows runs a list query in a read-only transaction (so the marker
// check and the page see one snapshot) and collects rows with scan.
func listRows[T any](ctx context.Context, s *Store, q *listQuery, p ListParams, selectList, from string, scan func(pgx.Row) (T, error)) ([]T, error) {
	if p.Limit == 0 {
		// Masakari: with limit 0 there is nothing to return, so the
		// database is not asked (and a bad sort or marker goes unnoticed).
		return []T{}, nil
	}
	if p.Marker == nil {
		// One statement is its own snapshot: no transaction needed.
		sql, args, err := q.build(ctx, nil, p, selectList, from)
		if err != nil {
			return nil, err
		}
		return collectRows(ctx, s.pool, q.table, sql, args, scan)
	}
	// The marker check and the page must see one snapshot.
	var out []T
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var err error
		out, err = listRowsTx(ctx, tx, q, p, selectList, from, scan)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listRowsTx runs a list query in tx, a transaction of the caller's.
func listRowsTx[T any](ctx context.Context, tx pgx.Tx, q *listQuery, p ListParams, selectList, from string, scan func(pgx.Row) (T, error)) ([]T, error) {
	if p.Limit == 0 {
		return []T{}, nil
	}
	sql, args, err := q.build(ctx, tx, p, selectList, from)
	if err != nil {
		return nil, err
	}
	return collectRows(ctx, tx, q.table, sql, args, scan)
}

func collectRows[T any](ctx context.Context, q2 querier2, table, sql string, args []any, scan func(pgx.Row) (T, error)) ([]T, error) {
	rows, err := q2.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", table, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", table, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query %s: %w", table, err)
	}
	return out, nil
}

// canonicalUUID reports whether s is a uuid in its 36-character dashed
// form. Other spellings PostgreSQL would also accept (braces, "urn:uuid:",
// no dashes) name nothing, as in Masakari, which compares strings.
func canonicalUUID(s string) bool {
	return len(s) == 36 && uuid.Validate(s) == nil
}
