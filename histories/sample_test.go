package histories

import "time"

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// sampleHistory is a GC-pause story: client 1 acquires, pauses past its
// validity, the key expires, client 2 acquires and writes, and client 1's
// late write is rejected by fencing.
func sampleHistory() History {
	return History{
		{Time: 0, Type: Observed, Op: OpStorageState, Node: "storage", Key: "counter", Counter: Int64(0)},
		{Time: ms(1000), Type: Invoke, Op: OpAcquire, OpID: 1, Process: 1, Node: "c1", Key: "L", Value: "v1"},
		{Time: ms(1010), Type: OK, Op: OpAcquire, OpID: 1, Process: 1, Node: "c1", Key: "L", Value: "v1", Token: 33,
			LocalTime: ms(1010), ValidUntil: ms(1310), ValidUntilTrue: ms(1310)},
		{Time: ms(1020), Type: Invoke, Op: OpRead, OpID: 2, Process: 1, Node: "c1", Key: "counter", CS: 1, Token: 33},
		{Time: ms(1025), Type: Observed, Op: OpStorageRead, OpID: 2, Process: 1, Node: "storage", Key: "counter", CS: 1, Token: 33, Outcome: Accepted, Counter: Int64(0)},
		{Time: ms(1030), Type: OK, Op: OpRead, OpID: 2, Process: 1, Node: "c1", Key: "counter", CS: 1, Token: 33, Counter: Int64(0)},
		{Time: ms(1100), Type: Observed, Op: OpFaultStart, FaultID: 1, Fault: "pause", Target: "c1", Detail: "GC pause 2s"},
		{Time: ms(1310), Type: Observed, Op: OpExpire, Node: "redis-1", Key: "L", Value: "v1"},
		{Time: ms(1400), Type: Invoke, Op: OpAcquire, OpID: 3, Process: 2, Node: "c2", Key: "L", Value: "v2"},
		{Time: ms(1410), Type: OK, Op: OpAcquire, OpID: 3, Process: 2, Node: "c2", Key: "L", Value: "v2", Token: 34, ValidUntilTrue: ms(1710)},
		{Time: ms(1420), Type: Invoke, Op: OpRead, OpID: 4, Process: 2, Node: "c2", Key: "counter", CS: 3, Token: 34},
		{Time: ms(1425), Type: Observed, Op: OpStorageRead, OpID: 4, Process: 2, Node: "storage", Key: "counter", CS: 3, Token: 34, Outcome: Accepted, Counter: Int64(0)},
		{Time: ms(1430), Type: OK, Op: OpRead, OpID: 4, Process: 2, Node: "c2", Key: "counter", CS: 3, Token: 34, Counter: Int64(0)},
		{Time: ms(1440), Type: Invoke, Op: OpWrite, OpID: 5, Process: 2, Node: "c2", Key: "counter", CS: 3, Token: 34, Counter: Int64(1)},
		{Time: ms(1445), Type: Observed, Op: OpStorageWrite, OpID: 5, Process: 2, Node: "storage", Key: "counter", CS: 3, Token: 34, Outcome: Accepted, Counter: Int64(1)},
		{Time: ms(1450), Type: OK, Op: OpWrite, OpID: 5, Process: 2, Node: "c2", Key: "counter", CS: 3, Token: 34, Counter: Int64(1)},
		{Time: ms(1460), Type: Invoke, Op: OpRelease, OpID: 6, Process: 2, Node: "c2", Key: "L", Value: "v2", CS: 3},
		{Time: ms(1470), Type: OK, Op: OpRelease, OpID: 6, Process: 2, Node: "c2", Key: "L", Value: "v2", CS: 3},
		{Time: ms(3100), Type: Observed, Op: OpFaultEnd, FaultID: 1},
		{Time: ms(3110), Type: Invoke, Op: OpWrite, OpID: 7, Process: 1, Node: "c1", Key: "counter", CS: 1, Token: 33, Counter: Int64(1)},
		{Time: ms(3115), Type: Observed, Op: OpStorageWrite, OpID: 7, Process: 1, Node: "storage", Key: "counter", CS: 1, Token: 33, Outcome: Rejected, Counter: Int64(1)},
		{Time: ms(3120), Type: Fail, Op: OpWrite, OpID: 7, Process: 1, Node: "c1", Key: "counter", CS: 1, Token: 33, Outcome: Rejected, Error: "stale token 33 < 34"},
		{Time: ms(3130), Type: Invoke, Op: OpRelease, OpID: 8, Process: 1, Node: "c1", Key: "L", Value: "v1", CS: 1},
		{Time: ms(3140), Type: Fail, Op: OpRelease, OpID: 8, Process: 1, Node: "c1", Key: "L", Value: "v1", CS: 1, Error: "lock already expired"},
		{Time: ms(3200), Type: Observed, Op: OpStorageState, Node: "storage", Key: "counter", Counter: Int64(1)},
	}
}
