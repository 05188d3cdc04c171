package jobs

import "github.com/pocketbase/pocketbase/core"

// SetAfterPlan makes fn run between every move's plan and its write, until
// the returned function restores the default.
func SetAfterPlan(fn func(app core.App, jobID string)) (restore func()) {
	prev := afterPlan
	afterPlan = fn
	return func() { afterPlan = prev }
}

// MaxPlans is how often a move is planned before it gives up.
const MaxPlans = maxPlans
