// Command pulumi-resource-kubernetes is a thin wrapper around the upstream
// pulumi-kubernetes provider. It mirrors upstream's
// provider/cmd/pulumi-resource-kubernetes/main.go, whose two embedded files
// are git-ignored upstream and therefore missing from the module zip;
// build.sh regenerates them next to this file from the module's schema.json
// and terraform-mapping.json before `go build`.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
