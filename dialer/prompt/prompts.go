package prompt

import (
	"embed"
	"io/fs"
)

// The recorded messages shipped with alo (dialer/prompts/<lang>/<name>.wav).
//
//go:embed prompts/*/*.wav
var builtinPrompts embed.FS

// Prompt names the dialer plays.
const (
	Abandon = "abandon" // safe harbour: no agent free in time; offers the stop key
	Machine = "machine" // left on an answering machine after its beep
	// PromptRecordingNotice tells the customer the call is recorded.
	RecordingNotice = "recording_notice"
)

// Builtin is the file system of the shipped messages, laid out as
// <lang>/<name>.wav for audio.NewPrompts.
func Builtin() fs.FS {
	sub, _ := fs.Sub(builtinPrompts, "prompts") // "prompts" is a valid path
	return sub
}
