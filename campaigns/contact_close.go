package campaigns

// Why a contact is done (contacts.close_reason): one vocabulary for every
// path that closes a contact, so reports and exports can count them.
const (
	CloseSuccess       = "success"        // a person was reached
	CloseConfirmed     = "confirmed"      // an appointment was confirmed
	CloseCancelled     = "cancelled"      // an appointment was cancelled
	CloseMaxAttempts   = "max_attempts"   // attempts used up
	CloseDeadline      = "deadline"       // a welcome call's deadline passed unreached
	CloseCutOff        = "cut_off"        // too close to the appointment to call
	CloseStopped       = "stopped"        // the campaign was stopped
	CloseEnded         = "ended"          // the campaign reached its end date
	CloseDoNotCall     = "do_not_call"    // the person asked not to be called
	CloseWrongNumber   = "wrong_number"   // no number reaches the person
	CloseFinalFailure  = "final_failure"  // declined, refused by the gate, or another final outcome
	CloseInvalidNumber = "invalid_number" // the network says the number does not exist
)
