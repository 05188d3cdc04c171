package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// AuthAttempts and AuthWindow bound password sign-ins (workstations and
// superusers) per client address: a workstation reads every student's name
// and email, so its password must not be guessed at network speed. Twenty a
// minute leaves room for a lab signing in its desks at opening time.
const (
	AuthAttempts = 20
	AuthWindow   = 60 // seconds
)

// PocketBase ships with its rate limiter off. It is turned on for sign-ins
// only: its other default rules (300 API requests per 10 s per address) would
// throttle a lab whose desks share one address behind NAT; PrintLab's public
// routes have their own limits (lab settings). A lab that already turned the
// limiter on keeps its own rules.
func init() {
	m.Register(func(app core.App) error {
		s := app.Settings()
		if s.RateLimits.Enabled {
			return nil
		}
		s.RateLimits.Enabled = true
		s.RateLimits.Rules = []core.RateLimitRule{
			{Label: "*:auth", Audience: core.RateLimitRuleAudienceAll, MaxRequests: AuthAttempts, Duration: AuthWindow},
		}
		return app.Save(s)
	}, func(app core.App) error {
		s := app.Settings()
		s.RateLimits.Enabled = false
		return app.Save(s)
	})
}
