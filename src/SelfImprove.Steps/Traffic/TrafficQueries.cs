using SelfImprove.Core.Traffic;

namespace SelfImprove.Steps;

/// <summary>The loop's questions to the traffic log, answered from its time-partitioned reads.</summary>
public static class TrafficQueries
{
    /// <summary>
    /// The logged requests of <paramref name="requestIds"/> that are still in the log (erased and expired ones are
    /// missing), in the order asked. Reads only the time range the ids span (request ids encode their time).
    /// </summary>
    public static async Task<IReadOnlyList<LoggedRequest>> FindAllAsync(
        this TrafficLog traffic, string agentId, IReadOnlyList<string> requestIds, CancellationToken cancellationToken = default)
    {
        var times = requestIds.Select(id => RequestIds.TryParseTime(id, out var at) ? at : (DateTimeOffset?)null).OfType<DateTimeOffset>().ToArray();
        if (times.Length == 0) return [];
        var logged = (await traffic.ReadAsync(agentId, times.Min(), times.Max().AddTicks(1), cancellationToken))
            .ToDictionary(r => r.RequestId, StringComparer.Ordinal);
        return requestIds.Where(logged.ContainsKey).Select(id => logged[id]).ToArray();
    }
}
