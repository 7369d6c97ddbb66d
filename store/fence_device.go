package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// FenceDevice is one device of a host's fence topology (a Lazarus
// extension). The password is only ever held encrypted here.
type FenceDevice struct {
	ID       int64
	UUID     string
	HostUUID string
	// HostName is the host's name, loaded with the device.
	HostName string
	// Level orders the topology: lower levels are tried first; the
	// devices of one level must all succeed.
	Level int
	// Driver is "ipmi", "agent" or "manual".
	Driver string
	// Agent is the fence agent (fence_ipmilan) of driver "agent".
	Agent    string
	Address  string
	Port     int // 0: the driver's default
	Username string
	// PasswordEncrypted is the AES-256-GCM sealed password (package
	// fencing/secret, host uuid as associated data); nil when none.
	PasswordEncrypted []byte
	// Options are driver options (ipmi: cipher_suite, privilege; agent:
	// the agent's stdin options).
	Options map[string]string
	// FenceReady, LastError and CheckedAt are the last readiness check;
	// nil until the first check after the device was created or changed.
	FenceReady *bool
	LastError  *string
	CheckedAt  *time.Time
	CreatedAt  time.Time
	UpdatedAt  *time.Time
}

const fenceDeviceSelect = `d.id, d.uuid::text, d.host_uuid::text, h.name, d.level, d.driver, d.agent, d.address, d.port, d.username,
	d.password_encrypted, d.options, d.fence_ready, d.last_error, d.checked_at, d.created_at, d.updated_at`

const fenceDeviceFrom = `fence_devices d JOIN hosts h ON h.uuid = d.host_uuid`

type rowScanner interface{ Scan(dest ...any) error }

func scanFenceDevice(row rowScanner) (*FenceDevice, error) {
	var d FenceDevice
	var port *int32
	err := row.Scan(&d.ID, &d.UUID, &d.HostUUID, &d.HostName, &d.Level, &d.Driver, &d.Agent, &d.Address, &port, &d.Username,
		&d.PasswordEncrypted, &d.Options, &d.FenceReady, &d.LastError, &d.CheckedAt, &d.CreatedAt, &d.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if port != nil {
		d.Port = int(*port)
	}
	if d.Options == nil {
		d.Options = map[string]string{}
	}
	d.CreatedAt = d.CreatedAt.UTC()
	d.UpdatedAt = utcPtr(d.UpdatedAt)
	d.CheckedAt = utcPtr(d.CheckedAt)
	return &d, nil
}

// FenceDeviceInsertParams are the fields of a new fence device. The API
// validates driver-specific fields before calling.
type FenceDeviceInsertParams struct {
	HostUUID string
	// SegmentUUID, when set, requires the host to be in that segment.
	SegmentUUID       string
	Level             int
	Driver            string
	Agent             string
	Address           string
	Port              int
	Username          string
	PasswordEncrypted []byte
	Options           map[string]string
}

func nullPort(p int) *int {
	if p == 0 {
		return nil
	}
	return &p
}

// FenceDeviceInsert adds a device to a live host. Errors wrap ErrNotFound
// when the host does not exist (in the segment), and ErrFenceLevelMixed
// (an ErrConflict) when the level would mix a manual device with others;
// that rule is checked under the host's row lock, so concurrent inserts
// cannot both pass it.
func (s *Store) FenceDeviceInsert(ctx context.Context, p *FenceDeviceInsertParams) (*FenceDevice, error) {
	var out *FenceDevice
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		// The host row lock serializes every device write of the host, so
		// the level rule below sees the other writers' devices.
		if _, err := hostGet(ctx, tx, &HostGetByUUIDParams{UUID: p.HostUUID, SegmentUUID: p.SegmentUUID}, "FOR NO KEY UPDATE OF t"); err != nil {
			return err
		}
		if err := checkFenceLevel(ctx, tx, p.HostUUID, "", p.Level, p.Driver); err != nil {
			return err
		}
		opts := p.Options
		if opts == nil {
			opts = map[string]string{}
		}
		id := uuid.NewString()
		_, err := tx.Exec(ctx, `INSERT INTO fence_devices (uuid, host_uuid, level, driver, agent, address, port, username, password_encrypted, options)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			id, p.HostUUID, p.Level, p.Driver, p.Agent, p.Address, nullPort(p.Port), p.Username, p.PasswordEncrypted, opts)
		if err != nil {
			return fmt.Errorf("insert fence device: %w", err)
		}
		out, err = scanFenceDevice(tx.QueryRow(ctx, `SELECT `+fenceDeviceSelect+` FROM `+fenceDeviceFrom+` WHERE d.uuid = $1`, id))
		if err != nil {
			return fmt.Errorf("read new fence device: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ErrFenceLevelMixed means a write would put a manual fence device in a
// level with any other device (a manual level waits for an operator; a
// second device there would be ambiguous).
var ErrFenceLevelMixed = fmt.Errorf("fence level mixes a manual device with others: %w", ErrConflict)

// checkFenceLevel refuses a device of driver at level that would share the
// level with a manual device, or be a manual device sharing it with any
// other; self is the device being updated ("" on insert). The caller holds
// the host row lock.
func checkFenceLevel(ctx context.Context, tx pgx.Tx, hostUUID, self string, level int, driver string) error {
	var manual, others int
	err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE driver = 'manual'), count(*) FROM fence_devices
		WHERE host_uuid = $1 AND level = $2 AND NOT deleted AND ($3 = '' OR uuid::text <> $3)`, hostUUID, level, self).Scan(&manual, &others)
	if err != nil {
		return fmt.Errorf("check fence level: %w", err)
	}
	if manual > 0 || (driver == "manual" && others > 0) {
		return conflict(ErrFenceLevelMixed, "Level %d would mix a manual fence device with others.", level)
	}
	return nil
}

// FenceDeviceGetParams name a device of a host.
type FenceDeviceGetParams struct {
	UUID     string
	HostUUID string
}

// FenceDeviceGet returns a live device of a host, or an error wrapping
// ErrNotFound ("No fence device with id X.").
func (s *Store) FenceDeviceGet(ctx context.Context, p *FenceDeviceGetParams) (*FenceDevice, error) {
	return fenceDeviceGet(ctx, s.pool, p, "")
}

func fenceDeviceGet(ctx context.Context, q querier, p *FenceDeviceGetParams, lock string) (*FenceDevice, error) {
	if !canonicalUUID(p.UUID) || !canonicalUUID(p.HostUUID) {
		return nil, notFound("No fence device with id %s.", p.UUID)
	}
	d, err := scanFenceDevice(q.QueryRow(ctx, `SELECT `+fenceDeviceSelect+` FROM `+fenceDeviceFrom+`
		WHERE d.uuid = $1 AND d.host_uuid = $2 AND NOT d.deleted AND NOT h.deleted `+lock, p.UUID, p.HostUUID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("No fence device with id %s.", p.UUID)
	}
	if err != nil {
		return nil, fmt.Errorf("get fence device: %w", err)
	}
	return d, nil
}

func (s *Store) fenceDeviceList(ctx context.Context, where string, args ...any) ([]*FenceDevice, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+fenceDeviceSelect+` FROM `+fenceDeviceFrom+`
		WHERE NOT d.deleted AND NOT h.deleted `+where+` ORDER BY h.name, d.level, d.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list fence devices: %w", err)
	}
	defer rows.Close()
	var out []*FenceDevice
	for rows.Next() {
		d, err := scanFenceDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("scan fence device: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list fence devices: %w", err)
	}
	return out, nil
}

// FenceDeviceListByHost returns a live host's devices in topology order
// (level, then creation). An unknown host has none.
func (s *Store) FenceDeviceListByHost(ctx context.Context, hostUUID string) ([]*FenceDevice, error) {
	if !canonicalUUID(hostUUID) {
		return nil, nil
	}
	return s.fenceDeviceList(ctx, `AND d.host_uuid = $1`, hostUUID)
}

// FenceDeviceListByHostName returns the devices of the live host with that
// name, in topology order.
func (s *Store) FenceDeviceListByHostName(ctx context.Context, hostName string) ([]*FenceDevice, error) {
	return s.fenceDeviceList(ctx, `AND h.name = $1`, hostName)
}

// FenceDeviceListAll returns every live device of every live host, by host
// name and topology order (for the readiness check).
func (s *Store) FenceDeviceListAll(ctx context.Context) ([]*FenceDevice, error) {
	return s.fenceDeviceList(ctx, ``)
}

// FenceDeviceUpdateParams change a device; nil fields are left alone.
// Changing anything clears the readiness until the next check.
type FenceDeviceUpdateParams struct {
	UUID     string
	HostUUID string
	Level    *int
	Driver   *string
	Agent    *string
	Address  *string
	Port     *int
	Username *string
	// PasswordEncrypted replaces the password when non-nil.
	PasswordEncrypted []byte
	// Options replace all options when non-nil.
	Options map[string]string
}

// FenceDeviceUpdate changes a live device and returns it. It checks the
// level rule as FenceDeviceInsert does, under the same lock.
func (s *Store) FenceDeviceUpdate(ctx context.Context, p *FenceDeviceUpdateParams) (*FenceDevice, error) {
	var out *FenceDevice
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		if canonicalUUID(p.HostUUID) {
			// As in FenceDeviceInsert: one device writer per host at a time.
			if _, err := tx.Exec(ctx, `SELECT 1 FROM hosts WHERE uuid = $1 FOR NO KEY UPDATE`, p.HostUUID); err != nil {
				return fmt.Errorf("lock host: %w", err)
			}
		}
		cur, err := fenceDeviceGet(ctx, tx, &FenceDeviceGetParams{UUID: p.UUID, HostUUID: p.HostUUID}, "FOR UPDATE OF d")
		if err != nil {
			return err
		}
		if p.Level != nil {
			cur.Level = *p.Level
		}
		if p.Driver != nil {
			cur.Driver = *p.Driver
		}
		if p.Agent != nil {
			cur.Agent = *p.Agent
		}
		if p.Address != nil {
			cur.Address = *p.Address
		}
		if p.Port != nil {
			cur.Port = *p.Port
		}
		if p.Username != nil {
			cur.Username = *p.Username
		}
		if p.PasswordEncrypted != nil {
			cur.PasswordEncrypted = p.PasswordEncrypted
		}
		if p.Options != nil {
			cur.Options = p.Options
		}
		if err := checkFenceLevel(ctx, tx, p.HostUUID, p.UUID, cur.Level, cur.Driver); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE fence_devices SET level = $2, driver = $3, agent = $4, address = $5, port = $6, username = $7,
			password_encrypted = $8, options = $9, fence_ready = NULL, last_error = NULL, checked_at = NULL,
			updated_at = date_trunc('second', now()) WHERE uuid = $1`,
			p.UUID, cur.Level, cur.Driver, cur.Agent, cur.Address, nullPort(cur.Port), cur.Username, cur.PasswordEncrypted, cur.Options)
		if err != nil {
			return fmt.Errorf("update fence device: %w", err)
		}
		out, err = fenceDeviceGet(ctx, tx, &FenceDeviceGetParams{UUID: p.UUID, HostUUID: p.HostUUID}, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FenceDeviceDeleteParams name the device to delete.
type FenceDeviceDeleteParams struct {
	UUID     string
	HostUUID string
}

// FenceDeviceDelete soft-deletes a device.
func (s *Store) FenceDeviceDelete(ctx context.Context, p *FenceDeviceDeleteParams) error {
	if !canonicalUUID(p.UUID) || !canonicalUUID(p.HostUUID) {
		return notFound("No fence device with id %s.", p.UUID)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE fence_devices SET deleted = true, deleted_at = date_trunc('second', now())
		WHERE uuid = $1 AND host_uuid = $2 AND NOT deleted`, p.UUID, p.HostUUID)
	if err != nil {
		return fmt.Errorf("delete fence device: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("No fence device with id %s.", p.UUID)
	}
	return nil
}

// FenceDeviceSetReadinessParams record one readiness check.
type FenceDeviceSetReadinessParams struct {
	UUID      string
	Ready     bool
	LastError string // empty when ready
	CheckedAt time.Time
	// ConfigUpdatedAt is the device's UpdatedAt when the check began: a
	// device changed since is left for the next check.
	ConfigUpdatedAt *time.Time
}

// FenceDeviceSetReadiness records a readiness check. It reports false when
// the device was deleted or changed since the check began.
func (s *Store) FenceDeviceSetReadiness(ctx context.Context, p *FenceDeviceSetReadinessParams) (bool, error) {
	var lastErr *string
	if p.LastError != "" {
		lastErr = &p.LastError
	}
	tag, err := s.pool.Exec(ctx, `UPDATE fence_devices SET fence_ready = $2, last_error = $3, checked_at = $4
		WHERE uuid = $1 AND NOT deleted AND updated_at IS NOT DISTINCT FROM $5`,
		p.UUID, p.Ready, lastErr, p.CheckedAt, p.ConfigUpdatedAt)
	if err != nil {
		return false, fmt.Errorf("record fence readiness: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// FenceConfirmation is an operator's statement that a host is off.
type FenceConfirmation struct {
	UUID        string
	HostUUID    string
	ConfirmedAt time.Time
	ConfirmedBy string
	Comment     string
}

// FenceConfirmationInsertParams are the fields of a confirmation.
type FenceConfirmationInsertParams struct {
	HostUUID string
	// SegmentUUID, when set, requires the host to be in that segment.
	SegmentUUID string
	ConfirmedBy string
	Comment     string
}

// FenceConfirmationInsert records that an operator confirmed a live host
// off, now.
func (s *Store) FenceConfirmationInsert(ctx context.Context, p *FenceConfirmationInsertParams) (*FenceConfirmation, error) {
	var out FenceConfirmation
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := hostGet(ctx, tx, &HostGetByUUIDParams{UUID: p.HostUUID, SegmentUUID: p.SegmentUUID}, "FOR SHARE OF t"); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO fence_confirmations (uuid, host_uuid, confirmed_by, comment) VALUES ($1, $2, $3, $4)
			RETURNING uuid::text, host_uuid::text, confirmed_at, confirmed_by, comment`,
			uuid.NewString(), p.HostUUID, p.ConfirmedBy, p.Comment).
			Scan(&out.UUID, &out.HostUUID, &out.ConfirmedAt, &out.ConfirmedBy, &out.Comment)
		if err != nil {
			return fmt.Errorf("insert fence confirmation: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.ConfirmedAt = out.ConfirmedAt.UTC()
	return &out, nil
}

// FenceConfirmedSince reports whether an operator confirmed the host off
// at or after since. The engine calls it for a recovery held at a manual
// fence level: only a confirmation made after the failure counts.
func (s *Store) FenceConfirmedSince(ctx context.Context, hostUUID string, since time.Time) (bool, error) {
	if !canonicalUUID(hostUUID) {
		return false, nil
	}
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fence_confirmations WHERE host_uuid = $1 AND confirmed_at >= $2)`,
		hostUUID, since).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("read fence confirmations: %w", err)
	}
	return ok, nil
}

// FenceHostNames returns the names of every live host, so the readiness
// check can show hosts that have no fence device at all.
func (s *Store) FenceHostNames(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT name FROM hosts WHERE NOT deleted ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list host names: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list host names: %w", err)
	}
	return names, nil
}
