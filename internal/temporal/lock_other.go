//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package temporal

import "os"

// lockFile is a no-op where flock is not available: nothing then stops two
// dev servers from sharing one data dir, which the docs ask users not to do.
func lockFile(string) (*os.File, error) { return nil, nil }

func unlockFile(*os.File) {}
