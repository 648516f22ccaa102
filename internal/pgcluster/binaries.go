package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoBinaries is returned (wrapped) when no PostgreSQL server binaries can
// be found. Its message says how to fix that, because the person who sees it
// is usually running `lianxi dev` or the tests for the first time.
var ErrNoBinaries = errors.New("no PostgreSQL binaries found (looked on PATH, via pg_config, and under /usr/lib/postgresql/*/bin): " +
	"install them (apt-get install postgresql) or set DATABASE_URL to an existing server")

// debianLibRoot is where Debian and Ubuntu install one directory per major
// version, none of which is on PATH by default.
const debianLibRoot = "/usr/lib/postgresql"

// FindBinaries returns the directory holding initdb and postgres: PATH first,
// then `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin
// (numeric version order).
//
// A symlink on PATH is resolved first, because initdb looks for postgres next
// to its real location, not next to the link.
func FindBinaries() (string, error) {
	return findBinaries(exec.LookPath, debianLibRoot)
}

// findBinaries is FindBinaries with its lookups injected, so the fallbacks can
// be tested on a machine where PATH already has the binaries.
func findBinaries(lookPath func(string) (string, error), libRoot string) (string, error) {
	if p, err := lookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && hasBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if hasBinaries(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	if p, err := lookPath("pg_config"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, p, "--bindir").Output()
		cancel()
		if dir := strings.TrimSpace(string(out)); err == nil && dir != "" && hasBinaries(dir) {
			return dir, nil
		}
	}
	for _, dir := range versionDirs(libRoot) {
		if hasBinaries(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("pgcluster: %w", ErrNoBinaries)
}

// versionDirs lists libRoot/<version>/bin, newest version first. Versions
// compare numerically so that 10 sorts above 9.6.
func versionDirs(libRoot string) []string {
	entries, err := os.ReadDir(libRoot)
	if err != nil {
		return nil
	}
	type versioned struct {
		parts []int
		dir   string
	}
	var found []versioned
	for _, e := range entries {
		parts, ok := parseVersion(e.Name())
		if !ok {
			continue
		}
		found = append(found, versioned{parts, filepath.Join(libRoot, e.Name(), "bin")})
	}
	slices.SortFunc(found, func(a, b versioned) int { return slices.Compare(b.parts, a.parts) })
	dirs := make([]string, len(found))
	for i, v := range found {
		dirs[i] = v.dir
	}
	return dirs
}

func parseVersion(s string) ([]int, bool) {
	var parts []int
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, false
		}
		parts = append(parts, n)
	}
	return parts, true
}

// hasBinaries reports whether dir holds executable initdb and postgres files.
func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}
