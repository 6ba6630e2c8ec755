package mutate

import (
	"go/format"
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mutantsOf returns the whole mutated file of each site of op in src, in
// order, and checks that every undo restored the file.
func mutantsOf(t *testing.T, src string, op Operator) []string {
	t.Helper()
	src = gofmt(t, src)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments)
	require.NoError(t, err)
	var out []string
	for _, s := range sites(fset, f) {
		if s.op != op {
			continue
		}
		s.apply()
		b, err := render(fset, f)
		require.NoError(t, err)
		s.undo()
		again, err := render(fset, f)
		require.NoError(t, err)
		require.Equal(t, src, string(again), "undo of %s at %v", s.op, fset.Position(s.pos))
		out = append(out, string(b))
	}
	return out
}

func gofmt(t *testing.T, src string) string {
	t.Helper()
	b, err := format.Source([]byte(src))
	require.NoError(t, err)
	return string(b)
}

// body gofmts a file of package p holding decls.
func body(t *testing.T, decls string) string { return gofmt(t, "package p\n\n"+decls) }

func TestOperators(t *testing.T) {
	tests := []struct {
		name  string
		op    Operator
		src   string
		want  []string // every mutant, in order; nil: only count
		count int
	}{
		{
			name: "negate every if", op: OpNegate,
			src: `func f(a, b int) int { if a < b { return a }; if a == 0 { return 1 }; return b }`,
			want: []string{
				`func f(a, b int) int { if !(a < b) { return a }; if a == 0 { return 1 }; return b }`,
				`func f(a, b int) int { if a < b { return a }; if !(a == 0) { return 1 }; return b }`,
			},
		},
		{
			name: "negate: a for condition is not an if", op: OpNegate,
			src: `func f(n int) { for i := 0; i < n; i++ {} }`, count: 0,
		},
		{
			name: "compare swaps each comparison, also in loops", op: OpCompare,
			src: `func f(a, b int) bool { for a < b { a++ }; return a >= b && a != 3 }`,
			want: []string{
				`func f(a, b int) bool { for a <= b { a++ }; return a >= b && a != 3 }`,
				`func f(a, b int) bool { for a < b { a++ }; return a > b && a != 3 }`,
				`func f(a, b int) bool { for a < b { a++ }; return a >= b && a == 3 }`,
			},
		},
		{
			name: "compare leaves arithmetic and logic alone", op: OpCompare,
			src: `func f(a, b bool, x int) bool { return a && b || x+1 > 0 }`, count: 1,
		},
		{
			name: "const moves by one both ways, hex stays hex", op: OpConst,
			src: `const k = 8
func f(v uint64) uint64 { return v & 0xf }`,
			want: []string{
				`const k = 9
func f(v uint64) uint64 { return v & 0xf }`,
				`const k = 7
func f(v uint64) uint64 { return v & 0xf }`,
				`const k = 8
func f(v uint64) uint64 { return v & 0x10 }`,
				`const k = 8
func f(v uint64) uint64 { return v & 0xe }`,
			},
		},
		{
			name: "const skips the zero values returned beside a new error", op: OpConst,
			src: `func f(n int) (int, error) { if n > 2 { return 0, errors.New("x") }; return n + 1, nil }`,
			want: []string{
				`func f(n int) (int, error) { if n > 3 { return 0, errors.New("x") }; return n + 1, nil }`,
				`func f(n int) (int, error) { if n > 1 { return 0, errors.New("x") }; return n + 1, nil }`,
				`func f(n int) (int, error) { if n > 2 { return 0, errors.New("x") }; return n + 2, nil }`,
				`func f(n int) (int, error) { if n > 2 { return 0, errors.New("x") }; return n + 0, nil }`,
			},
		},
		{
			name: "drop only in unlock, release and extend functions, keeping reads", op: OpDrop,
			src: `func Lock() int { x := 1; return x }
func (l *L) Unlock() error { n := l.del(); if n != 1 { return errNotOwner }; return nil }`,
			want: []string{
				`func Lock() int { x := 1; return x }
func (l *L) Unlock() error { if n != 1 { return errNotOwner }; return nil }`,
				`func Lock() int { x := 1; return x }
func (l *L) Unlock() error { n := l.del(); _ = n; return nil }`,
				`func Lock() int { x := 1; return x }
func (l *L) Unlock() error { n := l.del(); if n != 1 { }; return nil }`,
				`func Lock() int { x := 1; return x }
func (l *L) Unlock() error { n := l.del(); if n != 1 { return errNotOwner }; }`,
			},
		},
		{
			name: "drop: a variable declared in the dropped if is not kept", op: OpDrop,
			src: `func release() { if err := check(); err != nil { panic(err) } }`,
			want: []string{
				`func release() {}`,
				`func release() { if err := check(); err != nil { _ = err } }`,
			},
		},
		{
			name: "stale clock: a later Now is the first reading", op: OpStale,
			src: `func (l *L) Lock() time.Time { start := l.rt.Now(); l.do(); now := l.rt.Now(); return now.Add(now.Sub(start)) }`,
			want: []string{
				`func (l *L) Lock() time.Time { start := l.rt.Now(); l.do(); now := start; return now.Add(now.Sub(start)) }`,
			},
		},
		{
			name: "stale clock needs a first reading stored in a variable", op: OpStale,
			src: `func f(rt R) bool { return rt.Now().Before(rt.Now()) }`, count: 0,
		},
		{
			name: "hoist: a reading inside the loop is taken at the entry", op: OpHoist,
			src: `func f(rt R) (t time.Time) { for i := 0; i < 3; i++ { t = rt.Now() }; return t }`,
			want: []string{
				`func f(rt R) (t time.Time) { mutStaleNow := rt.Now(); for i := 0; i < 3; i++ { t = mutStaleNow }; return t }`,
			},
		},
		{
			name: "hoist skips a reading that is the entry already", op: OpHoist,
			src: `func f(rt R) time.Time { t := rt.Now(); return t }`, count: 0,
		},
		{
			name: "script flips == and ~= one at a time", op: OpScript,
			src: "const s = `if redis.call(\"get\", KEYS[1]) == ARGV[1] then return 1 elseif x ~= 2 then return 0 end`\nconst plain = \"a == b\"",
			want: []string{
				"const s = `if redis.call(\"get\", KEYS[1]) ~= ARGV[1] then return 1 elseif x ~= 2 then return 0 end`\nconst plain = \"a == b\"",
				"const s = `if redis.call(\"get\", KEYS[1]) == ARGV[1] then return 1 elseif x == 2 then return 0 end`\nconst plain = \"a == b\"",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mutantsOf(t, body(t, tt.src), tt.op)
			if tt.want == nil {
				require.Len(t, got, tt.count)
				return
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = tokens(t, body(t, w))
			}
			for i := range got {
				got[i] = tokens(t, got[i])
			}
			require.Equal(t, want, got)
		})
	}
}

// tokens is src as Go tokens, without semicolons: the printer keeps the
// original's line breaks around a dropped or inserted statement, which is
// layout, not a difference.
func tokens(t *testing.T, src string) string {
	t.Helper()
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile("x.go", -1, len(src)), []byte(src), func(pos token.Position, msg string) { t.Fatalf("%v: %s", pos, msg) }, 0)
	var out []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return strings.Join(out, " ")
		}
		if tok == token.SEMICOLON {
			continue
		}
		if lit == "" {
			lit = tok.String()
		}
		out = append(out, lit)
	}
}

func TestSitesCarryTheirFunction(t *testing.T) {
	src := body(t, `func (l *L) Extend() { if l.ok { l.n = 2 } }
const c = 1`)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	require.NoError(t, err)
	var got []string
	for _, s := range sites(fset, f) {
		got = append(got, string(s.op)+"@"+s.fn+s.obj)
	}
	require.Equal(t, []string{
		"drop-stmt@L.Extend", "negate-cond@L.Extend", "drop-stmt@L.Extend",
		"const-shift@L.Extend", "const-shift@L.Extend", "const-shift@c", "const-shift@c",
	}, got)
}

func TestGenerateRefusesAnUnformattedFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "p/a.go", "package p\nfunc f()  {}\n")
	_, err := Generate(dir, []string{"p/a.go"})
	require.ErrorContains(t, err, "gofmt")
}

func TestGenerateNumbersAndLocates(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "p/a.go", body(t, "func f(a int) bool {\n\treturn a < 1\n}"))
	ms, err := Generate(dir, []string{"p/a.go"})
	require.NoError(t, err)
	var ids, where []string
	for _, m := range ms {
		ids = append(ids, m.ID)
		where = append(where, m.Where())
		require.Equal(t, "f", m.Func)
		require.True(t, strings.HasPrefix(string(m.Src), "package p"))
	}
	require.Equal(t, []string{"M001", "M002", "M003"}, ids)
	require.Equal(t, []string{"a.go:4", "a.go:4", "a.go:4"}, where)
}
