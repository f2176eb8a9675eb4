// TEST STAND-IN — command:remote:Command as the real pulumi-command provider v1.2.1 runs it.

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const (
	envPreviousStdout = "PULUMI_COMMAND_STDOUT"
	envPreviousStderr = "PULUMI_COMMAND_STDERR"
)

var remoteCommand = commandKind{
	keys: []string{
		"connection", "create", "update", "delete", "stdin", "triggers",
		"logging", "environment", "addPreviousOutputInEnv",
	},
	exec: runRemote,
}

// runRemote runs command over SSH with the connection's settings.
func runRemote(
	ctx context.Context, r *request, p resource.PropertyMap, command, prevStdout, prevStderr string,
) (string, string, error) {
	connVal, ok := p["connection"]
	if !ok || !connVal.IsObject() {
		return "", "", fmt.Errorf("connection is required")
	}
	client, err := dial(ctx, r, connVal.ObjectValue())
	if err != nil {
		return "", "", err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return "", "", err
	}
	defer session.Close()

	for key, value := range environmentOf(p) {
		if err := session.Setenv(key, value); err != nil {
			r.log(ctx, diag.Error, setenvMessage(key))
			return "", "", fmt.Errorf("could not set environment variable %q: %w", key, err)
		}
	}
	if boolOf(p, "addPreviousOutputInEnv", true) {
		for key, value := range map[string]string{envPreviousStdout: prevStdout, envPreviousStderr: prevStderr} {
			if value == "" {
				continue
			}
			if err := session.Setenv(key, value); err != nil {
				r.log(ctx, diag.Warning, setenvMessage(key))
			}
		}
	}
	if stdin := str(p, "stdin"); stdin != "" {
		session.Stdin = strings.NewReader(stdin)
	}
	return streamed(ctx, r, str(p, "logging"), command, func(out, errOut io.Writer) error {
		session.Stdout, session.Stderr = out, errOut
		return session.Run(command)
	})
}

// streamed runs run(stdout, stderr), sending every line the `logging` mode selects to the
// engine as a status message while it runs, and returns stdout and stderr with one trailing
// newline removed. A failure is the real provider's error text:
// "<err>: running <quoted command>:\n<stdout and stderr, interleaved as they came>".
func streamed(
	ctx context.Context, r *request, logging, command string, run func(stdout, stderr io.Writer) error,
) (string, string, error) {
	var stdoutBuf, stderrBuf, combined bytes.Buffer
	combinedWriter := &lockedWriter{w: &combined}
	reader, writer := io.Pipe()
	outs := []io.Writer{&stdoutBuf, combinedWriter}
	errs := []io.Writer{&stderrBuf, combinedWriter}
	logOut, logErr := loggingModes(logging)
	if logOut {
		outs = append(outs, writer)
	}
	if logErr {
		errs = append(errs, writer)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		scanner := bufio.NewScanner(reader)
		for scanner.Scan() {
			r.status(ctx, diag.Info, scanner.Text())
		}
		_, _ = io.Copy(io.Discard, reader) // a line longer than the scanner's buffer must not block the command
	}()
	err := run(&lockedWriter{w: io.MultiWriter(outs...)}, &lockedWriter{w: io.MultiWriter(errs...)})
	_ = writer.Close()
	<-done
	if err != nil {
		return "", "", fmt.Errorf("%w: running %q:\n%s", err, command, combined.String())
	}
	return strings.TrimSuffix(stdoutBuf.String(), "\n"), strings.TrimSuffix(stderrBuf.String(), "\n"), nil
}

// lockedWriter serialises writes from the stdout and stderr copiers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// loggingModes: which streams `logging` sends to the engine (default: both).
func loggingModes(logging string) (stdout, stderr bool) {
	switch logging {
	case "stdout":
		return true, false
	case "stderr":
		return false, true
	case "none":
		return false, false
	default:
		return true, true
	}
}

func setenvMessage(key string) string {
	return fmt.Sprintf(`Unable to set '%s'. This only works if your SSH server is configured to accept
	these variables via AcceptEnv. Alternatively, if a Bash-like shell runs the command on the remote host, you could
	prefix the command itself with the variables in the form 'VAR=value command'`, key)
}
