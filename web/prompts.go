package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/alo-dialer/alo/dialer/prompt"
)

// PromptService stores and lists recorded messages (a notice campaign's
// Prompts.Message, a reminder's place); *dialer.PromptLibrary satisfies it.
type PromptService interface {
	Save(lang, name string, wav []byte) (prompt.Info, error)
	List() ([]prompt.Info, error)
}

// maxPromptBody bounds an upload: ten minutes of 8 kHz 16-bit mono (what
// the WAV reader accepts) and room for a multipart envelope.
const maxPromptBody = 10*60*8000*2 + 64<<10

func (s *Server) promptRoutes() {
	s.handle("POST /api/v1/prompts", roles(RoleAdmin, RoleMarketer, RoleCompliance), s.uploadPrompt)
	s.handle("GET /api/v1/prompts", staff, s.listPrompts)
}

func (s *Server) prompts() (PromptService, error) {
	if s.cfg.Prompts == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "prompt uploads are not configured on this node")
	}
	return s.cfg.Prompts, nil
}

// uploadPrompt stores a WAV (8 kHz mono 16-bit PCM, checked here so a bad
// file is refused now, not found silent on a call) as language/name. The
// file is the body (Content-Type audio/wav) with ?name=&language=, or a
// multipart form with fields name, language and file. 201 with what was
// stored; uploading a name again replaces it.
func (s *Server) uploadPrompt(w http.ResponseWriter, r *http.Request, _ User) error {
	svc, err := s.prompts()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPromptBody)
	name, lang := r.URL.Query().Get("name"), r.URL.Query().Get("language")
	var wav []byte
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "application/octet-stream":
		if wav, err = io.ReadAll(r.Body); err != nil {
			return err
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return err
			}
			return errStatus(http.StatusBadRequest, "invalid multipart form: "+err.Error())
		}
		defer r.MultipartForm.RemoveAll()
		if v := r.FormValue("name"); v != "" {
			name = v
		}
		if v := r.FormValue("language"); v != "" {
			lang = v
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			return errFields(FieldError{Field: "file", Reason: "required: the WAV file"})
		}
		defer f.Close()
		if wav, err = io.ReadAll(f); err != nil {
			return err
		}
	default:
		return errStatus(http.StatusUnsupportedMediaType, "Content-Type must be audio/wav (the file as the body) or multipart/form-data")
	}
	var missing []FieldError
	if name == "" {
		missing = append(missing, FieldError{Field: "name", Reason: "required"})
	}
	if lang == "" {
		missing = append(missing, FieldError{Field: "language", Reason: "required"})
	}
	if len(missing) > 0 {
		return errFields(missing...)
	}
	info, err := svc.Save(lang, name, wav)
	if err != nil {
		return fmt.Errorf("prompt %s/%s: %w", lang, name, err)
	}
	s.log.Info("prompt uploaded", "prompt", info.Name, "lang", info.Language, "duration_ms", info.Millis)
	writeJSON(w, http.StatusCreated, info)
	return nil
}

// listPrompts lists every prompt, shipped and uploaded, by language and name.
func (s *Server) listPrompts(w http.ResponseWriter, _ *http.Request, _ User) error {
	svc, err := s.prompts()
	if err != nil {
		return err
	}
	list, err := svc.List()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}
