// Package dialer is where campaigns, compliance and pacing meet calls: the
// engine runs one pacer per running campaign, which claims ready attempts,
// asks the gate, places each call through the user agent and lives it out
// (answer analysis, the bridge to a reserved agent, safe harbour, recorded
// messages and keys), then records one outcome. The SIP-response → outcome
// table is here; the packages below know nothing of campaigns
// (docs/architecture.md draws the layers).
package dialer
