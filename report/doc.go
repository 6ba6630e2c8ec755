// Package report renders what locksim found as one self-contained HTML
// page a person reads: the lock × scenario matrix, then for each
// deduplicated failure an SVG timeline (a lane per client with its
// believed lease and its accesses, a lane per Redis node with the lock
// key's real lifetime, faults as bands, the violating pair marked), the
// exact replay command and a link to porcupine's visualization.
//
// Like porcupine's Visualize, it only renders: Write takes the data and a
// writer, WritePath writes a file atomically. It runs nothing and knows
// neither the simulator nor the locks; the caller (cmd/simrun) replays the
// artifacts and hands over their histories, checks and key lifetimes.
//
// The page needs no script and no network: CSS and SVG are inline. Its
// width fits a 1280 px viewport: time is scaled to the width, and the
// timeline shows a window around the violation under a strip of the whole
// run, so the violation is on the first screen.
package report
