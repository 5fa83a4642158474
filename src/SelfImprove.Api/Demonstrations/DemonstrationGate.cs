using System.Text.Json;
using Microsoft.DurableTask.Client;
using SelfImprove.Core;
using SelfImprove.Core.Steps;
using SelfImprove.Steps;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Api.Demonstrations;

public enum DemonstrationOutcome
{
    Accepted,
    UnknownRun,
    NotWaiting,
    Invalid,
}

/// <summary>What became of a submission, with the words to tell the person; <see cref="Received"/> when accepted.</summary>
/// <param name="Problems">When invalid: one "path: what to fix" line per problem.</param>
public sealed record DemonstrationResult(DemonstrationOutcome Outcome, string Message, DemonstrationsReceived? Received = null, IReadOnlyList<string>? Problems = null);

/// <summary>
/// Takes a person's demonstrated samples for a run whose plan asked for them, for any host (it needs only the
/// host's durable client). The run must be waiting (its progress says <c>WaitingForDemonstrations</c>); the samples
/// are checked (known labels, usable text) and stored under the run and its current attempt before the
/// <see cref="RunEvents.Demonstrations"/> event carries their blob name, so nothing large goes through history.
/// </summary>
public sealed class DemonstrationGate(DemonstrationIntake intake)
{
    public async Task<DemonstrationResult> SubmitAsync(
        DurableTaskClient client, string runId, string by, IReadOnlyList<DemonstratedSample> samples, CancellationToken cancellationToken = default)
    {
        var state = await RunInstances.GetAsync(client, runId, cancellationToken);
        if (state is null) return new(DemonstrationOutcome.UnknownRun, $"No improvement run '{runId}' exists.");
        var progress = RunInstances.ProgressOf(state);
        if (state.RuntimeStatus != OrchestrationRuntimeStatus.Running || progress?.WaitingForDemonstrations != true)
            return new(DemonstrationOutcome.NotWaiting,
                $"Run {runId} is not waiting for demonstrations (it is {state.RuntimeStatus}, phase '{progress?.Current.Phase.ToWire() ?? "none"}'): " +
                "a run waits only when its plan asks people and its manifest allows it (teacher.allowHumanDemonstrations), until teacher.demonstrationTimeout.");

        var input = state.ReadInputAs<RunInput>()!;
        var attempt = progress.Current.Attempt;
        string blob;
        try
        {
            blob = await intake.StoreAsync(runId, input.AgentId, attempt, by, samples, cancellationToken);
        }
        catch (DemonstrationsRejectedException invalid)
        {
            return new(DemonstrationOutcome.Invalid, invalid.Message, Problems: invalid.Problems);
        }
        var received = new DemonstrationsReceived(attempt, by.Trim(), samples.Count, blob);
        await client.RaiseEventAsync(runId, RunEvents.Demonstrations, received, cancellationToken);
        return new(DemonstrationOutcome.Accepted, $"{samples.Count} samples from {received.By} for attempt {attempt} of run {runId}.", received);
    }
}
