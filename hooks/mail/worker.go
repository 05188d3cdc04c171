package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/pace"
	"printlab/hooks/settings"
	"printlab/hooks/stmts"
	"printlab/schema"
)

// DefaultBackoff is the wait before each retry: about a day of trying in all,
// long enough to ride out an SMTP outage or a weekend maintenance window.
var DefaultBackoff = []time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 12 * time.Hour,
}

// Options tune a Worker; zero values take the defaults. Tests shorten them.
type Options struct {
	// Backoff is the wait before each retry; after len(Backoff)+1 failed
	// attempts a row is marked failed.
	Backoff []time.Duration
	// AttemptTimeout bounds one attempt (dial, greeting, one message), 15 s by
	// default, so a dead SMTP host never stalls the worker for minutes.
	AttemptTimeout time.Duration
	// Senders is how many SMTP connections deliver at once (3 by default).
	Senders int
	// BatchSize is how many rows one pass picks (500 by default).
	BatchSize int
	// PollInterval is how often the worker looks for due retries when nothing
	// wakes it (30 s by default).
	PollInterval time.Duration
	// Gather is how long the worker waits after a commit wakes it, so that the
	// emails of a busy minute go out in one pass (one query, one transaction
	// for their marks) rather than one pass each (50 ms by default).
	Gather time.Duration
	// Now is the clock (time.Now by default).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if len(o.Backoff) == 0 {
		o.Backoff = DefaultBackoff
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 15 * time.Second
	}
	if o.Senders <= 0 {
		o.Senders = 3
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 30 * time.Second
	}
	if o.Gather <= 0 {
		o.Gather = 50 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Worker delivers queued emails. One worker runs per server process; a drain
// never runs twice at once, and nothing it does holds a database transaction
// while talking to SMTP.
type Worker struct {
	app  core.App
	opts Options

	drainMu sync.Mutex
	wake    chan struct{}

	runMu  sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// NewWorker returns a worker for app; Start runs it in the background, Drain
// runs one delivery round in the caller's goroutine.
func NewWorker(app core.App, opts Options) *Worker {
	return &Worker{app: app, opts: opts.withDefaults(), wake: make(chan struct{}, 1)}
}

// Wake asks the worker to look for due rows now. It never blocks: a wake-up
// already pending covers this one too.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Start runs the worker loop until Stop. Calling it twice does nothing.
func (w *Worker) Start() {
	w.runMu.Lock()
	defer w.runMu.Unlock()
	if w.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan struct{})
	go w.loop(ctx, w.done)
}

// Stop ends the loop and waits for the attempt in flight, which its deadline
// bounds.
func (w *Worker) Stop() {
	w.runMu.Lock()
	cancel, done := w.cancel, w.done
	w.cancel, w.done = nil, nil
	w.runMu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

func (w *Worker) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(w.opts.PollInterval)
	defer tick.Stop()
	w.Wake() // rows left over from before a restart
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
			select {
			case <-ctx.Done():
				return
			case <-time.After(w.opts.Gather):
			}
		case <-tick.C:
		}
		// Staff moves come first: a burst of them holds the emails it queued
		// until the desk is quiet, for at most pace.MaxHold.
		pace.For(w.app).Wait(ctx, pace.MaxHold)
		if ctx.Err() != nil {
			return
		}
		if res, err := w.Drain(ctx, w.opts.Now()); err != nil {
			w.app.Logger().Error("mail: outbox drain", "error", err, "result", res.String())
		}
	}
}

// Result counts what a drain did with the rows it picked.
type Result struct {
	Sent    int // accepted by the SMTP server
	Filed   int // written to pb_data/mail (no SMTP configured)
	Retried int // failed this time, retry scheduled
	Failed  int // failed for the last time
}

func (r Result) String() string {
	return fmt.Sprintf("%d sent, %d saved as files, %d to retry, %d failed", r.Sent, r.Filed, r.Retried, r.Failed)
}

func (r *Result) add(o Result) {
	r.Sent += o.Sent
	r.Filed += o.Filed
	r.Retried += o.Retried
	r.Failed += o.Failed
}

// Drain delivers every row that is due at now, pass after pass, until none is
// left or the SMTP server stops answering (then the remaining rows wait for
// their retry time). One job's emails go out one after another in the order
// they were queued, on one connection; different jobs go out in parallel.
func (w *Worker) Drain(ctx context.Context, now time.Time) (Result, error) {
	w.drainMu.Lock()
	defer w.drainMu.Unlock()
	var total Result
	for ctx.Err() == nil {
		rows, err := w.due(now)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			return total, nil
		}
		res, broken := w.pass(ctx, rows, now)
		total.add(res)
		if broken != nil {
			return total, broken
		}
	}
	return total, nil
}

// due selects queued rows whose time has come and that no older row of the
// same job waiting for a retry is in front of. rowid is SQLite's insertion
// order, finer than the millisecond `created` stamp of rows written in one
// transaction; ordering by it puts every job's due rows in sequence.
func (w *Worker) due(now time.Time) ([]*core.Record, error) {
	var ids []string
	if err := DueQuery(w.app, now, w.opts.BatchSize).Column(&ids); err != nil || len(ids) == 0 {
		return nil, err
	}
	rows, err := w.app.FindRecordsByIds(schema.Emails, ids)
	if err != nil {
		return nil, err
	}
	order := make(map[string]int, len(ids))
	for i, id := range ids {
		order[id] = i
	}
	slices.SortFunc(rows, func(a, b *core.Record) int { return order[a.Id] - order[b.Id] })
	return rows, nil
}

// DueQuery selects the ids behind due, for tests of its plan.
//
// The queued rows are found through the state index by name: with statistics
// taken while the outbox was small (as a new lab's are), SQLite would otherwise
// scan every row, bodies included, on every pass. next_attempt is ” (which
// sorts first) or a date.
func DueQuery(app core.App, now time.Time, limit int) *dbx.Query {
	return app.DB().NewQuery(`SELECT e.id FROM emails e INDEXED BY idx_emails_state_next
		WHERE e.state = {:queued} AND e.next_attempt <= {:now}
		AND NOT EXISTS (SELECT 1 FROM emails p WHERE e.job != '' AND p.job = e.job
			AND p.state = {:queued} AND p.rowid < e.rowid AND p.next_attempt > {:now})
		ORDER BY e.rowid LIMIT {:limit}`).
		Bind(dbx.Params{"queued": schema.EmailQueued, "now": dateTime(now).String(), "limit": limit})
}

// outcome is what happened to one row in a pass; err nil means delivered.
type outcome struct {
	row   *core.Record
	state string // schema.EmailSent or schema.EmailFile when delivered
	err   error
}

// pass delivers rows and marks each one. It returns the connection error that
// ended it early, if any; rows it did not get to are marked for retry with
// that error, because the server was unreachable for them too.
//
// Senders hand their outcomes to one marker, which writes whatever has piled
// up in one short transaction: a single write per message would make the
// database, not SMTP, the limit when a backlog drains.
func (w *Worker) pass(ctx context.Context, rows []*core.Record, now time.Time) (Result, error) {
	from, replyTo := w.sender()
	cfg, useSMTP := smtpFromSettings(w.app)

	outcomes := make(chan outcome, len(rows))
	marked := make(chan Result)
	go w.marker(outcomes, now, marked)
	rows = w.renderDue(rows, outcomes)

	if !useSMTP {
		dir := filepath.Join(w.app.DataDir(), "mail")
		mkErr := os.MkdirAll(dir, 0o755)
		for _, row := range rows {
			err := mkErr
			if err == nil {
				err = w.writeFile(dir, row, from, replyTo)
			}
			outcomes <- outcome{row: row, state: schema.EmailFile, err: err}
		}
		close(outcomes)
		return <-marked, nil
	}

	var (
		mu     sync.Mutex
		broken error
	)
	passCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	breakPass := func(err error) {
		mu.Lock()
		if broken == nil {
			broken = err
		}
		mu.Unlock()
		cancel()
	}
	brokenErr := func() error {
		mu.Lock()
		defer mu.Unlock()
		return broken
	}

	// One job's rows go to one sender, in order; different jobs in parallel.
	feed := make(chan []*core.Record)
	var wg sync.WaitGroup
	groups := byJob(rows)
	for range min(w.opts.Senders, len(groups)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var conn *smtpConn
			defer func() {
				if conn != nil {
					conn.close()
				}
			}()
			for group := range feed {
				for i, row := range group {
					if err := brokenErr(); err != nil {
						for _, r := range group[i:] {
							outcomes <- outcome{row: r, err: err}
						}
						break
					}
					if passCtx.Err() != nil {
						break // shutting down: untried rows keep their attempts
					}
					if conn == nil {
						c, err := dialSMTP(passCtx, cfg, w.opts.AttemptTimeout)
						if err != nil {
							breakPass(err)
							for _, r := range group[i:] {
								outcomes <- outcome{row: r, err: err}
							}
							break
						}
						conn = c
					}
					err := conn.send(passCtx, envelopeFor(row, from, replyTo))
					outcomes <- outcome{row: row, state: schema.EmailSent, err: err}
					var ce connError
					if errors.As(err, &ce) {
						conn.raw.Close()
						conn = nil
						breakPass(err)
						continue // the rest of the group is marked for retry above
					}
					if err != nil {
						// The server refused this one; the job's later emails
						// wait behind its retry.
						break
					}
				}
			}
		}()
	}
	for _, g := range groups {
		feed <- g
	}
	close(feed)
	wg.Wait()
	close(outcomes)
	return <-marked, brokenErr()
}

// byJob splits rows (in rowid order) into per-job sequences, in the order of
// each job's first row; rows without a job stand alone.
func byJob(rows []*core.Record) [][]*core.Record {
	var groups [][]*core.Record
	index := map[string]int{}
	for _, r := range rows {
		job := r.GetString("job")
		if i, ok := index[job]; ok && job != "" {
			groups[i] = append(groups[i], r)
			continue
		}
		index[job] = len(groups)
		groups = append(groups, []*core.Record{r})
	}
	return groups
}

// marker records outcomes as they come, batching what is waiting into one
// transaction, and reports the totals when outcomes is closed.
func (w *Worker) marker(outcomes <-chan outcome, now time.Time, done chan<- Result) {
	var res Result
	for first := range outcomes {
		batch := []outcome{first}
	more:
		for len(batch) < 200 {
			select {
			case o, ok := <-outcomes:
				if !ok {
					break more
				}
				batch = append(batch, o)
			default:
				break more
			}
		}
		var local Result
		err := w.app.RunInTransaction(func(tx core.App) error {
			local = Result{}
			for _, o := range batch {
				if err := w.apply(tx, o, now, &local); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			// The messages went out but their rows still say queued: they
			// will go out again under the same Message-ID (at-least-once).
			w.app.Logger().Error("mail: recording delivery results", "emails", len(batch), "error", err)
			continue
		}
		rows := make([]*core.Record, len(batch))
		for i, o := range batch {
			rows[i] = o.row
		}
		stmts.AfterCommit(w.app, false, rows...)
		res.add(local)
	}
	done <- res
}

// renderDue writes the bodies of the rows that have none yet (Enqueue leaves
// them to the worker), reading their jobs in one query. A row that cannot be
// written gets its outcome here and is left out of the delivery.
func (w *Worker) renderDue(rows []*core.Record, outcomes chan<- outcome) []*core.Record {
	var ids []string
	for _, r := range rows {
		if r.GetString("html") == "" && !slices.Contains(ids, r.GetString("job")) {
			ids = append(ids, r.GetString("job"))
		}
	}
	if len(ids) == 0 {
		return rows
	}
	lab, err := settings.Load(w.app)
	var found []*core.Record
	if err == nil {
		found, err = w.app.FindRecordsByIds(schema.Jobs, ids)
	}
	jobs := make(map[string]*core.Record, len(found))
	for _, j := range found {
		jobs[j.Id] = j
	}
	known := names{}
	out := make([]*core.Record, 0, len(rows))
	for _, r := range rows {
		if r.GetString("html") != "" {
			out = append(out, r)
			continue
		}
		rerr := err // the lab's settings or the jobs could not be read: retry later
		if rerr == nil {
			if job := jobs[r.GetString("job")]; job == nil {
				rerr = unrenderable{errors.New("mail: the job of this email no longer exists")}
			} else if e := renderRow(w.app, lab, job, r, known); e != nil {
				rerr = unrenderable{e}
			}
		}
		if rerr != nil {
			outcomes <- outcome{row: r, err: rerr}
			continue
		}
		out = append(out, r)
	}
	return out
}

// unrenderable is an email whose bodies cannot be written: no retry helps.
type unrenderable struct{ error }

func (u unrenderable) Unwrap() error { return u.error }

// permanent reports a failure that no retry can fix: the receiving server said
// the mailbox does not exist or is not allowed (550, 551, 553), or the email
// cannot be written. Other 5xx answers (authentication, a full mailbox) are
// often put right within the retry window.
func permanent(err error) bool {
	if errors.As(err, new(unrenderable)) {
		return true
	}
	var tp *textproto.Error
	if !errors.As(err, &tp) {
		return false
	}
	return tp.Code == 550 || tp.Code == 551 || tp.Code == 553
}

// apply writes one outcome: delivered, retry later, or failed for good. Only
// the columns it changes are written, with a prepared statement and no
// validation (the values are the worker's own): the marks hold the single
// writer that the desk's moves wait for. marker runs the rows' after-update
// hooks once they are committed.
func (w *Worker) apply(tx core.App, o outcome, now time.Time, res *Result) error {
	row := o.row
	attempts := row.GetInt("attempts") + 1
	row.Set("attempts", attempts)
	if o.err == nil {
		row.Set("state", o.state)
		row.Set("sent_at", dateTime(now))
		row.Set("last_error", "")
		if o.state == schema.EmailFile {
			res.Filed++
		} else {
			res.Sent++
		}
		return stmts.Update(tx, row)
	}
	msg := o.err.Error()
	if len(msg) > 1900 {
		msg = msg[:1900]
	}
	row.Set("last_error", msg)
	if attempts > len(w.opts.Backoff) || permanent(o.err) {
		row.Set("state", schema.EmailFailed)
		res.Failed++
		w.app.Logger().Error("mail: giving up on an email", "email", row.Id, "job", row.GetString("job"),
			"kind", row.GetString("kind"), "attempts", attempts, "error", msg)
	} else {
		row.Set("next_attempt", dateTime(now.Add(w.opts.Backoff[attempts-1])))
		res.Retried++
	}
	return stmts.Update(tx, row)
}

// sender is the From address from PocketBase's mail settings and the lab's
// contact address for replies (the sender is often a no-reply mailbox).
func (w *Worker) sender() (mail.Address, string) {
	meta := w.app.Settings().Meta
	from := mail.Address{Name: cleanHeader(meta.SenderName), Address: meta.SenderAddress}
	var replyTo string
	if lab, err := settings.Load(w.app); err == nil {
		replyTo = lab.ContactEmail
	}
	return from, replyTo
}

func outgoingFor(row *core.Record, from mail.Address, replyTo string) outgoing {
	return outgoing{
		From:      from,
		ReplyTo:   replyTo,
		To:        row.GetString("recipient"),
		Subject:   row.GetString("subject"),
		MessageID: row.GetString("message_id"),
		Date:      row.GetDateTime("created").Time(),
		HTML:      row.GetString("html"),
		Text:      row.GetString("text"),
		Kind:      row.GetString("kind"),
	}
}

func envelopeFor(row *core.Record, from mail.Address, replyTo string) envelope {
	return envelope{From: from.Address, To: row.GetString("recipient"), Raw: buildMessage(outgoingFor(row, from, replyTo))}
}

// writeFile stores the message under pb_data/mail, in the folder pass made.
// The file is written in place under its final name: a crash halfway leaves
// the row queued, and its next attempt writes the whole file over the half
// one. (A temporary file and a rename cost twice the file-system calls, which
// was most of the worker's time when a busy desk's emails go to files.)
func (w *Worker) writeFile(dir string, row *core.Record, from mail.Address, replyTo string) error {
	name := fmt.Sprintf("%s-%s-%s.eml",
		row.GetDateTime("created").Time().UTC().Format("20060102-150405"), row.GetString("kind"), row.Id)
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(buildMessage(outgoingFor(row, from, replyTo)))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
