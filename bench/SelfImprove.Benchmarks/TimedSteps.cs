using System.Collections.Concurrent;
using System.Diagnostics;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;

namespace SelfImprove.Benchmarks;

/// <summary>Seconds spent inside each step (and inside the encoder), accumulated by name.</summary>
public sealed class StepClock
{
    private readonly ConcurrentDictionary<string, double> seconds = new();

    public IReadOnlyDictionary<string, double> Seconds => seconds;

    public async Task<T> TimeAsync<T>(string name, Func<Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        try { return await work(); }
        finally { seconds.AddOrUpdate(name, clock.Elapsed.TotalSeconds, (_, s) => s + clock.Elapsed.TotalSeconds); }
    }

    public T Time<T>(string name, Func<T> work) => TimeAsync(name, () => Task.FromResult(work())).GetAwaiter().GetResult();

    public void Clear() => seconds.Clear();
}

/// <summary>The real steps, each call timed by a <see cref="StepClock"/>.</summary>
public sealed class TimedSteps(
    StepClock clock, IMonitoringStep monitoring, IPlanningStep planning, IDataGenerationStep generation, ITrainingStep training,
    IEvaluationStep evaluation, IAlignmentStep alignment, IDeploymentStep deployment)
    : IMonitoringStep, IPlanningStep, IDataGenerationStep, ITrainingStep, IEvaluationStep, IAlignmentStep, IDeploymentStep
{
    public Task<MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("monitor", () => monitoring.SnapshotAsync(agentId, cancellationToken));

    public Task<AgentRunState> RunStateAsync(string agentId, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("monitor", () => monitoring.RunStateAsync(agentId, cancellationToken));

    public Task<ImprovementPlan> PlanAsync(string runId, string agentId, int attempt, IReadOnlyList<AttemptEvidence> previousAttempts, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("plan", () => planning.PlanAsync(runId, agentId, attempt, previousAttempts, cancellationToken));

    public Task<GenerationWork> PrepareAsync(string runId, string agentId, ImprovementPlan plan, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("generate", () => generation.PrepareAsync(runId, agentId, plan, cancellationToken));

    public Task<UsageReport> TeachBatchAsync(string runId, string agentId, int attempt, int batch, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("generate", () => generation.TeachBatchAsync(runId, agentId, attempt, batch, cancellationToken));

    public Task<DataBatch> AssembleAsync(string runId, string agentId, int attempt, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("generate", () => generation.AssembleAsync(runId, agentId, attempt, cancellationToken));

    public Task<string> TrainAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("train", () => training.TrainAsync(runId, agentId, attempt, batchBlobNames, hyperParameters, cancellationToken));

    public Task<CandidateEvaluation> EvaluateAsync(string agentId, int attempt, string candidateVersionId, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("evaluate", () => evaluation.EvaluateAsync(agentId, attempt, candidateVersionId, cancellationToken));

    public Task<AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("align", () => alignment.AssessAsync(agentId, candidateVersionId, cancellationToken));

    public Task<TrialOutcome> TrialAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("deploy", () => deployment.TrialAsync(runId, agentId, candidateVersionId, cancellationToken));

    public Task<string> PromoteAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("deploy", () => deployment.PromoteAsync(runId, agentId, candidateVersionId, cancellationToken));

    public Task<string> RollbackAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default) =>
        clock.TimeAsync("deploy", () => deployment.RollbackAsync(runId, agentId, candidateVersionId, cancellationToken));
}

/// <summary>The encoder, its inference time on the <see cref="StepClock"/> under "embedding".</summary>
public sealed class TimedEncoder(StepClock clock, ITextEncoder inner) : ITextEncoder
{
    public string ModelId => inner.ModelId;
    public int Dimension => inner.Dimension;

    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        clock.Time("embedding", () => inner.Encode(texts, cancellationToken));
}
