package histories

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzLoadArtifact feeds arbitrary bytes to the artifact loader: it must
// never panic, must reject bad input with an ErrInvalid error naming the
// file, and what it accepts must survive a write and a reload unchanged.
// The seed corpus in testdata/fuzz/FuzzLoadArtifact runs with go test.
func FuzzLoadArtifact(f *testing.F) {
	good, err := MarshalArtifact(sampleArtifact())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseArtifact(data, "fuzz.json")
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		out, err := MarshalArtifact(a)
		if err != nil {
			t.Fatalf("accepted artifact does not marshal: %v", err)
		}
		b, err := ParseArtifact(out, "again.json")
		if err != nil {
			t.Fatalf("rewritten artifact does not load: %v\n%s", err, out)
		}
		again, err := MarshalArtifact(b)
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("artifact changed on a round trip (%v):\n%s\n---\n%s", err, out, again)
		}
	})
}
