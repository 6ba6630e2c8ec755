package realredis

import (
	_ "embed"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// The wall clock of a real redis-server, shifted by clockshim.c, an
// LD_PRELOAD library built with gcc when a server first needs it. The
// server reads its shift from a small memory-mapped file that Clock
// writes: a step or a rate change takes effect at the server's next
// reading of the clock, with no signal or restart.

//go:embed csrc/clockshim.c
var shimSource []byte

// BuildShim compiles the clock shim with gcc into dir and returns the
// library's path.
func BuildShim(dir string) (string, error) {
	src := filepath.Join(dir, "clockshim.c")
	if err := os.WriteFile(src, shimSource, 0o600); err != nil {
		return "", fmt.Errorf("write the clock shim's source: %w", err)
	}
	lib := filepath.Join(dir, "clockshim.so")
	out, err := exec.Command("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-o", lib, src).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build the clock shim with gcc: %w: %s", err, out)
	}
	return lib, nil
}

// shiftFile is the layout clockshim.c maps: a sequence number (odd while
// being written), the offset, the anchor of the rate, and the rate.
type shiftFile struct {
	seq, offset, anchor int64
	rate                uint64 // float64 bits
}

// Clock is the shift of one server's wall clock.
type Clock struct {
	path string
	mem  []byte
	sh   *shiftFile
	// the shift as last written, to keep the clock continuous when the
	// rate changes
	offset, anchor int64
	rate           float64
}

// NewClock creates the shift file at path, with no shift.
func NewClock(path string) (*Clock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create the clock file: %w", err)
	}
	defer f.Close()
	size := int(unsafe.Sizeof(shiftFile{}))
	if err := f.Truncate(int64(size)); err != nil {
		return nil, fmt.Errorf("size the clock file: %w", err)
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map the clock file: %w", err)
	}
	return &Clock{path: path, mem: mem, sh: (*shiftFile)(unsafe.Pointer(&mem[0]))}, nil
}

// Path returns the shift file's path (the server's LOCKSIM_CLOCK_FILE).
func (c *Clock) Path() string { return c.path }

// Step steps the wall clock by d (forward if positive).
func (c *Clock) Step(d time.Duration) {
	c.write(c.offset+int64(d), c.anchor, c.rate)
}

// SetRate makes the wall clock run at 1+rate times real time from now on
// (0.01: 1% fast), continuing from its current reading.
func (c *Clock) SetRate(rate float64) {
	now := time.Now().UnixNano()
	off := c.offset + int64(float64(now-c.anchor)*c.rate)
	c.write(off, now, rate)
}

// Offset returns how far the shifted clock is ahead of the real one now.
func (c *Clock) Offset() time.Duration {
	now := time.Now().UnixNano()
	return time.Duration(c.offset + int64(float64(now-c.anchor)*c.rate))
}

func (c *Clock) write(offset, anchor int64, rate float64) {
	c.offset, c.anchor, c.rate = offset, anchor, rate
	seq := atomic.AddInt64(&c.sh.seq, 1) // odd: being written
	atomic.StoreInt64(&c.sh.offset, offset)
	atomic.StoreInt64(&c.sh.anchor, anchor)
	atomic.StoreUint64(&c.sh.rate, math.Float64bits(rate))
	atomic.StoreInt64(&c.sh.seq, seq+1)
}

// Close unmaps the file.
func (c *Clock) Close() error {
	if c.mem == nil {
		return nil
	}
	err := syscall.Munmap(c.mem)
	c.mem, c.sh = nil, nil
	return err
}
