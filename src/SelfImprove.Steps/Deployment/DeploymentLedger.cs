using SelfImprove.Core.Deployment;
using SelfImprove.Core.Ports;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// The promotion ledger: one create-once record per change of an agent's deployment (<see cref="DeploymentRecord"/>),
/// under <c>agents/{id}/deployments/{key}.json</c>. The key names the change (a run, a version, a rollback's hold), so a
/// replayed or retried step finds its record and adds none; records are never rewritten. Readers (the bake watch reads
/// the ledger on every monitoring check) read it from a digest (<see cref="StoreLayout.DeploymentsDigest"/>) while no
/// record was added since, rather than listing it (<see cref="ListingDigest{T}"/>).
/// </summary>
/// <param name="store">The store.</param>
/// <param name="clock">Dates the digest; the system clock when null.</param>
public sealed class DeploymentLedger(IArtifactStore store, TimeProvider? clock = null)
{
    /// <summary>How long the digest is used at most while no writer marked a change (a writer that died between its record and its mark is seen then).</summary>
    public static readonly TimeSpan DigestMaxAge = TimeSpan.FromHours(1);

    /// <summary>
    /// Records a change once, then marks the ledger changed (a replay marks it again: the first writer may have died
    /// before its mark). Returns false when a record under <paramref name="key"/> exists already (it is kept as it is).
    /// </summary>
    /// <param name="key">The change's key: <c>run-{runId}</c>, <c>initial-{versionId}</c> or <c>rollback-{holdId}</c>.</param>
    public async Task<bool> RecordAsync(string agentId, string key, DeploymentRecord record, CancellationToken cancellationToken = default)
    {
        var created = await store.TryCreateAsync(StoreLayout.Deployment(agentId, key), StoreJson.Serialize(record), cancellationToken);
        await Digest(agentId).MarkChangedAsync(cancellationToken);
        return created;
    }

    /// <summary>The agent's ledger, newest first (by time, then by name).</summary>
    /// <exception cref="InvalidDataException">A record is not a <see cref="DeploymentRecord"/>.</exception>
    public async Task<IReadOnlyList<DeploymentRecord>> ListAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var ledger = await Digest(agentId).GetAsync((_, ct) => ReadAllAsync(agentId, ct), cancellationToken: cancellationToken);
        return ledger.Records.OrderByDescending(r => r.Record.At).ThenByDescending(r => r.Name, StringComparer.Ordinal).Select(r => r.Record).ToArray();
    }

    private ListingDigest<Ledger> Digest(string agentId) =>
        new(store, StoreLayout.DeploymentsChanged(agentId), StoreLayout.DeploymentsDigest(agentId), clock ?? TimeProvider.System, DigestMaxAge);

    private async Task<Ledger> ReadAllAsync(string agentId, CancellationToken cancellationToken)
    {
        var records = new List<NamedRecord>();
        foreach (var name in await store.ListAsync(StoreLayout.DeploymentsPrefix(agentId), cancellationToken))
            if (await store.ReadAsync(name, cancellationToken) is { } json)
                records.Add(new NamedRecord(name, StoreJson.Deserialize<DeploymentRecord>(json, name)));
        return new Ledger(records);
    }

    /// <summary>The ledger's digest: every record with its name.</summary>
    private sealed record Ledger(IReadOnlyList<NamedRecord> Records);

    private sealed record NamedRecord(string Name, DeploymentRecord Record);
}
