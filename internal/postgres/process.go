package postgres

import (
	"encoding/json"

	"github.com/jackc/pgx/v5/pgtype"

	"lianxi/internal/domain"
)

// eventsOf turns a process's event rows (a cycle's, a round's, a
// contest's, a project year's) into its history; fields reads a row.
func eventsOf[R any](rows []R, err error, fields func(R) (at pgtype.Timestamptz, actor, kind string, detail []byte)) ([]domain.CycleEvent, error) {
	if err != nil {
		return nil, err
	}
	out := make([]domain.CycleEvent, len(rows))
	for i, r := range rows {
		at, actor, kind, detail := fields(r)
		out[i] = domain.CycleEvent{At: at.Time, Actor: actor, Kind: kind}
		if err := json.Unmarshal(detail, &out[i].Detail); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// statesOf decodes the state snapshots of a list of process rows; state
// reads a row's JSON.
func statesOf[T, R any](rows []R, err error, state func(R) []byte) ([]T, error) {
	if err != nil {
		return nil, err
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(state(r), &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
