package webui_test

import (
	"lianxi/internal/auth"
	"lianxi/internal/postgres"
	"lianxi/internal/tasks"
	"lianxi/internal/webui"
	"lianxi/internal/webui/webtest"
)

// The real services and the fakes must both fit the interfaces the pages
// declare; this file fails to compile the day one of them drifts.
var (
	_ webui.Auth      = (*auth.Service)(nil)
	_ webui.Auditor   = (*auth.Service)(nil)
	_ webui.Directory = (*postgres.Store)(nil)
	_ webui.Auth      = (*webtest.FakeAuth)(nil)
	_ webui.Auditor   = (*webtest.FakeAuth)(nil)
	_ webui.Directory = (*webtest.FakeDirectory)(nil)
)

// The same for the task pages' dependencies.
var (
	_ webui.Tasks    = (*tasks.Service)(nil)
	_ webui.Ledger   = (*postgres.Store)(nil)
	_ webui.Calendar = (*postgres.Store)(nil)
	_ webui.Tasks    = (*webtest.FakeTasks)(nil)
	_ webui.Ledger   = (*webtest.FakeTasks)(nil)
	_ webui.Calendar = (*webtest.FakeCalendar)(nil)
)
