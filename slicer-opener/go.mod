module printlab/slicer-opener

go 1.26.8

require golang.org/x/sys v0.47.0
