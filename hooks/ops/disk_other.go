//go:build !unix

package ops

import "errors"

// diskSpace is not measured on this system; the health answer leaves it out.
func diskSpace(string) (free, total uint64, err error) {
	return 0, 0, errors.New("free space is not measured on this system")
}
