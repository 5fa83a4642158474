using Microsoft.Extensions.AI;
using SelfImprove.Core.Runs;

namespace SelfImprove.Agents.Llm;

/// <summary>Names one LLM call of a run: which agent, phase, attempt and batch, within which token budget.</summary>
public sealed record CallScope(string RunId, string Agent, string Phase, int Attempt, int Batch, int TokenBudget);

/// <summary>The run's token budget is spent: no further LLM call is made.</summary>
public sealed class TokenBudgetSpentException(string message) : Exception(message);

/// <summary>
/// Every LLM call of the agents goes through here: the run's budget is checked before the call, and the call's
/// tokens and cost are recorded under its key afterwards (once per key, so a replayed batch is not counted twice).
/// </summary>
public sealed class MeteredChat(IChatClient client, LlmEndpoint endpoint, IUsageLedger ledger)
{
    public LlmEndpoint Endpoint => endpoint;

    /// <summary>Sends the conversation and returns the answer's text; <paramref name="call"/> numbers calls within the scope.</summary>
    public async Task<string> CompleteAsync(CallScope scope, int call, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        await EnsureBudgetAsync(scope, cancellationToken);
        var response = await client.GetResponseAsync(messages, new ChatOptions(), cancellationToken);
        var text = response.Text ?? "";
        // Servers that report no usage are charged an estimate (about four characters a token) rather than nothing.
        var input = response.Usage?.InputTokenCount ?? messages.Sum(m => (long)(m.Text?.Length ?? 0)) / 4;
        var output = response.Usage?.OutputTokenCount ?? text.Length / 4;
        await ledger.RecordAsync(new UsageRecord(scope.RunId, scope.Agent, scope.Phase, scope.Attempt, scope.Batch, call, endpoint.Name,
            input, output, endpoint.Cost(input, output)), cancellationToken);
        return text;
    }

    /// <summary>Records that the agent fell back (answer unusable, budget spent), so the run report lists it.</summary>
    public Task RecordFallbackAsync(CallScope scope, string what, CancellationToken cancellationToken) =>
        ledger.RecordAsync(new UsageRecord(scope.RunId, scope.Agent, scope.Phase, scope.Attempt, scope.Batch, 0, endpoint.Name, 0, 0, 0, what), cancellationToken);

    /// <summary>The run's usage so far against the scope's budget.</summary>
    public async Task<UsageReport> UsageAsync(CallScope scope, CancellationToken cancellationToken) =>
        UsageReport.From(await ledger.ListAsync(scope.RunId, cancellationToken), scope.TokenBudget);

    private async Task EnsureBudgetAsync(CallScope scope, CancellationToken cancellationToken)
    {
        if (scope.TokenBudget <= 0)
            throw new TokenBudgetSpentException($"the run has no token budget ($.planner.tokenBudget is 0), so {endpoint.Name} is not called");
        var used = UsageReport.From(await ledger.ListAsync(scope.RunId, cancellationToken), scope.TokenBudget);
        if (used.BudgetSpent)
            throw new TokenBudgetSpentException($"the run's token budget is spent ({used.Tokens} of {scope.TokenBudget} tokens)");
    }
}
