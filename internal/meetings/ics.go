package meetings

import (
	"strconv"
	"strings"
	"time"

	"lianxi/internal/domain"
)

// ICS renders meetings as an iCalendar (RFC 5545) feed: one event per
// noticed meeting, two hours long, updated with each new notice (the
// cycle's version is the sequence).
func ICS(cycles []domain.Cycle, calendarID string, now time.Time) []byte {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)); b.WriteString("\r\n") }
	stamp := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Lianxi//Joint meetings//ZH")
	line("CALSCALE:GREGORIAN")
	line("X-WR-CALNAME:" + escape(calendarID))
	for _, c := range cycles {
		if c.Notice == nil {
			continue
		}
		line("BEGIN:VEVENT")
		line("UID:" + escape(c.ID) + "@lianxi")
		line("DTSTAMP:" + stamp(now))
		line("DTSTART:" + stamp(c.Notice.StartsAt))
		line("DTEND:" + stamp(c.Notice.StartsAt.Add(2*time.Hour)))
		line("SEQUENCE:" + itoa(c.Version))
		line("SUMMARY:" + escape(c.CommitteeName+" "+string(c.Period)))
		line("LOCATION:" + escape(c.Notice.Place))
		var desc []string
		for _, it := range c.Agenda() {
			desc = append(desc, itoa(it.Number)+". "+it.Title)
		}
		if c.Notice.Note != "" {
			desc = append(desc, c.Notice.Note)
		}
		line("DESCRIPTION:" + escape(strings.Join(desc, "\n")))
		if c.Phase == domain.PhaseCancelled {
			line("STATUS:CANCELLED")
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

func itoa(n int) string { return strconv.Itoa(n) }

// escape escapes text values: backslash, semicolon, comma and newlines.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold folds a content line at 75 octets without splitting a UTF-8
// character, continuing with a space.
func fold(s string) string {
	if len(s) <= 75 {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		size := len(string(r))
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	return b.String()
}
