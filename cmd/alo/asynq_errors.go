package main

import (
	"context"
	"log/slog"

	"github.com/hibiken/asynq"
)

// taskErrors logs why a background task failed, with its type and queue:
// asynq's own line ("Retry exhausted for task id=…") names neither the
// task nor the cause, so an operator saw dozens of them during a large
// contact upload and could not tell what was wrong.
func taskErrors(log *slog.Logger) asynq.ErrorHandler {
	return asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		queue, _ := asynq.GetQueueName(ctx)
		log.Warn("background task failed", "task", t.Type(), "queue", queue, "retried", retried,
			"max_retry", maxRetry, "err", err)
	})
}
