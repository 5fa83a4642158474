using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Steps;
using SelfImprove.Runs;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.Steps;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Monitoring;

namespace SelfImprove.Functions;

/// <summary>
/// The shared orchestrators and activities as Durable Functions: one thin wrapper each, named as the class so the
/// orchestrators' <c>nameof(...)</c> calls find them. The run-starting activities get the function's durable client.
/// </summary>
public sealed class OrchestrationFunctions(IServiceProvider services, RunClientFactory runs)
{
    [Function(nameof(ImprovementRunOrchestrator))]
    public Task<ImprovementReport> ImprovementRun([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ImprovementRunOrchestrator().RunAsync(context, context.GetInput<RunInput>()!);

    [Function(nameof(ImprovementRunOrchestratorV2))]
    public Task<ImprovementReport> ImprovementRunV2([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ImprovementRunOrchestratorV2().RunAsync(context, context.GetInput<RunInput>()!);

    [Function(nameof(ImprovementRunOrchestratorV3))]
    public Task<ImprovementReport> ImprovementRunV3([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ImprovementRunOrchestratorV3().RunAsync(context, context.GetInput<RunInput>()!);

    [Function(nameof(MonitorAgentOrchestrator))]
    public Task<MonitorResult> MonitorAgent([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new MonitorAgentOrchestrator().RunAsync(context, context.GetInput<MonitorInput>()!);

    [Function(nameof(MonitorTickOrchestrator))]
    public Task<MonitorTickResult> MonitorTick([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new MonitorTickOrchestrator().RunAsync(context, context.GetInput<MonitorTickInput>()!);

    [Function(nameof(MonitorBatchOrchestrator))]
    public Task<IReadOnlyList<AgentCheck>> MonitorBatch([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new MonitorBatchOrchestrator().RunAsync(context, context.GetInput<MonitorBatchInput>()!);

    [Function(nameof(AssessAgentsActivity))]
    public Task<AgentAssessmentResult[]> AssessAgents([ActivityTrigger] string[] agentIds, [DurableClient] DurableTaskClient client) =>
        Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<AssessAgentsActivity>(services, runs.Starter(client)).RunAsync(Context(nameof(AssessAgentsActivity)), agentIds);

    [Function(nameof(LoadRunSettingsActivity))]
    public Task<RunSettings> LoadRunSettings([ActivityTrigger] string agentId) => Run<LoadRunSettingsActivity, string, RunSettings>(agentId);

    [Function(nameof(TakeSnapshotActivity))]
    public Task<MonitoringSnapshot> TakeSnapshot([ActivityTrigger] string agentId) => Run<TakeSnapshotActivity, string, MonitoringSnapshot>(agentId);

    [Function(nameof(GetRunStateActivity))]
    public Task<AgentRunState> GetRunState([ActivityTrigger] string agentId, [DurableClient] DurableTaskClient client) =>
        new GetRunStateActivity(runs.Starter(client)).RunAsync(Context(nameof(GetRunStateActivity)), agentId);

    [Function(nameof(StartRunActivity))]
    public Task<RunStartResult> StartRun([ActivityTrigger] RunStartRequest request, [DurableClient] DurableTaskClient client) =>
        new StartRunActivity(runs.Starter(client)).RunAsync(Context(nameof(StartRunActivity)), request);

    [Function(nameof(PlanAttemptActivity))]
    public Task<ImprovementPlan> PlanAttempt([ActivityTrigger] PlanInput input) => Run<PlanAttemptActivity, PlanInput, ImprovementPlan>(input);

    [Function(nameof(PrepareGenerationActivity))]
    public Task<GenerationWork> PrepareGeneration([ActivityTrigger] GenerateInput input) => Run<PrepareGenerationActivity, GenerateInput, GenerationWork>(input);

    [Function(nameof(TeachBatchActivity))]
    public Task<UsageReport> TeachBatch([ActivityTrigger] TeachBatchInput input) => Run<TeachBatchActivity, TeachBatchInput, UsageReport>(input);

    [Function(nameof(GenerateDataActivity))]
    public Task<DataBatch> GenerateData([ActivityTrigger] AttemptInput input) => Run<GenerateDataActivity, AttemptInput, DataBatch>(input);

    [Function(nameof(RunUsageActivity))]
    public Task<UsageReport> RunUsage([ActivityTrigger] UsageInput input) => Run<RunUsageActivity, UsageInput, UsageReport>(input);

    [Function(nameof(LabellingProgressActivity))]
    public Task<LabellingProgress> LabellingProgress([ActivityTrigger] AttemptInput input) => Run<LabellingProgressActivity, AttemptInput, LabellingProgress>(input);

    [Function(nameof(TrainCandidateActivity))]
    public Task<string> TrainCandidate([ActivityTrigger] TrainInput input) => Run<TrainCandidateActivity, TrainInput, string>(input);

    [Function(nameof(SubmitTrainingJobActivity))]
    public Task<string> SubmitTrainingJob([ActivityTrigger] TrainInput input) => Run<SubmitTrainingJobActivity, TrainInput, string>(input);

    [Function(nameof(CheckTrainingJobActivity))]
    public Task<TrainingJobCheck> CheckTrainingJob([ActivityTrigger] TrainingJobCheckInput input) => Run<CheckTrainingJobActivity, TrainingJobCheckInput, TrainingJobCheck>(input);

    [Function(nameof(ResubmitTrainingJobActivity))]
    public Task<bool> ResubmitTrainingJob([ActivityTrigger] TrainingJobChange input) => Run<ResubmitTrainingJobActivity, TrainingJobChange, bool>(input);

    [Function(nameof(CancelTrainingJobActivity))]
    public Task<bool> CancelTrainingJob([ActivityTrigger] TrainingJobChange input) => Run<CancelTrainingJobActivity, TrainingJobChange, bool>(input);

    [Function(nameof(EvaluateCandidateActivity))]
    public Task<CandidateEvaluation> EvaluateCandidate([ActivityTrigger] EvaluateInput input) => Run<EvaluateCandidateActivity, EvaluateInput, CandidateEvaluation>(input);

    [Function(nameof(AssessAlignmentActivity))]
    public Task<AlignmentAssessment> AssessAlignment([ActivityTrigger] AlignmentInput input) => Run<AssessAlignmentActivity, AlignmentInput, AlignmentAssessment>(input);

    [Function(nameof(RequestApprovalActivity))]
    public Task<bool> RequestApproval([ActivityTrigger] ApprovalRequest request, [DurableClient] DurableTaskClient client) =>
        new RequestApprovalActivity(services.GetRequiredService<IApprovalStep>(), new DurableEscalationScheduler(client, services.GetRequiredService<ApprovalStep>()))
            .RunAsync(Context(nameof(RequestApprovalActivity)), request);

    [Function(nameof(ApprovalEscalationOrchestrator))]
    public Task<bool> ApprovalEscalation([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ApprovalEscalationOrchestrator().RunAsync(context, context.GetInput<EscalationInput>()!);

    [Function(nameof(EscalateApprovalActivity))]
    public Task<bool> EscalateApproval([ActivityTrigger] ApprovalRequest request) => Run<EscalateApprovalActivity, ApprovalRequest, bool>(request);

    [Function(nameof(CloseApprovalActivity))]
    public Task<ApprovalDecision?> CloseApproval([ActivityTrigger] string runId) => Run<CloseApprovalActivity, string, ApprovalDecision?>(runId);

    [Function(nameof(RunTrialActivity))]
    public Task<TrialOutcome> RunTrial([ActivityTrigger] CandidateInput input) => Run<RunTrialActivity, CandidateInput, TrialOutcome>(input);

    [Function(nameof(StartTrialActivity))]
    public Task<bool> StartTrial([ActivityTrigger] CandidateInput input) => Run<StartTrialActivity, CandidateInput, bool>(input);

    [Function(nameof(CheckTrialActivity))]
    public Task<TrialCheck> CheckTrial([ActivityTrigger] TrialCheckInput input) => Run<CheckTrialActivity, TrialCheckInput, TrialCheck>(input);

    [Function(nameof(CheckBakeActivity))]
    public Task<BakeCheck> CheckBake([ActivityTrigger] string agentId) => Run<CheckBakeActivity, string, BakeCheck>(agentId);

    [Function(nameof(PromoteActivity))]
    public Task<string> Promote([ActivityTrigger] CandidateInput input) => Run<PromoteActivity, CandidateInput, string>(input);

    [Function(nameof(RollbackActivity))]
    public Task<string> Rollback([ActivityTrigger] CandidateInput input) => Run<RollbackActivity, CandidateInput, string>(input);

    [Function(nameof(CloseRunActivity))]
    public Task<bool> CloseRun([ActivityTrigger] ImprovementReport report) => Run<CloseRunActivity, ImprovementReport, bool>(report);

    private Task<TOut> Run<TActivity, TIn, TOut>(TIn input) where TActivity : TaskActivity<TIn, TOut> =>
        Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<TActivity>(services).RunAsync(Context(typeof(TActivity).Name), input);

    private static TaskActivityContext Context(string name) => new FunctionActivityContext(name);

    /// <summary>
    /// What the shared activities see of their invocation. They read neither member (their inputs carry the run id);
    /// an activity trigger does not expose the orchestration's instance id.
    /// </summary>
    private sealed class FunctionActivityContext(string name) : TaskActivityContext
    {
        public override TaskName Name => new(name);
        public override string InstanceId => "";
    }
}
