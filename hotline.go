// Package hotline is legal aid as types: the directory of organizations and the
// programs they run, the poverty guideline that eligibility is measured against,
// matching a person to a program, the referral an organization receives, and the
// conversations people hold with the hotline.
//
// It is pure (no I/O, no clock, no randomness) and imports nothing of this
// module: the flow language (flows), the services (bot) and the adapters
// (redisstore, mailer, webhook) all build on it.
package hotline
