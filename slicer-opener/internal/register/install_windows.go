package register

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// Install makes exe the current user's printjob: handler by writing WindowsValues under
// HKEY_CURRENT_USER.
func Install(exe string) ([]string, error) {
	values, err := WindowsValues(exe)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, v := range values {
		k, _, err := registry.CreateKey(registry.CURRENT_USER, v.Key, registry.SET_VALUE)
		if err != nil {
			return done, fmt.Errorf(`HKCU\%s: %w`, v.Key, err)
		}
		err = k.SetStringValue(v.Name, v.Value)
		k.Close()
		if err != nil {
			return done, fmt.Errorf(`HKCU\%s [%s]: %w`, v.Key, v.Name, err)
		}
		done = append(done, fmt.Sprintf(`set HKCU\%s [%s] = %s`, v.Key, displayName(v.Name), v.Value))
	}
	return done, nil
}

// Uninstall deletes the keys Install created, deepest first.
func Uninstall() ([]string, error) {
	var done []string
	for _, key := range WindowsKeys() {
		err := registry.DeleteKey(registry.CURRENT_USER, key)
		if err != nil && !errors.Is(err, registry.ErrNotExist) {
			return done, fmt.Errorf(`HKCU\%s: %w`, key, err)
		}
		if err == nil {
			done = append(done, `deleted HKCU\`+key)
		}
	}
	return done, nil
}

func displayName(n string) string {
	if n == "" {
		return "(Default)"
	}
	return n
}
