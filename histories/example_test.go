package histories_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/locksim/locksim/histories"
)

func Example() {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	h := histories.History{
		{Time: ms(0), Type: histories.Invoke, Op: histories.OpAcquire, OpID: 1, Process: 1, Node: "c1", Key: "L", Value: "v1"},
		{Time: ms(5), Type: histories.OK, Op: histories.OpAcquire, OpID: 1, Process: 1, Node: "c1", Key: "L", Value: "v1", ValidUntilTrue: ms(305)},
		{Time: ms(100), Type: histories.Observed, Op: histories.OpFaultStart, FaultID: 1, Fault: "pause", Target: "c1"},
		{Time: ms(305), Type: histories.Observed, Op: histories.OpExpire, Node: "redis-1", Key: "L", Value: "v1"},
		{Time: ms(400), Type: histories.Observed, Op: histories.OpFaultEnd, FaultID: 1},
	}

	var buf bytes.Buffer
	if err := histories.Write(&buf, h); err != nil {
		panic(err)
	}
	loaded, err := histories.Load(&buf, "run.jsonl")
	fmt.Println(len(loaded), err)

	_, err = histories.Load(strings.NewReader(`{"format":"locksim-history","version":1}
{"time":5,"type":"ok","op":"acquire","op_id":1,"process":1,"node":"c1","key":"L"}
`), "run.jsonl")
	fmt.Println(err)

	if err := histories.Timeline(loaded, 0, 0, os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// 5 <nil>
	// run.jsonl:2: ok acquire: completion without invoke (op_id 1)
	// timeline 0.000s .. end (true time)
	// legend: !! fault   ** not seen by clients   => lock holders, as the clients believe
	//     0.000s  client 1       acquire "L" ...
	//     0.005s  client 1       acquire "L" -> OK value=v1, valid until 0.305s
	//                            => "L" held by client 1
	//     0.100s  faults         !! fault 1 starts: pause c1
	//     0.305s  redis-1        ** key "L" (value v1) expired
	//     0.400s  faults         !! fault 1 ends
	//                            => "L" held by client 1 (past its validity at 0.305s)
}
