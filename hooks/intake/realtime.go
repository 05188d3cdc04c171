package intake

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"printlab/hooks/jobs"
)

// StatusTopicPrefix starts the realtime topic of a student's status page:
// "printlab/status/<jobID>", subscribed with the status key as the query option
// "key". The record topics (jobs/*, jobs/ID) stay closed to guests by the
// collection rules; this topic only ever carries jobs.PublicView.
const StatusTopicPrefix = "printlab/status/"

// topicJob splits a subscription ("printlab/status/ID?options={...}") into the
// job id, or "" when it is not a status topic.
func topicJob(sub string) string {
	topic, _, _ := strings.Cut(sub, "?")
	id, ok := strings.CutPrefix(topic, StatusTopicPrefix)
	if !ok {
		return ""
	}
	return id
}

// authorizeStatusTopics refuses a subscription request that names a status
// topic without that job's key, so nobody can listen to another student's job.
func authorizeStatusTopics(e *core.RealtimeSubscribeRequestEvent) error {
	for _, sub := range e.Subscriptions {
		if !strings.HasPrefix(sub, StatusTopicPrefix) {
			continue
		}
		id := topicJob(sub)
		if _, ferr := jobs.FindForStudent(e.App, id, subscriptionKey(sub)); ferr != nil {
			return e.ForbiddenError("You can follow a request only through the private link from its email.", nil)
		}
	}
	return e.Next()
}

// subscriptionKey reads options.query.key the way PocketBase's client stores it.
func subscriptionKey(sub string) string {
	u, err := url.Parse(sub)
	if err != nil {
		return ""
	}
	raw := u.Query().Get("options")
	if raw == "" {
		return ""
	}
	var opts struct {
		Query map[string]any `json:"query"`
	}
	if json.Unmarshal([]byte(raw), &opts) != nil {
		return ""
	}
	k, _ := opts.Query["key"].(string)
	return k
}

// pushStatus sends the job's public view to the status pages that follow it.
// The key is checked again on every send: a revoked link stops receiving.
func pushStatus(app core.App, job *core.Record) {
	prefix := StatusTopicPrefix + job.Id
	var data []byte
	for _, client := range app.SubscriptionsBroker().Clients() {
		for sub, opts := range client.Subscriptions(prefix + "?") {
			if topicJob(sub) != job.Id || !jobs.CheckStatusKey(app, job, opts.Query["key"]) {
				continue
			}
			if data == nil {
				view, err := jobs.PublicView(app, job, time.Now())
				if err != nil {
					app.Logger().Error("printlab: status push", "job", job.Id, "error", err)
					return
				}
				if data, err = json.Marshal(view); err != nil {
					return
				}
			}
			// Send blocks until the client's stream takes the message: never
			// make the request that changed the job wait for a slow reader.
			go client.Send(subscriptions.Message{Name: sub, Data: data})
		}
	}
}
