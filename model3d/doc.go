// Package model3d reads, checks, measures, renders and re-exports the 3D
// files students upload (STL, OBJ, 3MF) and reads the estimates slicers
// write into sliced files (G-code, Prusa binary G-code, sliced 3MF).
//
// Everything here treats its input as hostile: parsers stream, every count
// and size is capped by a Limits value before memory is allocated, and every
// refusal is an *Error whose Code is stable for programs and whose Message
// is a sentence a student can act on. The package is pure Go and imports
// nothing from the rest of PrintLab, so it can be used by the server, by
// command-line tools and by tests alike.
package model3d
