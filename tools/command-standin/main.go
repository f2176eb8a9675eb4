// TEST STAND-IN — this is NOT the real pulumi-command provider.
//
// pulumi-resource-command (stand-in) implements what the mke4k program uses of the
// command provider — `command:remote:Command`, `command:local:Command` and
// `command:remote:CopyToRemote` — so that the end-to-end tests (tests/e2e) can run a
// real Pulumi engine. It exists only because the real provider
// (github.com/pulumi/pulumi-command/provider) cannot be fetched from the Go module
// proxy reachable here. It follows the real provider v1.2.1 where an operator can see
// the difference (README.md lists what it does and any difference that remains):
//   - Check fills the connection defaults; Diff: a change in `triggers` replaces, any
//     other input change updates (`source`/`remotePath` for CopyToRemote).
//   - Dial: `dialErrorLimit + 1` attempts (-1: unlimited), backoff 100 ms x1.5 capped
//     at 5 s (the Pulumi SDK's retry.Until, as the real one); `perDialTimeout` bounds
//     only the TCP connect, not the SSH handshake (a host that never sends a banner
//     hangs, as with the real provider).
//   - Output streams line by line to the engine as status messages while the command
//     runs, as `logging` says; a failure is "<exit error>: running <quoted command>:\n
//     <stdout and stderr>".
//   - `environment` is sent with SSH setenv (a refusal fails the step);
//     `addPreviousOutputInEnv` (default true) offers the previous stdout/stderr as
//     PULUMI_COMMAND_STDOUT/STDERR (a refusal is a warning).
//   - Secrets stay secrets: inputs are kept as given in the outputs.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	providerName    = "command"
	providerVersion = "1.2.1"
)

// kind is one resource type the stand-in implements.
type kind interface {
	// inputKeys are the inputs of the type; everything else in a state is an output.
	inputKeys() []string
	create(ctx context.Context, r *request, ins resource.PropertyMap) (resource.PropertyMap, error)
	update(ctx context.Context, r *request, olds, news resource.PropertyMap) (resource.PropertyMap, error)
	delete(ctx context.Context, r *request, state resource.PropertyMap) error
}

var kinds = map[string]kind{
	"command:remote:Command":      remoteCommand,
	"command:local:Command":       localCommand,
	"command:remote:CopyToRemote": copyToRemote{},
}

func main() {
	err := provider.Main(providerName, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &standin{host: host}, nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command (TEST STAND-IN): %v\n", err)
		os.Exit(1)
	}
}

type standin struct {
	pulumirpc.UnimplementedResourceProviderServer
	host *provider.HostClient
}

// request is what a resource operation needs to talk back to the engine.
type request struct {
	host *provider.HostClient
	urn  resource.URN
}

// status logs one ephemeral status line on the resource (the real provider's InfoStatus).
func (r *request) status(ctx context.Context, sev diag.Severity, msg string) {
	if r.host != nil {
		_ = r.host.LogStatus(ctx, sev, r.urn, msg)
	}
}

// log logs one message on the resource that stays in the final output.
func (r *request) log(ctx context.Context, sev diag.Severity, msg string) {
	if r.host != nil {
		_ = r.host.Log(ctx, sev, r.urn, msg)
	}
}

// --- marshalling ---------------------------------------------------------------------

var keepOpts = plugin.MarshalOptions{KeepSecrets: true, KeepUnknowns: true, SkipNulls: true}
var plainOpts = plugin.MarshalOptions{KeepSecrets: false, KeepUnknowns: true, SkipNulls: true}

func unmarshal(s *structpb.Struct, opts plugin.MarshalOptions) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, opts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, keepOpts)
}

func kindOf(urn string) (kind, error) {
	t := resource.URN(urn).Type().String()
	k, ok := kinds[t]
	if !ok {
		return nil, status.Errorf(codes.Unimplemented,
			"pulumi-resource-command TEST STAND-IN does not implement %s", t)
	}
	return k, nil
}

// --- plugin / configuration ----------------------------------------------------------

func (p *standin) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: providerVersion}, nil
}

func (p *standin) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *standin) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *standin) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: false, AcceptResources: true}, nil
}

func (p *standin) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return nil, status.Error(codes.Unimplemented, "pulumi-resource-command TEST STAND-IN has no schema")
}

func (p *standin) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// --- resource lifecycle --------------------------------------------------------------

// Check echoes the new inputs, with the connection defaults of the real schema filled in.
func (p *standin) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if _, err := kindOf(req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), keepOpts)
	if err != nil {
		return nil, err
	}
	if conn, ok := news["connection"]; ok {
		news["connection"] = withConnectionDefaults(conn)
	}
	out, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: out}, nil
}

// Diff: triggers -> replace; any other input -> update; nothing -> none.
func (p *standin) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	k, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	oldStruct := req.GetOldInputs()
	if oldStruct == nil || len(oldStruct.GetFields()) == 0 {
		oldStruct = req.GetOlds()
	}
	olds, err := unmarshal(oldStruct, plainOpts)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), plainOpts)
	if err != nil {
		return nil, err
	}
	var diffs, replaces []string
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, key := range k.inputKeys() {
		o, hasOld := olds[resource.PropertyKey(key)]
		n, hasNew := news[resource.PropertyKey(key)]
		hasOld = hasOld && !o.IsNull()
		hasNew = hasNew && !n.IsNull()
		if !hasOld && !hasNew {
			continue
		}
		if hasOld && hasNew && o.DeepEquals(n) && !n.ContainsUnknowns() {
			continue
		}
		diffs = append(diffs, key)
		diffKind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case !hasOld:
			diffKind = pulumirpc.PropertyDiff_ADD
		case !hasNew:
			diffKind = pulumirpc.PropertyDiff_DELETE
		}
		if key == "triggers" {
			replaces = append(replaces, key)
			diffKind += pulumirpc.PropertyDiff_ADD_REPLACE - pulumirpc.PropertyDiff_ADD
		}
		detailed[key] = &pulumirpc.PropertyDiff{Kind: diffKind, InputDiff: true}
	}
	sort.Strings(diffs)
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(diffs) > 0 {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{
		Changes:         changes,
		Diffs:           diffs,
		Replaces:        replaces,
		DetailedDiff:    detailed,
		HasDetailedDiff: true,
	}, nil
}

func (p *standin) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	k, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	ins, err := unmarshal(req.GetProperties(), keepOpts)
	if err != nil {
		return nil, err
	}
	id := resource.URN(req.GetUrn()).Name() + "-" + randomHex(8)
	if req.GetPreview() {
		return &pulumirpc.CreateResponse{Id: id, Properties: req.GetProperties()}, nil
	}
	outs, err := k.create(ctx, &request{host: p.host, urn: resource.URN(req.GetUrn())}, ins)
	if err != nil {
		return nil, err
	}
	props, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *standin) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	k, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		return &pulumirpc.UpdateResponse{Properties: req.GetNews()}, nil
	}
	olds, err := unmarshal(req.GetOlds(), keepOpts)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), keepOpts)
	if err != nil {
		return nil, err
	}
	outs, err := k.update(ctx, &request{host: p.host, urn: resource.URN(req.GetUrn())}, olds, news)
	if err != nil {
		return nil, err
	}
	props, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *standin) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	k, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties(), keepOpts)
	if err != nil {
		return nil, err
	}
	if err := k.delete(ctx, &request{host: p.host, urn: resource.URN(req.GetUrn())}, state); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Read returns the stored state unchanged (nothing is re-read from the host).
func (p *standin) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if _, err := kindOf(req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// --- property helpers ----------------------------------------------------------------

// inputsOf copies the inputs of kind k from m (secrets kept).
func inputsOf(k kind, m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for _, key := range k.inputKeys() {
		if v, ok := m[resource.PropertyKey(key)]; ok {
			out[resource.PropertyKey(key)] = v
		}
	}
	return out
}

// withOutputs is the state of a command: its inputs, then stdout and stderr (the engine
// makes them secret when the program asks, with additionalSecretOutputs).
func withOutputs(k kind, ins resource.PropertyMap, stdout, stderr string) resource.PropertyMap {
	outs := inputsOf(k, ins)
	outs["stdout"] = resource.NewStringProperty(stdout)
	outs["stderr"] = resource.NewStringProperty(stderr)
	return outs
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return unwrap(v.SecretValue().Element)
	case v.IsObject():
		out := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			out[k] = unwrap(e)
		}
		return resource.NewObjectProperty(out)
	case v.IsArray():
		arr := make([]resource.PropertyValue, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			arr = append(arr, unwrap(e))
		}
		return resource.NewArrayProperty(arr)
	}
	return v
}

func plain(m resource.PropertyMap) resource.PropertyMap {
	return unwrap(resource.NewObjectProperty(m)).ObjectValue()
}

func stringOf(m resource.PropertyMap, key string) (string, bool) {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsString() {
		return v.StringValue(), true
	}
	return "", false
}

func str(m resource.PropertyMap, key string) string {
	s, _ := stringOf(m, key)
	return s
}

func numberOf(m resource.PropertyMap, key string, def int) int {
	if v, ok := m[resource.PropertyKey(key)]; ok {
		switch {
		case v.IsNumber():
			return int(v.NumberValue())
		case v.IsString():
			if n, err := strconv.Atoi(v.StringValue()); err == nil {
				return n
			}
		}
	}
	return def
}

// boolOf is the bool at key, or def when unset.
func boolOf(m resource.PropertyMap, key string, def bool) bool {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsBool() {
		return v.BoolValue()
	}
	return def
}

// environmentOf is the `environment` map of m (plain strings).
func environmentOf(m resource.PropertyMap) map[string]string {
	env := map[string]string{}
	if v, ok := m["environment"]; ok && v.IsObject() {
		for k, e := range v.ObjectValue() {
			if e.IsString() {
				env[string(k)] = e.StringValue()
			}
		}
	}
	return env
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
