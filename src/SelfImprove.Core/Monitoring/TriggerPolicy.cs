using System.Text.Json.Serialization;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Monitoring;

/// <summary>What the agent's runs look like right now, as the trigger policy needs it.</summary>
/// <param name="RunningRunId">The run in progress, if any (one run per agent at a time).</param>
/// <param name="LastRunEndedAt">When the last run ended, for the cooldown.</param>
public sealed record AgentRunState(string? RunningRunId, DateTimeOffset? LastRunEndedAt);

/// <summary>What the trigger policy decided.</summary>
[JsonConverter(typeof(WireNameConverter<TriggerOutcome>))]
public enum TriggerOutcome
{
    /// <summary>Start an improvement run now.</summary>
    Start,

    /// <summary>The goal metric is within the acceptable range (and the objective asks for no more).</summary>
    Healthy,

    /// <summary>Too few requests with known outcome to judge.</summary>
    NotEnoughEvidence,

    /// <summary>A run is needed, but the last one ended less than the cooldown ago.</summary>
    CoolingDown,

    /// <summary>The agent's previous run has not ended (one run per agent at a time).</summary>
    RunInProgress,

    /// <summary>No version serves yet: nothing to improve.</summary>
    NoServingVersion,

    /// <summary>
    /// A run is needed, but the monitoring tick had already started as many runs as it may (the host's runs-per-tick
    /// limit), so this agent's run waits: a later tick checks it again. Decided by the tick, not by <see cref="TriggerPolicy"/>.
    /// </summary>
    Deferred,
}

/// <summary>Whether a check (or a person) should start an improvement run now, and why.</summary>
public sealed record TriggerDecision(TriggerOutcome Outcome, string Reason)
{
    public bool ShouldStart => Outcome is TriggerOutcome.Start;
}

/// <summary>
/// When a drift becomes a run: not too often (cooldown, one run at a time), not on thin evidence
/// (minimum feedback), and not too late (every check below the acceptable range starts one).
/// </summary>
public static class TriggerPolicy
{
    /// <param name="manual">A person asked: the cooldown and the health check are skipped, one-at-a-time is not.</param>
    public static TriggerDecision Decide(TriggerSpec trigger, GoalSpec goal, MonitoringSnapshot snapshot, AgentRunState state, DateTimeOffset now, bool manual)
    {
        if (state.RunningRunId is not null)
            return new(TriggerOutcome.RunInProgress, $"run {state.RunningRunId} is still in progress");
        if (snapshot.ServingVersionId is null)
            return new(TriggerOutcome.NoServingVersion, "no version serves yet: train one first");
        if (manual)
            return new(TriggerOutcome.Start, "started by hand");

        var metric = $"{goal.Metric.ToWire()} {snapshot.ObservedValue:0.000}";
        if (snapshot.FeedbackCount < trigger.MinimumEvidence)
            return new(TriggerOutcome.NotEnoughEvidence,
                $"only {snapshot.FeedbackCount} feedback items; the policy needs {trigger.MinimumEvidence}");
        var drifted = snapshot.ObservedValue < goal.AcceptableRange.Min;
        var belowMaximum = goal.Objective is GoalObjective.Maximize && snapshot.ObservedValue < goal.AcceptableRange.Max;
        if (!drifted && !belowMaximum)
            return new(TriggerOutcome.Healthy, $"{metric} is within the acceptable range [{goal.AcceptableRange.Min:0.00}, {goal.AcceptableRange.Max:0.00}]");
        if (state.LastRunEndedAt is { } ended && now - ended < trigger.Cooldown)
            return new(TriggerOutcome.CoolingDown,
                $"{metric} needs a run, but the last one ended at {ended:u}; the cooldown of {trigger.Cooldown} lasts until {ended + trigger.Cooldown:u}");
        return new(TriggerOutcome.Start, drifted
            ? $"{metric} fell below the acceptable minimum {goal.AcceptableRange.Min:0.00} on {snapshot.FeedbackCount} feedback items"
            : $"{metric} is below {goal.AcceptableRange.Max:0.00} and the objective is to maximise");
    }
}
