package jobs

import (
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
)

// Error is a refusal the person at the desk (or the student) reads as is: what was
// wrong and what to do. Status is the HTTP status the routes answer with.
type Error struct {
	Status  int
	Code    string            // stable, for clients: "conflict", "claimed", "invalid", ...
	Message string            // a full sentence
	Fields  map[string]string // per-field messages for 400s
	// Extra are more top-level fields of the answer, such as a link the page
	// can offer; they never replace status, code, message or data.
	Extra map[string]any
}

func (e *Error) Error() string { return e.Message }

func fieldError(field, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: field + " " + msg + ".",
		Fields: map[string]string{field: msg}}
}

func conflict(msg string) *Error {
	return &Error{Status: http.StatusConflict, Code: "conflict", Message: msg}
}

// AsError unwraps err into an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Respond writes err to the client: an *Error as its status with the message a
// person reads and per-field messages in PocketBase's error shape; anything else
// as a 500 without internals (logged).
func Respond(e *core.RequestEvent, err error) error {
	if je, ok := AsError(err); ok {
		data := map[string]any{}
		for f, m := range je.Fields {
			data[f] = map[string]string{"code": "invalid", "message": m}
		}
		out := map[string]any{}
		for k, v := range je.Extra {
			out[k] = v
		}
		out["status"], out["code"], out["message"], out["data"] = je.Status, je.Code, je.Message, data
		return e.JSON(je.Status, out)
	}
	e.App.Logger().Error("printlab: request failed", "path", e.Request.URL.Path, "error", err)
	return e.JSON(http.StatusInternalServerError, map[string]any{"status": 500, "code": "error",
		"message": "Something went wrong on our side and nothing was changed. Please try again; if it keeps failing, tell the lab's IT person.",
		"data":    map[string]any{}})
}
