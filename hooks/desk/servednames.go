package desk

import (
	"github.com/pocketbase/pocketbase/core"

	"printlab/schema"
)

// servedNames maps each of a job's file fields to the field holding the name
// it is downloaded under. Stored names differ from the standard name people
// see (SPEC §4): the print file's carries a random suffix, and after an edit
// of the student's name, method or colour the stored keys keep their old
// names while display_name and print_name follow.
var servedNames = map[string]string{"model": "display_name", "print_file": "print_name"}

// bindServedNames makes PocketBase's file route (/api/files/jobs/…, which the
// dashboard uses for plain downloads) answer with the standard name in
// Content-Disposition, as the signed links already do.
func bindServedNames(app core.App) {
	app.OnFileDownloadRequest(schema.Jobs).BindFunc(func(e *core.FileDownloadRequestEvent) error {
		field, ok := servedNames[e.FileField.Name]
		// Only the file itself: a thumb (none today) keeps PocketBase's name.
		if ok && e.ServedPath == e.Record.BaseFilesPath()+"/"+e.Record.GetString(e.FileField.Name) {
			if name := e.Record.GetString(field); name != "" {
				e.ServedName = name
			}
		}
		return e.Next()
	})
}
