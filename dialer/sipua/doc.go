// Package sipua is alo's SIP user agent: it places INVITEs to customers
// through trunks and to agents' phones, fails over between trunks while the
// callee cannot have been reached, ends ghost and silent calls, keeps
// sessions alive (RFC 4028) and answers in-dialog requests. A dial result is
// SIP facts (code, how it ended); what they mean for an attempt is the
// dialer's business.
package sipua
