package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/scenario"
)

// configFlags are the flags that describe a run, shared by run and explore.
type configFlags struct {
	fs       *flag.FlagSet
	lock     string
	scenario string
	faults   string
	clients  int
	nodes    int
	ttl      string
	duration string
	workload string
	careful  bool
	tries    int
	out      string
}

func addConfigFlags(fs *flag.FlagSet) *configFlags {
	c := &configFlags{fs: fs}
	fs.StringVar(&c.lock, "lock", "", "the lock under test: "+strings.Join(scenario.LockNames(), ", "))
	fs.StringVar(&c.scenario, "scenario", "", "a named scenario (simrun scenarios); without it, no faults")
	fs.StringVar(&c.faults, "faults", "", "a JSON fault schedule FILE, or random (a swarm schedule from the seed)")
	fs.IntVar(&c.clients, "clients", 0, "number of clients (default: the scenario's, 5)")
	fs.IntVar(&c.nodes, "nodes", 0, "number of Redis nodes (default: 5 for redlock, 1 otherwise)")
	fs.StringVar(&c.ttl, "ttl", "", "lock TTL, e.g. 8s")
	fs.StringVar(&c.duration, "duration", "", "virtual time during which clients start new critical sections, e.g. 40s; the run then goes on until the ones in progress finish (up to a few TTLs), so it simulates longer")
	fs.StringVar(&c.workload, "workload", "", "protected resource: counter or ledger")
	fs.BoolVar(&c.careful, "careful", false, "careful clients: skip the write once the lease's validity has passed on the client's clock (default: the scenario's)")
	fs.IntVar(&c.tries, "tries", 0, "acquisition attempts per Lock call (redlock, redsync: rounds, default 32; setnx, lua, fenced: default until the acquire timeout)")
	fs.StringVar(&c.out, "out", "out", "directory for failure artifacts and visualizations")
	return c
}

// random reports whether each seed draws its own schedule.
func (c *configFlags) random() bool { return c.faults == "random" }

// config builds the run's config (without the random schedule, which
// depends on the seed). Errors name the flag.
func (c *configFlags) config() (scenario.Config, error) {
	if c.lock == "" {
		return scenario.Config{}, badInput("--lock is required (want one of %s)", strings.Join(scenario.LockNames(), ", "))
	}
	if !slices.Contains(scenario.LockNames(), c.lock) {
		return scenario.Config{}, badInput("--lock: unknown lock %q (want one of %s)", c.lock, strings.Join(scenario.LockNames(), ", "))
	}
	if c.scenario != "" && c.faults != "" {
		return scenario.Config{}, badInput("--scenario and --faults cannot be used together: a scenario brings its own faults")
	}
	cfg := scenario.Config{Lock: c.lock}
	if c.scenario != "" {
		sc, err := scenario.Lookup(c.scenario)
		if err != nil {
			return scenario.Config{}, badInput("--scenario: %v", err)
		}
		cfg, err = sc.Config(c.lock)
		if err != nil {
			return scenario.Config{}, badInput("--scenario: %v", err)
		}
	}
	given := set(c.fs)
	// A zero given on the command line is refused, never read as "the
	// default" (a Config's zero fields are).
	if given["clients"] {
		if c.clients < 1 || c.clients > scenario.MaxClients {
			return scenario.Config{}, badInput("--clients: %d is out of range 1..%d", c.clients, scenario.MaxClients)
		}
		cfg.Clients = c.clients
	}
	if given["nodes"] {
		if c.nodes < 1 && c.lock != "mutex" || c.nodes > scenario.MaxNodes {
			return scenario.Config{}, badInput("--nodes: %d is out of range 1..%d", c.nodes, scenario.MaxNodes)
		}
		cfg.Nodes = c.nodes
	}
	if given["ttl"] {
		d, err := durationFlag("ttl", c.ttl)
		if err != nil {
			return scenario.Config{}, err
		}
		cfg.TTL = scenario.Duration(d)
	}
	if given["duration"] {
		d, err := durationFlag("duration", c.duration)
		if err != nil {
			return scenario.Config{}, err
		}
		cfg.Duration = scenario.Duration(d)
	}
	if given["workload"] {
		cfg.Workload = scenario.Workload(c.workload)
	}
	if given["careful"] {
		cfg.Careful = c.careful
	}
	if given["tries"] {
		// Config.Validate bounds it from above; 0 is its "the lock's own
		// default", which the flag spells by being left out.
		if c.tries < 1 {
			return scenario.Config{}, badInput("--tries: %d is out of range 1..%d", c.tries, scenario.MaxTries)
		}
		cfg.Tries = c.tries
	}
	if c.faults != "" && !c.random() {
		data, err := os.ReadFile(c.faults)
		if err != nil {
			return scenario.Config{}, badInput("--faults: cannot read %s: %v", c.faults, unwrapPath(err))
		}
		s, err := faults.Parse(data)
		if err != nil {
			return scenario.Config{}, badInput("--faults %s: %v", c.faults, err)
		}
		cfg.Faults = s
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return scenario.Config{}, c.configError(err)
	}
	return cfg, nil
}

// forSeed returns cfg with the schedule of seed when faults are random.
func (c *configFlags) forSeed(cfg scenario.Config, seed uint64) scenario.Config {
	if c.random() {
		cfg.Faults = scenario.RandomSchedule(cfg, seed)
	}
	return cfg
}

// configError names the flag behind a config field error.
func (c *configFlags) configError(err error) error {
	msg := strings.TrimPrefix(err.Error(), scenario.ErrBadConfig.Error()+": ")
	field, rest, _ := strings.Cut(msg, ": ")
	switch field {
	case "lock", "clients", "nodes", "ttl", "duration", "workload", "seeds", "from", "tries":
		return badInput("--%s: %s", field, rest)
	}
	switch {
	case c.faults != "" && !c.random():
		return badInput("--faults %s: %s", c.faults, msg)
	case c.scenario != "":
		return badInput("--scenario %s does not fit the other flags: %s", c.scenario, msg)
	}
	return badInput("%s", msg)
}

// reproduce is the simrun run command line that repeats the run of seed.
func (c *configFlags) reproduce(seed uint64) string { return c.reproduceWith(fmt.Sprint(seed)) }

// reproduceWith is reproduce with the seed as text.
func (c *configFlags) reproduceWith(seed string) string {
	args := []string{"simrun", "run", "--lock", c.lock}
	if c.scenario != "" {
		args = append(args, "--scenario", c.scenario)
	}
	if c.faults != "" {
		args = append(args, "--faults", c.faults)
	}
	args = append(args, "--seed", seed)
	given := set(c.fs)
	for _, f := range []struct{ name, v string }{
		{"clients", itoa(c.clients)}, {"nodes", itoa(c.nodes)}, {"ttl", c.ttl},
		{"duration", c.duration}, {"workload", c.workload}, {"tries", itoa(c.tries)}, {"out", c.out},
	} {
		if given[f.name] {
			args = append(args, "--"+f.name, f.v)
		}
	}
	return strings.Join(args, " ")
}

// unwrapPath drops the *PathError's repetition of the path.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// seconds formats a wall duration for people.
func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// jsonConfig is cfg as the JSON of an artifact's config.
func jsonConfig(cfg scenario.Config) (json.RawMessage, error) {
	return json.Marshal(cfg)
}
