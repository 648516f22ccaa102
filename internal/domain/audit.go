package domain

import "time"

// AuditResult is how an audited action ended.
type AuditResult string

// Audit results.
const (
	AuditOK     AuditResult = "ok"
	AuditDenied AuditResult = "denied"
	AuditFailed AuditResult = "failed"
)

// AuditRecord is one line of the audit trail: who did what to which object,
// when, with what result, under which request. Detail carries small
// structured context and never a password or token.
type AuditRecord struct {
	Seq       int64
	At        time.Time
	Actor     string
	Action    string
	Object    string
	Result    AuditResult
	RequestID string
	IP        string
	Detail    map[string]string
	PrevHash  []byte
	Hash      []byte
}
