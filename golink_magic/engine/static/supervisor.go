// golink-supervisor runs one user program for golink_magic (Linux) and makes sure nothing it
// started outlives it.
//
//	golink-supervisor REPORT MAX_TASKS FSIZE_BYTES AS_BYTES -- PROGRAM [ARG...]
//
// It becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so every descendant that
// escapes — a double fork, setsid — is re-parented to it instead of to init. It sets the file
// size and address-space limits (inherited by the program), watches the number of processes and
// threads below it, and when the program ends (or SIGINT/SIGTERM/SIGHUP arrives, or a limit is
// hit) it kills every descendant still running. What happened is written to REPORT, one
// "key value" per line: exit, signal, leftover, limit, stopped. Built once per Go toolchain by
// golink_magic; Go 1.19 or newer.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const prSetChildSubreaper = 36

func main() {
	if len(os.Args) < 7 || os.Args[5] != "--" {
		fmt.Fprintln(os.Stderr, "usage: golink-supervisor REPORT MAX_TASKS FSIZE AS -- PROGRAM [ARG...]")
		os.Exit(2)
	}
	report, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "golink-supervisor:", err)
		os.Exit(2)
	}
	defer report.Close()
	maxTasks, _ := strconv.Atoi(os.Args[2])
	limit(syscall.RLIMIT_FSIZE, os.Args[3])
	limit(syscall.RLIMIT_AS, os.Args[4])
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	// syscall.ForkExec rather than os/exec: no pidfd probe, no extra goroutines, a faster start.
	attr := &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}}
	pid, err := syscall.ForkExec(os.Args[6], os.Args[6:], attr)
	if err != nil {
		fmt.Fprintf(report, "start-error %v\n", errnoName(err))
		os.Exit(126)
	}
	done := make(chan syscall.WaitStatus, 1)
	go func() {
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
		done <- ws
	}()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case ws := <-done:
			fmt.Fprintf(report, "%s\n", status(ws))
			if n := killAll(); n > 0 {
				fmt.Fprintf(report, "leftover %d\n", n)
			}
			os.Exit(0)
		case s := <-signals:
			killAll()
			fmt.Fprintf(report, "stopped %v\n", s)
			os.Exit(0)
		case <-tick.C:
			if n := countTasks(); maxTasks > 0 && n > maxTasks {
				killAll()
				fmt.Fprintf(report, "limit tasks %d\n", n)
				os.Exit(0)
			}
		}
	}
}

func limit(which int, value string) {
	n, err := strconv.ParseUint(value, 10, 64)
	if err != nil || n == 0 {
		return
	}
	syscall.Setrlimit(which, &syscall.Rlimit{Cur: n, Max: n})
}

func errnoName(err error) string {
	if errno, ok := err.(syscall.Errno); ok && errno == syscall.ENOEXEC {
		return "ENOEXEC"
	}
	if errno, ok := err.(syscall.Errno); ok && errno == syscall.ETXTBSY {
		return "ETXTBSY"
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

func status(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return fmt.Sprintf("signal %d", int(ws.Signal()))
	}
	return fmt.Sprintf("exit %d", ws.ExitStatus())
}

// children lists the direct children of pid, across all its threads.
func children(pid int) []int {
	var out []int
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, _ := os.ReadDir(dir)
	for _, t := range tasks {
		data, err := os.ReadFile(dir + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// descendants lists every process below this one.
func descendants() []int {
	var out []int
	queue := children(os.Getpid())
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		out = append(out, pid)
		queue = append(queue, children(pid)...)
	}
	return out
}

// countTasks counts the processes and threads below this one.
func countTasks() int {
	total := 0
	for _, pid := range descendants() {
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		total += len(tasks)
	}
	return total
}

// killAll kills every descendant, reaping those that become our children, until none is left
// (a process that forks while being killed leaves children that are re-parented to us: the
// next round gets them); it returns how many there were at first.
func killAll() int {
	first := -1
	for round := 0; round < 2000; round++ {
		all := descendants()
		if first < 0 {
			first = len(all)
		}
		if len(all) == 0 {
			break
		}
		for _, pid := range all {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		for _, pid := range children(os.Getpid()) {
			var ws syscall.WaitStatus
			syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		}
		if round > 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return first
}
