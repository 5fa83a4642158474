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
