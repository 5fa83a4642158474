using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Ports;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>One stored monitoring check: when it ran (UTC) and what it measured.</summary>
public sealed record MonitoringCheck(DateTimeOffset At, MonitoringSnapshot Snapshot);

/// <summary>
/// The history of an agent's monitoring checks, one small blob per check (<see cref="StoreLayout.MonitoringCheck"/>), for
/// the agent page's chart of the goal metric over time. Bounded: the oldest checks beyond <see cref="Retained"/> are
/// deleted after every <see cref="PruneEvery"/>-th write of this process for an agent, counted from a random start in
/// the first <see cref="PruneEvery"/> writes (so a process that starts, or joins a hub, does not list every agent's
/// checks in its first tick), so an agent holds at most <see cref="Retained"/> + <see cref="PruneEvery"/> − 1 checks per
/// process that writes them (pruning lists the agent's checks: on a remote store that list was as costly as the rest of
/// a warm check). Readers take the newest.
/// </summary>
/// <param name="retained">How many checks an agent keeps (at least 1; <see cref="DefaultRetained"/> unless set).</param>
/// <param name="pruneEvery">Writes per agent between prunes (at least 1; <see cref="DefaultPruneEvery"/> unless set).</param>
/// <param name="random">Draws each agent's start (<c>Next(PruneEvery)</c>: the writes it has already made towards its first prune); <see cref="Random.Shared"/> when null.</param>
public sealed class MonitoringChecks(IArtifactStore store, TimeProvider clock, int retained = MonitoringChecks.DefaultRetained, int pruneEvery = MonitoringChecks.DefaultPruneEvery,
    Random? random = null)
{
    /// <summary>Writes per agent between prunes by default.</summary>
    public const int DefaultPruneEvery = 20;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> sincePrune = new(StringComparer.Ordinal);

    /// <summary>Writes per agent between prunes.</summary>
    public int PruneEvery { get; } = pruneEvery >= 1 ? pruneEvery
        : throw new ArgumentOutOfRangeException(nameof(pruneEvery), pruneEvery, "Monitoring checks are pruned at least every write (1).");

    /// <summary>Checks kept per agent by default: at one check every five minutes, the last 41 hours.</summary>
    public const int DefaultRetained = 500;

    /// <summary>How many checks an agent keeps.</summary>
    public int Retained { get; } = retained >= 1 ? retained
        : throw new ArgumentOutOfRangeException(nameof(retained), retained, "An agent keeps at least one monitoring check.");

    /// <summary>Stores the check taken now; on a pruning write, deletes the oldest beyond <see cref="Retained"/>.</summary>
    public async Task<MonitoringCheck> RecordAsync(MonitoringSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var check = new MonitoringCheck(clock.GetUtcNow(), snapshot);
        await store.TryCreateAsync(StoreLayout.MonitoringCheck(snapshot.AgentId, check.At), StoreJson.Serialize(check), cancellationToken);
        var since = sincePrune.AddOrUpdate(snapshot.AgentId, _ => (random ?? Random.Shared).Next(PruneEvery) + 1, (_, n) => n + 1);
        if (since < PruneEvery) return check;
        sincePrune[snapshot.AgentId] = 0;
        var names = await store.ListAsync(StoreLayout.MonitoringChecksPrefix(snapshot.AgentId), cancellationToken);
        foreach (var old in names.Take(Math.Max(0, names.Count - Retained))) await store.DeleteAsync(old, cancellationToken);
        return check;
    }

    /// <summary>The agent's newest checks (at most <paramref name="limit"/>), oldest first.</summary>
    /// <exception cref="InvalidDataException">A stored check is not a <see cref="MonitoringCheck"/>.</exception>
    public async Task<IReadOnlyList<MonitoringCheck>> ReadAsync(string agentId, int limit = DefaultRetained, CancellationToken cancellationToken = default)
    {
        var names = await store.ListAsync(StoreLayout.MonitoringChecksPrefix(agentId), cancellationToken);
        var checks = new List<MonitoringCheck>();
        foreach (var name in names.Skip(Math.Max(0, names.Count - limit)))
            if (await store.ReadAsync(name, cancellationToken) is { } json) checks.Add(StoreJson.Deserialize<MonitoringCheck>(json, name));
        return checks;
    }
}
