package report_test

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/model"
	"github.com/locksim/locksim/report"
)

// ExampleWrite renders the page of one failure: the recorded history of a
// gc-pause run, checked, drawn with its violating pair marked.
func ExampleWrite() {
	a, err := histories.LoadArtifact("testdata/lua-gc-pause-seed1.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	page := &report.Page{
		Title: "locksim: lua × gc-pause, seed 1",
		Failures: []report.Failure{{
			Title:  "lua × gc-pause, seed 1",
			Seeds:  []uint64{a.Seed},
			Run:    &report.Run{History: a.History, Checks: model.CheckAll(a.History, model.Options{StorageComplete: true})},
			Replay: "go run ./cmd/simrun replay out/lua-gc-pause-seed1.json",
		}},
	}
	var b bytes.Buffer
	if err := report.Write(&b, page); err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range regexp.MustCompile(`<g class="marker" id="(violation-\d)"><title>([^<]*)</title>`).FindAllStringSubmatch(b.String(), -1) {
		fmt.Printf("%s: %s\n", m[1], m[2])
	}
	// Output:
	// violation-1: 1: client 1 read 15 (cs 1) at 16.003s
	// violation-2: 2: client 4 write 16 (cs 39) at 16.157s
}
