package etcd

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/locksim/locksim/internal/realtest"
)

// realEtcd is a real etcd-server for the differential tests: one this
// test starts from the etcd binary on the PATH with a temporary data dir,
// or, without the binary, the one at LOCKSIM_ETCD_ENDPOINT, which must then
// be dedicated to the test. Absent both, the test is skipped, or failed
// under CI=true.
type realEtcd struct {
	endpoint string
	external bool
	cmd      *exec.Cmd
	args     []string
	logPath  string
	cli      *clientv3.Client
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func requireRealEtcd(t testing.TB) *realEtcd {
	t.Helper()
	// A server of its own first: the differential compares revisions, so
	// the server must be dedicated to it, and the shared one of
	// scripts/with-etcd is written to by other packages' tests at the same
	// time (go test runs packages in parallel).
	bin, err := exec.LookPath("etcd")
	if err != nil {
		if ep := os.Getenv("LOCKSIM_ETCD_ENDPOINT"); ep != "" {
			r := &realEtcd{endpoint: ep, external: true}
			r.connect(t)
			return r
		}
		realtest.Missing(t, "no etcd binary on the PATH and LOCKSIM_ETCD_ENDPOINT unset", "the real-etcd tests")
		return nil
	}
	dir := t.TempDir()
	client, peer := freePort(t), freePort(t)
	r := &realEtcd{endpoint: fmt.Sprintf("127.0.0.1:%d", client), logPath: filepath.Join(dir, "etcd.log")}
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	r.args = []string{bin,
		"--name", "m1", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", "http://" + r.endpoint, "--advertise-client-urls", "http://" + r.endpoint,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "m1=" + peerURL,
	}
	r.start(t)
	t.Cleanup(func() { r.kill() })
	r.connect(t)
	return r
}

func (r *realEtcd) start(t testing.TB) {
	t.Helper()
	log, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	r.cmd = exec.Command(r.args[0], r.args[1:]...)
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start etcd: %v", err)
	}
}

// kill stops the server with SIGKILL, by its PID: a crash.
func (r *realEtcd) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

// connect waits until the server answers a Range, then keeps that client.
// Each attempt dials afresh: a client whose earlier dials failed waits out
// gRPC's reconnect backoff (a second or more), which would make "the server
// is up" late by as much, and the restart test measures from that instant.
func (r *realEtcd) connect(t testing.TB) {
	t.Helper()
	if r.cli != nil {
		_ = r.cli.Close()
		r.cli = nil
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{r.endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			t.Fatalf("etcd client: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err = pb.NewKVClient(cli.ActiveConnection()).Range(ctx, &pb.RangeRequest{Key: []byte("ping")})
		cancel()
		if err == nil {
			r.cli = cli
			t.Cleanup(func() { _ = cli.Close() })
			return
		}
		_ = cli.Close()
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(r.logPath)
			t.Fatalf("etcd at %s not ready: %v\n%s", r.endpoint, err, tail(string(logs), 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
