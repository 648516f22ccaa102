package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		DependsOn   dependsOn         `yaml:"depends_on"`
		Ports       []string          `yaml:"ports"`
	} `yaml:"services"`
}

// dependsOn reads both forms compose allows: a list of names or a map of
// names to conditions.
type dependsOn map[string]bool

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	*d = dependsOn{}
	if n.Kind == yaml.SequenceNode {
		var names []string
		if err := n.Decode(&names); err != nil {
			return err
		}
		for _, x := range names {
			(*d)[x] = true
		}
		return nil
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return err
	}
	for x := range m {
		(*d)[x] = true
	}
	return nil
}

// knownEnv lists the environment variables a subcommand reads, from its own
// help text, so the compose file cannot set a variable the binary ignores.
func knownEnv(t *testing.T, sub string) map[string]bool {
	t.Helper()
	var out bytes.Buffer
	if code := run(context.Background(), []string{sub, "-h"}, nil, &out, &out); code != 0 {
		t.Fatalf("%s -h: exit %d", sub, code)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`\(env ([A-Z_]+)\)`).FindAllStringSubmatch(out.String(), -1) {
		known[m[1]] = true
	}
	return known
}

// TestComposeFile checks docker-compose.yml by reading it, since no Docker
// engine runs here: the services, their commands, and that Lianxi's
// environment points at the compose file's own PostgreSQL and Temporal.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"postgres", "temporal", "temporal-ui", "lianxi-serve", "lianxi-worker"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("service %s missing", name)
		}
	}
	for name, s := range c.Services {
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
		}
	}
	pg := c.Services["postgres"].Environment
	tmp := c.Services["temporal"].Environment
	if tmp["DB"] != "postgres12" || tmp["POSTGRES_SEEDS"] != "postgres" || tmp["POSTGRES_USER"] != pg["POSTGRES_USER"] || tmp["POSTGRES_PWD"] != pg["POSTGRES_PASSWORD"] {
		t.Errorf("temporal does not persist to the compose PostgreSQL: %v", tmp)
	}
	if ui := c.Services["temporal-ui"].Environment; ui["TEMPORAL_ADDRESS"] != "temporal:7233" {
		t.Errorf("temporal-ui address %q", ui["TEMPORAL_ADDRESS"])
	}
	for svc, sub := range map[string]string{"lianxi-serve": "serve", "lianxi-worker": "worker"} {
		s := c.Services[svc]
		if s.Build == nil {
			t.Errorf("%s is not built from this repository", svc)
		}
		if strings.Join(s.Command, " ") != sub {
			t.Errorf("%s command %v, want %s", svc, s.Command, sub)
		}
		env := s.Environment
		u, err := url.Parse(env["DATABASE_URL"])
		if err != nil || u.Hostname() != "postgres" || strings.TrimPrefix(u.Path, "/") != pg["POSTGRES_DB"] ||
			u.User.Username() != pg["POSTGRES_USER"] {
			t.Errorf("%s DATABASE_URL %q does not match the postgres service", svc, env["DATABASE_URL"])
		}
		if pw, _ := u.User.Password(); pw != pg["POSTGRES_PASSWORD"] {
			t.Errorf("%s DATABASE_URL password does not match", svc)
		}
		if env["TEMPORAL_ADDRESS"] != "temporal:7233" || env["TEMPORAL_NAMESPACE"] != tmp["DEFAULT_NAMESPACE"] {
			t.Errorf("%s Temporal settings %q %q", svc, env["TEMPORAL_ADDRESS"], env["TEMPORAL_NAMESPACE"])
		}
		known := knownEnv(t, sub)
		for k := range env {
			if !known[k] {
				t.Errorf("%s sets %s, which lianxi %s does not read", svc, k, sub)
			}
		}
	}
	if addr := c.Services["lianxi-serve"].Environment["LIANXI_HTTP_ADDR"]; !strings.HasPrefix(addr, "0.0.0.0:") {
		t.Errorf("lianxi-serve listens on %q, unreachable from outside its container", addr)
	}
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(df), "./cmd/lianxi") || !strings.Contains(string(df), `ENTRYPOINT ["lianxi"]`) {
		t.Error("Dockerfile does not build and run cmd/lianxi")
	}
}
