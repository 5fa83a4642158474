namespace SelfImprove.Core.Ports;

/// <summary>
/// Named blobs: a folder on disk locally, Azure Blob Storage in production. Names use '/' as separator.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Writes only if no blob has the name yet (If-None-Match: *); false when one already exists.</summary>
    Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Writes, replacing any blob of that name; readers see the old or the new content, never a mix.</summary>
    Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The blob's content, or null when there is none.</summary>
    Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Names starting with <paramref name="prefix"/>, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; false when there was none.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);
}
