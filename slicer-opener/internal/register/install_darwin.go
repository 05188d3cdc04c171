package register

import "os"

// Install makes exe the current user's printjob: handler.
func Install(exe string) ([]string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, err
	}
	return Mac{Home: home, Run: run}.Install(exe)
}

// Uninstall removes the registration made by Install.
func Uninstall() ([]string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, err
	}
	return Mac{Home: home, Run: run}.Uninstall()
}
