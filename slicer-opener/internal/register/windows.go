package register

import (
	"errors"
	"strings"
)

// ClassesKey is the per-user key under HKEY_CURRENT_USER that declares the scheme; writing
// there needs no administrator rights.
const ClassesKey = `Software\Classes\` + Scheme

// RegValue is one string value to write under HKEY_CURRENT_USER. Name "" is the key's default
// value.
type RegValue struct {
	Key   string
	Name  string
	Value string
}

// WindowsValues are the registry values that make exe the handler of printjob: links. Windows
// replaces %1 with the link; the quotes keep it one argument even when a caller does not
// percent-encode spaces or quotes.
func WindowsValues(exe string) ([]RegValue, error) {
	if err := checkExe(exe); err != nil {
		return nil, err
	}
	if strings.Contains(exe, `"`) {
		return nil, errors.New("the program path contains a double quote")
	}
	q := `"` + exe + `"`
	return []RegValue{
		{ClassesKey, "", "URL:" + Scheme + " Protocol"},
		{ClassesKey, "URL Protocol", ""},
		{ClassesKey + `\DefaultIcon`, "", q + ",0"},
		{ClassesKey + `\shell\open\command`, "", q + ` open "%1"`},
	}, nil
}

// WindowsKeys are the keys Install creates, deepest first: the order Uninstall deletes them in,
// since a registry key with subkeys cannot be deleted.
func WindowsKeys() []string {
	return []string{
		ClassesKey + `\shell\open\command`,
		ClassesKey + `\shell\open`,
		ClassesKey + `\shell`,
		ClassesKey + `\DefaultIcon`,
		ClassesKey,
	}
}
