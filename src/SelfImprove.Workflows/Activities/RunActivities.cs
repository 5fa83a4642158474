using Microsoft.DurableTask;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Workflows.Activities;

// Thin adapters: each activity hands its input to one step interface (Core.Steps) and returns its result.
// Side effects are keyed by run id and attempt inside the steps, so an activity delivered twice is harmless.

public sealed class LoadRunSettingsActivity(IRunLedger ledger) : TaskActivity<string, RunSettings>
{
    public override Task<RunSettings> RunAsync(TaskActivityContext context, string agentId) => Task.FromResult(ledger.Settings(agentId));
}

public sealed class TakeSnapshotActivity(IMonitoringStep monitoring) : TaskActivity<string, MonitoringSnapshot>
{
    public override Task<MonitoringSnapshot> RunAsync(TaskActivityContext context, string agentId) => monitoring.SnapshotAsync(agentId);
}

public sealed class GetRunStateActivity(IMonitoringStep monitoring, RunStarter runs) : TaskActivity<string, AgentRunState>
{
    public override Task<AgentRunState> RunAsync(TaskActivityContext context, string agentId) => runs.StateAsync(monitoring, agentId);
}

public sealed class StartRunActivity(RunStarter runs) : TaskActivity<RunStartRequest, RunStartResult>
{
    public override Task<RunStartResult> RunAsync(TaskActivityContext context, RunStartRequest request) => runs.StartAsync(request);
}

public sealed class PlanAttemptActivity(IPlanningStep planning) : TaskActivity<PlanInput, ImprovementPlan>
{
    public override Task<ImprovementPlan> RunAsync(TaskActivityContext context, PlanInput input) =>
        planning.PlanAsync(input.RunId, input.AgentId, input.Attempt, input.PreviousAttempts);
}

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

public sealed class GenerateDataActivity(IDataGenerationStep generation) : TaskActivity<AttemptInput, DataBatch>
{
    public override Task<DataBatch> RunAsync(TaskActivityContext context, AttemptInput input) =>
        generation.AssembleAsync(input.RunId, input.AgentId, input.Attempt);
}

public sealed class RunUsageActivity(IRunLedger ledger) : TaskActivity<UsageInput, UsageReport>
{
    public override Task<UsageReport> RunAsync(TaskActivityContext context, UsageInput input) => ledger.UsageAsync(input.RunId, input.AgentId);
}

public sealed class TrainCandidateActivity(ITrainingStep training) : TaskActivity<TrainInput, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, TrainInput input) =>
        training.TrainAsync(input.RunId, input.AgentId, input.Attempt, input.Batches, input.HyperParameters);
}

public sealed class EvaluateCandidateActivity(IEvaluationStep evaluation) : TaskActivity<EvaluateInput, CandidateEvaluation>
{
    public override Task<CandidateEvaluation> RunAsync(TaskActivityContext context, EvaluateInput input) =>
        evaluation.EvaluateAsync(input.AgentId, input.Attempt, input.CandidateVersionId);
}

public sealed class AssessAlignmentActivity(IAlignmentStep alignment) : TaskActivity<CandidateInput, AlignmentAssessment>
{
    public override Task<AlignmentAssessment> RunAsync(TaskActivityContext context, CandidateInput input) =>
        alignment.AssessAsync(input.AgentId, input.CandidateVersionId);
}

public sealed class RequestApprovalActivity(IApprovalStep approval) : TaskActivity<ApprovalRequest, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, ApprovalRequest request)
    {
        await approval.NotifyAsync(request);
        return true;
    }
}

public sealed class CloseApprovalActivity(IApprovalStep approval) : TaskActivity<string, ApprovalDecision?>
{
    public override Task<ApprovalDecision?> RunAsync(TaskActivityContext context, string runId) => approval.CloseAsync(runId);
}

public sealed class RunTrialActivity(IDeploymentStep deployment) : TaskActivity<CandidateInput, TrialOutcome>
{
    public override Task<TrialOutcome> RunAsync(TaskActivityContext context, CandidateInput input) =>
        deployment.TrialAsync(input.RunId, input.AgentId, input.CandidateVersionId);
}

public sealed class PromoteActivity(IDeploymentStep deployment) : TaskActivity<CandidateInput, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, CandidateInput input) =>
        deployment.PromoteAsync(input.RunId, input.AgentId, input.CandidateVersionId);
}

public sealed class RollbackActivity(IDeploymentStep deployment) : TaskActivity<CandidateInput, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, CandidateInput input) =>
        deployment.RollbackAsync(input.RunId, input.AgentId, input.CandidateVersionId);
}

public sealed class CloseRunActivity(IRunLedger ledger) : TaskActivity<ImprovementReport, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, ImprovementReport report)
    {
        await ledger.CloseAsync(report);
        return true;
    }
}
