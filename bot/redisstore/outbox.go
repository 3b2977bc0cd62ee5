package redisstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-legal/hotline"
	"github.com/hotline-legal/hotline/bot"
	"github.com/hotline-legal/hotline/bot/email"
	"github.com/hotline-legal/hotline/bot/handoff"
)

// The outbox is a due-time queue with leases: claiming a job pushes its due time
// out by the lease, so a worker that dies mid-send leaves the job to be claimed
// again when the lease runs out; finishing or rescheduling it is a second call.
//
// Beside the keys listed in the package comment, each shard has two for the
// leases:
//
//	<prefix>{hNN}:jobleases    who holds each claimed job (hash: ref → "token due"), until it
//	                           is finished or given up on
//	<prefix>{hNN}:jobleaseseq  the last lease token drawn (a counter)
//
// A claim draws a token (Job.Lease) and writes it with the due time it set.
// A worker holds the job while its token is the job's and the job is still
// due when that worker last said: a retry moves both together, so its worker
// keeps the job until the next claim (a text's worker marks the job as being
// sent with a retry, then records the outcome: see bot.Outbox), and a claim
// by a build that predates the tokens, which moves the due time only, ends
// the hold too.

// heldLua defines held(outbox, leases, ref, token): whether token still holds
// the job ref.
const heldLua = `
local function held(outbox, leases, ref, token)
  local h = redis.call('HGET', leases, ref)
  if not h then return false end
  local sp = string.find(h, ' ', 1, true)
  if not sp or string.sub(h, 1, sp - 1) ~= token then return false end
  return tonumber(redis.call('ZSCORE', outbox, ref)) == tonumber(string.sub(h, sp + 1))
end
`

// claimJobsScript takes up to ARGV[3] due jobs of a shard and leases them.
// KEYS: outbox, jobs, jobleases, jobleaseseq. ARGV: now ms, lease ms, limit,
// sent-key prefix. A job already marked sent (its worker died before
// finishing) is finished here.
var claimJobsScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, ref in ipairs(due) do
  local job = redis.call('HGET', KEYS[2], ref)
  if (not job) or redis.call('EXISTS', ARGV[4] .. ref) == 1 then
    redis.call('ZREM', KEYS[1], ref)
    redis.call('HDEL', KEYS[2], ref)
    redis.call('HDEL', KEYS[3], ref)
  else
    local expires = tostring(tonumber(ARGV[1]) + tonumber(ARGV[2]))
    local token = tostring(redis.call('INCR', KEYS[4]))
    redis.call('ZADD', KEYS[1], expires, ref)
    redis.call('HSET', KEYS[3], ref, token .. ' ' .. expires)
    table.insert(out, ref)
    table.insert(out, job)
    table.insert(out, token)
  end
end
return out
`)

// finishJobScript records a delivered job: the sent marker (kept for the retention
// time, so that the reference is not used again and the email not sent again) and
// the job out of the queue. The marker holds nothing of the referral: once the
// organization has it, the hotline keeps none of the person's answers.
// KEYS: outbox, jobs, created, sent key, jobleases. ARGV: ref, retention ms.
var finishJobScript = redis.NewScript(`
redis.call('SET', KEYS[4], '1', 'PX', ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return 1
`)

// retryJobScript saves a job's new attempt count and when to try it next, if the
// caller still holds its lease (another worker may have taken it since), and
// keeps the lease the caller's; 0 if it does not hold it.
// KEYS: outbox, jobs, jobleases. ARGV: ref, job, due ms, lease token.
var retryJobScript = redis.NewScript(heldLua + `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 or not held(KEYS[1], KEYS[3], ARGV[1], ARGV[4]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4] .. ' ' .. ARGV[3])
return 1
`)

// deadJobScript moves a job that will never be delivered to the dead letters and,
// when given, queues an alert job in its place, at once, if the caller holds
// its lease (0 if not). The dead letter is the record the caller made
// (deadRecord: nothing of the person), not the job.
// KEYS: outbox, jobs, created, dead key, jobleases. ARGV: ref, dead record,
// retention ms, alert ref ("" for none), alert job, now ms, lease token.
var deadJobScript = redis.NewScript(heldLua + `
if not held(KEYS[1], KEYS[5], ARGV[1], ARGV[7]) then return 0 end
redis.call('SET', KEYS[4], ARGV[2], 'PX', ARGV[3])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
  redis.call('ZADD', KEYS[1], ARGV[6], ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[4])
end
return 1
`)

// ClaimJobs leases up to limit due jobs of a shard for lease. A job that cannot
// be read comes back with no Kind, for the worker to move to the dead letters.
func (s *Store) ClaimJobs(ctx context.Context, shard int, now time.Time, lease time.Duration, limit int) ([]bot.Job, error) {
	res, err := claimJobsScript.Run(ctx, s.rdb, []string{
		s.shardKey(shard, "outbox"), s.shardKey(shard, "jobs"), s.shardKey(shard, "jobleases"), s.shardKey(shard, "jobleaseseq"),
	}, ms(now), lease.Milliseconds(), limit, s.shardKey(shard, "sent:")).Slice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: claim jobs: %w", err)
	}
	jobs := make([]bot.Job, 0, len(res)/3)
	for i := 0; i+2 < len(res); i += 3 {
		job := bot.Job{Shard: shard, Ref: stringOf(res[i]), Lease: stringOf(res[i+2])}
		if e, err := decodeEmail(stringOf(res[i+1])); err == nil {
			job.Email = e
		}
		jobs = append(jobs, job)
	}
	return jobs, nil
}

// FinishJob marks a job delivered: its marker is kept for retention, and nothing
// else of it.
func (s *Store) FinishJob(ctx context.Context, job bot.Job, retention time.Duration) error {
	err := finishJobScript.Run(ctx, s.rdb, []string{
		s.shardKey(job.Shard, "outbox"), s.shardKey(job.Shard, "jobs"), s.shardKey(job.Shard, "created"),
		s.shardKey(job.Shard, "sent:"+job.Ref), s.shardKey(job.Shard, "jobleases"),
	}, job.Ref, retention.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redisstore: finish job: %w", err)
	}
	return nil
}

// RetryJob saves a job (with its new attempt count) to be tried again at due,
// if the caller holds its lease (bot.ErrLeaseLost if not), which it keeps
// until the next claim.
func (s *Store) RetryJob(ctx context.Context, job bot.Job, due time.Time) error {
	data, err := encodeEmail(&job.Email)
	if err != nil {
		return fmt.Errorf("redisstore: retry job: %w", err)
	}
	held, err := retryJobScript.Run(ctx, s.rdb, []string{
		s.shardKey(job.Shard, "outbox"), s.shardKey(job.Shard, "jobs"), s.shardKey(job.Shard, "jobleases"),
	}, job.Ref, data, ms(due), job.Lease).Int()
	switch {
	case err != nil:
		return fmt.Errorf("redisstore: retry job: %w", err)
	case held == 0:
		return fmt.Errorf("redisstore: retry job: %w", bot.ErrLeaseLost)
	}
	return nil
}

// KillJob moves a job to the dead letters (kept for retention) and queues alert in
// its place, when alert is not nil, if the caller holds its lease
// (bot.ErrLeaseLost if not). The dead letter says what happened to the
// reference and holds nothing of the person: the alert carries the referral to
// the coordinator, and once it is delivered only its sent marker is left.
func (s *Store) KillJob(ctx context.Context, job bot.Job, retention time.Duration, alert *bot.Email, now time.Time) error {
	dead := deadRecord{
		Kind: job.Kind, Ref: job.Ref, OrgID: job.OrgID, ID: job.ID, Attempts: job.Attempts,
		Created: job.Created, Died: now, LastError: job.LastError,
	}
	if job.Kind == "" {
		dead.LastError = "unreadable job" // what it held is dropped: it may hold anything
	}
	record, err := json.Marshal(dead)
	if err != nil {
		return fmt.Errorf("redisstore: dead job: %w", err)
	}
	var alertData []byte
	var alertRef string
	if alert != nil {
		if alertData, err = encodeEmail(alert); err != nil {
			return fmt.Errorf("redisstore: dead job: %w", err)
		}
		alertRef = alert.Ref()
	}
	held, err := deadJobScript.Run(ctx, s.rdb, []string{
		s.shardKey(job.Shard, "outbox"), s.shardKey(job.Shard, "jobs"), s.shardKey(job.Shard, "created"),
		s.shardKey(job.Shard, "dead:"+job.Ref), s.shardKey(job.Shard, "jobleases"),
	}, job.Ref, record, retention.Milliseconds(), alertRef, alertData, ms(now), job.Lease).Int()
	switch {
	case err != nil:
		return fmt.Errorf("redisstore: dead job: %w", err)
	case held == 0:
		return fmt.Errorf("redisstore: dead job: %w", bot.ErrLeaseLost)
	}
	return nil
}

// deadRecord is a dead letter as stored (JSON, for redis-cli): what happened to
// an email, and nothing of what it said.
type deadRecord struct {
	Kind      string    `json:"kind,omitempty"`
	Ref       string    `json:"ref"`
	OrgID     string    `json:"org,omitempty"`
	ID        string    `json:"id,omitempty"`
	Attempts  int       `json:"attempts"`
	Created   time.Time `json:"created"`
	Died      time.Time `json:"died"`
	LastError string    `json:"last_error,omitempty"`
}

// OutboxStats returns how many jobs wait in every shard and when the oldest was
// queued (zero when none wait).
func (s *Store) OutboxStats(ctx context.Context) (depth int64, oldest time.Time, err error) {
	for shard := 0; shard < Shards; shard++ {
		key := s.shardKey(shard, "created")
		n, err := s.rdb.ZCard(ctx, key).Result()
		if err != nil {
			return 0, time.Time{}, fmt.Errorf("redisstore: outbox stats: %w", err)
		}
		depth += n
		if n == 0 {
			continue
		}
		first, err := s.rdb.ZRangeWithScores(ctx, key, 0, 0).Result()
		if err != nil {
			return 0, time.Time{}, fmt.Errorf("redisstore: outbox stats: %w", err)
		}
		if len(first) == 1 {
			t := time.UnixMilli(int64(first[0].Score))
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
	}
	return depth, oldest, nil
}

// remindScript takes the due reminders of a shard. An entry of the schedule may be
// earlier than its conversation's "remind at" (a commit does not move an entry it
// finds there): such an entry is moved to that time. A reminder that is due is
// returned and cleared from its conversation, so that each is sent at most once
// however many workers poll. The conversation's version is left as it is: this
// changes only the reminder fields, which a commit sets from scratch.
// KEYS: remind. ARGV: now ms (16 digits), limit, conversation key prefix.
var remindScript = redis.NewScript(luaLayout + unpackLua + `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, conv in ipairs(due) do
  local key = ARGV[3] .. conv
  local cur = redis.call('GET', key)
  local ok = readable(cur)
  local at = ZERO
  if ok then at = string.sub(cur, REMIND, REMINDEND) end
  local indexed = ZERO
  if at > ARGV[1] then
    redis.call('ZADD', KEYS[1], at, conv)
    indexed = at
  else
    redis.call('ZREM', KEYS[1], conv)
    if at ~= ZERO then
      local _, who, state = tailOf(cur)
      table.insert(out, conv)
      table.insert(out, state)
      table.insert(out, who)
      at = ZERO
    end
  end
  if ok then
    redis.call('SET', key, string.sub(cur, 1, 16) .. indexed .. string.sub(cur, LAST, REMIND - 1) .. at .. string.sub(cur, REMINDEND + 1), 'KEEPTTL')
  end
end
return out
`)

// ClaimReminders takes up to limit due reminders of a shard. One whose
// recipient cannot be read is dropped: a reminder is a nudge, not a promise.
func (s *Store) ClaimReminders(ctx context.Context, shard int, now time.Time, limit int) ([]bot.DueReminder, error) {
	res, err := remindScript.Run(ctx, s.rdb, []string{s.shardKey(shard, "remind")},
		pad(now.UnixMilli()), limit, s.shards[shard].conv).Slice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: claim reminders: %w", err)
	}
	out := make([]bot.DueReminder, 0, len(res)/3)
	for i := 0; i+2 < len(res); i += 3 {
		to, ok := decodeWho(stringOf(res[i+2]))
		if !ok {
			continue
		}
		out = append(out, bot.DueReminder{Conv: stringOf(res[i]), State: decodeStored(stringOf(res[i+1])), To: to})
	}
	return out, nil
}

// Delivery says where a referral's email stands: Sent (delivered), Dead (given
// up on), or neither (queued, or never made), by its reference, for as long as
// the referral is retained.
func (s *Store) Delivery(ctx context.Context, ref string) (sent, dead bool, err error) {
	shard := -1
	if len(ref) > 2 {
		shard = strings.IndexByte(bot.ReferenceAlphabet, ref[2])
	}
	if shard < 0 || shard >= Shards {
		return false, false, fmt.Errorf("redisstore: delivery: %q is not a reference of this store", ref)
	}
	var sentN, deadN *redis.IntCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		sentN = p.Exists(ctx, s.shardKey(shard, "sent:"+ref))
		deadN = p.Exists(ctx, s.shardKey(shard, "dead:"+ref))
		return nil
	})
	if err != nil {
		return false, false, fmt.Errorf("redisstore: delivery: %w", err)
	}
	return sentN.Val() == 1, deadN.Val() == 1, nil
}

// Queued reports whether the email or the JSON hand-off of the referral ref,
// made in the conversation conv, still waits in the outbox: neither delivered
// nor given up on. The jobs are in the conversation's shard, where the commit
// queued them.
func (s *Store) Queued(ctx context.Context, conv, ref string) (bool, error) {
	jobs := s.shards[shardOf(conv)].jobs
	var emailQ, handoffQ *redis.BoolCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		emailQ = p.HExists(ctx, jobs, ref)
		handoffQ = p.HExists(ctx, jobs, bot.HandoffRef(ref))
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("redisstore: queued: %w", err)
	}
	return emailQ.Val() || handoffQ.Val(), nil
}

// emailRecord is an outbox job as stored: JSON, so that an operator can read it
// with redis-cli.
type emailRecord struct {
	Kind      string            `json:"kind"`
	ID        string            `json:"id"`
	Ref       string            `json:"ref"`
	OrgID     string            `json:"org,omitempty"`
	Attempts  int               `json:"attempts"`
	Created   time.Time         `json:"created"`
	LastError string            `json:"last_error,omitempty"`
	Message   *email.Message    `json:"message,omitempty"`
	Referral  *hotline.Referral `json:"referral,omitempty"`
	Handoff   *handoffRecord    `json:"handoff,omitempty"`
	Text      *textRecord       `json:"text,omitempty"`
	NotBefore time.Time         `json:"not_before,omitzero"`
}

// textRecord is a text job's message as stored: whom it goes to (the
// conversation, as the person wrote to the hotline) and what it says.
type textRecord struct {
	Channel string `json:"channel"`
	From    string `json:"from"`
	To      string `json:"to,omitempty"`
	Body    string `json:"body"`
}

// handoffRecord is a hand-off's request as stored: the body as a JSON string,
// so that its bytes come back exactly as they were written (the signature is
// over them, and every attempt must send the same).
type handoffRecord struct {
	URL       string `json:"url"`
	SecretEnv string `json:"secret_env"`
	Body      string `json:"body,omitempty"`
}

// jobKinds are the kinds of job this build reads: a build that meets one it
// does not know moves it to the dead letters unsent (an older build meeting a
// text, say), rather than guess at it.
var jobKinds = []string{
	bot.EmailReferral, bot.EmailAlert, bot.EmailNotice, bot.EmailHandoff, bot.EmailHandoffAlert,
	bot.EmailText, bot.EmailLoopAlert,
}

func encodeEmail(e *bot.Email) ([]byte, error) {
	r := emailRecord{
		Kind: e.Kind, ID: e.ID, Ref: e.Reference, OrgID: e.OrgID, Attempts: e.Attempts, Created: e.Created,
		LastError: e.LastError, Referral: e.Referral,
	}
	if e.Message.MessageID != "" {
		r.Message = &e.Message
	}
	if h := e.Handoff; h != nil {
		r.Handoff = &handoffRecord{URL: h.URL, SecretEnv: h.SecretEnv, Body: string(h.Body)}
	}
	if t := e.Text; t != nil {
		r.Text = &textRecord{Channel: t.To.Channel, From: t.To.From, To: t.To.To, Body: t.Body}
	}
	r.NotBefore = e.NotBefore
	// Not json.Marshal: it writes every <, > and & of the email's HTML as
	// \u003c and the like, six bytes for one, and takes longer doing it; this
	// runs in the request that makes a referral.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// decodeEmail reads a stored job: a referral, a hand-off, an alert (of a
// referral, a hand-off or a loop), a notice or a text. One of another kind,
// one that names no reference, a text without its message, one of the rest
// with neither a message to send nor (a referral) what to alert the
// coordinator with, or a hand-off without its request, is unreadable.
func decodeEmail(data string) (bot.Email, error) {
	var r emailRecord
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return bot.Email{}, err
	}
	if r.Ref == "" && r.Referral != nil {
		// Queued by a build from before 2 December 2026, which kept only the
		// referral (an alert, too): the outbox renders it (Outbox.deliver).
		r.Ref, r.OrgID = r.Referral.Ref, r.Referral.OrgID
	}
	switch {
	case r.Ref == "" || !slices.Contains(jobKinds, r.Kind):
		return bot.Email{}, errors.New("redisstore: a job without a reference or kind")
	case r.Kind == bot.EmailText:
		if r.Text == nil {
			return bot.Email{}, errors.New("redisstore: a text without its message")
		}
	case r.Kind == bot.EmailHandoff && (r.Handoff == nil || r.Referral == nil):
		return bot.Email{}, errors.New("redisstore: a hand-off without its request")
	case r.Message == nil && r.Referral == nil:
		return bot.Email{}, errors.New("redisstore: a job with nothing to send")
	}
	e := bot.Email{
		Kind: r.Kind, ID: r.ID, Reference: r.Ref, OrgID: r.OrgID, Attempts: r.Attempts, Created: r.Created,
		LastError: r.LastError, Referral: r.Referral, NotBefore: r.NotBefore,
	}
	if t := r.Text; t != nil && r.Kind == bot.EmailText {
		e.Text = &bot.Text{To: hotline.Conversation{Channel: t.Channel, From: t.From, To: t.To}, Body: t.Body}
	}
	if r.Message != nil {
		e.Message = *r.Message
	}
	if h := r.Handoff; h != nil && r.Kind == bot.EmailHandoff {
		e.Handoff = &handoff.Request{URL: h.URL, SecretEnv: h.SecretEnv}
		if h.Body != "" {
			e.Handoff.Body = []byte(h.Body)
		}
	}
	return e, nil
}
