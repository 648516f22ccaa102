package pgcluster

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func noPath(string) (string, error) { return "", errors.New("not on PATH") }

// TestFindBinariesFallback checks the /usr/lib/postgresql fallback with
// nothing on PATH, and its numeric version order.
func TestFindBinariesFallback(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "10", "16", "notaversion"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if v == "16" {
			continue // an incomplete install must be passed over
		}
		for _, name := range []string{"initdb", "postgres"} {
			if err := os.WriteFile(filepath.Join(bin, name), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := findBinaries(noPath, root)
	if want := filepath.Join(root, "10", "bin"); err != nil || got != want {
		t.Fatalf("findBinaries = %q, %v; want %q", got, err, want)
	}
	if want := []string{"16", "10", "9.6"}; !slices.Equal(versionNames(root), want) {
		t.Errorf("version order %v, want %v", versionNames(root), want)
	}

	_, err = findBinaries(noPath, filepath.Join(root, "missing"))
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}

	if _, err := os.Stat("/usr/lib/postgresql/15/bin/postgres"); err == nil {
		if got, err := findBinaries(noPath, debianLibRoot); err != nil || got != "/usr/lib/postgresql/15/bin" {
			t.Errorf("findBinaries(Debian) = %q, %v", got, err)
		}
	}
}

func versionNames(root string) []string {
	var names []string
	for _, d := range versionDirs(root) {
		names = append(names, filepath.Base(filepath.Dir(d)))
	}
	return names
}

func TestSocketDirFor(t *testing.T) {
	short := "/srv/lianxi"
	if got := socketDirFor(short); got != "/srv/lianxi/run" {
		t.Errorf("socketDirFor(%s) = %s", short, got)
	}
	long := "/srv/a-very-long-directory-name-that-goes-on/and-on-and-on/and-on-and-on-and-on/lianxi"
	got := socketDirFor(long)
	if got != socketDirFor(long) || filepath.Dir(got) != filepath.Clean(os.TempDir()) {
		t.Errorf("socketDirFor(long) = %s: want a stable directory in %s", got, os.TempDir())
	}
	if got == socketDirFor(long+"2") {
		t.Error("different homes share a socket directory")
	}
}

func TestProcessChecks(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("we are not alive")
	}
	if isPostgres(os.Getpid()) {
		t.Error("the test binary is not postgres")
	}
	if processAlive(-1) || processAlive(0) {
		t.Error("non-pids alive")
	}
}

func TestSweepTemp(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	old := time.Now().Add(-time.Hour)
	mk := func(name string, lockFile, aged bool) string {
		dir := filepath.Join(os.TempDir(), name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if lockFile {
			if err := os.WriteFile(filepath.Join(dir, lockName), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if aged {
			if err := os.Chtimes(dir, old, old); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	abandoned := mk("x-abandoned", true, true)
	owned := mk("x-owned", true, true)
	lock, err := lockDir(owned)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	os.Chtimes(owned, old, old)
	foreign := mk("x-foreign", false, true)
	young := mk("x-young", true, false)
	other := mk("y-other", true, true)

	SweepTemp("x-")
	for dir, want := range map[string]bool{abandoned: false, owned: true, foreign: true, young: true, other: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", filepath.Base(dir), err == nil, want)
		}
	}
}
