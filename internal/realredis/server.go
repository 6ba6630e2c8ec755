// Package realredis starts and faults real redis-server processes on
// loopback, for the differential tests against the simulated Redis (and for
// a live backend): persistence per server, stop by PID, kill -9, SIGSTOP
// and SIGCONT, restart on the same directory and port, and wall-clock
// steps and drift through an LD_PRELOAD clock shim (clock.go).
package realredis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Persistence is a server's AOF configuration.
type Persistence string

// The persistence configurations.
const (
	// None: no AOF and no RDB snapshots; a restart is empty (unless SAVE
	// wrote a dump).
	None Persistence = "none"
	// Everysec: appendonly, appendfsync everysec.
	Everysec Persistence = "everysec"
	// Always: appendonly, appendfsync always.
	Always Persistence = "always"
)

// Config is how to run a server.
type Config struct {
	Persistence Persistence
	// Shim is the clock shim library (BuildShim); empty: the real clock.
	Shim string
	// Binary is the redis-server to run; empty: redis-server on the PATH.
	Binary string
}

// Server is one redis-server process on 127.0.0.1, in a directory of its
// own, restartable on the same port and directory.
type Server struct {
	cfg   Config
	dir   string
	port  int
	clock *Clock // nil without a shim
	cmd   *exec.Cmd
	done  chan struct{} // closed when cmd has exited
}

// Start starts a server in dir (which it keeps its AOF, dump and log in)
// on a free loopback port, and waits until it answers PING.
func Start(dir string, cfg Config) (*Server, error) {
	if cfg.Persistence == "" {
		cfg.Persistence = None
	}
	switch cfg.Persistence {
	case None, Everysec, Always:
	default:
		return nil, fmt.Errorf("persistence %q is not none, everysec or always", cfg.Persistence)
	}
	if cfg.Binary == "" {
		cfg.Binary = "redis-server"
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, dir: dir, port: port}
	if cfg.Shim != "" {
		if s.clock, err = NewClock(filepath.Join(dir, "clock")); err != nil {
			return nil, err
		}
	}
	if err := s.start(); err != nil {
		s.closeClock()
		return nil, err
	}
	return s, nil
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr returns the server's address, 127.0.0.1:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Dir returns the server's directory.
func (s *Server) Dir() string { return s.dir }

// PID returns the process ID of the running server, 0 if it is not running.
func (s *Server) PID() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Clock returns the shift of the server's wall clock, nil without a shim.
func (s *Server) Clock() *Clock { return s.clock }

func (s *Server) args() []string {
	a := []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port), "--dir", s.dir,
		"--logfile", filepath.Join(s.dir, "redis.log"), "--save", "", "--daemonize", "no",
		"--protected-mode", "yes"}
	switch s.cfg.Persistence {
	case None:
		a = append(a, "--appendonly", "no")
	default:
		a = append(a, "--appendonly", "yes", "--appendfsync", string(s.cfg.Persistence))
	}
	return a
}

func (s *Server) start() error {
	cmd := exec.Command(s.cfg.Binary, s.args()...)
	cmd.Dir = s.dir
	cmd.Env = os.Environ()
	if s.clock != nil {
		cmd.Env = append(cmd.Env, "LD_PRELOAD="+s.cfg.Shim, "LOCKSIM_CLOCK_FILE="+s.clock.Path())
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a Ctrl-C of the tests is not its
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(s.done)
	if err := s.waitReady(5 * time.Second); err != nil {
		_ = s.Kill()
		return err
	}
	return nil
}

// waitReady waits until the server answers PING (it has loaded its AOF).
func (s *Server) waitReady(limit time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("redis-server exited at start (see %s)", filepath.Join(s.dir, "redis.log"))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s not ready after %s: %w", s.Addr(), limit, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// signal sends sig to the running server.
func (s *Server) signal(sig syscall.Signal) error {
	if s.cmd == nil {
		return errors.New("redis-server is not running")
	}
	if err := syscall.Kill(s.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("signal %v to redis-server %d: %w", sig, s.cmd.Process.Pid, err)
	}
	return nil
}

// Kill kills the server with SIGKILL (kill -9) and waits for it to be gone.
func (s *Server) Kill() error {
	if s.cmd == nil {
		return nil
	}
	err := s.signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
	return err
}

// Stop asks the server to exit (SIGTERM: it flushes its AOF), waits up to
// five seconds, then kills it.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	_ = syscall.Kill(s.cmd.Process.Pid, syscall.SIGCONT) // a stopped one cannot exit
	if err := s.signal(syscall.SIGTERM); err != nil {
		return s.Kill()
	}
	select {
	case <-s.done:
		s.cmd = nil
		return nil
	case <-time.After(5 * time.Second):
		return s.Kill()
	}
}

// Pause stops the server (SIGSTOP): it answers nothing, and its clocks keep
// running.
func (s *Server) Pause() error { return s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() error { return s.signal(syscall.SIGCONT) }

// Restart starts the server again on the same port and directory, after
// Kill or Stop; it replays its AOF (or loads its dump) before it answers.
func (s *Server) Restart() error {
	if s.cmd != nil {
		return errors.New("redis-server is still running")
	}
	return s.start()
}

// Close stops the server if it runs and unmaps its clock file.
func (s *Server) Close() error {
	err := s.Stop()
	s.closeClock()
	return err
}

func (s *Server) closeClock() {
	if s.clock != nil {
		_ = s.clock.Close()
	}
}
