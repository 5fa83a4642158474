using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using SelfImprove.Core.Ports;

namespace SelfImprove.Storage;

/// <summary>
/// Artefacts as blobs in one Azure Blob Storage container (Azurite locally). Create-if-absent is an upload
/// with <c>If-None-Match: *</c>, which the service decides atomically: of two writers, exactly one wins.
/// </summary>
public sealed class BlobArtifactStore(BlobContainerClient container) : IArtifactStore
{
    /// <summary>Creates the container if needed; storage that cannot be reached fails here, within the client's timeout.</summary>
    public static async Task<BlobArtifactStore> OpenAsync(BlobContainerClient container, CancellationToken cancellationToken = default)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        return new BlobArtifactStore(container);
    }

    public async Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        try
        {
            await Blob(name).UploadAsync(BinaryData.FromBytes(content),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        await Blob(name).UploadAsync(BinaryData.FromBytes(content), overwrite: true, cancellationToken);

    public async Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await Blob(name).DownloadContentAsync(cancellationToken);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<VersionedContent?> ReadVersionedAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await Blob(name).DownloadContentAsync(cancellationToken);
            return new VersionedContent(result.Value.Content.ToArray(), result.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>An upload with <c>If-Match: version</c>; the service answers 412 (or 404 for a deleted blob) when the blob changed.</summary>
    public async Task<string?> WriteIfVersionAsync(string name, ReadOnlyMemory<byte> content, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        try
        {
            var written = await Blob(name).UploadAsync(BinaryData.FromBytes(content),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(version) } }, cancellationToken);
            return written.Value.ETag.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>A delete with <c>If-Match: version</c>; the service answers 412 (or 404 for a deleted blob) when the blob changed.</summary>
    public async Task<bool> DeleteIfVersionAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        try
        {
            await Blob(name).DeleteAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = new ETag(version) }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>A prefix listing on the service: only the blobs under <paramref name="prefix"/> are read, in pages of up to 5,000.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            names.Add(blob.Name);
        return names.Order(StringComparer.Ordinal).ToArray();
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        (await Blob(name).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;

    private BlobClient Blob(string name)
    {
        ArtifactNames.Check(name);
        return container.GetBlobClient(name);
    }
}
