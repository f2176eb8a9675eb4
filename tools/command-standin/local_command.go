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

type localCommand struct{}

func (localCommand) inputKeys() []string {
	return []string{
		"create", "update", "delete", "stdin", "triggers", "logging", "environment",
		"addPreviousOutputInEnv", "dir", "interpreter",
	}
}

func (k localCommand) create(ctx context.Context, r *request, ins resource.PropertyMap) (resource.PropertyMap, error) {
	return k.run(ctx, r, ins, "create", "", "")
}

func (k localCommand) update(
	ctx context.Context, r *request, olds, news resource.PropertyMap,
) (resource.PropertyMap, error) {
	step := "create"
	if v, ok := news["update"]; ok && !v.IsNull() {
		step = "update"
	}
	p := plain(olds)
	return k.run(ctx, r, news, step, str(p, "stdout"), str(p, "stderr"))
}

func (k localCommand) delete(ctx context.Context, r *request, state resource.PropertyMap) error {
	if _, ok := stringOf(plain(state), "delete"); !ok {
		return nil
	}
	p := plain(state)
	_, err := k.run(ctx, r, state, "delete", str(p, "stdout"), str(p, "stderr"))
	return err
}

// run runs the command stored under `step` with /bin/sh -c (or `interpreter`), in `dir`
// (default: the provider's working directory, the project's), with the runner's
// environment plus `environment` (and the previous outputs unless turned off).
func (k localCommand) run(
	ctx context.Context, r *request, ins resource.PropertyMap, step, prevStdout, prevStderr string,
) (resource.PropertyMap, error) {
	p := plain(ins)
	command, ok := stringOf(p, step)
	if !ok {
		return withOutputs(k, ins, prevStdout, prevStderr), nil
	}
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
	stdout, stderr, err := streamed(ctx, r, str(p, "logging"), command, func(out, errOut io.Writer) error {
		cmd.Stdout, cmd.Stderr = out, errOut
		return cmd.Run()
	})
	if err != nil {
		return nil, err
	}
	return withOutputs(k, ins, stdout, stderr), nil
}
