package register

// Install makes exe the current user's printjob: handler.
func Install(exe string) ([]string, error) {
	x, err := DefaultXDG()
	if err != nil {
		return nil, err
	}
	return x.Install(exe)
}

// Uninstall removes the registration made by Install.
func Uninstall() ([]string, error) {
	x, err := DefaultXDG()
	if err != nil {
		return nil, err
	}
	return x.Uninstall()
}
