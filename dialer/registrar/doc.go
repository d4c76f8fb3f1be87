// Package registrar answers REGISTER from agents' phones with per-agent
// digest credentials and keeps where each phone is in Redis, so an agent
// whose phone sits behind NAT can be called at sip:<user>@alo.
package registrar
