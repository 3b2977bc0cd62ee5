package redisstore

// AlwaysPipe makes s send every commit through the autopipeliner, as it does when
// commits come together, so that tests can reach that path one commit at a time.
func AlwaysPipe(s *Store) { s.alwaysPipe = true }
