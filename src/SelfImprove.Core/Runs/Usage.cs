namespace SelfImprove.Core.Runs;

public static class UsageAgents
{
    public const string Planner = "planner";
    public const string Teacher = "teacher";
    public const string Feedback = "feedback";
}

/// <summary>
/// One LLM call, or one fallback an agent took, of one run. Its <see cref="Key"/> names the run, phase, attempt,
/// batch and call, so a replayed activity records it at most once.
/// </summary>
/// <param name="RunId">The run.</param>
/// <param name="Agent">A <see cref="UsageAgents"/> value.</param>
/// <param name="Phase">The run phase the call belongs to (plan, generate).</param>
/// <param name="Attempt">The planner attempt.</param>
/// <param name="Batch">The teacher batch (0 for the planner).</param>
/// <param name="Call">The call within the batch: first try, repair, ...</param>
/// <param name="Deployment">Deployment or model that answered.</param>
/// <param name="InputTokens">Prompt tokens as the server reported them.</param>
/// <param name="OutputTokens">Completion tokens as the server reported them.</param>
/// <param name="Cost">Money at the manifest's prices.</param>
/// <param name="Fallback">Set when the record is not a call but a fallback the agent took: what happened instead.</param>
public sealed record UsageRecord(
    string RunId, string Agent, string Phase, int Attempt, int Batch, int Call, string Deployment,
    long InputTokens, long OutputTokens, double Cost, string? Fallback = null)
{
    public string Key => $"{Phase}.attempt-{Attempt}.batch-{Batch}.{Agent}.call-{Call}{(Fallback is null ? "" : ".fallback")}";
    public long Tokens => InputTokens + OutputTokens;
}

/// <summary>Where a run's LLM usage is kept: one record per call key, created once.</summary>
public interface IUsageLedger
{
    /// <summary>Records the call unless a record with its key exists; false when it did.</summary>
    Task<bool> RecordAsync(UsageRecord record, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<UsageRecord>> ListAsync(string runId, CancellationToken cancellationToken = default);
}

/// <summary>Calls, tokens and cost of one agent or one phase.</summary>
public sealed record UsageLine(string Name, int Calls, long InputTokens, long OutputTokens, double Cost);

/// <summary>A fallback an LLM agent took, as the run report lists it.</summary>
public sealed record FallbackNote(string Agent, string Phase, int Attempt, int Batch, string Reason);

/// <summary>LLM usage of a run against its token budget (all zero with offline agents).</summary>
public sealed record UsageReport(
    int TokenBudget, int Calls, long InputTokens, long OutputTokens, double Cost,
    IReadOnlyList<UsageLine> ByAgent, IReadOnlyList<UsageLine> ByPhase, IReadOnlyList<FallbackNote> Fallbacks)
{
    public static readonly UsageReport None = new(0, 0, 0, 0, 0, [], [], []);

    public long Tokens => InputTokens + OutputTokens;

    /// <summary>Equal when every number and every line is equal (lists compare by content, so reports compare by value).</summary>
    public bool Equals(UsageReport? other) =>
        other is not null && (TokenBudget, Calls, InputTokens, OutputTokens, Cost) == (other.TokenBudget, other.Calls, other.InputTokens, other.OutputTokens, other.Cost)
        && ByAgent.SequenceEqual(other.ByAgent) && ByPhase.SequenceEqual(other.ByPhase) && Fallbacks.SequenceEqual(other.Fallbacks);

    public override int GetHashCode() => HashCode.Combine(TokenBudget, Calls, InputTokens, OutputTokens, Cost, ByAgent.Count, Fallbacks.Count);

    /// <summary>True when a budget is set and the recorded tokens have reached it.</summary>
    public bool BudgetSpent => TokenBudget > 0 && Tokens >= TokenBudget;

    public static UsageReport From(IEnumerable<UsageRecord> records, int tokenBudget)
    {
        var all = records.ToArray();
        var calls = all.Where(r => r.Fallback is null).ToArray();
        static UsageLine Line(string name, IEnumerable<UsageRecord> group)
        {
            var g = group.ToArray();
            return new UsageLine(name, g.Length, g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens), Math.Round(g.Sum(r => r.Cost), 6));
        }
        return new UsageReport(
            tokenBudget, calls.Length, calls.Sum(r => r.InputTokens), calls.Sum(r => r.OutputTokens), Math.Round(calls.Sum(r => r.Cost), 6),
            calls.GroupBy(r => r.Agent).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Line(g.Key, g)).ToArray(),
            calls.GroupBy(r => r.Phase).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Line(g.Key, g)).ToArray(),
            all.Where(r => r.Fallback is not null).OrderBy(r => r.Attempt).ThenBy(r => r.Phase, StringComparer.Ordinal).ThenBy(r => r.Batch).ThenBy(r => r.Agent, StringComparer.Ordinal)
                .Select(r => new FallbackNote(r.Agent, r.Phase, r.Attempt, r.Batch, r.Fallback!)).ToArray());
    }
}
