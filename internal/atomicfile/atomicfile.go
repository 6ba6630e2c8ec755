// Package atomicfile writes files so that a reader, a crash or an
// interrupt never sees one half-written: the data goes into a temporary
// file beside the target, which is synced, made readable (0644) and
// renamed over it; the directory is then synced so the rename persists.
// Artifacts, reports, results and manifests are all written this way.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// File is a file being written: its content replaces the target only at
// Commit.
type File struct {
	path string
	tmp  *os.File
}

// Create starts writing path: a temporary file in path's directory,
// named after it, hidden (a leading dot).
func Create(path string) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{path: path, tmp: tmp}, nil
}

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.tmp.Write(p) }

// Commit syncs the temporary file, makes it readable and renames it over
// the target. On an error the temporary file is removed and the target
// is left as it was.
func (f *File) Commit() error {
	err := f.tmp.Sync()
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.path)
	}
	if err != nil {
		_ = os.Remove(f.tmp.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if d, derr := os.Open(filepath.Dir(f.path)); derr == nil {
		// Persist the rename; not every platform can sync a directory.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Abort drops the temporary file; the target is left as it was.
func (f *File) Abort() {
	_ = f.tmp.Close()
	_ = os.Remove(f.tmp.Name())
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}
