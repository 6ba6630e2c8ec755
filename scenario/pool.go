package scenario

import (
	"context"
	"sync"
)

// parallel calls f(i) for i in 0..n-1 on jobs goroutines (outside the
// simulator: each run has its own World) and returns when all have
// returned or ctx is done; indices not yet started when ctx is done are
// skipped. f writes its result to its own slot, so the outcome does not
// depend on jobs.
func parallel(ctx context.Context, n, jobs int, f func(i int)) error {
	jobs = max(1, min(jobs, n))
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return err
}
