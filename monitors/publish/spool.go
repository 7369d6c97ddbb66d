package publish

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

// Spool is a bounded directory of events not yet confirmed by the receiver.
//
// It keeps one file per event, named "<20-digit sequence>-<event id>.json".
// A file is written under a temporary name, fsynced, renamed into place and
// the directory fsynced, so after a crash a file is either complete or
// absent. One file per event (rather than an append log) lets events leave
// the spool in any order, as their confirms arrive, without compaction; a
// monitor spools a handful of events a minute, so a file per event is cheap.
// The sequence number orders replay oldest first.
type Spool struct {
	dir string
	max int
	log *slog.Logger

	mu      sync.Mutex
	next    uint64
	entries []spoolEntry // sorted by seq
	dropped uint64
}

type spoolEntry struct {
	seq  uint64
	name string
}

// Spooled is one event read back from the spool.
type Spooled struct {
	Seq   uint64
	Event *event.Event
	name  string
}

const spoolSuffix = ".json"

// OpenSpool opens (creating if needed) the spool in dir, keeping at most max
// events. Leftover temporary files of an interrupted write are removed, and
// unreadable files are renamed with a "bad-" prefix so they stop blocking
// replay but stay for an operator to look at.
func OpenSpool(dir string, max int, log *slog.Logger) (*Spool, error) {
	if max < 1 {
		return nil, fmt.Errorf("open spool %s: max must be at least 1, got %d", dir, max)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool dir: %w", err)
	}
	s := &Spool{dir: dir, max: max, log: log}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read spool dir: %w", err)
	}
	for _, de := range des {
		name := de.Name()
		switch {
		case strings.HasPrefix(name, ".tmp-"):
			_ = os.Remove(filepath.Join(dir, name))
			continue
		case strings.HasPrefix(name, "bad-"), !strings.HasSuffix(name, spoolSuffix):
			continue
		}
		seqText, _, ok := strings.Cut(name, "-")
		seq, perr := strconv.ParseUint(seqText, 10, 64)
		if !ok || perr != nil {
			s.quarantine(name, "file name has no sequence number")
			continue
		}
		s.entries = append(s.entries, spoolEntry{seq: seq, name: name})
		s.next = max64(s.next, seq+1)
	}
	slices.SortFunc(s.entries, func(a, b spoolEntry) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	return s, nil
}

func max64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

func (s *Spool) quarantine(name, why string) {
	err := os.Rename(filepath.Join(s.dir, name), filepath.Join(s.dir, "bad-"+name))
	s.log.Error("spool file set aside", "file", name, "reason", why, "err", err)
}

// Put stores e durably. When the spool is full the oldest event is dropped
// first. Put returns only after the file and its directory entry are on disk.
func (s *Spool) Put(e *event.Event) error {
	data, err := e.Encode()
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := s.next
	s.next++
	name := fmt.Sprintf("%020d-%s%s", seq, e.ID, spoolSuffix)
	tmp := filepath.Join(s.dir, ".tmp-"+name)
	if err := writeFileSync(tmp, data); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write spool file: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, name)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("rename spool file: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("sync spool dir: %w", err)
	}
	s.entries = append(s.entries, spoolEntry{seq: seq, name: name})
	for len(s.entries) > s.max {
		old := s.entries[0]
		s.entries = s.entries[1:]
		s.dropped++
		if err := os.Remove(filepath.Join(s.dir, old.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Error("drop oldest spooled event", "file", old.name, "err", err)
		}
		s.log.Warn("spool full, oldest event dropped", "file", old.name, "spool_max_events", s.max)
	}
	return nil
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Oldest returns up to n of the oldest spooled events. Files that cannot be
// read or decoded are set aside (and logged) rather than returned.
func (s *Spool) Oldest(n int) []Spooled {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Spooled
	for i := 0; i < len(s.entries) && len(out) < n; {
		en := s.entries[i]
		data, err := os.ReadFile(filepath.Join(s.dir, en.name))
		var e *event.Event
		if err == nil {
			e, err = event.Decode(data)
		}
		if err != nil {
			s.quarantine(en.name, err.Error())
			s.entries = slices.Delete(s.entries, i, i+1)
			continue
		}
		out = append(out, Spooled{Seq: en.seq, Event: e, name: en.name})
		i++
	}
	return out
}

// Remove deletes the given events from the spool; it is called once the
// receiver confirmed them. A file that survives a crash after its send only
// causes a harmless re-send, so the directory is not fsynced here.
func (s *Spool) Remove(done []Spooled) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, d := range done {
		i := slices.IndexFunc(s.entries, func(e spoolEntry) bool { return e.seq == d.Seq })
		if i < 0 {
			continue // already dropped because the spool was full
		}
		s.entries = slices.Delete(s.entries, i, i+1)
		if err := os.Remove(filepath.Join(s.dir, d.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove spooled events: %w", err)
	}
	return nil
}

// Len is the number of events in the spool.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Dropped is how many events were dropped since the spool was opened
// because it was full.
func (s *Spool) Dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}
