// Package stmts keeps prepared SQLite statements for the queries PrintLab runs
// on every request: parsing a statement again each time cost an eighth of the
// dashboard list's time and a fifth of a move's time on the single writer
// (BENCHMARKS.md, issue #3). Statements are keyed by pool and SQL; callers build
// their SQL from fixed pieces and pass values as arguments, so the set stays
// small. SQLite re-prepares a statement by itself when the schema changes.
package stmts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

var (
	cache   sync.Map // key → *sql.Stmt
	warming sync.Map // key → true: being prepared in the background
)

type key struct {
	db   *sql.DB
	text string
}

func prepared(db *sql.DB, text string) (*sql.Stmt, error) {
	k := key{db, text}
	if st, ok := cache.Load(k); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.Prepare(text)
	if err != nil {
		return nil, err
	}
	if prev, loaded := cache.LoadOrStore(k, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st, nil
}

// Query runs a read on the app's read pool, or in app's transaction when it
// has one.
func Query(app core.App, text string, args ...any) (*sql.Rows, error) {
	if app.IsTransactional() {
		st, err := InTx(app, text)
		if err != nil {
			return nil, err
		}
		return st.Query(args...)
	}
	db, ok := app.ConcurrentDB().(*dbx.DB)
	if !ok {
		return nil, fmt.Errorf("printlab: the read pool is a %T, not a *dbx.DB", app.ConcurrentDB())
	}
	st, err := prepared(db.DB(), text)
	if err != nil {
		return nil, err
	}
	return st.Query(args...)
}

// InTx returns the statement for text bound to tx, the transaction of a
// RunInTransaction callback. The writer pool has one connection, so the
// statement is prepared once and reused by every transaction after.
func InTx(tx core.App, text string) (*sql.Stmt, error) {
	dtx, ok := tx.NonconcurrentDB().(*dbx.Tx)
	if !ok {
		return nil, fmt.Errorf("printlab: %T is not a transaction", tx.NonconcurrentDB())
	}
	b, ok := dtx.Builder.(interface {
		DB() *dbx.DB
		Executor() dbx.Executor
	})
	if !ok {
		return nil, fmt.Errorf("printlab: unexpected transaction builder %T", dtx.Builder)
	}
	sqlTx, ok := b.Executor().(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("printlab: unexpected transaction executor %T", b.Executor())
	}
	db := b.DB().DB()
	if st, ok := cache.Load(key{db, text}); ok {
		return sqlTx.Stmt(st.(*sql.Stmt)), nil
	}
	// The transaction holds the writer pool's one connection, so the shared
	// statement cannot be prepared now: this transaction prepares its own, and
	// the shared one is prepared as soon as the connection is free.
	if _, busy := warming.LoadOrStore(key{db, text}, true); !busy {
		go func() {
			if _, err := prepared(db, text); err != nil {
				warming.Delete(key{db, text}) // try again next time
			}
		}()
	}
	return sqlTx.Prepare(text)
}

// Snapshot is a row as it was read, column by column, to tell later whether
// it has changed since (Unchanged).
type Snapshot struct {
	names []string
	vals  []sql.NullString
}

func scan(rows *sql.Rows) (Snapshot, error) {
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return Snapshot{}, err
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Snapshot{}, err
		}
		return Snapshot{}, sql.ErrNoRows
	}
	vals := make([]sql.NullString, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return Snapshot{}, err
	}
	return Snapshot{names, vals}, nil
}

// record reads the first row of rows into a record of col, as PocketBase's own
// queries do (sql.ErrNoRows when there is none), and returns the row as read.
// rows is closed.
func record(col *core.Collection, rows *sql.Rows) (*core.Record, Snapshot, error) {
	snap, err := scan(rows)
	if err != nil {
		return nil, Snapshot{}, err
	}
	vals := snap.vals
	at := make(map[string]int, len(snap.names))
	for i, n := range snap.names {
		at[n] = i
	}
	rec := core.NewRecord(col)
	for _, f := range col.Fields {
		var raw any
		if i, ok := at[f.GetName()]; ok && vals[i].Valid {
			raw = vals[i].String
		}
		v, err := f.PrepareValue(rec, raw)
		if err != nil {
			return nil, Snapshot{}, err
		}
		rec.SetRaw(f.GetName(), v)
	}
	rec.Id = rec.GetString(core.FieldNameId)
	// As a record PocketBase loaded: not new, its original the values read.
	if err := rec.PostScan(); err != nil {
		return nil, Snapshot{}, err
	}
	return rec, snap, nil
}

// FindByID reads the record of collection name with id through a prepared
// statement: in app's transaction when it has one, else on the read pool. It is
// PocketBase's FindRecordById without the query building, for the lookups a
// move makes every time (sql.ErrNoRows when there is no such record).
func FindByID(app core.App, name, id string) (*core.Record, error) {
	col, err := app.FindCachedCollectionByNameOrId(name)
	if err != nil {
		return nil, err
	}
	rows, err := Query(app, byID(col.Name), id)
	if err != nil {
		return nil, err
	}
	rec, _, err := record(col, rows)
	return rec, err
}

func byID(table string) string { return `SELECT * FROM "` + table + `" WHERE id = ? LIMIT 1` }

// FindByIDSnapshot is FindByID that also returns the row as read, for a writer
// that decides on the read pool what to write and checks, once it holds the
// writer, that the row is still the one it read (Unchanged).
func FindByIDSnapshot(app core.App, name, id string) (*core.Record, Snapshot, error) {
	col, err := app.FindCachedCollectionByNameOrId(name)
	if err != nil {
		return nil, Snapshot{}, err
	}
	rows, err := Query(app, byID(col.Name), id)
	if err != nil {
		return nil, Snapshot{}, err
	}
	return record(col, rows)
}

// Unchanged reads the row of collection name with id in tx and reports whether
// every column still holds what snap holds. A row that is gone has changed.
// (Comparing in SQL instead, one argument per column, took twice as long:
// binding fifty strings costs more than reading them out, BENCHMARKS.md.)
func Unchanged(tx core.App, name, id string, snap Snapshot) (bool, error) {
	if len(snap.names) == 0 {
		return false, errors.New("printlab: Unchanged needs a snapshot read by FindByIDSnapshot")
	}
	col, err := tx.FindCachedCollectionByNameOrId(name)
	if err != nil {
		return false, err
	}
	st, err := InTx(tx, byID(col.Name))
	if err != nil {
		return false, err
	}
	rows, err := st.Query(id)
	if err != nil {
		return false, err
	}
	now, err := scan(rows)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return slices.Equal(now.names, snap.names) && slices.Equal(now.vals, snap.vals), nil
}

// ErrFileChanged is Update's answer for a record whose file field changed:
// storing the file is PocketBase's save's work.
var ErrFileChanged = errors.New("printlab: a file field changed; save the record instead")

// Write is one INSERT or UPDATE of a record, built before its transaction
// (PrepareInsert, PrepareUpdate) so that the single writer only runs it: the
// record's export, the diff against its original and the SQL text are work a
// move does on the concurrent read pool, not while every other move waits.
type Write struct {
	rec    *core.Record
	text   string
	args   []any
	insert bool
}

// Insert writes the new record r in tx, the transaction of a RunInTransaction
// callback, with one prepared INSERT: PocketBase's save without its validation
// and hooks, for rows the caller built and checked itself (a move's event and
// outbox row). It fills in a missing id and the autodate fields, as a save
// does. The caller runs the after-create hooks once tx has committed
// (AfterCommit), so realtime and PrintLab's own hooks see the row as if it had
// been saved.
func Insert(tx core.App, r *core.Record) error {
	w, err := PrepareInsert(tx, r)
	if err != nil {
		return err
	}
	return w.Exec(tx)
}

// PrepareInsert builds Insert's statement for r now; Exec runs it. The id and
// the autodate fields are filled in here.
func PrepareInsert(app core.App, r *core.Record) (*Write, error) {
	if !r.IsNew() {
		return nil, fmt.Errorf("printlab: %s %s is not new", r.Collection().Name, r.Id)
	}
	if r.Id == "" {
		r.Id = core.GenerateDefaultRandomId()
	}
	r.Set(core.FieldNameId, r.Id)
	now := types.NowDateTime()
	for _, f := range r.Collection().Fields {
		if a, ok := f.(*core.AutodateField); ok && (a.OnCreate || a.OnUpdate) && r.GetDateTime(a.Name).IsZero() {
			r.SetRaw(a.Name, now)
		}
	}
	data, err := r.DBExport(app)
	if err != nil {
		return nil, err
	}
	cols := slices.Sorted(maps.Keys(data))
	var q strings.Builder
	args := make([]any, 0, len(cols))
	q.WriteString(`INSERT INTO "` + r.Collection().Name + `" (`)
	for i, c := range cols {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(`"` + c + `"`) // a field name: letters, digits and _
		args = append(args, data[c])
	}
	q.WriteString(") VALUES (?" + strings.Repeat(", ?", len(cols)-1) + ")")
	return &Write{rec: r, text: q.String(), args: args, insert: true}, nil
}

// Update writes the columns of r that differ from its original (and its
// autodate fields that change on update) in tx with one prepared UPDATE, so
// SQLite leaves alone the indexes of the others. Like Insert it skips
// PocketBase's validation and hooks: the caller checked the values and runs
// the after-update hooks after commit. A changed file field is ErrFileChanged
// (nothing is written); a record with nothing changed writes only its update
// time.
func Update(tx core.App, r *core.Record) error {
	w, err := PrepareUpdate(tx, r)
	if err != nil {
		return err
	}
	return w.Exec(tx)
}

// PrepareUpdate builds Update's statement for r as it is now; Exec runs it.
// The update time is taken here.
func PrepareUpdate(app core.App, r *core.Record) (*Write, error) {
	if r.IsNew() {
		return nil, fmt.Errorf("printlab: %s is new", r.Collection().Name)
	}
	now := types.NowDateTime()
	fields := r.Collection().Fields
	for _, f := range fields {
		if a, ok := f.(*core.AutodateField); ok && a.OnUpdate {
			r.SetRaw(a.Name, now)
		}
	}
	data, err := r.DBExport(app)
	if err != nil {
		return nil, err
	}
	before, err := r.Original().DBExport(app)
	if err != nil {
		return nil, err
	}
	cols := make([]string, 0, 8)
	for k, v := range data {
		f := fields.GetByName(k)
		if k == core.FieldNameId || sameValue(v, before[k]) {
			if a, ok := f.(*core.AutodateField); !ok || !a.OnUpdate {
				continue
			}
		}
		if f != nil && f.Type() == core.FieldTypeFile {
			return nil, ErrFileChanged
		}
		cols = append(cols, k)
	}
	slices.Sort(cols)
	var q strings.Builder
	args := make([]any, 0, len(cols)+1)
	q.WriteString(`UPDATE "` + r.Collection().Name + `" SET `)
	for i, c := range cols {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(`"` + c + `" = ?`)
		args = append(args, data[c])
	}
	q.WriteString(" WHERE id = ?")
	args = append(args, r.Id)
	return &Write{rec: r, text: q.String(), args: args}, nil
}

// sameValue reports whether two exported column values are the same: the
// common types compared directly, the rest as text (as before).
func sameValue(a, b any) bool {
	switch av := a.(type) {
	case string:
		bv, ok := b.(string)
		return ok && av == bv
	case bool:
		bv, ok := b.(bool)
		return ok && av == bv
	case float64:
		bv, ok := b.(float64)
		return ok && av == bv
	case int:
		bv, ok := b.(int)
		return ok && av == bv
	case int64:
		bv, ok := b.(int64)
		return ok && av == bv
	case types.DateTime:
		bv, ok := b.(types.DateTime)
		return ok && av.String() == bv.String()
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// Exec runs the write in tx. An insert marks its record as saved; an update
// that finds no row to write is an error.
func (w *Write) Exec(tx core.App) error {
	st, err := InTx(tx, w.text)
	if err != nil {
		return err
	}
	res, err := st.Exec(w.args...)
	if err != nil {
		return err
	}
	if w.insert {
		w.rec.MarkAsNotNew()
		return nil
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("printlab: %s %s: %d rows written", w.rec.Collection().Name, w.rec.Id, n)
	}
	return nil
}

// AfterCommit runs the after-success hooks PocketBase runs once a save has
// committed, for records Insert (created) and Update (the others) wrote in a
// transaction that has now committed: realtime, the status page, sidecars,
// the outbox worker's wake-up. A hook's error is logged, as PocketBase logs
// them; the records are committed whatever the hooks say.
func AfterCommit(app core.App, created bool, records ...*core.Record) {
	typ, hook := core.ModelEventTypeUpdate, app.OnModelAfterUpdateSuccess()
	if created {
		typ, hook = core.ModelEventTypeCreate, app.OnModelAfterCreateSuccess()
	}
	for _, r := range records {
		ev := &core.ModelEvent{App: app, Context: context.Background(), Type: typ}
		ev.Model = r
		if err := hook.Trigger(ev); err != nil {
			app.Logger().Error("printlab: after-save hooks", "collection", r.Collection().Name, "id", r.Id, "error", err)
		}
	}
}
