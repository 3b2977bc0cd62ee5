// Package metrics counts what Hotline does, for Prometheus: messages in and out,
// duplicates, opt-outs, referrals, conversations that need a person, step
// latency, errors. Labels never hold personal
// data: channels, organizations and error kinds only.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-legal/hotline/bot"
)

// Metrics holds Hotline's collectors.
type Metrics struct {
	messagesIn     *prometheus.CounterVec
	messagesOut    *prometheus.CounterVec
	duplicates     *prometheus.CounterVec
	optOuts        *prometheus.CounterVec
	referrals      *prometheus.CounterVec
	needsPerson    *prometheus.CounterVec
	errors         *prometheus.CounterVec
	stepSeconds    prometheus.Histogram
	deliveryStatus *prometheus.CounterVec
	packReloads    *prometheus.CounterVec
	emailsSent     *prometheus.CounterVec
	emailsRetried  *prometheus.CounterVec
	emailsDead     *prometheus.CounterVec
	outboxDepth    prometheus.Gauge
	outboxOldest   prometheus.Gauge
	remindersSent  prometheus.Counter
	circuitOpen    prometheus.Gauge
	circuitOpens   prometheus.Counter
	loopEvents     *prometheus.CounterVec
}

var (
	_ bot.Observer         = (*Metrics)(nil)
	_ bot.OutboxObserver   = (*Metrics)(nil)
	_ bot.ReminderObserver = (*Metrics)(nil)
	_ bot.LoopObserver     = (*Metrics)(nil)
)

// New creates the collectors and registers them with reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		messagesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_messages_in_total", Help: "Inbound messages, by channel (duplicates included).",
		}, []string{"channel"}),
		messagesOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_messages_out_total", Help: "Replies sent, by channel.",
		}, []string{"channel"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_duplicate_messages_total", Help: "Inbound messages delivered again (same message id), answered without applying them twice.",
		}, []string{"channel"}),
		optOuts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_opt_outs_total", Help: "People who opted out (STOP), by channel.",
		}, []string{"channel"}),
		referrals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_referrals_total", Help: "Screenings ended with a referral, by organization id (\"fallback\" for the text-only fallback).",
		}, []string{"organization"}),
		needsPerson: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_needs_person_total", Help: "Conversations that came to need a person, by reason: asked (AGENT) or not_understood (the bot gave up on an answer). Counted whether or not the coordinator's notice could be sent.",
		}, []string{"reason"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_errors_total", Help: "Errors, by kind: store (Redis), circuit_open (refused at once while Redis does not answer), busy (the conversation's earlier messages took its time), bad_state, conflicts, signature, request, panic, pack_reload, stored_reply, render (an email that could not be written), notice_dropped (a needs-a-person notice raised with a referral, whose email went instead).",
		}, []string{"kind"}),
		stepSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hotline_step_seconds", Help: "Time the engine takes to apply one message.",
			Buckets: []float64{1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2},
		}),
		deliveryStatus: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_delivery_status_total", Help: "Twilio delivery status callbacks, by status (failed and undelivered are failures).",
		}, []string{"status"}),
		packReloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_pack_reloads_total", Help: "Pack reloads, by result (loaded or rejected).",
		}, []string{"result"}),
		emailsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_emails_sent_total", Help: "Outbox jobs delivered, by kind: referral, alert, notice or loop_alert (emails, or .eml files; loop_alert is the coordinator's alert about a referral's loop), handoff (a referral's JSON hand-off, taken with a 2xx), handoff_alert (the coordinator's alert about a hand-off given up on) or text (a text to the person through Twilio, sent at most once).",
		}, []string{"kind"}),
		emailsRetried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_emails_retried_total", Help: "Failed outbox attempts that will be tried again, by kind (as hotline_emails_sent_total).",
		}, []string{"kind"}),
		emailsDead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_emails_dead_total", Help: "Outbox jobs given up on and moved to the dead letters, by kind (as hotline_emails_sent_total).",
		}, []string{"kind"}),
		outboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hotline_outbox_depth", Help: "Jobs waiting in the outbox (emails, JSON hand-offs, alerts, notices and texts).",
		}),
		outboxOldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hotline_outbox_oldest_seconds", Help: "Age of the oldest job waiting in the outbox (0 when empty).",
		}),
		loopEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotline_referral_events_total",
			Help: "What became of referrals after they were made, by event (sent, accepted, declined, silent, fallback, follow_up, contacted, not_contacted, texted), organization and reason (a decline's or a re-route's).",
		}, []string{"event", "org", "reason"}),
		remindersSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hotline_reminders_sent_total", Help: "Reminder texts sent to people who stopped answering.",
		}),
		circuitOpen: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hotline_store_circuit_open", Help: "1 while the store's circuit breaker is open (Redis not answering: messages get the apology at once), else 0.",
		}),
		circuitOpens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hotline_store_circuit_opens_total", Help: "Times the store's circuit breaker opened.",
		}),
	}
	reg.MustRegister(m.messagesIn, m.messagesOut, m.duplicates, m.optOuts, m.referrals, m.needsPerson, m.errors, m.stepSeconds,
		m.deliveryStatus, m.packReloads, m.emailsSent, m.emailsRetried, m.emailsDead, m.outboxDepth, m.outboxOldest,
		m.remindersSent, m.circuitOpen, m.circuitOpens, m.loopEvents)
	return m
}

// MessageIn counts an inbound message.
func (m *Metrics) MessageIn(channel string) { m.messagesIn.WithLabelValues(channel).Inc() }

// MessagesOut counts replies.
func (m *Metrics) MessagesOut(channel string, n int) {
	m.messagesOut.WithLabelValues(channel).Add(float64(n))
}

// Duplicate counts a message delivered again.
func (m *Metrics) Duplicate(channel string) { m.duplicates.WithLabelValues(channel).Inc() }

// Step observes the engine's time for one message.
func (m *Metrics) Step(d time.Duration) { m.stepSeconds.Observe(d.Seconds()) }

// OptOut counts a STOP.
func (m *Metrics) OptOut(channel string) { m.optOuts.WithLabelValues(channel).Inc() }

// Referral counts a referral to an organization (or "fallback").
func (m *Metrics) Referral(org string) { m.referrals.WithLabelValues(org).Inc() }

// NeedsPerson counts a conversation that came to need a person, by reason.
func (m *Metrics) NeedsPerson(reason string) { m.needsPerson.WithLabelValues(reason).Inc() }

// Circuit records the store's circuit breaker opening or closing.
func (m *Metrics) Circuit(open bool) {
	if open {
		m.circuitOpen.Set(1)
		m.circuitOpens.Inc()
		return
	}
	m.circuitOpen.Set(0)
}

// Error counts an error of a kind.
func (m *Metrics) Error(kind string) { m.errors.WithLabelValues(kind).Inc() }

// DeliveryStatus counts a delivery status reported by Twilio.
func (m *Metrics) DeliveryStatus(status string) { m.deliveryStatus.WithLabelValues(status).Inc() }

// PackReload counts a pack reload: loaded or rejected.
func (m *Metrics) PackReload(loaded bool) {
	if loaded {
		m.packReloads.WithLabelValues("loaded").Inc()
	} else {
		m.packReloads.WithLabelValues("rejected").Inc()
	}
}

// EmailSent counts a delivered email.
func (m *Metrics) EmailSent(kind string) { m.emailsSent.WithLabelValues(kind).Inc() }

// EmailRetried counts a failed attempt that will be retried, by kind.
func (m *Metrics) EmailRetried(kind string) { m.emailsRetried.WithLabelValues(kind).Inc() }

// EmailDead counts an email given up on.
func (m *Metrics) EmailDead(kind string) { m.emailsDead.WithLabelValues(kind).Inc() }

// Outbox sets the outbox gauges.
func (m *Metrics) Outbox(depth int64, oldest time.Duration) {
	m.outboxDepth.Set(float64(depth))
	m.outboxOldest.Set(oldest.Seconds())
}

// ReminderSent counts a reminder text.
func (m *Metrics) ReminderSent() { m.remindersSent.Inc() }

// LoopEvent counts an event of a referral's loop: referrals by status and
// organization (sent, accepted, declined, fallback), re-routes by reason (a
// sent with a reason), follow-up answers (contacted, not_contacted) and the
// texts about them.
func (m *Metrics) LoopEvent(kind, org, reason string) {
	m.loopEvents.WithLabelValues(kind, org, reason).Inc()
}
