// TEST STAND-IN — the lifecycle command:remote:Command and command:local:Command share in
// the real pulumi-command provider v1.2.1: create runs `create`; update runs `update`, else
// `create`; delete runs `delete`; a command that is not set runs (and dials) nothing; the
// previous stdout/stderr go to the executor (offered as PULUMI_COMMAND_STDOUT/STDERR unless
// addPreviousOutputInEnv is false).

package main

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// executor runs one command of a resource: where and how is what differs between the kinds.
type executor func(
	ctx context.Context, r *request, p resource.PropertyMap, command, prevStdout, prevStderr string,
) (stdout, stderr string, err error)

// commandKind is a command resource: its input keys and its executor.
type commandKind struct {
	keys []string
	exec executor
}

func (k commandKind) inputKeys() []string { return k.keys }

func (k commandKind) create(ctx context.Context, r *request, ins resource.PropertyMap) (resource.PropertyMap, error) {
	return k.run(ctx, r, ins, "create", "", "")
}

func (k commandKind) update(
	ctx context.Context, r *request, olds, news resource.PropertyMap,
) (resource.PropertyMap, error) {
	step := "create"
	if v, ok := news["update"]; ok && !v.IsNull() {
		step = "update"
	}
	p := plain(olds)
	return k.run(ctx, r, news, step, str(p, "stdout"), str(p, "stderr"))
}

func (k commandKind) delete(ctx context.Context, r *request, state resource.PropertyMap) error {
	p := plain(state)
	if _, ok := stringOf(p, "delete"); !ok {
		return nil
	}
	_, err := k.run(ctx, r, state, "delete", str(p, "stdout"), str(p, "stderr"))
	return err
}

// run runs the command stored under `step`; the result is the inputs plus stdout/stderr.
func (k commandKind) run(
	ctx context.Context, r *request, ins resource.PropertyMap, step, prevStdout, prevStderr string,
) (resource.PropertyMap, error) {
	p := plain(ins)
	command, ok := stringOf(p, step)
	if !ok {
		return withOutputs(k, ins, prevStdout, prevStderr), nil
	}
	stdout, stderr, err := k.exec(ctx, r, p, command, prevStdout, prevStderr)
	if err != nil {
		return nil, err
	}
	return withOutputs(k, ins, stdout, stderr), nil
}
