using SelfImprove.Core.Alignment;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;
using SelfImprove.Steps;

namespace SelfImprove.Benchmarks;

/// <summary>Steps that answer at once, so a throughput run measures the durable engine alone.</summary>
public sealed class InstantSteps : IPlanningStep, IDataGenerationStep, ITrainingStep, IEvaluationStep, IAlignmentStep, IDeploymentStep
{
    public bool Healthy { get; set; }

    public MonitoringSnapshot Snapshot(string agentId) =>
        new(agentId, "v1", GoalMetric.Accuracy, 0.95, 320, Healthy ? 0.95 : 0.6, 500);

    public Task<ImprovementPlan> PlanAsync(string runId, string agentId, int attempt, IReadOnlyList<AttemptEvidence> previousAttempts, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ImprovementPlan
        {
            Attempt = attempt, Planner = "instant", SelectionRule = SelectionRule.Margin, LabelRequests = [1, 2, 3],
            Generate = [], HyperParameters = new HyperParameters(), Rationale = "benchmark",
        });

    public Task<GenerationWork> PrepareAsync(string runId, string agentId, ImprovementPlan plan, CancellationToken cancellationToken = default) =>
        Task.FromResult(new GenerationWork(1, UsageReport.None));

    public Task<UsageReport> TeachBatchAsync(string runId, string agentId, int attempt, int batch, CancellationToken cancellationToken = default) =>
        Task.FromResult(UsageReport.None);

    public Task<DataBatch> AssembleAsync(string runId, string agentId, int attempt, CancellationToken cancellationToken = default) =>
        Task.FromResult(new DataBatch($"{runId}/{attempt}", 3, 0, 0, 0, 0, []));

    public Task<string> TrainAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default) =>
        Task.FromResult("v2");

    public Task<CandidateEvaluation> EvaluateAsync(string agentId, int attempt, string candidateVersionId, CancellationToken cancellationToken = default) =>
        Task.FromResult(new CandidateEvaluation(candidateVersionId, true, 0.9, 0.95, "met",
            new AttemptEvidence(attempt, candidateVersionId, 0.9, 0.85, [], []), new MetricsReport(0.95, 0.6, 0.9)));

    public Task<AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken = default) =>
        Task.FromResult(AlignmentAssessment.Judge(0.01, 0.9, 0.01, 0.6, 0.25));

    public Task<TrialOutcome> TrialAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default) =>
        Task.FromResult(new TrialOutcome(TrialDecision.Promote, 0.3, new ArmResult("v2", 300, 150, 140), new ArmResult("v1", 700, 350, 210), "benchmark"));

    public Task<string> PromoteAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default) => Task.FromResult(candidateVersionId);

    public Task<string> RollbackAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default) => Task.FromResult("v1");
}

/// <summary>Instant snapshots; the run state from the real ledger (so one-run-per-agent still holds).</summary>
public sealed class InstantMonitoring(InstantSteps steps, RunLedger ledger) : IMonitoringStep
{
    public Task<MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default) => Task.FromResult(steps.Snapshot(agentId));

    public Task<AgentRunState> RunStateAsync(string agentId, CancellationToken cancellationToken = default) => ledger.StateAsync(agentId, cancellationToken);
}
