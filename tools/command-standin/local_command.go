// TEST STAND-IN — command:local:Command as the real pulumi-command provider v1.2.1 runs it.

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var localCommand = commandKind{
	keys: []string{
		"create", "update", "delete", "stdin", "triggers", "logging", "environment",
		"addPreviousOutputInEnv", "dir", "interpreter",
	},
	exec: runLocal,
}

// runLocal runs command with /bin/sh -c (or `interpreter`), in `dir` (default: the
// provider's working directory, the project's), with the runner's environment plus
// `environment` (and the previous outputs unless turned off).
func runLocal(
	ctx context.Context, r *request, p resource.PropertyMap, command, prevStdout, prevStderr string,
) (string, string, error) {
	args := []string{"/bin/sh", "-c"}
	if v, ok := p["interpreter"]; ok && v.IsArray() && len(v.ArrayValue()) > 0 {
		args = args[:0]
		for _, e := range v.ArrayValue() {
			args = append(args, e.StringValue())
		}
	}
	args = append(args, command)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	if dir := str(p, "dir"); dir != "" {
		cmd.Dir = dir
	} else if wd, err := os.Getwd(); err == nil {
		cmd.Dir = wd
	}
	cmd.Env = os.Environ()
	for key, value := range environmentOf(p) {
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%s", key, value))
	}
	if boolOf(p, "addPreviousOutputInEnv", true) {
		if prevStdout != "" {
			cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%s", envPreviousStdout, prevStdout))
		}
		if prevStderr != "" {
			cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%s", envPreviousStderr, prevStderr))
		}
	}
	if stdin := str(p, "stdin"); stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	return streamed(ctx, r, str(p, "logging"), command, func(out, errOut io.Writer) error {
		cmd.Stdout, cmd.Stderr = out, errOut
		return cmd.Run()
	})
}
