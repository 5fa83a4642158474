using SelfImprove.Core.Ports;

namespace SelfImprove.Testing;

/// <summary>
/// An artefact store that counts the operations it passes on to <paramref name="inner"/>: lists, the names they return,
/// reads (plain and versioned) and writes (creates, overwrites, conditional writes, deletes).
/// </summary>
public sealed class CountingArtifactStore(IArtifactStore inner) : IArtifactStore
{
    private long lists, listed, reads, writes;

    /// <summary>The operations counted so far.</summary>
    public Counts Snapshot() => new(Interlocked.Read(ref lists), Interlocked.Read(ref listed), Interlocked.Read(ref reads), Interlocked.Read(ref writes));

    public Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref writes);
        return inner.TryCreateAsync(name, content, cancellationToken);
    }

    public Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref writes);
        return inner.WriteAsync(name, content, cancellationToken);
    }

    public Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref reads);
        return inner.ReadAsync(name, cancellationToken);
    }

    public Task<VersionedContent?> ReadVersionedAsync(string name, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref reads);
        return inner.ReadVersionedAsync(name, cancellationToken);
    }

    public Task<string?> WriteIfVersionAsync(string name, ReadOnlyMemory<byte> content, string version, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref writes);
        return inner.WriteIfVersionAsync(name, content, version, cancellationToken);
    }

    public Task<bool> DeleteIfVersionAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref writes);
        return inner.DeleteIfVersionAsync(name, version, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var names = await inner.ListAsync(prefix, cancellationToken);
        Interlocked.Increment(ref lists);
        Interlocked.Add(ref listed, names.Count);
        return names;
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref writes);
        return inner.DeleteAsync(name, cancellationToken);
    }

    /// <summary>Operations counted so far.</summary>
    public sealed record Counts(long Lists, long Listed, long Reads, long Writes)
    {
        public static Counts operator -(Counts a, Counts b) => new(a.Lists - b.Lists, a.Listed - b.Listed, a.Reads - b.Reads, a.Writes - b.Writes);
    }
}
