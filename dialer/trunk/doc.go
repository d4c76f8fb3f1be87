// Package trunk holds the carrier trunks alo dials through: their
// definitions in SQL, groups and failover order, per-trunk call and set-up
// limits, a breaker that rests a trunk refusing calls, and OPTIONS
// keep-alives.
package trunk
