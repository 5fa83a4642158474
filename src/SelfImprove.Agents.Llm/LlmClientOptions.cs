namespace SelfImprove.Agents.Llm;

/// <summary>
/// How LLM calls are retried and timed out. A 429 or 5xx answer is retried after its <c>Retry-After</c> (or an
/// exponential back-off when it names none), never longer than <see cref="MaxDelay"/> per wait: a server that
/// asks for a longer pause fails the call at once. A call that still fails (or a model that cannot be reached) makes the
/// agent fall back for that call (offline planner, no samples, requests queued for people) and records the fallback.
/// </summary>
public sealed record LlmClientOptions
{
    /// <summary>Retries of one call inside the client pipeline.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First back-off; doubles with each retry.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest single wait inside an activity (the self-host does not renew activity locks past 5 minutes).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one HTTP try.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// Consecutive unusable answers or failed calls of one model in one run after which its circuit breaker opens: the
    /// model is not called again in the run and the agents fall back. A usable answer starts the count again. Each
    /// agent call gets a first try and one repair, so the default of 4 is two agent calls in a row that failed
    /// entirely; one failed call and a first answer that its repair fixes do not open it. 0 turns the breaker off.
    /// </summary>
    public int BreakerThreshold { get; init; } = 4;

    /// <summary>Where API keys are read from (environment variables by default).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public void Validate()
    {
        var problems = new List<string>();
        if (MaxRetries is < 0 or > 10) problems.Add($"MaxRetries must be 0-10; got {MaxRetries}.");
        if (InitialDelay < TimeSpan.Zero) problems.Add($"InitialDelay must not be negative; got {InitialDelay}.");
        if (MaxDelay < InitialDelay) problems.Add($"MaxDelay ({MaxDelay}) must be at least InitialDelay ({InitialDelay}).");
        if (BreakerThreshold is < 0 or > 100) problems.Add($"BreakerThreshold must be 0-100; got {BreakerThreshold}.");
        if (NetworkTimeout <= TimeSpan.Zero) problems.Add($"NetworkTimeout must be positive; got {NetworkTimeout}.");
        if (problems.Count > 0) throw new InvalidOperationException("LLM client options are invalid: " + string.Join(" ", problems));
    }
}
