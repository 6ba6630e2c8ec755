package mutate

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
)

// Mutant is one mutation of one file.
type Mutant struct {
	// ID is "M" and the mutant's index in generation order, e.g. M007.
	ID string `json:"id"`
	// File is the mutated file, relative to the repository root, with
	// forward slashes.
	File string `json:"file"`
	// Line is the line of the change in the original file.
	Line int `json:"line"`
	// Func is the enclosing function ("Redlock.Lock"), or the package-level
	// constant or variable the change is in.
	Func     string   `json:"func"`
	Operator Operator `json:"operator"`
	// Desc says what changed, in source terms.
	Desc string `json:"change"`
	// Locks are the locks whose code reaches the change (reach.go).
	Locks []string `json:"locks"`
	// Src is the whole mutated file, gofmt-formatted.
	Src []byte `json:"-"`

	obj string // the package-level object a package-level site is in
}

// Where is "file:line" for tables.
func (m Mutant) Where() string { return fmt.Sprintf("%s:%d", path.Base(m.File), m.Line) }

// Generate returns every mutant of the files (relative to root) in order
// of the files given, then of position, numbered from M001. Each file must
// be gofmt-formatted: a mutant is the file re-printed with one change, and
// a file that did not print back to itself would carry unrelated changes.
func Generate(root string, files []string) ([]Mutant, error) {
	var out []Mutant
	for _, rel := range files {
		ms, err := generateFile(root, rel)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	for i := range out {
		out[i].ID = fmt.Sprintf("M%03d", i+1)
	}
	return out, nil
}

func generateFile(root, rel string) ([]Mutant, error) {
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", rel, err)
	}
	orig, err := render(fset, f)
	if err != nil {
		return nil, fmt.Errorf("printing %s: %w", rel, err)
	}
	if !bytes.Equal(orig, src) {
		return nil, fmt.Errorf("%s is not gofmt-formatted; run gofmt -w first", rel)
	}
	var out []Mutant
	for _, s := range sites(fset, f) {
		s.apply()
		mut, err := render(fset, f)
		s.undo()
		if err != nil {
			return nil, fmt.Errorf("%s: printing mutant %s at %v: %w", rel, s.op, fset.Position(s.pos), err)
		}
		if bytes.Equal(mut, orig) {
			continue // a change that prints as nothing is no mutant
		}
		fn := s.fn
		if fn == "" {
			fn = s.obj
		}
		out = append(out, Mutant{
			File: rel, Line: fset.Position(s.pos).Line, Func: fn, Operator: s.op,
			Desc: s.desc, Src: mut, obj: s.obj,
		})
	}
	if again, err := render(fset, f); err != nil || !bytes.Equal(again, orig) {
		return nil, fmt.Errorf("%s: an operator's undo did not restore the file", rel)
	}
	return out, nil
}

// render prints f as gofmt does.
func render(fset *token.FileSet, f *ast.File) ([]byte, error) {
	var b bytes.Buffer
	if err := format.Node(&b, fset, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
