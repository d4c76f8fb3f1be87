package main

// alo carries its own copy of the IANA time-zone database, so a host with
// old or missing tz data cannot put a contact's local time an hour off
// (Kazakhstan moved to UTC+5 in 2024; CheckTZData verifies it at start).
import _ "time/tzdata"
