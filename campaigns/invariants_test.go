package campaigns

// Invariant tests (docs/architecture.md, "Invariants" 1 and 2; issue 2, "Done when"):
// the whole campaigns package on real Redis, with asynq, on both SQL engines.

import (
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alo-dialer/alo/sqldb"
)

// TestFeederQueuesEachAttemptOnce: the feeder run twice (and two feeders at
// once) queues each attempt once, in asynq and in SQL.
func TestFeederQueuesEachAttemptOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		w := newTestWorld(t, db)
		camp, _ := w.campaign(t, Campaign{}, 5)
		soon := w.clock.Now().Add(3 * time.Minute)
		later := w.clock.Now().Add(time.Hour) // beyond the 5-minute horizon
		if _, err := w.store.AddContacts(w.ctx, camp.ID, []NewContact{
			{Phone: "+998900000101", DueAt: &soon}, {Phone: "+998900000102", DueAt: &soon},
			{Phone: "+998900000103", DueAt: &later}}); err != nil {
			t.Fatal(err)
		}
		draft, _ := w.store.CreateCampaign(w.ctx, Campaign{ClientID: camp.ClientID, Name: "not started"})
		if _, err := w.store.AddContacts(w.ctx, draft.ID, []NewContact{{Phone: "+998900000201"}}); err != nil {
			t.Fatal(err)
		}

		for i, want := range []int{7, 0} {
			n, err := w.feeder.RunOnce(w.ctx)
			if err != nil || n != want {
				t.Fatalf("feeder run %d created %d tasks, %v; want %d", i+1, n, err, want)
			}
		}
		checkQueuedOnce(t, w, camp.ID, 7)
		for _, ti := range w.attemptTasks(t) {
			key, _ := ParseAttemptKey(ti.ID)
			c := w.contact(t, key.ContactID)
			// asynq keeps ProcessAt in whole seconds: rounded up, never early.
			if ti.State == asynq.TaskStateScheduled && !ti.NextProcessAt.Equal(ceilSecond(*c.NextDueAt)) {
				t.Errorf("task %s processes at %v, contact due %v", ti.ID, ti.NextProcessAt, c.NextDueAt)
			}
		}

		// Two feeders racing over new contacts still create one task each.
		in := make([]NewContact, 40)
		for i := range in {
			in[i] = NewContact{Phone: "+99891" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "00000"}
		}
		if _, err := w.store.AddContacts(w.ctx, camp.ID, in); err != nil {
			t.Fatal(err)
		}
		other := NewFeeder(w.store, w.client, w.clock.Now, 5*time.Minute, w.log)
		other.Batch, w.feeder.Batch = 7, 7
		var wg sync.WaitGroup
		created := make([]int, 2)
		for i, f := range []*Feeder{w.feeder, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := f.RunOnce(w.ctx)
				if err != nil {
					t.Errorf("feeder %d: %v", i, err)
				}
				created[i] = n
			}()
		}
		wg.Wait()
		if created[0]+created[1] != 40 {
			t.Fatalf("racing feeders created %v tasks, want 40 in all", created)
		}
		checkQueuedOnce(t, w, camp.ID, 47)
	})
}

// checkQueuedOnce asserts that asynq holds exactly one attempt:due task per
// queued contact of the campaign, for its current attempt number.
func checkQueuedOnce(t *testing.T, w *testWorld, campaignID int64, want int) {
	t.Helper()
	tasks := w.attemptTasks(t)
	ids := map[string]bool{}
	for _, ti := range tasks {
		if ids[ti.ID] {
			t.Fatalf("task %s twice", ti.ID)
		}
		ids[ti.ID] = true
		key, err := ParseAttemptDue(asynq.NewTask(ti.Type, ti.Payload))
		if err != nil || key.String() != ti.ID {
			t.Fatalf("task %s payload %s: %v", ti.ID, ti.Payload, err)
		}
	}
	queued, err := w.store.QueuedContacts(w.ctx, campaignID, w.clock.Now().AddDate(1, 0, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != want || len(queued) != want {
		t.Fatalf("%d tasks and %d queued contacts, want %d of each", len(tasks), len(queued), want)
	}
	for _, q := range queued {
		if q.Key.Number != 1 || !ids[q.Key.String()] {
			t.Fatalf("queued contact %s has no task", q.Key)
		}
	}
}

// TestClaimOfDeadOwnerGoesBackToReady: a claim whose owner died goes back
// to the ready set (it was never dialed) and another node dials it once.
func TestClaimOfDeadOwnerGoesBackToReady(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		w := newTestWorld(t, db)
		camp, _ := w.campaign(t, Campaign{}, 2)
		w.feed(t, 2)
		w.drainAttemptTasks(t)
		a := w.dispatcher(t, "node-a", 10*time.Second)
		held, err := a.Claim(w.ctx, camp.ID, 2)
		if err != nil || len(held) != 2 {
			t.Fatalf("Claim = %+v, %v", held, err)
		}
		// node-a wrote the attempt row of the second claim, then died
		// before releasing its claim; it never dialed the first.
		if _, err := w.store.BeginDialing(w.ctx, held[1].Key, DialingInfo{Node: "node-a"}); err != nil {
			t.Fatal(err)
		}
		if err := w.nodes.Leave(w.ctx, "node-a"); err != nil {
			t.Fatal(err)
		}
		w.reconciler.NodeGrace = time.Hour // this test is about claims only

		if rep := w.reconcile(t); rep != (Report{}) {
			t.Fatalf("reconciler acted before the lease expired: %+v", rep)
		}
		w.clock.Advance(10 * time.Second)
		if rep := w.reconcile(t); rep != (Report{Returned: 1, Released: 1}) {
			t.Fatalf("report = %+v, want 1 returned, 1 released", rep)
		}
		for _, c := range []struct {
			key              AttemptKey
			ready, isClaimed bool
		}{{held[0].Key, true, false}, {held[1].Key, false, false}} {
			in, _ := w.ready.Contains(w.ctx, c.key)
			cl, _ := w.ready.Claimed(w.ctx, c.key)
			if in != c.ready || cl != c.isClaimed {
				t.Fatalf("%s: ready %v claimed %v, want %v %v", c.key, in, cl, c.ready, c.isClaimed)
			}
		}

		b := w.dispatcher(t, "node-b", 10*time.Second)
		got, err := b.Claim(w.ctx, camp.ID, 5)
		if err != nil || len(got) != 1 || got[0].Key != held[0].Key {
			t.Fatalf("node-b Claim = %+v, %v; want the returned attempt", got, err)
		}
		att, err := b.Dial(w.ctx, got[0], DialingInfo{Evidence: "{}"})
		if err != nil || att.Node != "node-b" || att.Phone != got[0].Contact.Phone {
			t.Fatalf("Dial = %+v, %v", att, err)
		}
		// node-a was only stalled and comes back with its old claim: refused.
		if _, err := a.Dial(w.ctx, held[0], DialingInfo{}); !errors.Is(err, ErrAlreadyDialed) {
			t.Fatalf("stale owner Dial err = %v, want ErrAlreadyDialed", err)
		}
		if rep := w.reconcile(t); rep != (Report{}) {
			t.Fatalf("nothing left to repair, got %+v", rep)
		}
	})
}

// TestDialedAttemptIsNeverDialedAgain: once an attempt reached dialing,
// neither BeginDialing nor a stale ready-set entry (asynq ran the task
// twice) dials it again.
func TestDialedAttemptIsNeverDialedAgain(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		w := newTestWorld(t, db)
		camp, contacts := w.campaign(t, Campaign{MaxAttempts: 2, RetryDelay: 10 * time.Minute}, 1)
		w.feed(t, 1)
		tasks := w.attemptTasks(t)
		w.drainAttemptTasks(t)
		d := w.dispatcher(t, "node-a", 10*time.Second)
		got, err := d.Claim(w.ctx, camp.ID, 1)
		if err != nil || len(got) != 1 {
			t.Fatalf("Claim = %+v, %v", got, err)
		}
		att, err := d.Dial(w.ctx, got[0], DialingInfo{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.BeginDialing(w.ctx, got[0].Key, DialingInfo{Node: "node-b"}); !errors.Is(err, ErrAlreadyDialed) {
			t.Fatalf("second BeginDialing err = %v, want ErrAlreadyDialed", err)
		}
		if _, err := d.Dial(w.ctx, got[0], DialingInfo{}); !errors.Is(err, ErrAlreadyDialed) {
			t.Fatalf("second Dial err = %v, want ErrAlreadyDialed", err)
		}

		staleClaim := func(stage string) {
			t.Helper()
			// asynq delivers the first attempt's task again.
			if err := w.handlers.HandleAttemptDue(w.ctx, asynq.NewTask(tasks[0].Type, tasks[0].Payload)); err != nil {
				t.Fatal(err)
			}
			if in, _ := w.ready.Contains(w.ctx, got[0].Key); !in {
				t.Fatalf("%s: duplicate task did not reach the ready set", stage)
			}
			again, err := d.Claim(w.ctx, camp.ID, 5)
			if err != nil || len(again) != 0 {
				t.Fatalf("%s: Claim of a stale entry = %+v, %v; want nothing", stage, again, err)
			}
			in, _ := w.ready.Contains(w.ctx, got[0].Key)
			cl, _ := w.ready.Claimed(w.ctx, got[0].Key)
			if in || cl {
				t.Fatalf("%s: stale entry kept (ready %v, claimed %v)", stage, in, cl)
			}
		}
		staleClaim("while dialing")
		if rep := w.reconcile(t); rep != (Report{}) {
			t.Fatalf("reconciler touched a dialing attempt of a live node: %+v", rep)
		}
		if err := d.Finish(w.ctx, att.ID, Result{Outcome: OutcomeBusy, SIPCode: 486}); err != nil {
			t.Fatal(err)
		}
		staleClaim("after finishing")
		w.clock.Advance(10 * time.Minute)
		w.feed(t, 1) // attempt 2: queued, its task not yet run
		staleClaim("with attempt 2 queued")
		w.drainAttemptTasks(t)
		next, err := d.Claim(w.ctx, camp.ID, 5)
		if err != nil || len(next) != 1 {
			t.Fatalf("Claim of attempt 2 = %+v, %v", next, err)
		}
		if next[0].Key.Number != 2 {
			t.Fatalf("claimed %s, want attempt 2", next[0].Key)
		}
		if _, err := d.Dial(w.ctx, next[0], DialingInfo{}); err != nil {
			t.Fatal(err)
		}
		list, _ := w.store.ListAttempts(w.ctx, AttemptFilter{ContactID: contacts[0].ID})
		if len(list) != 2 || list[0].Number != 1 || list[1].Number != 2 {
			t.Fatalf("attempt rows = %+v", list)
		}
	})
}

// TestRedisFlushIsRebuilt: Redis flushed mid-campaign (tasks pending, keys
// ready, claims held, calls dialing) is rebuilt by the reconciler, and every
// contact ends up dialed exactly once per attempt number.
func TestRedisFlushIsRebuilt(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		const contacts, maxAttempts = 30, 2
		w := newTestWorld(t, db)
		camp, _ := w.campaign(t, Campaign{MaxAttempts: maxAttempts, RetryDelay: 10 * time.Minute}, contacts)
		dials := map[AttemptKey]int{}
		// The call's outcome: no answer the first time, a person the second.
		outcome := func(k AttemptKey) Result {
			if k.Number < maxAttempts {
				return Result{Outcome: OutcomeNoAnswer, SIPCode: 480}
			}
			return Result{Outcome: OutcomeHuman, SIPCode: 200}
		}
		a := w.dispatcher(t, "node-a", 30*time.Second)
		dial := func(d *Dispatcher, c Claimed) (Attempt, bool) {
			t.Helper()
			att, err := d.Dial(w.ctx, c, DialingInfo{Evidence: "{}"})
			if errors.Is(err, ErrAlreadyDialed) {
				return Attempt{}, false
			}
			if err != nil {
				t.Fatal(err)
			}
			dials[c.Key]++
			return att, true
		}

		// Mid-campaign: 10 tasks pending, 10 keys ready, 5 claims held by
		// node-a, 3 calls dialing, 2 calls finished (retry scheduled).
		w.feed(t, contacts)
		w.drainSomeAttemptTasks(t, 20)
		held, err := a.Claim(w.ctx, camp.ID, 10)
		if err != nil || len(held) != 10 {
			t.Fatalf("Claim = %d, %v", len(held), err)
		}
		var inFlight []Attempt
		for i, c := range held[:5] {
			att, _ := dial(a, c)
			if i < 2 {
				if err := a.Finish(w.ctx, att.ID, outcome(c.Key)); err != nil {
					t.Fatal(err)
				}
				continue
			}
			inFlight = append(inFlight, att)
		}
		stillHeld := held[5:]

		if err := w.rdb.FlushAll(w.ctx).Err(); err != nil {
			t.Fatal(err)
		}
		w.beat(t, "node-a") // a live node beats again within seconds
		rep := w.reconcile(t)
		if rep != (Report{Requeued: 25}) {
			t.Fatalf("after FLUSHALL: report %+v, want 25 requeued (10 pending + 10 ready + 5 claimed)", rep)
		}
		if rep := w.reconcile(t); rep != (Report{}) {
			t.Fatalf("second reconcile repaired again: %+v", rep)
		}
		// asynq's Client registers a queue in "asynq:queues" on its first
		// enqueue per process only (internal/rdb/rdb.go), so after the flush
		// the Inspector this test drains tasks with cannot see the requeued
		// tasks (the asynq server runs them either way). Register the queue
		// as a restarted process would.
		if err := w.rdb.SAdd(w.ctx, "asynq:queues", QueueAttempts).Err(); err != nil {
			t.Fatal(err)
		}
		if n := len(w.attemptTasks(t)); n != 25 {
			t.Fatalf("%d tasks after the rebuild, want 25", n)
		}
		// node-a still holds claims in memory that Redis forgot: it dials two
		// and gives back three. The requeued copies must not dial them again.
		for _, c := range stillHeld[:2] {
			att, ok := dial(a, c)
			if !ok {
				t.Fatalf("claim %s held across the flush was refused", c.Key)
			}
			inFlight = append(inFlight, att)
		}
		for _, c := range stillHeld[2:] {
			if err := a.Unclaim(w.ctx, c); err != nil {
				t.Fatal(err)
			}
		}

		// Run the campaign to the end with a second node.
		b := w.dispatcher(t, "node-b", 30*time.Second)
		for _, att := range inFlight {
			if err := a.Finish(w.ctx, att.ID, outcome(att.Key())); err != nil {
				t.Fatal(err)
			}
		}
		for round := 0; ; round++ {
			if round > 10 {
				st, _ := w.store.Stats(w.ctx, camp.ID)
				t.Fatalf("campaign not done after %d rounds: %+v", round, st)
			}
			w.feed(t, -1)
			w.drainAttemptTasks(t)
			if rep := w.reconcile(t); rep.Unknown != 0 || rep.Returned != 0 {
				t.Fatalf("round %d: unexpected repairs %+v", round, rep)
			}
			claimed, err := b.Claim(w.ctx, camp.ID, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range claimed {
				if att, ok := dial(b, c); ok {
					if err := b.Finish(w.ctx, att.ID, outcome(c.Key)); err != nil {
						t.Fatal(err)
					}
				}
			}
			st, err := w.store.Stats(w.ctx, camp.ID)
			if err != nil {
				t.Fatal(err)
			}
			if st.Contacts[ContactDone] == contacts {
				break
			}
			w.clock.Advance(10 * time.Minute)
		}

		// Nothing lost, nothing repeated.
		if len(dials) != contacts*maxAttempts {
			t.Fatalf("%d attempts dialed, want %d", len(dials), contacts*maxAttempts)
		}
		for k, n := range dials {
			if n != 1 {
				t.Errorf("attempt %s dialed %d times", k, n)
			}
		}
		all, err := w.store.ListAttempts(w.ctx, AttemptFilter{CampaignID: camp.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		byContact := map[int64][]int{}
		for _, at := range all {
			byContact[at.ContactID] = append(byContact[at.ContactID], at.Number)
		}
		for id, nums := range byContact {
			sort.Ints(nums)
			if len(nums) != maxAttempts || nums[0] != 1 || nums[1] != 2 {
				t.Errorf("contact %d attempts %v, want [1 2]", id, nums)
			}
		}
		st, _ := w.store.Stats(w.ctx, camp.ID)
		if len(byContact) != contacts || st.ByOutcome[OutcomeHuman] != contacts || st.ByOutcome[OutcomeNoAnswer] != contacts {
			t.Fatalf("stats %+v over %d contacts", st, len(byContact))
		}
		if n, _ := w.ready.Len(w.ctx, camp.ID); n != 0 {
			t.Fatalf("%d keys left in the ready set", n)
		}
	})
}

// TestDialingOnDeadNodeBecomesUnknown: a dialing attempt whose node died
// becomes unknown; the contact's next attempt comes after the retry delay,
// never at once, or never if attempts are exhausted.
func TestDialingOnDeadNodeBecomesUnknown(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int
		wantState   ContactState
	}{
		{"attempts left: retry after the delay", 3, ContactScheduled},
		{"last attempt: contact done", 1, ContactDone},
	}
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := newTestWorld(t, db)
				const retry = 30 * time.Minute
				camp, _ := w.campaign(t, Campaign{MaxAttempts: tt.maxAttempts, RetryDelay: retry}, 2)
				w.feed(t, 2)
				w.drainAttemptTasks(t)
				doomed := w.dispatcher(t, "doomed", 10*time.Second)
				steady := w.dispatcher(t, "steady", 10*time.Second)
				c1, _ := doomed.Claim(w.ctx, camp.ID, 1)
				c2, _ := steady.Claim(w.ctx, camp.ID, 1)
				if len(c1) != 1 || len(c2) != 1 {
					t.Fatalf("claims %d, %d", len(c1), len(c2))
				}
				lost, err := doomed.Dial(w.ctx, c1[0], DialingInfo{})
				if err != nil {
					t.Fatal(err)
				}
				live, err := steady.Dial(w.ctx, c2[0], DialingInfo{})
				if err != nil {
					t.Fatal(err)
				}
				if err := w.nodes.Leave(w.ctx, "doomed"); err != nil {
					t.Fatal(err)
				}
				// A node must stay absent for NodeGrace: a Redis restart drops
				// every heartbeat at once, and live calls must survive it.
				if rep := w.reconcile(t); rep.Unknown != 0 {
					t.Fatalf("ended as unknown at first sight: %+v", rep)
				}
				w.clock.Advance(DefaultNodeGrace)
				if rep := w.reconcile(t); rep != (Report{Unknown: 1}) {
					t.Fatalf("report %+v, want 1 unknown", rep)
				}
				endedAt := w.clock.Now()
				got, _ := w.store.GetAttempt(w.ctx, lost.ID)
				if got.State != StateDone || got.Outcome != OutcomeUnknown {
					t.Fatalf("attempt of the dead node = %+v", got)
				}
				if got, _ := w.store.GetAttempt(w.ctx, live.ID); got.State != StateDialing {
					t.Fatalf("attempt of the live node = %+v", got)
				}
				c := w.contact(t, lost.ContactID)
				if c.State != tt.wantState || c.LastOutcome != OutcomeUnknown {
					t.Fatalf("contact = %+v, want %s", c, tt.wantState)
				}
				// The dead node's late report changes nothing.
				if err := doomed.Finish(w.ctx, lost.ID, Result{Outcome: OutcomeHuman}); !errors.Is(err, ErrConflict) {
					t.Fatalf("late Finish err = %v, want ErrConflict", err)
				}
				if tt.wantState == ContactDone {
					return
				}
				if !c.NextDueAt.Equal(endedAt.Add(retry)) {
					t.Fatalf("next due %v, want %v", c.NextDueAt, endedAt.Add(retry))
				}
				// Not at once: not even the feeder's horizon reaches it.
				if n, err := w.feeder.RunOnce(w.ctx); err != nil || n != 0 {
					t.Fatalf("feeder right after: %d tasks, %v; want none", n, err)
				}
				w.clock.Advance(retry)
				w.feed(t, 1)
				if tasks := w.attemptTasks(t); len(tasks) != 1 || tasks[0].ID != (AttemptKey{camp.ID, lost.ContactID, 2}).String() {
					t.Fatalf("after the retry delay: tasks %v, want attempt 2 of contact %d", tasks, lost.ContactID)
				}
			})
		}
	})
}

// TestReconcilerRequeuesOnlyLostAttempts: an attempt with a task, in the
// ready set, or claimed is left alone; only one in no queue is requeued.
func TestReconcilerRequeuesOnlyLostAttempts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		w := newTestWorld(t, db)
		camp, contacts := w.campaign(t, Campaign{}, 4)
		w.feed(t, 4)
		keyOf := func(i int) AttemptKey { return AttemptKey{CampaignID: camp.ID, ContactID: contacts[i].ID, Number: 1} }
		// contacts[0]: task stays; [1] and [2]: handled (ready), then [1]
		// claimed; [3]: task lost (e.g. the feeder died before enqueueing).
		for _, i := range []int{1, 2} {
			k := keyOf(i)
			if err := w.handlers.HandleAttemptDue(w.ctx, NewAttemptDueTask(k)); err != nil {
				t.Fatal(err)
			}
			if err := w.insp.DeleteTask(QueueAttempts, k.String()); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := w.ready.Claim(w.ctx, camp.ID, 1, "node-a", time.Minute); len(got) != 1 || got[0] != keyOf(1) {
			t.Fatalf("claim = %v", got)
		}
		if err := w.insp.DeleteTask(QueueAttempts, keyOf(3).String()); err != nil {
			t.Fatal(err)
		}
		w.beat(t, "node-a")
		if rep := w.reconcile(t); rep != (Report{Requeued: 1}) {
			t.Fatalf("report %+v, want 1 requeued", rep)
		}
		info, err := w.insp.GetTaskInfo(QueueAttempts, keyOf(3).String())
		if err != nil || info.Type != TypeAttemptDue {
			t.Fatalf("requeued task: %+v, %v", info, err)
		}
		if rep := w.reconcile(t); rep != (Report{}) {
			t.Fatalf("second run %+v, want nothing", rep)
		}
		ids := map[string]bool{}
		for _, ti := range w.attemptTasks(t) {
			ids[ti.ID] = true
		}
		if len(ids) != 2 || !ids[keyOf(0).String()] || !ids[keyOf(3).String()] {
			t.Fatalf("tasks %v, want those of contacts 0 and 3 only", ids)
		}
	})
}

func TestHandleAttemptDueRejectsBadPayload(t *testing.T) {
	w := newTestWorld(t, newMigratedSQLiteDB(t))
	for _, p := range []string{"", "not json", `{"campaign_id":1,"contact_id":0,"attempt":1}`, `{"campaign_id":1,"contact_id":2,"attempt":0}`} {
		err := w.handlers.HandleAttemptDue(w.ctx, asynq.NewTask(TypeAttemptDue, []byte(p)))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("payload %q: err = %v, want SkipRetry", p, err)
		}
	}
}

// TestAsynqServerFeedsReadySet runs a real asynq server: the periodic
// feed task queues the contacts, the attempt:due tasks land in the ready
// set, and asynq keeps nothing behind.
func TestAsynqServerFeedsReadySet(t *testing.T) {
	w := newTestWorld(t, newMigratedSQLiteDB(t))
	camp, _ := w.campaign(t, Campaign{}, 5)
	srv := asynq.NewServerFromRedisClient(w.rdb, asynq.Config{
		Queues:                   map[string]int{QueueAttempts: 1},
		Concurrency:              4,
		TaskCheckInterval:        50 * time.Millisecond,
		DelayedTaskCheckInterval: 100 * time.Millisecond,
		LogLevel:                 asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	w.handlers.Register(mux)
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	if _, err := w.client.EnqueueContext(w.ctx, NewFeedTask()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, err := w.ready.Len(w.ctx, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n == 5 && len(w.attemptTasks(t)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ready set holds %d of 5 attempts after 15 s; tasks left %d", n, len(w.attemptTasks(t)))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := w.client.EnqueueContext(w.ctx, NewReconcileTask()); err != nil {
		t.Fatal(err)
	}
}

// TestRecoverNode: a node restarting under its old name (after a kill -9)
// ends the attempts its previous run left dialing as unknown at once — it
// beats as alive, so the dead-node sweep would never end them — and leaves
// other nodes' calls alone.
func TestRecoverNode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqldb.DB) {
		w := newTestWorld(t, db)
		camp, _ := w.campaign(t, Campaign{MaxAttempts: 3, Retry: RetryRules{OutcomeUnknown: {Delay: time.Minute}}}, 2)
		w.feed(t, 2)
		w.drainAttemptTasks(t)
		crashed := w.dispatcher(t, "node-a", 10*time.Second)
		other := w.dispatcher(t, "node-b", 10*time.Second)
		c1, _ := crashed.Claim(w.ctx, camp.ID, 1)
		c2, _ := other.Claim(w.ctx, camp.ID, 1)
		lost, err := crashed.Dial(w.ctx, c1[0], DialingInfo{})
		if err != nil {
			t.Fatal(err)
		}
		live, err := other.Dial(w.ctx, c2[0], DialingInfo{})
		if err != nil {
			t.Fatal(err)
		}
		w.beat(t, "node-a") // restarted: alive again at once
		n, err := w.reconciler.RecoverNode(w.ctx, "node-a")
		if err != nil || n != 1 {
			t.Fatalf("RecoverNode = %d, %v; want 1", n, err)
		}
		if got, _ := w.store.GetAttempt(w.ctx, lost.ID); got.Outcome != OutcomeUnknown {
			t.Fatalf("left-over attempt %+v", got)
		}
		if got, _ := w.store.GetAttempt(w.ctx, live.ID); got.State != StateDialing {
			t.Fatalf("other node's call %+v", got)
		}
		c := w.contact(t, lost.ContactID)
		if c.State != ContactScheduled || !c.NextDueAt.Equal(w.clock.Now().Add(time.Minute)) {
			t.Fatalf("contact after recovery %+v (the unknown rule: retry in 1 min)", c)
		}
	})
}
