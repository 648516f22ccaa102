// Package workflows holds Lianxi's Temporal workflows: deterministic code
// only — no I/O, no wall clock, no goroutines — that orders activities and
// waits for people. Names, the task queue and workflow ID helpers live in
// this file so that every caller derives IDs the same way.
package workflows

import "time"

// TaskQueue is the task queue every Lianxi worker polls.
const TaskQueue = "lianxi"

// HousekeepingInterval is how often housekeeping runs.
const HousekeepingInterval = 5 * time.Minute

// HousekeepingID is the ID of the housekeeping run for the slot that holds t.
// Every replica's cron tick derives the same ID for the same slot, so the
// run starts once however many replicas tick.
func HousekeepingID(t time.Time) string {
	return "housekeeping:" + Slot(t, HousekeepingInterval).Format("20060102T1504Z")
}

// Slot returns the start of the interval-long slot holding t, in UTC.
func Slot(t time.Time, interval time.Duration) time.Time {
	return t.UTC().Truncate(interval)
}
