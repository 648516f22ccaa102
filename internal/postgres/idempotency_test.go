package postgres_test

import (
	"context"
	"testing"
	"time"

	"lianxi/internal/domain"
	"lianxi/internal/postgres"
)

// A key held by a request still running is refused with the time to come
// back; the key of a request whose process died is taken over once that
// request could no longer be running.
func TestIdempotencyClaimOfADeadProcessIsTakenOver(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.Pool().Exec(ctx, `INSERT INTO users (username, display_name, password_hash) VALUES ('uuu', 'U', 'x')`); err != nil {
		t.Fatal(err)
	}
	var uid int64
	if err := s.Pool().QueryRow(ctx, `SELECT id FROM users WHERE username = 'uuu'`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	req := postgres.IdempotentRequest{UserID: uid, Key: "k", Method: "POST", Path: "/api/v1/tasks/1/submit", RequestHash: []byte{1}}
	if claimed, _, err := s.ClaimIdempotencyKey(ctx, req); err != nil || !claimed {
		t.Fatalf("first claim: %v %v", claimed, err)
	}
	// The first is still being handled.
	_, _, err := s.ClaimIdempotencyKey(ctx, req)
	de := domain.AsError(err)
	if de == nil || de.Key != "error.idempotency_in_progress" || de.RetryAfterSeconds < 1 || de.RetryAfterSeconds > int((postgres.ClaimDeadline+15e9).Seconds()) {
		t.Fatalf("second claim while the first runs: %+v", de)
	}
	// Its process died a while ago: the claim is older than any request
	// may run.
	if _, err := s.Pool().Exec(ctx, `UPDATE idempotency_keys SET created_at = now() - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if claimed, _, err := s.ClaimIdempotencyKey(ctx, req); err != nil || !claimed {
		t.Fatalf("retry after the claimant died: %v %v", claimed, err)
	}
	// Once answered, the answer is replayed.
	if err := s.CompleteIdempotencyKey(ctx, uid, "k", postgres.StoredResponse{Status: 200, ContentType: "application/json", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if claimed, stored, err := s.ClaimIdempotencyKey(ctx, req); err != nil || claimed || stored.Status != 200 {
		t.Fatalf("replay: %v %+v %v", claimed, stored, err)
	}
}

// A task created under a retry key is created once: the same request sent
// again (its first answer lost) finds it, and starts nothing more.
func TestTaskCreatedOncePerRetryKey(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	task := domain.Task{Source: domain.TaskSource{Kind: domain.SourceAdHoc, Committee: "science"}, Kind: domain.KindAdHoc, Title: "报送总结",
		Lead: "finance", DueAt: time.Now().Add(72 * time.Hour), Priority: domain.PriorityNormal, CreatedBy: "office1", CreatedAt: time.Now(), Form: []domain.FormField{}}
	rec := domain.AuditRecord{Actor: "office1", Action: "task.create", Result: domain.AuditOK}
	starts := 0
	start := func(domain.Task) error { starts++; return nil }
	keyed := domain.WithRetryKey(ctx, "idem-1")
	first, err := s.CreateTask(keyed, task, rec, start)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateTask(keyed, task, rec, start)
	if err != nil || again != first || starts != 1 {
		t.Fatalf("again: id %d (first %d), %v, %d starts", again, first, err, starts)
	}
	other, err := s.CreateTask(domain.WithRetryKey(ctx, "idem-2"), task, rec, start)
	if err != nil || other == first || starts != 2 {
		t.Fatalf("another key: id %d, %v, %d starts", other, err, starts)
	}
	plain, err := s.CreateTask(ctx, task, rec, start)
	if err != nil || plain == first || plain == other || starts != 3 {
		t.Fatalf("no key: id %d, %v, %d starts", plain, err, starts)
	}
}

// TestCommentAndAttachmentAddedOncePerRetryKey: a comment or a file added
// again under the retry key of its first request (whose answer a crash
// lost) is the one stored, not a second; without a key, or with another,
// each request adds one.
func TestCommentAndAttachmentAddedOncePerRetryKey(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := addTask(t, s, "science", "报送总结", "finance", nil, time.Now().Add(72*time.Hour))
	rec := domain.AuditRecord{Actor: "liaison1", Action: "task.comment", Result: domain.AuditOK}
	keyed := domain.WithRetryKey(ctx, "idem-c")
	first, err := s.AddComment(keyed, id, "liaison1", "已安排专人办理", rec)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.AddComment(keyed, id, "liaison1", "已安排专人办理", rec)
	if err != nil || again.ID != first.ID || again.Body != first.Body || again.At.Sub(first.At).Abs() >= time.Microsecond {
		t.Fatalf("comment again: %+v (first %+v), %v", again, first, err)
	}
	if _, err := s.AddComment(ctx, id, "liaison1", "已安排专人办理", rec); err != nil {
		t.Fatal(err)
	}
	if cs, err := s.Comments(ctx, id); err != nil || len(cs) != 2 {
		t.Fatalf("comments: %d, %v", len(cs), err)
	}

	file := domain.Attachment{TaskID: id, Name: "总结.txt", ContentType: "text/plain", UploadedBy: "liaison1"}
	rec.Action = "task.attach"
	fkeyed := domain.WithRetryKey(ctx, "idem-f")
	a1, err := s.AddAttachment(fkeyed, file, []byte("办理情况"), rec)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := s.AddAttachment(fkeyed, file, []byte("办理情况"), rec)
	if err != nil || a2.ID != a1.ID || a2.SHA256 != a1.SHA256 || a2.Size != a1.Size || a2.At.Sub(a1.At).Abs() >= time.Microsecond {
		t.Fatalf("file again: %+v (first %+v), %v", a2, a1, err)
	}
	if _, err := s.AddAttachment(domain.WithRetryKey(ctx, "idem-g"), file, []byte("办理情况"), rec); err != nil {
		t.Fatal(err)
	}
	if as, err := s.Attachments(ctx, id); err != nil || len(as) != 2 {
		t.Fatalf("files: %d, %v", len(as), err)
	}
	var events int
	if err := s.Pool().QueryRow(ctx, "SELECT count(*) FROM task_events WHERE task_id = $1 AND kind IN ('commented', 'attached')", id).Scan(&events); err != nil || events != 4 {
		t.Fatalf("history events: %d, %v", events, err)
	}
}
