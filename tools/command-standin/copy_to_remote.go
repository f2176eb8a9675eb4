// TEST STAND-IN — command:remote:CopyToRemote as the real pulumi-command provider v1.2.1
// copies: one file asset over SFTP (directories and archives are not implemented here).

package main

import (
	"context"
	"fmt"
	"os"
	"path"

	"github.com/pkg/sftp"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

type copyToRemote struct{}

func (copyToRemote) inputKeys() []string {
	return []string{"connection", "source", "remotePath", "triggers"}
}

func (k copyToRemote) create(ctx context.Context, r *request, ins resource.PropertyMap) (resource.PropertyMap, error) {
	return inputsOf(k, ins), k.copy(ctx, r, ins)
}

// update copies again only when the source's content or the remote path changed (as the real one).
func (k copyToRemote) update(
	ctx context.Context, r *request, olds, news resource.PropertyMap,
) (resource.PropertyMap, error) {
	po, pn := plain(olds), plain(news)
	if str(po, "remotePath") == str(pn, "remotePath") && assetHash(po) == assetHash(pn) && assetHash(pn) != "" {
		return inputsOf(k, news), nil
	}
	return inputsOf(k, news), k.copy(ctx, r, news)
}

// delete leaves the remote file in place, as the real provider does.
func (copyToRemote) delete(context.Context, *request, resource.PropertyMap) error { return nil }

func assetHash(p resource.PropertyMap) string {
	if v, ok := p["source"]; ok && v.IsAsset() {
		return v.AssetValue().Hash
	}
	return ""
}

func (k copyToRemote) copy(ctx context.Context, r *request, ins resource.PropertyMap) error {
	p := plain(ins)
	source, ok := p["source"]
	if !ok || !source.IsAsset() || source.AssetValue().Path == "" {
		return fmt.Errorf("TEST STAND-IN: CopyToRemote implements only a path-based file asset as source")
	}
	remotePath := str(p, "remotePath")
	connVal, ok := p["connection"]
	if !ok || !connVal.IsObject() {
		return fmt.Errorf("connection is required")
	}
	client, err := dial(ctx, r, connVal.ObjectValue())
	if err != nil {
		return err
	}
	defer client.Close()
	sftpClient, err := sftp.NewClient(client, sftp.UseConcurrentWrites(true))
	if err != nil {
		return err
	}
	defer sftpClient.Close()
	local, err := os.Open(source.AssetValue().Path)
	if err != nil {
		return err
	}
	defer local.Close()
	dest := remotePath
	if info, err := sftpClient.Stat(dest); err == nil && info.IsDir() {
		dest = path.Join(dest, path.Base(source.AssetValue().Path))
	}
	remote, err := sftpClient.Create(dest)
	if err != nil {
		return fmt.Errorf("failed to create remote file %s: %w", dest, err)
	}
	defer remote.Close()
	if _, err := remote.ReadFrom(local); err != nil {
		return fmt.Errorf("failed to copy file %s to remote path %s: %w", source.AssetValue().Path, dest, err)
	}
	return nil
}
