//go:build tools

// Package tools records the Python language host main package as a
// dependency of this wrapper module so that `go mod tidy` keeps go.sum
// complete for building it.
package tools

import (
	_ "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
)
