using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using SelfImprove.Api.Composition;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;
using SelfImprove.Workflows.Activities;
using SelfImprove.Workflows.ImprovementRun;
using SelfImprove.Workflows.Monitoring;

namespace SelfImprove.Functions;

/// <summary>
/// The shared orchestrators and activities as Durable Functions: one thin wrapper each, named as the class so the
/// orchestrators' <c>nameof(...)</c> calls find them. The run-starting activities get the function's durable client.
/// </summary>
public sealed class OrchestrationFunctions(IServiceProvider services, IRunLedger ledger, TimeProvider clock)
{
    [Function(nameof(ImprovementRunOrchestrator))]
    public Task<ImprovementReport> ImprovementRun([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ImprovementRunOrchestrator().RunAsync(context, context.GetInput<RunInput>()!);

    [Function(nameof(MonitorAgentOrchestrator))]
    public Task<MonitorResult> MonitorAgent([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new MonitorAgentOrchestrator().RunAsync(context, context.GetInput<MonitorInput>()!);

    [Function(nameof(LoadRunSettingsActivity))]
    public Task<RunSettings> LoadRunSettings([ActivityTrigger] string agentId, FunctionContext function) => Run<LoadRunSettingsActivity, string, RunSettings>(agentId, function);

    [Function(nameof(TakeSnapshotActivity))]
    public Task<MonitoringSnapshot> TakeSnapshot([ActivityTrigger] string agentId, FunctionContext function) => Run<TakeSnapshotActivity, string, MonitoringSnapshot>(agentId, function);

    [Function(nameof(GetRunStateActivity))]
    public Task<AgentRunState> GetRunState([ActivityTrigger] string agentId, [DurableClient] DurableTaskClient client, FunctionContext function) =>
        new GetRunStateActivity(Get<IMonitoringStep>(), Starter(client)).RunAsync(Context(function), agentId);

    [Function(nameof(StartRunActivity))]
    public Task<RunStartResult> StartRun([ActivityTrigger] RunStartRequest request, [DurableClient] DurableTaskClient client, FunctionContext function) =>
        new StartRunActivity(Starter(client)).RunAsync(Context(function), request);

    [Function(nameof(PlanAttemptActivity))]
    public Task<ImprovementPlan> PlanAttempt([ActivityTrigger] PlanInput input, FunctionContext function) => Run<PlanAttemptActivity, PlanInput, ImprovementPlan>(input, function);

    [Function(nameof(PrepareGenerationActivity))]
    public Task<GenerationWork> PrepareGeneration([ActivityTrigger] GenerateInput input, FunctionContext function) => Run<PrepareGenerationActivity, GenerateInput, GenerationWork>(input, function);

    [Function(nameof(TeachBatchActivity))]
    public Task<UsageReport> TeachBatch([ActivityTrigger] TeachBatchInput input, FunctionContext function) => Run<TeachBatchActivity, TeachBatchInput, UsageReport>(input, function);

    [Function(nameof(GenerateDataActivity))]
    public Task<DataBatch> GenerateData([ActivityTrigger] AttemptInput input, FunctionContext function) => Run<GenerateDataActivity, AttemptInput, DataBatch>(input, function);

    [Function(nameof(RunUsageActivity))]
    public Task<UsageReport> RunUsage([ActivityTrigger] UsageInput input, FunctionContext function) => Run<RunUsageActivity, UsageInput, UsageReport>(input, function);

    [Function(nameof(TrainCandidateActivity))]
    public Task<string> TrainCandidate([ActivityTrigger] TrainInput input, FunctionContext function) => Run<TrainCandidateActivity, TrainInput, string>(input, function);

    [Function(nameof(EvaluateCandidateActivity))]
    public Task<CandidateEvaluation> EvaluateCandidate([ActivityTrigger] EvaluateInput input, FunctionContext function) => Run<EvaluateCandidateActivity, EvaluateInput, CandidateEvaluation>(input, function);

    [Function(nameof(AssessAlignmentActivity))]
    public Task<AlignmentAssessment> AssessAlignment([ActivityTrigger] CandidateInput input, FunctionContext function) => Run<AssessAlignmentActivity, CandidateInput, AlignmentAssessment>(input, function);

    [Function(nameof(RequestApprovalActivity))]
    public Task<bool> RequestApproval([ActivityTrigger] ApprovalRequest request, FunctionContext function) => Run<RequestApprovalActivity, ApprovalRequest, bool>(request, function);

    [Function(nameof(RunTrialActivity))]
    public Task<TrialOutcome> RunTrial([ActivityTrigger] CandidateInput input, FunctionContext function) => Run<RunTrialActivity, CandidateInput, TrialOutcome>(input, function);

    [Function(nameof(PromoteActivity))]
    public Task<string> Promote([ActivityTrigger] CandidateInput input, FunctionContext function) => Run<PromoteActivity, CandidateInput, string>(input, function);

    [Function(nameof(RollbackActivity))]
    public Task<string> Rollback([ActivityTrigger] CandidateInput input, FunctionContext function) => Run<RollbackActivity, CandidateInput, string>(input, function);

    [Function(nameof(CloseRunActivity))]
    public Task<bool> CloseRun([ActivityTrigger] ImprovementReport report, FunctionContext function) => Run<CloseRunActivity, ImprovementReport, bool>(report, function);

    private Task<TOut> Run<TActivity, TIn, TOut>(TIn input, FunctionContext function) where TActivity : TaskActivity<TIn, TOut> =>
        Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<TActivity>(services).RunAsync(Context(function), input);

    private T Get<T>() where T : notnull => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<T>(services);

    private RunStarter Starter(DurableTaskClient client) => new(ledger, new DurableRunScheduler(client), clock);

    private static TaskActivityContext Context(FunctionContext function) => new FunctionActivityContext(function.FunctionDefinition.Name, function.InvocationId);

    /// <summary>What the shared activities see of their invocation (they use neither; the type requires both).</summary>
    private sealed class FunctionActivityContext(string name, string invocationId) : TaskActivityContext
    {
        public override TaskName Name => new(name);
        public override string InstanceId => invocationId;
    }
}
