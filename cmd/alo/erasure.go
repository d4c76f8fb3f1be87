package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/alo-dialer/alo/campaigns"
	"github.com/alo-dialer/alo/compliance"
	"github.com/alo-dialer/alo/web"
)

// pseudonymKeyFile holds the key of erased numbers' pseudonyms in the data
// dir. Losing or changing it unblocks every erased customer, so it is made
// once and kept (back it up with the database).
const pseudonymKeyFile = "erasure.key"

// loadPseudonymKey reads the data dir's pseudonym key, making one on a
// node's first start. Several nodes must share one key (copy the file).
func loadPseudonymKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, pseudonymKeyFile)
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("pseudonym key: %w", err)
		}
		if err := os.WriteFile(path, key, 0o600); err != nil {
			return nil, fmt.Errorf("pseudonym key: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pseudonym key: %w", err)
	}
	return key, nil
}

// erasure wires a customer's erasure (web.Erasure) and teaches the gate's
// DNC index the erased numbers' pseudonyms.
func (c *complianceParts) erasure(store *campaigns.Store, dataDir string) (*web.Erasure, error) {
	key, err := loadPseudonymKey(dataDir)
	if err != nil {
		return nil, err
	}
	ps, err := compliance.NewPseudonyms(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dataDir, pseudonymKeyFile), err)
	}
	c.dnc.SetPseudonyms(ps)
	return &web.Erasure{Contacts: store, DNC: c.dncs, List: c.global, Audit: c.audit, Pseudonyms: ps,
		RecordingsDir: filepath.Join(dataDir, "recordings"), Clock: clockNow}, nil
}
