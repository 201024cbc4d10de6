package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ),
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// proc is a process the driver started and must stop.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string // path of its combined output
	done chan struct{}
}

// procs starts processes and stops all of them, in reverse order, at the
// end.
type procs struct {
	dir  string // logs go here
	list []*proc
}

// start runs name with args and env (added to the driver's environment),
// with stdout and stderr in dir/<label>.log.
func (ps *procs) start(label string, env []string, name string, args ...string) (*proc, error) {
	logPath := filepath.Join(ps.dir, label+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Children die with the driver even when it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", label, err)
	}
	p := &proc{name: label, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		f.Close()
		close(p.done)
	}()
	ps.list = append(ps.list, p)
	return p, nil
}

// stopAll stops every process, newest first.
func (ps *procs) stopAll() {
	for i := len(ps.list) - 1; i >= 0; i-- {
		ps.list[i].terminate()
	}
	ps.list = nil
}

// stop stops one process and forgets it.
func (ps *procs) stop(p *proc) {
	p.terminate()
	ps.list = slices.DeleteFunc(ps.list, func(q *proc) bool { return q == p })
}

// terminate sends SIGTERM, and SIGKILL when the process still runs five
// seconds later.
func (p *proc) terminate() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports whether p has stopped, with the tail of its log.
func (p *proc) exited() (bool, string) {
	select {
	case <-p.done:
		return true, tail(p.log)
	default:
		return false, ""
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// waitFor calls ready every interval until it reports true, and fails when
// p exits first or ctx ends; what names the awaited state in the error.
func (p *proc) waitFor(ctx context.Context, what string, interval time.Duration, ready func() bool) error {
	for !ready() {
		if gone, out := p.exited(); gone {
			return fmt.Errorf("%s exited before %s:\n%s", p.name, what, out)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: not %s: %w; its log:\n%s", p.name, what, ctx.Err(), tail(p.log))
		case <-time.After(interval):
		}
	}
	return nil
}

// waitLine waits until p's log has a line with prefix and returns it.
func waitLine(ctx context.Context, p *proc, prefix string) (string, error) {
	var line string
	err := p.waitFor(ctx, "it printed "+prefix, 20*time.Millisecond, func() bool {
		line = findLine(p.log, prefix)
		return line != ""
	})
	return line, err
}

func findLine(path, prefix string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			return sc.Text()
		}
	}
	return ""
}

// waitTCP waits until addr accepts connections.
func waitTCP(ctx context.Context, p *proc, addr string) error {
	return p.waitFor(ctx, "it listened on "+addr, 20*time.Millisecond, func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// freeAddrs returns n distinct free ports on 127.0.0.1. They are free when
// it returns; a process of someone else could take one before ours does,
// which shows as a start-up error, not as a wrong figure.
func freeAddrs(n int) ([]string, error) {
	var addrs []string
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

// cpuTime is the user plus system CPU time of pid and of its live
// descendants (nginx's workers are children of its master).
func cpuTime(pid int) time.Duration {
	var total int64
	for _, id := range descendants(pid) {
		if _, t, ok := readStat(id); ok {
			total += t
		}
	}
	return time.Duration(total) * time.Second / clockTicks
}

// descendants lists pid and its live descendants.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, ok := readStat(id); ok {
			children[ppid] = append(children[ppid], id)
		}
	}
	var out []int
	stack := []int{pid}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, id)
		stack = append(stack, children[id]...)
	}
	return out
}

// readStat reads the parent pid and utime+stime of /proc/pid/stat.
func readStat(pid int) (ppid int, ticks int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	return parseStat(b)
}

// parseStat reads the parent pid and utime+stime of a /proc/PID/stat line.
func parseStat(b []byte) (ppid int, ticks int64, ok bool) {
	// The command name is in parentheses and may hold spaces: the fields
	// that follow start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return 0, 0, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	u, err2 := strconv.ParseInt(f[11], 10, 64)
	s, err3 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, false
	}
	return ppid, u + s, true
}

// childCPU is the CPU time of a process that has exited.
func childCPU(ps *os.ProcessState) time.Duration {
	if ps == nil {
		return 0
	}
	return ps.UserTime() + ps.SystemTime()
}
