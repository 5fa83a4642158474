using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Ports;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>One stored monitoring check: when it ran (UTC) and what it measured.</summary>
public sealed record MonitoringCheck(DateTimeOffset At, MonitoringSnapshot Snapshot);

/// <summary>
/// The history of an agent's monitoring checks, one small blob per check (<see cref="StoreLayout.MonitoringCheck"/>), for
/// the agent page's chart of the goal metric over time. Bounded: after each write the oldest checks beyond
/// <see cref="Retained"/> are deleted, so an agent holds at most that many (plus any written at the same moment).
/// </summary>
/// <param name="retained">How many checks an agent keeps (at least 1; <see cref="DefaultRetained"/> unless set).</param>
public sealed class MonitoringChecks(IArtifactStore store, TimeProvider clock, int retained = MonitoringChecks.DefaultRetained)
{
    /// <summary>Checks kept per agent by default: at one check every five minutes, the last 41 hours.</summary>
    public const int DefaultRetained = 500;

    /// <summary>How many checks an agent keeps.</summary>
    public int Retained { get; } = retained >= 1 ? retained
        : throw new ArgumentOutOfRangeException(nameof(retained), retained, "An agent keeps at least one monitoring check.");

    /// <summary>Stores the check taken now and deletes the oldest beyond <see cref="Retained"/>.</summary>
    public async Task<MonitoringCheck> RecordAsync(MonitoringSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var check = new MonitoringCheck(clock.GetUtcNow(), snapshot);
        await store.TryCreateAsync(StoreLayout.MonitoringCheck(snapshot.AgentId, check.At), StoreJson.Serialize(check), cancellationToken);
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
