package campaigns

// Outcome is the final result of one attempt. The same vocabulary is used in
// code, in the API and in reports (docs/architecture.md, "Outcomes").
type Outcome string

// The outcomes of an attempt.
const (
	OutcomeHuman         Outcome = "human"          // answered by a person, connected to an agent
	OutcomeAbandoned     Outcome = "abandoned"      // a person answered, no agent in time
	OutcomeMachine       Outcome = "machine"        // answering machine detected
	OutcomeBusy          Outcome = "busy"           // 486, 600
	OutcomeNoAnswer      Outcome = "no_answer"      // rang out, 480, 408 after ringing
	OutcomeDeclined      Outcome = "declined"       // 603
	OutcomeInvalidNumber Outcome = "invalid_number" // 404, 484, 604, 410
	OutcomeCongestion    Outcome = "congestion"     // trunk-side: 500, 502, 503, no response
	OutcomeFailed        Outcome = "failed"         // anything else
	OutcomeUnknown       Outcome = "unknown"        // lost in a crash while dialing
	OutcomeBlocked       Outcome = "blocked"        // the gate denied at originate time
)

// Outcomes lists every outcome, in the order reports show them.
var Outcomes = []Outcome{
	OutcomeHuman, OutcomeAbandoned, OutcomeMachine, OutcomeBusy, OutcomeNoAnswer,
	OutcomeDeclined, OutcomeInvalidNumber, OutcomeCongestion, OutcomeFailed,
	OutcomeUnknown, OutcomeBlocked,
}

// Valid reports whether o is one of the defined outcomes.
func (o Outcome) Valid() bool {
	for _, v := range Outcomes {
		if v == o {
			return true
		}
	}
	return false
}

// Retryable reports whether a contact whose attempt ended with o should get
// another attempt (subject to the campaign's attempt limit and retry delay).
// A connected, declined, invalid or blocked call is final for the contact.
func (o Outcome) Retryable() bool {
	switch o {
	case OutcomeBusy, OutcomeNoAnswer, OutcomeCongestion, OutcomeFailed, OutcomeUnknown, OutcomeMachine, OutcomeAbandoned:
		return true
	}
	return false
}
