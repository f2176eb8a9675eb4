// TEST STAND-IN — SSH connections as the real pulumi-command provider v1.2.1 makes them.

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/retry"
)

// dialErrorUnlimited is the dialErrorLimit that retries forever.
const dialErrorUnlimited = -1

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

// endpoint is one SSH server to dial: address, client config and the dial limits.
type endpoint struct {
	addr           string
	config         *ssh.ClientConfig
	dialErrorLimit int
}

func endpointOf(conn resource.PropertyMap) (endpoint, error) {
	host := str(conn, "host")
	if host == "" {
		return endpoint{}, errors.New("connection.host is required")
	}
	user := str(conn, "user")
	if user == "" {
		user = "root"
	}
	var auth []ssh.AuthMethod
	if key := str(conn, "privateKey"); key != "" {
		var signer ssh.Signer
		var err error
		if pass := str(conn, "privateKeyPassword"); pass != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(pass))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(key))
		}
		if err != nil {
			return endpoint{}, err
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if pw := str(conn, "password"); pw != "" {
		auth = append(auth, ssh.Password(pw))
	}
	return endpoint{
		addr: net.JoinHostPort(host, strconv.Itoa(numberOf(conn, "port", 22))),
		config: &ssh.ClientConfig{
			User:            user,
			Auth:            auth,
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), //nolint:gosec // as the real provider without hostKey
			// As the real provider: bounds the TCP connect only (ssh.Dial), not the handshake.
			Timeout: time.Duration(numberOf(conn, "perDialTimeout", 15)) * time.Second,
		},
		dialErrorLimit: numberOf(conn, "dialErrorLimit", 10),
	}, nil
}

// dialWithRetry calls f until it succeeds or has failed more than maxAttempts times
// (dialErrorLimit semantics: limit+1 calls in all), with the SDK's default backoff,
// reporting each failed attempt as a status message, like the real provider.
func dialWithRetry[T any](ctx context.Context, r *request, msg string, maxAttempts int, f func() (T, error)) (T, error) {
	var userError error
	ok, data, err := retry.Until(ctx, retry.Acceptor{
		Accept: func(try int, _ time.Duration) (bool, any, error) {
			result, e := f()
			userError = e
			if e == nil {
				return true, result, nil
			}
			dials := try + 1
			if maxAttempts > dialErrorUnlimited && dials > maxAttempts {
				return true, nil, fmt.Errorf("after %d failed attempts: %w", try, userError)
			}
			limit := "inf"
			if maxAttempts != dialErrorUnlimited {
				limit = strconv.Itoa(maxAttempts)
			}
			r.status(ctx, diag.Info, fmt.Sprintf("%s %d/%s failed: retrying", msg, dials, limit))
			return false, nil, nil
		},
	})
	if ok && err == nil {
		return data.(T), nil
	}
	var zero T
	if err == nil {
		err = ctx.Err()
	}
	return zero, err
}

// dial connects to the connection's host, through its proxy when one is given.
func dial(ctx context.Context, r *request, conn resource.PropertyMap) (*ssh.Client, error) {
	target, err := endpointOf(conn)
	if err != nil {
		return nil, err
	}
	pv, hasProxy := conn["proxy"]
	if !hasProxy || !pv.IsObject() {
		return dialWithRetry(ctx, r, "Dial", target.dialErrorLimit, func() (*ssh.Client, error) {
			return ssh.Dial("tcp", target.addr, target.config)
		})
	}
	jump, err := endpointOf(pv.ObjectValue())
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	proxyClient, err := dialWithRetry(ctx, r, "Dial proxy", jump.dialErrorLimit, func() (*ssh.Client, error) {
		return ssh.Dial("tcp", jump.addr, jump.config)
	})
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	netConn, err := dialWithRetry(ctx, r, "Dial from proxy", target.dialErrorLimit, func() (net.Conn, error) {
		return proxyClient.Dial("tcp", target.addr)
	})
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	var channels <-chan ssh.NewChannel
	var requests <-chan *ssh.Request
	client, err := dialWithRetry(ctx, r, "Dial", target.dialErrorLimit, func() (ssh.Conn, error) {
		c, ch, rq, e := ssh.NewClientConn(netConn, target.addr, target.config)
		channels, requests = ch, rq
		return c, e
	})
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	return ssh.NewClient(client, channels, requests), nil
}
