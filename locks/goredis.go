package locks

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// NewRedisConn returns the production Conn over a go-redis v9 client (a
// *redis.Client, *redis.ClusterClient or *redis.Ring). Do sends the command
// with c.Do and returns c.Do(ctx, args...).Result(): replies keep go-redis's
// shapes, a nil reply is redis.Nil (ErrNil), and a Redis error reply is a
// redis.Error. The Conn is safe for concurrent use, as the client is.
func NewRedisConn(c redis.UniversalClient) Conn { return redisConn{c: c} }

type redisConn struct{ c redis.UniversalClient }

func (r redisConn) Do(ctx context.Context, args ...any) (any, error) {
	return r.c.Do(ctx, args...).Result()
}
