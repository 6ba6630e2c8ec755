package mutate

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Operator names one kind of mutation.
type Operator string

// The operators, in the order Sites tries them at each node.
const (
	// OpNegate turns `if cond` into `if !(cond)`.
	OpNegate Operator = "negate-cond"
	// OpDrop removes one statement of a function whose name says it
	// releases or extends (Unlock, Release, Extend, unlockScript, ...).
	OpDrop Operator = "drop-stmt"
	// OpCompare swaps < and <=, > and >=, == and !=.
	OpCompare Operator = "change-cmp"
	// OpConst moves an integer literal by +1 or -1.
	OpConst Operator = "const-shift"
	// OpStale replaces a later Now() of a function by the variable its
	// first Now() was stored in: a clock reading that is stale by the time
	// it is used.
	OpStale Operator = "stale-clock"
	// OpHoist reads the clock once at the function's entry and uses that
	// reading where a Now() call was: time spent in between is forgotten.
	OpHoist Operator = "hoist-clock"
	// OpScript turns one == of a Lua script (a string constant that calls
	// redis.call) into ~=, or one ~= into ==.
	OpScript Operator = "lua-cmp"
)

// Operators lists every operator, for flags and reports.
var Operators = []Operator{OpNegate, OpDrop, OpCompare, OpConst, OpStale, OpHoist, OpScript}

// site is one place where an operator changes the AST: apply changes it in
// place, undo restores it exactly, so that one parsed file serves every
// mutant of it.
type site struct {
	op    Operator
	pos   token.Pos
	fn    string // the enclosing function ("Redlock.Lock"), "" at package level
	obj   string // the package-level const or var a package-level site is in
	desc  string
	apply func()
	undo  func()
}

// hoistedName is the variable OpHoist introduces.
const hoistedName = "mutStaleNow"

// sites returns every mutation site of f in source order (declaration by
// declaration; within one, the order of ast.Inspect, then operator order).
func sites(fset *token.FileSet, f *ast.File) []site {
	var out []site
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Body == nil {
				continue
			}
			name := funcName(d)
			skip := errorReturnLits(d.Body)
			for _, s := range exprSites(fset, d.Body) {
				if s.op == OpConst && skip[s.pos] {
					continue
				}
				s.fn = name
				out = append(out, s)
			}
			if dropsIn(d.Name.Name) {
				for _, s := range dropSites(fset, d.Body) {
					s.fn = name
					out = append(out, s)
				}
			}
			for _, s := range clockSites(fset, d.Body) {
				s.fn = name
				out = append(out, s)
			}
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				continue
			}
			for _, spec := range d.Specs {
				vs, ok := spec.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, v := range vs.Values {
					obj := ""
					if i < len(vs.Names) {
						obj = vs.Names[i].Name
					}
					for _, s := range exprSites(fset, v) {
						s.obj = obj
						out = append(out, s)
					}
				}
			}
		}
	}
	sortSites(out)
	return out
}

// errorReturnLits are the integer literals of return statements that
// build their error on the spot (the last result is a call, as in
// `return 0, fmt.Errorf(...)`): callers ignore the other results beside a
// non-nil error, so moving them by one would only add equivalent mutants.
func errorReturnLits(body *ast.BlockStmt) map[token.Pos]bool {
	skip := map[token.Pos]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		r, ok := n.(*ast.ReturnStmt)
		if !ok || len(r.Results) < 2 {
			return true
		}
		if _, call := r.Results[len(r.Results)-1].(*ast.CallExpr); !call {
			return true
		}
		for _, e := range r.Results[:len(r.Results)-1] {
			ast.Inspect(e, func(n ast.Node) bool {
				if l, ok := n.(*ast.BasicLit); ok && l.Kind == token.INT {
					skip[l.Pos()] = true
				}
				return true
			})
		}
		return true
	})
	return skip
}

// sortSites orders sites by position, keeping the operator order at one
// position (a stable insertion sort: the lists are short).
func sortSites(s []site) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].pos < s[j-1].pos; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// funcName is "Type.Method" for a method, the name for a function.
func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + d.Name.Name
	}
	return d.Name.Name
}

// dropsIn reports whether OpDrop applies to the function called name: the
// issue names Unlock and Extend; the helpers that do their work
// (unlockScript, extendScriptCall, release) count too.
func dropsIn(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "unlock") || strings.Contains(n, "release") || strings.Contains(n, "extend")
}

var cmpSwap = map[token.Token]token.Token{
	token.LSS: token.LEQ, token.LEQ: token.LSS,
	token.GTR: token.GEQ, token.GEQ: token.GTR,
	token.EQL: token.NEQ, token.NEQ: token.EQL,
}

// exprSites finds the sites of OpNegate, OpCompare, OpConst and OpScript
// under root.
func exprSites(fset *token.FileSet, root ast.Node) []site {
	var out []site
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt:
			cond := n.Cond
			neg := &ast.UnaryExpr{Op: token.NOT, X: &ast.ParenExpr{X: cond}}
			out = append(out, site{
				op: OpNegate, pos: n.Cond.Pos(),
				desc:  fmt.Sprintf("if %s -> if !(%s)", show(fset, cond), show(fset, cond)),
				apply: func() { n.Cond = neg }, undo: func() { n.Cond = cond },
			})
		case *ast.BinaryExpr:
			to, ok := cmpSwap[n.Op]
			if !ok {
				return true
			}
			from := n.Op
			before := show(fset, n)
			n.Op = to
			after := show(fset, n)
			n.Op = from
			out = append(out, site{
				op: OpCompare, pos: n.OpPos, desc: before + " -> " + after,
				apply: func() { n.Op = to }, undo: func() { n.Op = from },
			})
		case *ast.BasicLit:
			switch n.Kind {
			case token.INT:
				out = append(out, constSites(n)...)
			case token.STRING:
				out = append(out, scriptSites(n)...)
			}
		}
		return true
	})
	return out
}

// constSites moves an integer literal by +1 and by -1, keeping hex in hex.
func constSites(n *ast.BasicLit) []site {
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil {
		return nil
	}
	orig := n.Value
	var out []site
	for _, d := range []int64{+1, -1} {
		w := v + d
		val := strconv.FormatInt(w, 10)
		if strings.HasPrefix(strings.ToLower(orig), "0x") && w >= 0 {
			val = "0x" + strconv.FormatInt(w, 16)
		}
		out = append(out, site{
			op: OpConst, pos: n.Pos(), desc: orig + " -> " + val,
			apply: func() { n.Value = val }, undo: func() { n.Value = orig },
		})
	}
	return out
}

// scriptSites flips one comparison of a Lua script held in a string
// literal: == to ~= or ~= to ==, one occurrence per site.
func scriptSites(n *ast.BasicLit) []site {
	if !strings.Contains(n.Value, "redis.call") {
		return nil
	}
	orig := n.Value
	var out []site
	for i := 0; i+1 < len(orig); i++ {
		var to string
		switch orig[i : i+2] {
		case "==":
			to = "~="
		case "~=":
			to = "=="
		default:
			continue
		}
		val := orig[:i] + to + orig[i+2:]
		out = append(out, site{
			op: OpScript, pos: n.Pos() + token.Pos(i),
			desc:  fmt.Sprintf("script: %s -> %s in %q", orig[i:i+2], to, excerpt(orig, i)),
			apply: func() { n.Value = val }, undo: func() { n.Value = orig },
		})
		i++
	}
	return out
}

// excerpt is the text of s around i, for a description.
func excerpt(s string, i int) string {
	lo, hi := max(i-30, 0), min(i+14, len(s))
	return s[lo:hi]
}

// dropSites removes one statement of any block of body at a time. The
// local variables the statement read stay read (`_ = n`), so that dropping
// `if n != 1 { return ErrNotOwner }` compiles instead of failing on an
// unused n. A drop that still leaves the function uncompilable is weeded
// out later (compile.go).
func dropSites(fset *token.FileSet, body *ast.BlockStmt) []site {
	locals := localsOf(body)
	var out []site
	add := func(list *[]ast.Stmt) {
		for i, st := range *list {
			if _, empty := st.(*ast.EmptyStmt); empty {
				continue
			}
			orig := *list
			dropped := append([]ast.Stmt(nil), orig[:i]...)
			desc := "drop " + oneLine(show(fset, st))
			if keep := readLocals(st, locals); len(keep) > 0 {
				as := &ast.AssignStmt{Tok: token.ASSIGN}
				for _, name := range keep {
					as.Lhs = append(as.Lhs, ast.NewIdent("_"))
					as.Rhs = append(as.Rhs, ast.NewIdent(name))
				}
				dropped = append(dropped, as)
				desc += " (keeping " + strings.Join(keep, ", ") + " used)"
			}
			dropped = append(dropped, orig[i+1:]...)
			out = append(out, site{
				op: OpDrop, pos: st.Pos(), desc: desc,
				apply: func() { *list = dropped }, undo: func() { *list = orig },
			})
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BlockStmt:
			add(&n.List)
		case *ast.CaseClause:
			add(&n.Body)
		case *ast.CommClause:
			add(&n.Body)
		}
		return true
	})
	return out
}

// localsOf names the variables body declares with := or var.
func localsOf(body *ast.BlockStmt) map[string]bool {
	m := map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, e := range n.Lhs {
					if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
						m[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				m[id.Name] = true
			}
		}
		return true
	})
	return m
}

// readLocals are the locals st reads but does not itself declare (by
// name: a shadowing declaration inside st hides the outer one), in order
// of first use.
func readLocals(st ast.Stmt, locals map[string]bool) []string {
	declared := localsOf(&ast.BlockStmt{List: []ast.Stmt{st}}) // st's own, e.g. in `if err := f(); ...`
	var out []string
	ast.Inspect(st, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			ast.Inspect(sel.X, func(m ast.Node) bool { return visitIdent(m, locals, declared, &out) })
			return false // the selected name is a field or method, not a variable
		}
		return visitIdent(n, locals, declared, &out)
	})
	return out
}

func visitIdent(n ast.Node, locals, declared map[string]bool, out *[]string) bool {
	id, ok := n.(*ast.Ident)
	if ok && locals[id.Name] && !declared[id.Name] && !slices.Contains(*out, id.Name) {
		*out = append(*out, id.Name)
	}
	return true
}

// nowCall reports whether e is a call x.Now() without arguments.
func nowCall(e ast.Node) (*ast.CallExpr, bool) {
	c, ok := e.(*ast.CallExpr)
	if !ok || len(c.Args) != 0 {
		return nil, false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Now" {
		return nil, false
	}
	return c, true
}

// clockSites finds the sites of OpStale and OpHoist in one function body.
func clockSites(fset *token.FileSet, body *ast.BlockStmt) []site {
	var calls []*ast.CallExpr
	first := map[*ast.CallExpr]*ast.Ident{} // a Now() stored in a variable
	ast.Inspect(body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
			if c, ok := nowCall(as.Rhs[0]); ok {
				if id, ok := as.Lhs[0].(*ast.Ident); ok && id.Name != "_" {
					first[c] = id
				}
			}
		}
		if c, ok := nowCall(n); ok {
			calls = append(calls, c)
		}
		return true
	})
	var out []site
	if len(calls) >= 2 {
		if id := first[calls[0]]; id != nil {
			for _, c := range calls[1:] {
				out = append(out, replaceSite(fset, body, OpStale, c, ast.NewIdent(id.Name),
					fmt.Sprintf("%s -> %s (the first reading)", show(fset, c), id.Name)))
			}
		}
	}
	for _, c := range calls {
		if readAtEntry(body, c) {
			continue
		}
		out = append(out, hoistSite(fset, body, c))
	}
	return out
}

// readAtEntry reports whether c is part of the body's first statement and
// that statement is a simple one (not a loop or a branch): hoisting it would
// change nothing.
func readAtEntry(body *ast.BlockStmt, c *ast.CallExpr) bool {
	if len(body.List) == 0 {
		return false
	}
	first := body.List[0]
	switch first.(type) {
	case *ast.AssignStmt, *ast.ExprStmt, *ast.DeclStmt, *ast.ReturnStmt:
		return first.Pos() <= c.Pos() && c.End() <= first.End()
	}
	return false
}

// replaceSite replaces the expression old under root by repl.
func replaceSite(fset *token.FileSet, root ast.Node, op Operator, old, repl ast.Expr, desc string) site {
	var undo func()
	return site{
		op: op, pos: old.Pos(), desc: desc,
		apply: func() { undo = swapExpr(root, old, repl) },
		undo:  func() { undo() },
	}
}

// hoistSite reads the clock into hoistedName as the first statement of the
// function and uses that where c was.
func hoistSite(fset *token.FileSet, body *ast.BlockStmt, c *ast.CallExpr) site {
	s := replaceSite(fset, body, OpHoist, c, ast.NewIdent(hoistedName),
		fmt.Sprintf("%s -> a reading taken at the function's entry", show(fset, c)))
	orig := body.List
	apply := s.apply
	s.apply = func() {
		apply()
		decl := &ast.AssignStmt{Lhs: []ast.Expr{ast.NewIdent(hoistedName)}, Tok: token.DEFINE, Rhs: []ast.Expr{c}}
		body.List = append([]ast.Stmt{decl}, orig...)
	}
	undo := s.undo
	s.undo = func() {
		body.List = orig
		undo()
	}
	return s
}

// swapExpr replaces every occurrence of old (by identity) in a field or
// slice element of type ast.Expr under root by repl, and returns the undo.
// Reflection keeps it independent of which node kind holds the expression.
func swapExpr(root ast.Node, old, repl ast.Expr) func() {
	exprType := reflect.TypeFor[ast.Expr]()
	var undos []func()
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		v := reflect.ValueOf(n)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return true
		}
		v = v.Elem()
		for i := range v.NumField() {
			f := v.Field(i)
			switch {
			case f.Type() == exprType && !f.IsNil() && f.Interface() == old:
				f.Set(reflect.ValueOf(repl))
				undos = append(undos, func() { f.Set(reflect.ValueOf(old)) })
			case f.Kind() == reflect.Slice && f.Type().Elem() == exprType:
				for j := range f.Len() {
					e := f.Index(j)
					if !e.IsNil() && e.Interface() == old {
						e.Set(reflect.ValueOf(repl))
						undos = append(undos, func() { e.Set(reflect.ValueOf(old)) })
					}
				}
			}
		}
		return true
	})
	return func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
}

// show prints a node as Go source.
func show(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, fset, n); err != nil {
		return fmt.Sprintf("<%T>", n)
	}
	return b.String()
}

// oneLine squeezes a printed statement onto one line, shortened.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 70 {
		s = s[:67] + "..."
	}
	return s
}
