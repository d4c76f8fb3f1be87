// Package prompt is the library of recorded messages: the shipped ones per
// language, and uploaded studio recordings that replace them.
package prompt
