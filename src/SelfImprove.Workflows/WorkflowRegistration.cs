using Microsoft.DurableTask;
using SelfImprove.Workflows.Activities;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Monitoring;

namespace SelfImprove.Workflows;

/// <summary>Registers every orchestrator and activity of the loop with a Durable Task worker.</summary>
public static class WorkflowRegistration
{
    public static DurableTaskRegistry AddSelfImproveWorkflows(this DurableTaskRegistry registry) => registry
        .AddOrchestrator<ImprovementRunOrchestrator>()
        .AddOrchestrator<MonitorAgentOrchestrator>()
        .AddActivity<LoadRunSettingsActivity>()
        .AddActivity<TakeSnapshotActivity>()
        .AddActivity<GetRunStateActivity>()
        .AddActivity<StartRunActivity>()
        .AddActivity<PlanAttemptActivity>()
        .AddActivity<PrepareGenerationActivity>()
        .AddActivity<TeachBatchActivity>()
        .AddActivity<GenerateDataActivity>()
        .AddActivity<RunUsageActivity>()
        .AddActivity<TrainCandidateActivity>()
        .AddActivity<EvaluateCandidateActivity>()
        .AddActivity<AssessAlignmentActivity>()
        .AddActivity<RequestApprovalActivity>()
        .AddActivity<CloseApprovalActivity>()
        .AddActivity<RunTrialActivity>()
        .AddActivity<PromoteActivity>()
        .AddActivity<RollbackActivity>()
        .AddActivity<CloseRunActivity>();
}
