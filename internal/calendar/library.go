package calendar

import (
	"slices"
	"sync"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// libDay is one day in lunar-go's statutory holiday data.
type libDay struct {
	name string // the holiday it belongs to, e.g. 春节, 国庆节, 国庆中秋
	work bool   // a make-up working day (调休) rather than a day off
}

// library is a snapshot of lunar-go's holiday data, taken once per process.
//
// Why a snapshot instead of calling HolidayUtil.GetHoliday per day:
//   - GetHoliday does a strings.Index over the whole ~16 KB data string and
//     then walks it record by record; a map lookup is what a deadline loop
//     wants.
//   - HolidayUtil keeps its data in package variables that HolidayUtil.Fix
//     rewrites without any locking; reading them only here, once, keeps the
//     Calendar's own state immutable. (Corrections belong in Overrides, not in
//     HolidayUtil.Fix.)
//   - GetHoliday matches by prefix (GetHoliday("2026") returns 2026-01-01) and
//     panics on "", so it must never see unvalidated input; the snapshot only
//     ever asks for whole years.
type library struct {
	days  map[int64]libDay
	years map[int]bool // years whose own holiday schedule is in the data
	known []int        // the keys of years, sorted
}

// The range of years asked of lunar-go. v1.4.7's data starts on 2001-12-29
// and ends in 2027; the range leaves room for later versions of the data
// without a code change, and scanning it costs about 2 ms once.
const (
	libScanFirstYear = 2000
	libScanLastYear  = 2199
)

var loadLibrary = sync.OnceValue(func() *library {
	lib := &library{days: make(map[int64]libDay), years: make(map[int]bool)}
	for y := libScanFirstYear; y <= libScanLastYear; y++ {
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h, ok := e.Value.(*HolidayUtil.Holiday)
			if !ok || h == nil {
				continue
			}
			day, err := ParseDate(h.GetDay())
			if err != nil {
				continue // defensive: a malformed record must not poison the calendar
			}
			k := day.dayNum()
			if _, dup := lib.days[k]; !dup { // the first record wins, as in GetHoliday
				lib.days[k] = libDay{name: h.GetName(), work: h.IsWork()}
			}
			// A year counts as covered only if its own holidays are in the data,
			// judged by the target (the festival a record belongs to). This
			// keeps 2001 out: its only records are 2001-12-29/30, make-up days
			// for the 2002 New Year.
			if target, err := ParseDate(h.GetTarget()); err == nil && target.Year == y && !h.IsWork() {
				lib.years[y] = true
			}
		}
	}
	for y := range lib.years {
		lib.known = append(lib.known, y)
	}
	slices.Sort(lib.known)
	return lib
})
