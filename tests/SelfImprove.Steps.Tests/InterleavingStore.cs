using SelfImprove.Core.Ports;

namespace SelfImprove.Steps.Tests;

/// <summary>
/// A store that runs <see cref="BeforeLockDelete"/> once, just before the first delete of a run lock: what another
/// process could do between a caller's check of the lock and its delete. With <paramref name="latency"/>, every call
/// first waits that long, as calls to remote storage do, which widens the windows races need.
/// </summary>
public sealed class InterleavingStore(IArtifactStore inner, TimeSpan latency = default) : IArtifactStore
{
    public Func<Task>? BeforeLockDelete { get; set; }

    public async Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        await WaitAsync();
        return await inner.TryCreateAsync(name, content, cancellationToken);
    }

    public async Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        await WaitAsync();
        await inner.WriteAsync(name, content, cancellationToken);
    }

    public async Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        await WaitAsync();
        return await inner.ReadAsync(name, cancellationToken);
    }

    public async Task<VersionedContent?> ReadVersionedAsync(string name, CancellationToken cancellationToken = default)
    {
        await WaitAsync();
        return await inner.ReadVersionedAsync(name, cancellationToken);
    }

    public async Task<string?> WriteIfVersionAsync(string name, ReadOnlyMemory<byte> content, string version, CancellationToken cancellationToken = default)
    {
        await WaitAsync();
        return await inner.WriteIfVersionAsync(name, content, version, cancellationToken);
    }

    public async Task<bool> DeleteIfVersionAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        await InterleaveAsync(name);
        return await inner.DeleteIfVersionAsync(name, version, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await WaitAsync();
        return await inner.ListAsync(prefix, cancellationToken);
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await InterleaveAsync(name);
        return await inner.DeleteAsync(name, cancellationToken);
    }

    private Task WaitAsync() => latency > TimeSpan.Zero ? Task.Delay(latency) : Task.CompletedTask;

    private async Task InterleaveAsync(string name)
    {
        await WaitAsync();
        if (!name.EndsWith("/run.lock", StringComparison.Ordinal) || BeforeLockDelete is not { } interleave) return;
        BeforeLockDelete = null;
        await interleave();
    }
}
