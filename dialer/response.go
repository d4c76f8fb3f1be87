package dialer

import (
	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/dialer/sipua"
)

// OutcomeForResponse maps the final SIP response to an INVITE that was not
// answered to the attempt's outcome (docs/architecture.md, "Outcomes").
// code is the final status code, 0 when no final response came at all;
// cancelled says alo sent CANCEL (the ring timeout) before it.
//
//	code                      outcome           why
//	486, 600                  busy              the callee (or every device of it) is busy
//	480, 408                  no_answer         rang, nobody picked up; or unreachable for now
//	487 after our CANCEL      no_answer         we rang it out at the ring timeout
//	404, 484, 604, 410        invalid_number    no such number, incomplete, gone
//	603                       declined          the callee rejected the call
//	500, 502, 503             congestion        trunk-side trouble, not the contact's fault
//	0 (no response at all)    congestion        the trunk never answered the INVITE
//	488 and anything else     failed            e.g. no common codec, auth refused
//
// A 487 without our CANCEL (someone else ended the transaction) is failed.
// 2xx codes are answers and have no outcome here; they map to failed so a
// caller that gets here by mistake records something conservative.
func OutcomeForResponse(code int, cancelled bool) campaigns.Outcome {
	switch code {
	case 486, 600:
		return campaigns.OutcomeBusy
	case 480, 408:
		return campaigns.OutcomeNoAnswer
	case 487:
		if cancelled {
			return campaigns.OutcomeNoAnswer
		}
		return campaigns.OutcomeFailed
	case 404, 484, 604, 410:
		return campaigns.OutcomeInvalidNumber
	case 603:
		return campaigns.OutcomeDeclined
	case 500, 502, 503, 0:
		return campaigns.OutcomeCongestion
	}
	return campaigns.OutcomeFailed
}

// OutcomeOf turns how an unanswered call ended in SIP into the attempt's
// outcome: the one place SIP facts become campaign vocabulary.
func OutcomeOf(r sipua.DialResult) campaigns.Outcome {
	switch r.End {
	case sipua.EndNoTrunk:
		return campaigns.OutcomeCongestion
	case sipua.EndLateAnswer, sipua.EndRangOut:
		return campaigns.OutcomeNoAnswer
	case sipua.EndFinal:
		return OutcomeForResponse(r.Code, false)
	case sipua.EndCancelledFinal:
		return OutcomeForResponse(r.Code, true)
	case sipua.EndCancelledSilent:
		return OutcomeForResponse(0, true)
	case sipua.EndNoResponse:
		return OutcomeForResponse(0, false)
	case sipua.EndUnusable:
		return campaigns.OutcomeFailed
	}
	return ""
}
