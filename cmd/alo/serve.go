package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// runServe handles `alo serve`: validate the configuration (every bad value
// named, one per line), find Redis, and run the node until ctx ends.
func runServe(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseServeConfig(args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, slog.LevelInfo)
	log.Info("starting alo serve", "config", cfg)
	redisURL, stopRedis, err := resolveRedis(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stopRedis()
	a, err := newApp(ctx, cfg, redisURL, log)
	if err != nil {
		return err
	}
	defer a.close()
	a.drainFor = drainLimit
	return a.run(ctx, nil)
}

// resolveRedis returns REDIS_URL when set, else starts (or finds again) the
// private redis-server child in the data dir.
func resolveRedis(ctx context.Context, cfg ServeConfig, log *slog.Logger) (string, func(), error) {
	if cfg.RedisURL != "" {
		return cfg.RedisURL, func() {}, nil
	}
	if !redisAvailable() {
		return "", nil, fmt.Errorf("REDIS_URL is not set and redis-server is not installed (apt-get install redis-server, or set REDIS_URL)")
	}
	url, stop, err := startPrivateRedis(ctx, cfg.DataDir, log)
	if err != nil {
		return "", nil, fmt.Errorf("private redis-server: %w", err)
	}
	return url, stop, nil
}
