namespace SelfImprove.Core.Ports;

/// <summary>
/// Named blobs: a folder on disk locally, Azure Blob Storage in production. Names use '/' as separator.
/// </summary>
/// <remarks>
/// Every blob has a version (an opaque string; the ETag on Blob Storage) that changes with each write. The conditional
/// members (<see cref="ReadVersionedAsync"/>, <see cref="WriteIfVersionAsync"/>, <see cref="DeleteIfVersionAsync"/>) let a
/// caller check a blob's content and then change it only if nobody wrote or deleted it in between: the check and the
/// change are one atomic step on the store, also across processes and hosts.
/// </remarks>
public interface IArtifactStore
{
    /// <summary>Writes only if no blob has the name yet (If-None-Match: *); false when one already exists.</summary>
    Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Writes, replacing any blob of that name; readers see the old or the new content, never a mix.</summary>
    Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The blob's content, or null when there is none.</summary>
    Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The blob's content and the version it had when read (both from one read), or null when there is none.</summary>
    Task<VersionedContent?> ReadVersionedAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the blob only if it still has <paramref name="version"/> (If-Match): the new version, or null when the
    /// blob was written or deleted since that version was read (nothing is written then).
    /// </summary>
    Task<string?> WriteIfVersionAsync(string name, ReadOnlyMemory<byte> content, string version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the blob only if it still has <paramref name="version"/> (If-Match): false when it was written or deleted
    /// since that version was read (nothing is deleted then).
    /// </summary>
    Task<bool> DeleteIfVersionAsync(string name, string version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Names starting with <paramref name="prefix"/>, in ordinal order. The cost grows with the names under the prefix,
    /// not with the whole store: a prefix ending in '/' lists that folder alone.
    /// </summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; false when there was none.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>A blob's content as read together with its version.</summary>
/// <param name="Content">The bytes.</param>
/// <param name="Version">
/// The blob's version when read: the ETag on Blob Storage; on the folder store, the file's modification time and its
/// content's SHA-256. Opaque: pass it back to <see cref="IArtifactStore.WriteIfVersionAsync"/> or
/// <see cref="IArtifactStore.DeleteIfVersionAsync"/>, never parse it.
/// </param>
public sealed record VersionedContent(byte[] Content, string Version);
