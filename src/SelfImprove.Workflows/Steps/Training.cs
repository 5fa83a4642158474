using Microsoft.DurableTask;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Workflows.Steps;

/// <summary>Input of <see cref="TrainCandidateActivity"/>: the attempt, the blob names of its training batches and the plan's hyper-parameters.</summary>
public sealed record TrainInput(string RunId, string AgentId, int Attempt, IReadOnlyList<string> Batches, HyperParameters HyperParameters);

/// <summary>Training: a new model version from the pool, earlier runs' batches and this run's.</summary>
public interface ITrainingStep
{
    /// <summary>Trains on the pool plus the batches; idempotent per (run, attempt): a replay returns the same version.</summary>
    /// <returns>The candidate's version id (e.g. <c>v7</c>).</returns>
    Task<string> TrainAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default);
}

/// <summary>Trains the attempt's candidate.</summary>
public sealed class TrainCandidateActivity(ITrainingStep training) : TaskActivity<TrainInput, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, TrainInput input) =>
        training.TrainAsync(input.RunId, input.AgentId, input.Attempt, input.Batches, input.HyperParameters);
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="TrainCandidateActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<string> TrainCandidateAsync(this TaskOrchestrationContext context, TrainInput input) =>
        CallAsync<string>(context, nameof(TrainCandidateActivity), input);
}
