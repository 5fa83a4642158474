using Microsoft.DurableTask;
using SelfImprove.Core.Monitoring;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Workflows.Monitoring;

/// <summary>Input of one monitoring tick (and of each of its generations: the tick continues as new every <see cref="ChecksPerGeneration"/> agents).</summary>
/// <param name="AgentIds">The agents due in this tick (their <c>monitoring.schedule</c> fired within the window), in order.</param>
/// <param name="WindowStart">The tick's window starts after this time (UTC); reported only.</param>
/// <param name="WindowEnd">The tick's window ends at this time (UTC), inclusive; reported only.</param>
/// <param name="BatchSize">Agents per batch (its checks all in flight at once); 1 to <see cref="MonitorTickLimits.MaxBatchSize"/>.</param>
/// <param name="BatchesInFlight">Batches running at once; 1 to <see cref="MonitorTickLimits.MaxBatchesInFlight"/>.</param>
public sealed record MonitorTickInput(
    IReadOnlyList<string> AgentIds, DateTimeOffset WindowStart, DateTimeOffset WindowEnd,
    int BatchSize = MonitorTickLimits.DefaultBatchSize, int BatchesInFlight = MonitorTickLimits.DefaultBatchesInFlight)
{
    /// <summary>
    /// Agents one generation of the tick checks before it continues as new with the rest; 1 to
    /// <see cref="MonitorTickLimits.MaxChecksPerGeneration"/> (0, as a tick started before this member existed passes: the default).
    /// </summary>
    public int ChecksPerGeneration { get; init; } = MonitorTickLimits.DefaultChecksPerGeneration;

    /// <summary>How many of <see cref="AgentIds"/> earlier generations checked (the first of them this generation checks); 0 in the first.</summary>
    public int Checked { get; init; }

    /// <summary>What earlier generations did (their part of the result); null in the first.</summary>
    public MonitorTickResult? SoFar { get; init; }

    /// <summary>
    /// The most runs the whole tick starts, 1 to <see cref="MonitorTickLimits.MaxRunsStartedLimit"/> (0, as a tick started before
    /// this member existed passes: <see cref="MonitorTickLimits.DefaultMaxRunsStarted"/>). Agents that need a run beyond it
    /// are reported <see cref="TriggerOutcome.Deferred"/> and checked again by a later tick.
    /// </summary>
    public int MaxRunsStarted { get; init; } = MonitorTickLimits.DefaultMaxRunsStarted;
}

/// <summary>The bounds of a tick's fan-out.</summary>
public static class MonitorTickLimits
{
    /// <summary>Agents per batch by default.</summary>
    public const int DefaultBatchSize = 25;

    /// <summary>Batches in flight by default: with <see cref="DefaultBatchSize"/>, up to 100 checks at once.</summary>
    public const int DefaultBatchesInFlight = 4;

    /// <summary>
    /// Agents per generation of a tick by default: a generation's history holds about two events per batch (and two per
    /// run started) and is replayed on each completion, so its replay cost grows with the square of the batches in a
    /// generation, not of the agents due.
    /// </summary>
    public const int DefaultChecksPerGeneration = 1_000;

    public const int MaxBatchSize = 200;
    public const int MaxBatchesInFlight = 64;

    /// <summary>The most agents one generation checks.</summary>
    public const int MaxChecksPerGeneration = 5_000;

    /// <summary>
    /// Runs one tick starts by default. A run's steps (labelling, teacher calls, training, the gate, the trial) share the
    /// engine's activity slots with the checks; a tick that started a run for each of 1,000 drifted agents filled them
    /// with run work, and the tick itself then ran at about one check a second (docs/benchmarks.md). Agents beyond the
    /// limit wait for later ticks.
    /// </summary>
    public const int DefaultMaxRunsStarted = 25;

    /// <summary>The highest runs-per-tick limit.</summary>
    public const int MaxRunsStartedLimit = 10_000;
}

/// <summary>
/// How many more runs a tick may start: shared by its batches. Orchestration code runs on one thread and its continuations
/// replay in history order, so the takes are deterministic.
/// </summary>
/// <param name="limit">The most runs the tick starts; <see cref="int.MaxValue"/> for no limit.</param>
/// <param name="started">Runs the tick's earlier generations started.</param>
public sealed class RunBudget(int limit, int started = 0)
{
    /// <summary>No limit (a batch run as a sub-orchestration of its own).</summary>
    public static RunBudget Unlimited => new(int.MaxValue);

    /// <summary>The most runs the tick starts.</summary>
    public int Limit { get; } = limit;

    /// <summary>Runs the tick may still start.</summary>
    public int Left { get; private set; } = Math.Max(0, limit - started);

    /// <summary>Takes one run from the budget; false when none is left.</summary>
    public bool TryTake()
    {
        if (Left == 0) return false;
        if (Limit != int.MaxValue) Left--;
        return true;
    }

    /// <summary>Gives back a run taken for a start that did not happen (another tick held the agent's lock).</summary>
    public void GiveBack()
    {
        if (Limit != int.MaxValue) Left++;
    }
}


/// <summary>One agent's check within a tick.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Outcome">What the trigger policy decided (<see cref="TriggerOutcome.Start"/> only when this check started the run); null when the check failed.</param>
/// <param name="ObservedValue">The goal metric the policy saw (the lower of validation and feedback), in [0,1]; null when the check failed.</param>
/// <param name="FeedbackCount">Labelled feedback items scored: the evidence.</param>
/// <param name="Reason">The policy's reason in words (or what the run start said); null when the check failed.</param>
/// <param name="RunId">The run this check started; null when it started none.</param>
/// <param name="Failure">Why the check failed (the exception's type and message); null when it did not.</param>
public sealed record AgentCheck(string AgentId, TriggerOutcome? Outcome, double? ObservedValue, int FeedbackCount, string? Reason, string? RunId, string? Failure)
{
    /// <summary>What the bake watch did when it acted or wanted to (a rollback, or one delayed by a run); null otherwise.</summary>
    public BakeCheck? Bake { get; init; }
}

/// <summary>How many checks of a tick ended with one outcome.</summary>
public sealed record OutcomeCount(TriggerOutcome Outcome, int Count);

/// <summary>A run a tick started.</summary>
public sealed record StartedRun(string AgentId, string RunId, string Reason);

/// <summary>A check of a tick that failed, and why; the other checks went on.</summary>
public sealed record CheckFailure(string AgentId, string Error);

/// <summary>What a tick did.</summary>
/// <param name="Due">Agents due (checked or failed).</param>
/// <param name="Checked">Checks that decided (due minus failed).</param>
/// <param name="Outcomes">Decided checks per outcome (only outcomes that occurred).</param>
/// <param name="Started">The runs started, in agent order.</param>
/// <param name="Failed">The checks that failed, with why, in agent order.</param>
public sealed record MonitorTickResult(int Due, int Checked, IReadOnlyList<OutcomeCount> Outcomes, IReadOnlyList<StartedRun> Started, IReadOnlyList<CheckFailure> Failed)
{
    /// <summary>Promoted versions the bake watch rolled back in this tick (or found dropping while a run held the agent), in agent order.</summary>
    public IReadOnlyList<BakeCheck> Bakes { get; init; } = [];

    /// <summary>
    /// This result followed by <paramref name="later"/>'s (the checks of later agents): counts added, lists joined, runs and
    /// failures kept in agent order.
    /// </summary>
    public MonitorTickResult Then(MonitorTickResult later) =>
        new(Due + later.Due,
            Checked + later.Checked,
            Outcomes.Concat(later.Outcomes).GroupBy(o => o.Outcome).OrderBy(g => g.Key).Select(g => new OutcomeCount(g.Key, g.Sum(o => o.Count))).ToArray(),
            Started.Concat(later.Started).OrderBy(s => s.AgentId, StringComparer.Ordinal).ToArray(),
            Failed.Concat(later.Failed).OrderBy(f => f.AgentId, StringComparer.Ordinal).ToArray())
        {
            Bakes = [.. Bakes, .. later.Bakes],
        };
}

/// <summary>
/// One monitoring tick over the agents that are due: their checks go out in batches of
/// <see cref="MonitorTickInput.BatchSize"/>, one activity per batch (<see cref="AssessAgentsActivity"/>, called by
/// <see cref="MonitorBatchOrchestrator.CheckAllAsync"/> in this orchestration), at most
/// <see cref="MonitorTickInput.BatchesInFlight"/> batches at once; on several hosts of one hub, each batch goes to
/// whichever host takes it first. The batches run inside the tick rather than as
/// sub-orchestrations: on the self-hosted sidecar over the Azure Storage provider a tick of sub-orchestrations never
/// completed (a test on Azurite shows the inline batches do). A check that fails is named in the result and holds up no
/// other; a batch that fails as a whole names each of its agents.
/// Every <see cref="MonitorTickInput.ChecksPerGeneration"/> agents the tick continues as new, carrying its result so far
/// and how many agents it checked: each generation's history holds its own checks only, so the replays (the whole history
/// on each completion) cost in proportion to the agents due rather than to their square.
/// Starting a run takes the agent's run lock, so ticks that overlap never start two runs for one agent; the whole tick
/// starts at most <see cref="MonitorTickInput.MaxRunsStarted"/> runs (the rest are <see cref="TriggerOutcome.Deferred"/>).
/// </summary>
public sealed class MonitorTickOrchestrator : TaskOrchestrator<MonitorTickInput, MonitorTickResult>
{
    public override async Task<MonitorTickResult> RunAsync(TaskOrchestrationContext context, MonitorTickInput input)
    {
        var size = Math.Clamp(input.BatchSize, 1, MonitorTickLimits.MaxBatchSize);
        var inFlight = Math.Clamp(input.BatchesInFlight, 1, MonitorTickLimits.MaxBatchesInFlight);
        var perGeneration = input.ChecksPerGeneration <= 0
            ? MonitorTickLimits.DefaultChecksPerGeneration
            : Math.Min(input.ChecksPerGeneration, MonitorTickLimits.MaxChecksPerGeneration);
        var maxRuns = input.MaxRunsStarted <= 0 ? MonitorTickLimits.DefaultMaxRunsStarted : Math.Min(input.MaxRunsStarted, MonitorTickLimits.MaxRunsStartedLimit);
        var budget = new RunBudget(maxRuns, input.SoFar?.Started.Count ?? 0);
        var offset = Math.Clamp(input.Checked, 0, input.AgentIds.Count);
        var generation = input.AgentIds.Skip(offset).Take(perGeneration).ToArray();
        var batches = generation.Chunk(size).ToArray();
        var checks = new List<AgentCheck>(generation.Length);
        var running = new Dictionary<Task<IReadOnlyList<AgentCheck>>, string[]>();
        var next = 0;
        while (next < batches.Length || running.Count > 0)
        {
            for (; next < batches.Length && running.Count < inFlight; next++)
            {
                var batch = batches[next];
                running.Add(MonitorBatchOrchestrator.CheckAllAsync(context, batch, budget), batch);
            }
            var done = await Task.WhenAny(running.Keys);
            var agents = running[done];
            running.Remove(done);
            try
            {
                checks.AddRange(await done);
            }
            catch (TaskFailedException e)
            {
                checks.AddRange(agents.Select(a => new AgentCheck(a, null, null, 0, null, null, $"the batch failed: {e.FailureDetails.ErrorMessage}")));
            }
            context.SetCustomStatus($"{offset + checks.Count} of {input.AgentIds.Count} checks done");
        }

        var result = Summarise(generation.Length, checks);
        var soFar = input.SoFar is null ? result : input.SoFar.Then(result);
        if (offset + generation.Length >= input.AgentIds.Count) return soFar;
        context.ContinueAsNew(input with { Checked = offset + generation.Length, SoFar = soFar, ChecksPerGeneration = perGeneration, MaxRunsStarted = maxRuns });
        return soFar;
    }

    /// <summary>Counts a tick's checks by outcome and lists its runs and failures in agent order.</summary>
    public static MonitorTickResult Summarise(int due, IEnumerable<AgentCheck> checks)
    {
        var ordered = checks.OrderBy(c => c.AgentId, StringComparer.Ordinal).ToArray();
        var decided = ordered.Where(c => c.Outcome is not null).ToArray();
        return new MonitorTickResult(
            due,
            decided.Length,
            decided.GroupBy(c => c.Outcome!.Value).OrderBy(g => g.Key).Select(g => new OutcomeCount(g.Key, g.Count())).ToArray(),
            ordered.Where(c => c.RunId is not null).Select(c => new StartedRun(c.AgentId, c.RunId!, c.Reason ?? "")).ToArray(),
            ordered.Where(c => c.Failure is not null).Select(c => new CheckFailure(c.AgentId, c.Failure!)).ToArray())
        {
            Bakes = ordered.Where(c => c.Bake is not null).Select(c => c.Bake!).ToArray(),
        };
    }
}
