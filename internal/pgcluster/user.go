package pgcluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// serverUser is the account initdb and postgres run as.
type serverUser struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32 // all groups, primary included, for permission checks
	// cred is set only when we are root and must switch to another user,
	// because PostgreSQL refuses to run as root.
	cred *syscall.Credential
}

// lookupServerUser returns the current user, or the postgres system user
// when we are root.
func lookupServerUser() (*serverUser, error) {
	if os.Geteuid() != 0 {
		su := &serverUser{uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}
		if u, err := user.Current(); err == nil {
			su.name = u.Username
		}
		return su, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgcluster: running as root, so PostgreSQL must run as the 'postgres' system user (it refuses to run as root), "+
			"but that user cannot be found (%v): install the postgresql package, create the user (adduser --system --group postgres), or run as a non-root user", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("pgcluster: user postgres has a non-numeric uid/gid %q/%q", u.Uid, u.Gid)
	}
	su := &serverUser{name: "postgres", uid: uint32(uid), gid: uint32(gid), groups: []uint32{uint32(gid)}}
	ids, _ := u.GroupIds()
	var extra []uint32
	for _, id := range ids {
		g, err := strconv.ParseUint(id, 10, 32)
		if err != nil || uint32(g) == su.gid {
			continue
		}
		extra = append(extra, uint32(g))
		su.groups = append(su.groups, uint32(g))
	}
	// A non-nil (possibly empty) Groups also drops root's supplementary
	// groups in the child.
	su.cred = &syscall.Credential{Uid: su.uid, Gid: su.gid, Groups: append([]uint32{}, extra...)}
	return su, nil
}

// switching reports whether children run as another user than us.
func (su *serverUser) switching() bool { return su.cred != nil }

// sysProcAttr returns the attributes every child (initdb, postgres) gets.
func (su *serverUser) sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: su.cred}
}

// checkTraversable fails when the server user cannot reach path, naming the
// first directory in the way. Only mode bits are considered (not ACLs); it is
// a guide to a clear message, and the kernel has the last word.
func (su *serverUser) checkTraversable(path string) error {
	for p := path; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		var bit fs.FileMode = 0o001
		switch {
		case st.Uid == su.uid:
			bit = 0o100
		case slices.Contains(su.groups, st.Gid):
			bit = 0o010
		}
		if fi.Mode().Perm()&bit == 0 {
			return fmt.Errorf("pgcluster: PostgreSQL runs as user %q (it refuses to run as root), and that user cannot traverse %s "+
				"(mode %s, owner uid %d), a parent of the cluster directory %s: choose another directory whose parents are all "+
				"world-searchable (for example one under /tmp or /var/tmp), or make %s searchable yourself (chmod o+x)",
				su.name, p, fi.Mode().Perm(), st.Uid, path, p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// ensureOwnedDir creates dir with mode if missing and makes sure it belongs
// to the server user: chowned to it when we are root, and refused when it is
// owned by a third user (it may sit in a shared /tmp, and whoever owns the
// socket directory controls who can reach a trust-authenticated server).
func (su *serverUser) ensureOwnedDir(dir string, mode fs.FileMode) error {
	if err := os.MkdirAll(dir, mode); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("pgcluster: %s is not a directory", dir)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != su.uid && st.Uid != uint32(os.Geteuid()) {
		return fmt.Errorf("pgcluster: %s belongs to uid %d, not to us or to user %q: remove it or choose another directory", dir, st.Uid, su.name)
	}
	if su.switching() {
		if err := os.Chown(dir, int(su.uid), int(su.gid)); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	}
	if err := os.Chmod(dir, mode); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// maxSocketPath keeps the socket path safely under the kernel's 108-byte
// sun_path limit, which PostgreSQL enforces at startup.
const maxSocketPath = 100

// socketDirFor returns where the server of the cluster home dir (absolute)
// puts its socket: dir/run, or, when that would make the socket path too
// long, a short directory in os.TempDir() named from a hash of dir, so that
// Attach in another process derives the same one.
func socketDirFor(dir string) string {
	run := filepath.Join(dir, "run")
	if len(filepath.Join(run, ".s.PGSQL.5432")) <= maxSocketPath {
		return run
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "lianxi-pg-"+hex.EncodeToString(sum[:8]))
}
