// Package ops serves what operating PrintLab needs: the health endpoint, the static
// front end and the security headers every response carries.
package ops

import (
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Options configure the operations routes.
type Options struct {
	Version  string
	PublicFS fs.FS
}

// HealthCheck adds one named part to the health answer; capabilities (the
// outbox, the scheduler) register theirs with AddHealthCheck.
type HealthCheck func(app core.App) (name string, value any, ok bool)

const healthChecksKey = "printlab.healthChecks"

// AddHealthCheck registers an extra part of app's health answer. Call it at setup.
func AddHealthCheck(app core.App, c HealthCheck) {
	checks, _ := app.Store().Get(healthChecksKey).([]HealthCheck)
	app.Store().Set(healthChecksKey, append(checks, c))
}

// Register binds the health route, security headers and the static front end.
func Register(app core.App, opts Options) {
	started := time.Now()
	AddHealthCheck(app, storageHealth)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.BindFunc(securityHeaders)
		se.Router.GET("/api/printlab/health", func(e *core.RequestEvent) error {
			return health(e, opts.Version, started)
		})
		return se.Next()
	})

	if opts.PublicFS == nil {
		return
	}
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Priority: 999, // after every other route, so the front end never shadows one
		Func: func(se *core.ServeEvent) error {
			if !se.Router.HasRoute(http.MethodGet, "/{path...}") {
				se.Router.GET("/{path...}", frontEnd(opts.PublicFS)).BindFunc(cacheHeaders)
			}
			return se.Next()
		},
	})
}

// NotFoundPage is the front end's page for an address it does not have.
const NotFoundPage = "notfound/index.html"

// frontEnd serves the static front end. A browser that asks for a page the
// front end does not have (a link an email client cut short, a typo) gets
// NotFoundPage with the 404, in the lab's look with the ways on, rather than
// PocketBase's JSON; scripts and API clients still get the JSON.
func frontEnd(fsys fs.FS) func(*core.RequestEvent) error {
	static := apis.Static(fsys, false)
	return func(e *core.RequestEvent) error {
		err := static(e)
		if !errors.Is(err, router.ErrFileNotFound) || !wantsPage(e.Request) {
			return err
		}
		page, rerr := fs.ReadFile(fsys, NotFoundPage)
		if rerr != nil {
			return err
		}
		e.Response.Header().Set("Cache-Control", "no-cache")
		return e.HTML(http.StatusNotFound, string(page))
	}
}

// wantsPage reports whether r is a browser opening a page (its Accept names
// HTML), not a script, stylesheet, image or API call.
func wantsPage(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.Header.Get("Accept"), "text/html")
}

func health(e *core.RequestEvent, version string, started time.Time) error {
	out := map[string]any{
		"status":         "ok",
		"version":        version,
		"uptime_seconds": int(time.Since(started).Seconds()),
	}
	status := http.StatusOK
	var one int
	if err := e.App.DB().NewQuery("SELECT 1").Row(&one); err != nil {
		out["database"] = "unreachable"
		out["status"] = "error"
		status = http.StatusServiceUnavailable
	} else {
		out["database"] = "ok"
	}
	// The details (queue sizes, scheduler messages that may name jobs) are for
	// signed-in workstations and admins; monitors and the public see each
	// part's state only.
	detailed := e.Auth != nil
	checks, _ := e.App.Store().Get(healthChecksKey).([]HealthCheck)
	for _, check := range checks {
		name, value, ok := check(e.App)
		if detailed {
			out[name] = value
		} else {
			out[name] = map[string]bool{"ok": ok}
		}
		if !ok && status == http.StatusOK {
			out["status"] = "degraded"
		}
	}
	return e.JSON(status, out)
}

// securityHeaders keeps private links out of Referer headers and stops content
// sniffing and framing of PrintLab's pages.
func securityHeaders(e *core.RequestEvent) error {
	h := e.Response.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if !strings.HasPrefix(e.Request.URL.Path, "/_/") {
		h.Set("X-Frame-Options", "DENY")
	}
	return e.Next()
}

// cacheHeaders lets browsers keep vendor libraries and assets for a while but
// always revalidate pages, so a deploy shows at once.
func cacheHeaders(e *core.RequestEvent) error {
	p := e.Request.URL.Path
	switch {
	case strings.HasPrefix(p, "/vendor/"):
		e.Response.Header().Set("Cache-Control", "public, max-age=86400")
	case p == "/" || strings.HasSuffix(p, "/") || strings.HasSuffix(p, ".html"):
		e.Response.Header().Set("Cache-Control", "no-cache")
	default:
		e.Response.Header().Set("Cache-Control", "public, max-age=300")
	}
	return e.Next()
}
