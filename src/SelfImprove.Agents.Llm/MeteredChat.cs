using System.ClientModel;
using System.Collections.Concurrent;
using FluentValidation;
using Microsoft.Extensions.AI;
using SelfImprove.Core.Runs;

namespace SelfImprove.Agents.Llm;

/// <summary>Names one LLM call of a run: which agent, phase, attempt and batch, within which token budget.</summary>
public sealed record CallScope(string RunId, string Agent, string Phase, int Attempt, int Batch, int TokenBudget);

/// <summary>The run's token budget is spent: no further LLM call is made.</summary>
public sealed class TokenBudgetSpentException(string message) : Exception(message);

/// <summary>The model's circuit breaker is open for the run: no further call is made to it.</summary>
public sealed class CircuitOpenException(string message) : Exception(message);

/// <summary>
/// The circuit breakers of the models, per run: after <see cref="LlmClientOptions.BreakerThreshold"/> consecutive
/// unusable answers or failed calls of one model in one run, the breaker opens and the model is not called again in
/// that run. That it opened (and when) is kept as a fallback record in the usage ledger, so it holds across replays
/// and processes; the count of consecutive failures is kept here.
/// </summary>
public sealed class ModelBreakers(int threshold, TimeProvider clock)
{
    /// <summary>How the ledger's fallback record of an opened breaker begins.</summary>
    public const string OpenedPrefix = "circuit breaker opened";

    private readonly ConcurrentDictionary<(string Run, string Model), int> failures = new();

    public int Threshold => threshold;
    public TimeProvider Clock => clock;

    /// <summary>Counts one unusable answer or failed call; true when this one opens the breaker.</summary>
    public bool Failed(string runId, string model) =>
        threshold > 0 && failures.AddOrUpdate((runId, model), 1, (_, n) => n + 1) == threshold;

    public void Succeeded(string runId, string model) => failures.TryRemove((runId, model), out _);
}

/// <summary>
/// Every LLM call of the agents goes through here: the run's budget and the model's circuit breaker are checked
/// before the call, and the call's tokens and cost are recorded under its key afterwards (once per key, so a
/// replayed batch is not counted twice).
/// </summary>
public sealed class MeteredChat(IChatClient client, LlmEndpoint endpoint, IUsageLedger ledger, LlmClientOptions options, ModelBreakers breakers)
{
    public MeteredChat(IChatClient client, LlmEndpoint endpoint, IUsageLedger ledger)
        : this(client, endpoint, ledger, new LlmClientOptions(), new ModelBreakers(0, TimeProvider.System)) { }

    public LlmEndpoint Endpoint => endpoint;

    /// <summary>
    /// Asks for one JSON object of shape <typeparamref name="T"/>: an unusable answer gets one repair request that
    /// quotes its problems. Never throws for the model's sake: a spent budget, an open breaker, an unreachable or
    /// erroring model (after the client's bounded retries) or a second unusable answer come back as the problem, for
    /// the agent to fall back on (<c>BudgetSpent</c> tells a spent budget from the rest). <paramref name="messages"/>
    /// gets the repair turn appended.
    /// </summary>
    public async Task<(T? Value, string? Problem, bool BudgetSpent)> AskAsync<T>(CallScope scope, List<ChatMessage> messages, IValidator<T>? validator, CancellationToken cancellationToken)
        where T : class
    {
        var call = 1;
        try
        {
            var answer = await CompleteAsync(scope, call, messages, cancellationToken);
            var (value, error) = ModelJson.Read(answer, validator);
            if (value is not null) return Usable(scope, value);
            if (await UnusableAsync(scope, call, $"unusable answer: {error}", cancellationToken) is { } open) return (null, $"answer unusable ({Shorten(error!)}); {open}", false);

            messages.Add(new ChatMessage(ChatRole.Assistant, answer));
            messages.Add(new ChatMessage(ChatRole.User, $"That answer cannot be used: {error}. Reply again with only the corrected JSON object in the required form."));
            call = 2;
            answer = await CompleteAsync(scope, call, messages, cancellationToken);
            (value, error) = ModelJson.Read(answer, validator);
            if (value is not null) return Usable(scope, value);
            var opened = await UnusableAsync(scope, call, $"unusable answer: {error}", cancellationToken);
            return (null, $"answer unusable after one repair ({Shorten(error!)}){(opened is null ? "" : "; " + opened)}", false);
        }
        catch (TokenBudgetSpentException spent)
        {
            return (null, spent.Message, true);
        }
        catch (CircuitOpenException open)
        {
            return (null, open.Message, false);
        }
        catch (Exception ex) when (IsCallFailure(ex, cancellationToken))
        {
            var problem = $"unreachable or failing ({Describe(ex)})";
            var opened = await UnusableAsync(scope, call, problem, cancellationToken);
            return (null, opened is null ? problem : $"{problem}; {opened}", false);
        }
    }

    /// <summary>Sends the conversation and returns the answer's text; <paramref name="call"/> numbers calls within the scope.</summary>
    public async Task<string> CompleteAsync(CallScope scope, int call, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        await EnsureMayCallAsync(scope, cancellationToken);
        var response = await client.GetResponseAsync(messages, new ChatOptions(), cancellationToken);
        var text = response.Text ?? "";
        // Servers that report no usage are charged an estimate (about four characters a token) rather than nothing.
        var input = response.Usage?.InputTokenCount ?? messages.Sum(m => (long)(m.Text?.Length ?? 0)) / 4;
        var output = response.Usage?.OutputTokenCount ?? text.Length / 4;
        await ledger.RecordAsync(new UsageRecord(scope.RunId, scope.Agent, scope.Phase, scope.Attempt, scope.Batch, call, endpoint.Name,
            input, output, endpoint.Cost(input, output)), cancellationToken);
        return text;
    }

    /// <summary>Records that the agent fell back (answer unusable, budget spent, model unreachable), so the run report lists it.</summary>
    public Task RecordFallbackAsync(CallScope scope, string what, CancellationToken cancellationToken) =>
        ledger.RecordAsync(new UsageRecord(scope.RunId, scope.Agent, scope.Phase, scope.Attempt, scope.Batch, 0, endpoint.Name, 0, 0, 0, what), cancellationToken);

    /// <summary>The run's usage so far against the scope's budget.</summary>
    public async Task<UsageReport> UsageAsync(CallScope scope, CancellationToken cancellationToken) =>
        UsageReport.From(await ledger.ListAsync(scope.RunId, cancellationToken), scope.TokenBudget);

    private (T?, string?, bool) Usable<T>(CallScope scope, T value) where T : class
    {
        breakers.Succeeded(scope.RunId, endpoint.Name);
        return (value, null, false);
    }

    /// <summary>Counts the failure; when it opens the breaker, records that (with the time) and says so.</summary>
    private async Task<string?> UnusableAsync(CallScope scope, int call, string what, CancellationToken cancellationToken)
    {
        if (!breakers.Failed(scope.RunId, endpoint.Name)) return null;
        var opened = $"{ModelBreakers.OpenedPrefix} for {endpoint.Name} at {breakers.Clock.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ} after {breakers.Threshold} consecutive unusable answers or failed calls " +
            $"(last: {Shorten(what)}); it is not called again in this run";
        // Its own key (the call that opened it), so that the agent's fallback record of the same scope is kept too.
        await ledger.RecordAsync(new UsageRecord(scope.RunId, scope.Agent, scope.Phase, scope.Attempt, scope.Batch, call, endpoint.Name, 0, 0, 0, opened), cancellationToken);
        return opened;
    }

    private async Task EnsureMayCallAsync(CallScope scope, CancellationToken cancellationToken)
    {
        if (scope.TokenBudget <= 0)
            throw new TokenBudgetSpentException($"the run has no token budget ($.planner.tokenBudget is 0), so {endpoint.Name} is not called");
        var records = await ledger.ListAsync(scope.RunId, cancellationToken);
        if (records.FirstOrDefault(r => r.Deployment == endpoint.Name && r.Fallback?.StartsWith(ModelBreakers.OpenedPrefix, StringComparison.Ordinal) == true) is { } open)
            throw new CircuitOpenException($"the circuit breaker for {endpoint.Name} is open (opened in attempt {open.Attempt}, {open.Agent} {open.Phase} batch {open.Batch}), so it is not called");
        var used = UsageReport.From(records, scope.TokenBudget);
        if (used.BudgetSpent)
            throw new TokenBudgetSpentException($"the run's token budget is spent ({used.Tokens} of {scope.TokenBudget} tokens)");
    }

    /// <summary>A failure of the model's side (status, network, timeout), not a cancellation of the run.</summary>
    private static bool IsCallFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        ClientResultException or HttpRequestException or IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        // The client's retry policy gathers the failures of its tries.
        AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(e => IsCallFailure(e, cancellationToken)),
        _ => false,
    };

    private string Describe(Exception ex)
    {
        if (ex is AggregateException { InnerExceptions.Count: > 0 } all) ex = all.InnerExceptions[^1];
        if (ex is ClientResultException { Status: > 0 } result)
        {
            var asked = result.GetRawResponse() is { } response ? BoundedRetryPolicy.RetryAfter(response) : null;
            return asked is { } wait && wait > options.MaxDelay
                ? $"HTTP {result.Status} asking to retry after {wait}, longer than the {options.MaxDelay} a call may wait"
                : $"HTTP {result.Status} after {options.MaxRetries} retries";
        }
        if (ex is OperationCanceledException || ex.InnerException is OperationCanceledException) return $"no answer within {options.NetworkTimeout}, after {options.MaxRetries} retries";
        return $"{Shorten(ex.Message.ReplaceLineEndings(" "))}, after {options.MaxRetries} retries";
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
