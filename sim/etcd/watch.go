package etcd

import (
	"bytes"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
)

// WatchOut is one message on a watch stream, to the client that opened the
// stream.
type WatchOut struct {
	Stream uint64
	Resp   *pb.WatchResponse
}

// watcher is one watch of a stream (etcd's mvcc watcher): a key or range,
// the first revision it wants, its filters and whether it wants prev_kv.
type watcher struct {
	id       int64
	key, end []byte // mvcc convention for end
	minRev   int64
	prevKV   bool
	noPut    bool
	noDelete bool
}

func (w *watcher) matches(key []byte) bool {
	switch {
	case w.end == nil:
		return bytes.Equal(key, w.key)
	case len(w.end) == 0:
		return bytes.Compare(key, w.key) >= 0
	default:
		return bytes.Compare(key, w.key) >= 0 && bytes.Compare(key, w.end) < 0
	}
}

// stream is one gRPC Watch stream: watch IDs are per stream, from 0.
type stream struct {
	watchers map[int64]*watcher
	nextID   int64
}

// watches holds the open streams. They are volatile: a crash drops them,
// as it breaks every client's gRPC stream.
type watches struct {
	streams map[uint64]*stream
}

func newWatches() *watches { return &watches{streams: map[uint64]*stream{}} }

// watchRequest serves one message of a watch stream (etcd's recvLoop).
func (m *Member) watchRequest(sid uint64, r *pb.WatchRequest) {
	st := m.watches.streams[sid]
	if st == nil {
		st = &stream{watchers: map[int64]*watcher{}}
		m.watches.streams[sid] = st
	}
	switch {
	case r.GetCreateRequest() != nil:
		m.watchCreate(sid, st, r.GetCreateRequest())
	case r.GetCancelRequest() != nil:
		id := r.GetCancelRequest().WatchId
		if _, ok := st.watchers[id]; ok {
			delete(st.watchers, id)
			m.sendWatch(sid, &pb.WatchResponse{Header: m.header(m.store.rev), WatchId: id, Canceled: true})
		}
	case r.GetProgressRequest() != nil:
		m.sendWatch(sid, &pb.WatchResponse{Header: m.header(m.store.rev), WatchId: -1})
	}
}

// watchCreate: start_revision 0 means "from the next revision"; an older
// one replays the history from there in one response whose header carries
// the current revision (etcd's syncWatchers does it within 100ms; the model
// does it at once). History is never compacted, so no watch is refused as
// compacted.
func (m *Member) watchCreate(sid uint64, st *stream, c *pb.WatchCreateRequest) {
	cur := m.store.rev
	w := &watcher{key: cloneBytes(c.Key), end: rangeEnd(c.RangeEnd), minRev: c.StartRevision, prevKV: c.PrevKv}
	if w.minRev == 0 {
		w.minRev = cur + 1
	}
	for _, f := range c.Filters {
		switch f {
		case pb.WatchCreateRequest_NOPUT:
			w.noPut = true
		case pb.WatchCreateRequest_NODELETE:
			w.noDelete = true
		}
	}
	reason := ""
	id := c.WatchId
	switch {
	case len(w.end) != 0 && bytes.Compare(w.key, w.end) != -1:
		reason = reasonEmptyRange
	case id != 0:
		if _, ok := st.watchers[id]; ok {
			reason = reasonDuplicateID
		}
	default:
		for st.watchers[st.nextID] != nil {
			st.nextID++
		}
		id = st.nextID
		st.nextID++
	}
	resp := &pb.WatchResponse{Header: m.header(cur), WatchId: id, Created: true}
	if reason != "" {
		resp.WatchId, resp.Canceled, resp.CancelReason = -1, true, reason
		m.sendWatch(sid, resp)
		return
	}
	w.id = id
	st.watchers[id] = w
	m.sendWatch(sid, resp)
	if w.minRev > cur {
		return
	}
	var evs []*mvccpb.Event
	for _, ch := range m.store.log {
		if ch.main < w.minRev || !w.matches(ch.kv.Key) {
			continue
		}
		ev := &mvccpb.Event{Type: mvccpb.PUT, Kv: cloneKV(ch.kv)}
		if ch.tombstone {
			ev.Type = mvccpb.DELETE
		}
		evs = append(evs, ev)
	}
	m.deliver(sid, w, cur, evs)
}

// notify hands one committed txn's events to every synced watcher, in
// stream then watch ID order (etcd's order is unspecified; this one is
// deterministic).
func (ws *watches) notify(m *Member, rev int64, evs []*mvccpb.Event) {
	for _, sid := range sortedKeys(ws.streams) {
		st := ws.streams[sid]
		for _, id := range sortedKeys(st.watchers) {
			w := st.watchers[id]
			var mine []*mvccpb.Event
			for _, ev := range evs {
				if ev.Kv.ModRevision >= w.minRev && w.matches(ev.Kv.Key) {
					mine = append(mine, &mvccpb.Event{Type: ev.Type, Kv: cloneKV(ev.Kv)})
				}
			}
			m.deliver(sid, w, rev, mine)
		}
	}
}

// deliver filters evs for w, adds prev_kv (the key at the event's revision
// minus one, as etcd's sendLoop reads it, except on a create event) and
// sends them, unless nothing is left.
func (m *Member) deliver(sid uint64, w *watcher, rev int64, evs []*mvccpb.Event) {
	var out []*mvccpb.Event
	for _, ev := range evs {
		if (ev.Type == mvccpb.PUT && w.noPut) || (ev.Type == mvccpb.DELETE && w.noDelete) {
			continue
		}
		// etcd's sendLoop skips a create event (a put whose create and
		// mod revisions are equal), even when the same txn deleted an
		// older version of the key just before.
		if w.prevKV && !(ev.Type == mvccpb.PUT && ev.Kv.CreateRevision == ev.Kv.ModRevision) {
			if prev, ok := m.store.get(string(ev.Kv.Key), ev.Kv.ModRevision-1); ok {
				ev.PrevKv = prev
			}
		}
		out = append(out, ev)
	}
	if len(out) == 0 {
		return
	}
	m.sendWatch(sid, &pb.WatchResponse{Header: m.header(rev), WatchId: w.id, Events: out})
}

// CloseStream drops a watch stream and its watches: the client went away.
func (m *Member) CloseStream(sid uint64) { delete(m.watches.streams, sid) }
