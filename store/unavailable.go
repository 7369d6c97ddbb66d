package store

import (
	"context"
	"errors"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// IsUnavailable reports whether err means the database could not be
// reached or stopped answering (refused or reset connection, connect
// failure, a deadline that expired while waiting on it, the server
// shutting down or out of connections), rather than a bad query or bad
// data. Callers answer such errors with "try again later".
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr):
		return true
	case pgconn.Timeout(err), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &pgErr):
		// Class 08 is connection exception; 57P01..57P03 are the server
		// shutting down or starting; 53300 is too many connections.
		return len(pgErr.Code) == 5 && (pgErr.Code[:2] == "08" ||
			pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" || pgErr.Code == "53300")
	}
	return pgconn.SafeToRetry(err)
}
