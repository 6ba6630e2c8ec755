// Package layering holds the directions of dependency of DESIGN.md as
// data, and checks a module's import graph against them (its test runs
// `go list` over the module). A rule names packages by their path in the
// module; a package is a rule's if its path is the rule's or under it.
package layering

import (
	"fmt"
	"slices"
	"strings"
)

// Rule forbids the packages under From (and their tests) to import, even
// indirectly, any package under one of Not.
type Rule struct {
	From string
	Not  []string
	Why  string
}

// Rules are the directions of dependency of DESIGN.md, with paths relative
// to the module.
var Rules = []Rule{
	{"locks", []string{"sim", "simlock", "faults", "scenario", "histories", "model", "bench", "cmd", "backend"},
		"locks is production code: it knows no simulator and no fault"},
	{"sim", []string{"locks", "simlock", "scenario", "faults", "histories", "model", "bench", "cmd", "backend"},
		"sim is the kernel: it knows no lock (adapters and script fast paths live in simlock)"},
	{"sim", []string{"sim/redis", "sim/etcd"},
		"the kernel knows no server protocol: each server model is its own package on the kernel's exported API (sim/redis, sim/etcd), and models do not import each other"},
	{"sim/redis", []string{"sim/etcd", "locks", "simlock", "scenario", "faults", "backend"},
		"a server model knows the kernel only: models do not import each other, and know no lock"},
	{"sim/etcd", []string{"sim/redis", "locks", "simlock", "scenario", "faults", "backend"},
		"a server model knows the kernel only: models do not import each other, and know no lock"},
	{"simlock", []string{"scenario", "faults", "histories", "model", "bench", "cmd", "backend"},
		"simlock adapts locks to sim and knows nothing above them"},
	{"model", []string{"sim", "simlock", "locks", "scenario", "faults", "backend"},
		"model knows neither the simulator nor the locks"},
	{"histories", []string{"sim", "simlock", "locks", "scenario", "model", "faults", "backend"},
		"histories knows neither the simulator nor the locks"},
	{"faults", []string{"locks", "sim", "simlock", "scenario", "backend"},
		"faults are data: they know neither the locks nor the simulator"},
	{"report", []string{"sim", "simlock", "locks", "scenario", "faults", "backend", "bench"},
		"report only renders histories and check results; its caller replays the artifacts"},
	{"scenario", []string{"backend", "bench"},
		"scenario declares the Backend interface it needs; each backend implements it in its own package, chosen by the caller"},
}

// Package is one package of the graph: its path relative to the module
// ("" for the module's root package) and the paths of every package it
// depends on, directly or not, relative to the module too (packages
// outside the module are left out).
type Package struct {
	Path string
	Deps []string
}

// under reports whether path is dir or below it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// Check returns a sentence for every import of pkgs that breaks a rule, or
// that reaches cmd from outside cmd; none if the graph keeps them all.
func Check(pkgs []Package, rules []Rule) []string {
	var out []string
	for _, p := range pkgs {
		for _, r := range rules {
			if !under(p.Path, r.From) {
				continue
			}
			for _, d := range p.Deps {
				if slices.ContainsFunc(r.Not, func(n string) bool { return under(d, n) }) {
					out = append(out, fmt.Sprintf("%s imports %s: %s", p.Path, d, r.Why))
				}
			}
		}
		if !under(p.Path, "cmd") {
			for _, d := range p.Deps {
				if under(d, "cmd") {
					out = append(out, fmt.Sprintf("%s imports %s: nothing but cmd/ imports cmd/", p.Path, d))
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ListFormat is the format for `go list -test -deps=false -f` whose output
// Parse reads: one line per package, test variants included, with the
// package's import path and each of its dependencies separated by tabs.
const ListFormat = `{{.ImportPath}}{{"\t"}}{{join .Deps "\t"}}`

// Parse reads the output of `go list -test -f ListFormat ./...` for
// module. A test variant ("p [p.test]", the external test "p_test
// [p.test]", the test main "p.test") counts as its package p, so that a
// rule holds for tests too.
func Parse(module, out string) []Package {
	var pkgs []Package
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Split(line, "\t")
		if strings.TrimSpace(line) == "" {
			continue
		}
		path, ok := relative(module, owner(fields[0]))
		if !ok {
			continue
		}
		p := Package{Path: path}
		for _, f := range fields[1:] {
			if d, ok := relative(module, owner(f)); ok && d != path {
				p.Deps = append(p.Deps, d)
			}
		}
		slices.Sort(p.Deps)
		p.Deps = slices.Compact(p.Deps)
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// owner returns the package a test variant's import path belongs to:
// "p [p.test]", "p_test [p.test]" and "p.test" are p's.
func owner(importPath string) string {
	if i := strings.IndexByte(importPath, ' '); i >= 0 {
		importPath = importPath[:i]
	}
	importPath = strings.TrimSuffix(importPath, ".test")
	return strings.TrimSuffix(importPath, "_test")
}

// relative returns importPath relative to module, and whether it is in
// the module.
func relative(module, importPath string) (string, bool) {
	switch {
	case importPath == module:
		return "", true
	case strings.HasPrefix(importPath, module+"/"):
		return importPath[len(module)+1:], true
	}
	return "", false
}
