using Microsoft.DurableTask;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;

namespace SelfImprove.Workflows.Steps;

/// <summary>One attempt's curated teacher output, stored as a blob; only its name and counts travel through the orchestration.</summary>
/// <param name="BlobName">Where the samples are (JSON Lines of labelled examples with provenance).</param>
/// <param name="Labelled">Production requests the teacher labelled.</param>
/// <param name="Generated">New samples the teacher wrote.</param>
/// <param name="Duplicates">Dropped: already in the training data.</param>
/// <param name="Contaminated">Dropped: found in a held-out set.</param>
/// <param name="Invalid">Dropped: unknown label or unusable text.</param>
/// <param name="Notes">What the teacher had to say (e.g. targets it could not serve).</param>
/// <param name="Demonstrated">Samples people demonstrated.</param>
/// <param name="QueuedForHumans">Requests the feedback agent was unsure of, left for people to label.</param>
public sealed record DataBatch(
    string BlobName, int Labelled, int Generated, int Duplicates, int Contaminated, int Invalid, IReadOnlyList<string> Notes,
    int Demonstrated = 0, int QueuedForHumans = 0)
{
    /// <summary>Samples kept for training: labelled, generated and demonstrated.</summary>
    public int Kept => Labelled + Generated + Demonstrated;
}

/// <summary>One attempt's teacher work: how many batches (one activity each), and the run's LLM usage so far.</summary>
public sealed record GenerationWork(int Batches, UsageReport Usage);

/// <summary>A sample a person demonstrated for a run that asked for them.</summary>
/// <param name="Text">The request as a customer would write it.</param>
/// <param name="Label">Its intent (a name from the manifest's labels).</param>
public sealed record DemonstratedSample(string Text, string Label);

/// <summary>Input of <see cref="PrepareGenerationActivity"/>: the attempt's plan.</summary>
public sealed record GenerateInput(string RunId, string AgentId, ImprovementPlan Plan);

/// <summary>Input of <see cref="TeachBatchActivity"/>: one teacher batch (0-based) of one attempt.</summary>
public sealed record TeachBatchInput(string RunId, string AgentId, int Attempt, int Batch);

/// <summary>Input of <see cref="GenerateDataActivity"/>: the attempt whose batches are assembled.</summary>
public sealed record AttemptInput(string RunId, string AgentId, int Attempt);

/// <summary>
/// Data generation: the teachers' part of an attempt, in steps small enough for one activity each: split the
/// plan into batches, run each batch (the orchestration checks the budget between them), then curate everything
/// into the batch the candidate trains on. Each step's output is stored under the run, attempt and batch, so a
/// replay redoes nothing.
/// </summary>
public interface IDataGenerationStep
{
    /// <summary>Keeps the plan and splits it into labelling and generation batches.</summary>
    Task<GenerationWork> PrepareAsync(string runId, string agentId, ImprovementPlan plan, CancellationToken cancellationToken = default);

    /// <summary>Runs one batch and stores what it produced; returns the run's usage after it.</summary>
    Task<UsageReport> TeachBatchAsync(string runId, string agentId, int attempt, int batch, CancellationToken cancellationToken = default);

    /// <summary>Curates the attempt's batches and any demonstrations into the stored training batch.</summary>
    Task<DataBatch> AssembleAsync(string runId, string agentId, int attempt, CancellationToken cancellationToken = default);
}

/// <summary>Keeps the plan and counts its teacher batches.</summary>
public sealed class PrepareGenerationActivity(IDataGenerationStep generation) : TaskActivity<GenerateInput, GenerationWork>
{
    public override Task<GenerationWork> RunAsync(TaskActivityContext context, GenerateInput input) =>
        generation.PrepareAsync(input.RunId, input.AgentId, input.Plan);
}

/// <summary>One teacher batch: a few LLM calls at most, so no activity outlives its lock; returns the run's usage after it.</summary>
public sealed class TeachBatchActivity(IDataGenerationStep generation) : TaskActivity<TeachBatchInput, UsageReport>
{
    public override Task<UsageReport> RunAsync(TaskActivityContext context, TeachBatchInput input) =>
        generation.TeachBatchAsync(input.RunId, input.AgentId, input.Attempt, input.Batch);
}

/// <summary>Curates the attempt's teacher output and demonstrations into its training batch.</summary>
public sealed class GenerateDataActivity(IDataGenerationStep generation) : TaskActivity<AttemptInput, DataBatch>
{
    public override Task<DataBatch> RunAsync(TaskActivityContext context, AttemptInput input) =>
        generation.AssembleAsync(input.RunId, input.AgentId, input.Attempt);
}

public static partial class StepCalls
{
    /// <summary>Calls <see cref="PrepareGenerationActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<GenerationWork> PrepareGenerationAsync(this TaskOrchestrationContext context, GenerateInput input) =>
        CallAsync<GenerationWork>(context, nameof(PrepareGenerationActivity), input);

    /// <summary>Calls <see cref="TeachBatchActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<UsageReport> TeachBatchAsync(this TaskOrchestrationContext context, TeachBatchInput input) =>
        CallAsync<UsageReport>(context, nameof(TeachBatchActivity), input);

    /// <summary>Calls <see cref="GenerateDataActivity"/> (retried as <see cref="ActivityRetry.Default"/> says).</summary>
    public static Task<DataBatch> AssembleDataAsync(this TaskOrchestrationContext context, AttemptInput input) =>
        CallAsync<DataBatch>(context, nameof(GenerateDataActivity), input);
}
