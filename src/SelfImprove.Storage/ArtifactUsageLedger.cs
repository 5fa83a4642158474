using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;

namespace SelfImprove.Storage;

/// <summary>
/// A run's LLM usage in the artefact store: one small record per call key under <c>runs/{runId}/usage/</c>,
/// created only if absent, so an activity delivered twice neither counts nor bills its calls twice.
/// </summary>
public sealed class ArtifactUsageLedger(IArtifactStore store) : IUsageLedger
{
    public Task<bool> RecordAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(record.RunId)) throw new ArgumentException("Usage is recorded per run; the record names none.", nameof(record));
        return store.TryCreateAsync(StoreLayout.Usage(record), StoreJson.Serialize(record), cancellationToken);
    }

    public async Task<IReadOnlyList<UsageRecord>> ListAsync(string runId, CancellationToken cancellationToken = default)
    {
        var records = new List<UsageRecord>();
        foreach (var name in await store.ListAsync(StoreLayout.UsagePrefix(runId), cancellationToken))
            if (await store.ReadAsync(name, cancellationToken) is { } json) records.Add(StoreJson.Deserialize<UsageRecord>(json, name));
        return records;
    }
}
