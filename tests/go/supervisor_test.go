// Tests of golink's process supervisor (golink_magic/engine/static/supervisor.go), run by
// tests/test_supervisor.py with `go test` beside a copy of the supervisor's source: the test
// binary re-executes itself as the supervisor, so each case runs the real main().
package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if os.Getenv("GOLINK_SUPERVISOR_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// supervise runs the supervisor on argv with the given task limit and returns its report.
func supervise(t *testing.T, tasks string, argv ...string) map[string]string {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report")
	args := append([]string{report, tasks, "0", "0", "--"}, argv...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GOLINK_SUPERVISOR_TEST_MAIN=1")
	if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(err.Error(), "exit status 126") {
		t.Fatalf("supervisor failed: %v: %s", err, out)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	facts := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		key, value, _ := strings.Cut(line, " ")
		facts[key] = value
	}
	return facts
}

func TestReportsTheExitStatus(t *testing.T) {
	if got := supervise(t, "64", "/bin/sh", "-c", "exit 3"); got["exit"] != "3" {
		t.Fatalf("report %v, want exit 3", got)
	}
}

func TestReportsTheSignal(t *testing.T) {
	if got := supervise(t, "64", "/bin/sh", "-c", "kill -9 $$"); got["signal"] != "9" {
		t.Fatalf("report %v, want signal 9", got)
	}
}

func TestStopsWhatEscaped(t *testing.T) {
	marker := "100." + filepath.Base(t.TempDir())
	got := supervise(t, "64", "/bin/sh", "-c", "setsid sleep "+marker+" & sleep "+marker+" & exit 0")
	if got["exit"] != "0" || got["leftover"] != "2" {
		t.Fatalf("report %v, want exit 0 and leftover 2", got)
	}
	time.Sleep(100 * time.Millisecond)
	if out, _ := exec.Command("pgrep", "-f", "sleep "+marker).Output(); len(out) > 0 {
		t.Fatalf("still running after the supervisor ended: %s", out)
	}
}

func TestStopsTheProgramAtTheTaskLimit(t *testing.T) {
	got := supervise(t, "3", "/bin/sh", "-c", "sleep 5 & sleep 5 & sleep 5 & sleep 5 & wait")
	if !strings.HasPrefix(got["limit"], "tasks ") {
		t.Fatalf("report %v, want limit tasks N", got)
	}
}

func TestReportsAProgramThatCannotStart(t *testing.T) {
	got := supervise(t, "64", filepath.Join(t.TempDir(), "missing"))
	if got["start-error"] == "" {
		t.Fatalf("report %v, want start-error", got)
	}
}
