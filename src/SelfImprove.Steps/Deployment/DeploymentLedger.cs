using SelfImprove.Core.Deployment;
using SelfImprove.Core.Ports;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// The promotion ledger: one create-once record per change of an agent's deployment (<see cref="DeploymentRecord"/>),
/// under <c>agents/{id}/deployments/{key}.json</c>. The key names the change (a run, a version, a rollback's hold), so a
/// replayed or retried step finds its record and adds none; records are never rewritten.
/// </summary>
public sealed class DeploymentLedger(IArtifactStore store)
{
    /// <summary>Records a change once. Returns false when a record under <paramref name="key"/> exists already (it is kept as it is).</summary>
    /// <param name="key">The change's key: <c>run-{runId}</c>, <c>initial-{versionId}</c> or <c>rollback-{holdId}</c>.</param>
    public Task<bool> RecordAsync(string agentId, string key, DeploymentRecord record, CancellationToken cancellationToken = default) =>
        store.TryCreateAsync(StoreLayout.Deployment(agentId, key), StoreJson.Serialize(record), cancellationToken);

    /// <summary>The agent's ledger, newest first (by time, then by name).</summary>
    /// <exception cref="InvalidDataException">A record is not a <see cref="DeploymentRecord"/>.</exception>
    public async Task<IReadOnlyList<DeploymentRecord>> ListAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var records = new List<(string Name, DeploymentRecord Record)>();
        foreach (var name in await store.ListAsync(StoreLayout.DeploymentsPrefix(agentId), cancellationToken))
            if (await store.ReadAsync(name, cancellationToken) is { } json)
                records.Add((name, StoreJson.Deserialize<DeploymentRecord>(json, name)));
        return records.OrderByDescending(r => r.Record.At).ThenByDescending(r => r.Name, StringComparer.Ordinal).Select(r => r.Record).ToArray();
    }
}
