// TEST STAND-IN — this is NOT the real pulumi-command provider.
//
// pulumi-resource-command (stand-in) implements only what the mke4k program uses of
// `command:remote:Command`, so that the end-to-end test (tests/e2e) can run a real
// Pulumi engine. It exists only because the real provider
// (github.com/pulumi/pulumi-command/provider) cannot be fetched from the Go module
// proxy reachable here. See README.md in this folder for what it implements and
// what it does not. Never ship or install it outside the test engine cache.
//
// Semantics follow the real provider's documentation (docs: facts.md section 8):
//   - Check echoes the new inputs (with connection defaults filled in).
//   - Diff: a change in `triggers` replaces; any other input change updates; else none.
//   - Create runs `create`, Update runs `update` (or `create` when unset), Delete runs
//     `delete` (when set) over SSH with the stored connection; stdin is fed when set.
//   - stdout/stderr are captured with one trailing newline removed; a non-zero exit
//     is an error that carries stdout and stderr.
//   - Output is logged to the engine (info) as `logging` says, after the command ends.
//   - Secrets stay secrets: inputs are kept as given in the outputs.
//   - The host key is not checked (as the real provider without `hostKey`).
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
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
	remoteCommand   = "command:remote:Command"
)

// inputKeys are the inputs of command:remote:Command; everything else in a state is an output.
var inputKeys = []string{
	"connection", "create", "update", "delete", "stdin", "triggers",
	"logging", "environment", "addPreviousOutputInEnv",
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
	return plugin.MarshalProperties(m, plugin.MarshalOptions{KeepSecrets: true, KeepUnknowns: true, SkipNulls: true})
}

func checkType(urn string) error {
	t := resource.URN(urn).Type().String()
	if t != remoteCommand {
		return status.Errorf(codes.Unimplemented,
			"pulumi-resource-command TEST STAND-IN implements only %s, not %s", remoteCommand, t)
	}
	return nil
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
	if err := checkType(req.GetUrn()); err != nil {
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

func withConnectionDefaults(v resource.PropertyValue) resource.PropertyValue {
	if v.IsSecret() {
		return resource.MakeSecret(withConnectionDefaults(v.SecretValue().Element))
	}
	if !v.IsObject() {
		return v
	}
	obj := v.ObjectValue().Copy()
	defaults := map[resource.PropertyKey]resource.PropertyValue{
		"port":           resource.NewNumberProperty(22),
		"user":           resource.NewStringProperty("root"),
		"dialErrorLimit": resource.NewNumberProperty(10),
		"perDialTimeout": resource.NewNumberProperty(15),
	}
	for k, d := range defaults {
		if cur, ok := obj[k]; !ok || cur.IsNull() {
			obj[k] = d
		}
	}
	if proxy, ok := obj["proxy"]; ok && !proxy.IsNull() {
		obj["proxy"] = withConnectionDefaults(proxy)
	}
	return resource.NewObjectProperty(obj)
}

// Diff: triggers -> replace; any other input -> update; nothing -> none.
func (p *standin) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
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
	for _, key := range inputKeys {
		o, hasOld := olds[resource.PropertyKey(key)]
		n, hasNew := news[resource.PropertyKey(key)]
		if hasOld && o.IsNull() {
			hasOld = false
		}
		if hasNew && n.IsNull() {
			hasNew = false
		}
		if !hasOld && !hasNew {
			continue
		}
		if hasOld && hasNew && o.DeepEquals(n) && !n.ContainsUnknowns() {
			continue
		}
		diffs = append(diffs, key)
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case !hasOld:
			kind = pulumirpc.PropertyDiff_ADD
		case !hasNew:
			kind = pulumirpc.PropertyDiff_DELETE
		}
		if key == "triggers" {
			replaces = append(replaces, key)
			kind += pulumirpc.PropertyDiff_ADD_REPLACE - pulumirpc.PropertyDiff_ADD
		}
		detailed[key] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
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
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	ins, err := unmarshal(req.GetProperties(), keepOpts)
	if err != nil {
		return nil, err
	}
	id := resource.URN(req.GetUrn()).Name() + "-" + randomHex(4)
	if req.GetPreview() {
		return &pulumirpc.CreateResponse{Id: id, Properties: req.GetProperties()}, nil
	}
	outs, err := p.runStep(ctx, req.GetUrn(), ins, "create")
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
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	if req.GetPreview() {
		return &pulumirpc.UpdateResponse{Properties: req.GetNews()}, nil
	}
	ins, err := unmarshal(req.GetNews(), keepOpts)
	if err != nil {
		return nil, err
	}
	step := "create"
	if v, ok := ins["update"]; ok && !v.IsNull() {
		step = "update"
	}
	outs, err := p.runStep(ctx, req.GetUrn(), ins, step)
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
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties(), keepOpts)
	if err != nil {
		return nil, err
	}
	if v, ok := state["delete"]; ok && !v.IsNull() {
		if _, err := p.runStep(ctx, req.GetUrn(), state, "delete"); err != nil {
			return nil, err
		}
	}
	return &emptypb.Empty{}, nil
}

// Read returns the stored state unchanged (nothing is re-read from the host).
func (p *standin) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// --- running a command ----------------------------------------------------------------

// runStep runs the command stored under `step` and returns the inputs plus stdout/stderr.
func (p *standin) runStep(
	ctx context.Context, urn string, ins resource.PropertyMap, step string,
) (resource.PropertyMap, error) {
	plain := unwrap(resource.NewObjectProperty(ins)).ObjectValue()
	command := stringOf(plain, step)
	outs := resource.PropertyMap{}
	for _, key := range inputKeys {
		if v, ok := ins[resource.PropertyKey(key)]; ok {
			outs[resource.PropertyKey(key)] = v
		}
	}
	if command == "" {
		outs["stdout"] = resource.NewStringProperty("")
		outs["stderr"] = resource.NewStringProperty("")
		return outs, nil
	}
	connVal, ok := plain["connection"]
	if !ok || !connVal.IsObject() {
		return nil, fmt.Errorf("%s: connection is required", urn)
	}
	stdout, stderr, err := runRemote(ctx, connVal.ObjectValue(), command, stringOf(plain, "stdin"))
	p.logOutput(ctx, urn, stringOf(plain, "logging"), stdout, stderr)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w", resource.URN(urn).Name(), step, err)
	}
	outs["stdout"] = resource.NewStringProperty(stdout)
	outs["stderr"] = resource.NewStringProperty(stderr)
	return outs, nil
}

// logOutput sends the command's output to the engine as info messages, honouring
// `logging` (stdout, stderr, stdoutAndStderr (the default) or none) like the real
// provider, which streams it while the command runs (this stand-in logs it afterwards).
func (p *standin) logOutput(ctx context.Context, urn, logging, stdout, stderr string) {
	if p.host == nil {
		return
	}
	if logging == "" {
		logging = "stdoutAndStderr"
	}
	var parts []string
	if (logging == "stdout" || logging == "stdoutAndStderr") && stdout != "" {
		parts = append(parts, stdout)
	}
	if (logging == "stderr" || logging == "stdoutAndStderr") && stderr != "" {
		parts = append(parts, stderr)
	}
	if len(parts) > 0 {
		_ = p.host.Log(ctx, diag.Info, resource.URN(urn), strings.Join(parts, "\n"))
	}
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

func stringOf(m resource.PropertyMap, key string) string {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
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

type endpoint struct {
	addr           string
	config         *ssh.ClientConfig
	dialErrorLimit int
	perDialTimeout time.Duration
}

func endpointOf(conn resource.PropertyMap) (endpoint, error) {
	host := stringOf(conn, "host")
	if host == "" {
		return endpoint{}, errors.New("connection.host is required")
	}
	user := stringOf(conn, "user")
	if user == "" {
		user = "root"
	}
	var auth []ssh.AuthMethod
	if key := stringOf(conn, "privateKey"); key != "" {
		var signer ssh.Signer
		var err error
		if pass := stringOf(conn, "privateKeyPassword"); pass != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(pass))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(key))
		}
		if err != nil {
			return endpoint{}, fmt.Errorf("connection.privateKey: %w", err)
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if pw := stringOf(conn, "password"); pw != "" {
		auth = append(auth, ssh.Password(pw))
	}
	timeout := time.Duration(numberOf(conn, "perDialTimeout", 15)) * time.Second
	return endpoint{
		addr: net.JoinHostPort(host, strconv.Itoa(numberOf(conn, "port", 22))),
		config: &ssh.ClientConfig{
			User:            user,
			Auth:            auth,
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), //nolint:gosec // as the real provider without hostKey
			Timeout:         timeout,
		},
		dialErrorLimit: numberOf(conn, "dialErrorLimit", 10),
		perDialTimeout: timeout,
	}, nil
}

// dial connects to `ep`, through `via` when not nil, retrying up to dialErrorLimit times.
func dial(ctx context.Context, ep endpoint, via *ssh.Client) (*ssh.Client, error) {
	var lastErr error
	limit := ep.dialErrorLimit
	if limit < 1 {
		limit = 1
	}
	for attempt := 1; attempt <= limit; attempt++ {
		if attempt > 1 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Second):
			}
		}
		var conn net.Conn
		var err error
		if via != nil {
			conn, err = via.Dial("tcp", ep.addr)
		} else {
			d := net.Dialer{Timeout: ep.perDialTimeout}
			conn, err = d.DialContext(ctx, "tcp", ep.addr)
		}
		if err == nil {
			_ = conn.SetDeadline(time.Now().Add(ep.perDialTimeout))
			var c ssh.Conn
			var chans <-chan ssh.NewChannel
			var reqs <-chan *ssh.Request
			c, chans, reqs, err = ssh.NewClientConn(conn, ep.addr, ep.config)
			if err == nil {
				_ = conn.SetDeadline(time.Time{})
				return ssh.NewClient(c, chans, reqs), nil
			}
			_ = conn.Close()
		}
		lastErr = err
	}
	return nil, fmt.Errorf("dial %s: %d attempt(s) failed, last error: %w", ep.addr, limit, lastErr)
}

func runRemote(ctx context.Context, conn resource.PropertyMap, command, stdin string) (string, string, error) {
	target, err := endpointOf(conn)
	if err != nil {
		return "", "", err
	}
	var via *ssh.Client
	if pv, ok := conn["proxy"]; ok && pv.IsObject() {
		proxyEp, err := endpointOf(pv.ObjectValue())
		if err != nil {
			return "", "", fmt.Errorf("proxy: %w", err)
		}
		if via, err = dial(ctx, proxyEp, nil); err != nil {
			return "", "", fmt.Errorf("proxy: %w", err)
		}
		defer via.Close()
	}
	client, err := dial(ctx, target, via)
	if err != nil {
		return "", "", err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return "", "", fmt.Errorf("new session: %w", err)
	}
	defer session.Close()
	var stdoutBuf, stderrBuf bytes.Buffer
	session.Stdout = &stdoutBuf
	session.Stderr = &stderrBuf
	if stdin != "" {
		session.Stdin = strings.NewReader(stdin)
	}
	done := make(chan error, 1)
	go func() { done <- session.Run(command) }()
	select {
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGKILL)
		_ = client.Close()
		return "", "", ctx.Err()
	case err = <-done:
	}
	stdout := strings.TrimSuffix(stdoutBuf.String(), "\n")
	stderr := strings.TrimSuffix(stderrBuf.String(), "\n")
	if err != nil {
		return stdout, stderr, fmt.Errorf("%w\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	return stdout, stderr, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
