using System.Collections.Concurrent;
using SelfImprove.Core.Alignment;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Training;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Testing;

/// <summary>
/// Every step of the loop with scripted answers that come at once, recording what the orchestrations asked: the
/// orchestrators' control flow is tested on the real durable host without training models, and the engine benchmark
/// measures the durable engine alone. Approval is not scripted: it runs the real token step, so tests decide
/// through the same gate as people (record its requests with <see cref="RecordApprovalRequest"/>).
/// Adding a step to the loop adds its scripted answer here.
/// </summary>
public sealed class ScriptedSteps : IMonitoringStep, IPlanningStep, IDataGenerationStep, ILabellingStep, ITrainingStep, ITrainingJobStep, IEvaluationStep, IAlignmentStep,
    IDeploymentStep
{
    public const string Serving = "v1";

    /// <summary>Value on recent feedback the monitoring snapshot reports.</summary>
    public double FeedbackValue { get; set; } = 0.70;

    /// <summary>Candidate value per attempt (1-based); the goal target is 0.85 in the test manifest.</summary>
    public Func<int, double> CandidateValue { get; set; } = _ => 0.90;
    public double CandidateDistance { get; set; } = 0.05;

    /// <summary>
    /// When set, the alignment step judges these scripted answers of the candidate and the serving version with the real gate
    /// (<see cref="AlignmentGate"/>, the default thresholds) instead of the summary figures of <see cref="CandidateDistance"/>.
    /// </summary>
    public IReadOnlyList<EnvironmentProbes>? AlignmentProbes { get; set; }
    public bool TrialWins { get; set; } = true;

    /// <summary>Makes training fail as it would on bad data.</summary>
    public bool TrainingFails { get; set; }

    public ConcurrentQueue<string> Calls { get; } = new();
    public ConcurrentQueue<(int Attempt, IReadOnlyList<AttemptEvidence> Evidence)> PlanInputs { get; } = new();
    public ConcurrentQueue<ApprovalRequest> ApprovalRequests { get; } = new();
    public string ServingVersion { get; private set; } = Serving;

    public Task<MonitoringSnapshot> SnapshotAsync(string agentId, CancellationToken cancellationToken = default) =>
        Task.FromResult(new MonitoringSnapshot(agentId, ServingVersion, GoalMetric.Accuracy, 0.95, 320, FeedbackValue, 500));

    public Task<ImprovementPlan> PlanAsync(string runId, string agentId, int attempt, IReadOnlyList<AttemptEvidence> previousAttempts, CancellationToken cancellationToken = default)
    {
        Record($"plan {attempt}");
        PlanInputs.Enqueue((attempt, previousAttempts));
        return Task.FromResult(new ImprovementPlan
        {
            Attempt = attempt,
            Planner = "scripted",
            SelectionRule = SelectionRule.Margin,
            LabelRequests = [$"r{attempt * 10}", $"r{attempt * 10 + 1}"],
            Generate = [new GenerationTarget("card_lost_or_stolen", "card_not_working", 5, [])],
            HyperParameters = new HyperParameters(),
            AskHumans = AskHumans,
            Rationale = "scripted",
        });
    }

    /// <summary>Teacher batches each attempt's generation is split into.</summary>
    public int TeacherBatches { get; set; } = 1;

    /// <summary>Tokens each teacher batch uses, against <see cref="TokenBudget"/> (0: no budget).</summary>
    public int TokensPerBatch { get; set; }
    public int TokenBudget { get; set; }

    /// <summary>Whether plans ask people for demonstrations.</summary>
    public bool AskHumans { get; set; }

    public ConcurrentQueue<(string RunId, int Attempt)> Assembled { get; } = new();
    private int tokens;

    public Task<GenerationWork> PrepareAsync(string runId, string agentId, ImprovementPlan plan, CancellationToken cancellationToken = default)
    {
        Record($"generate {plan.Attempt}");
        return Task.FromResult(new GenerationWork(TeacherBatches, Usage()));
    }

    public Task<UsageReport> TeachBatchAsync(string runId, string agentId, int attempt, int batch, CancellationToken cancellationToken = default)
    {
        Record($"teach {attempt}.{batch}");
        Interlocked.Add(ref tokens, TokensPerBatch);
        return Task.FromResult(Usage());
    }

    public Task<DataBatch> AssembleAsync(string runId, string agentId, int attempt, CancellationToken cancellationToken = default)
    {
        Record($"assemble {attempt}");
        Assembled.Enqueue((runId, attempt));
        return Task.FromResult(new DataBatch($"runs/{runId}/attempt-{attempt}/batch.json", 2, 5, 0, 0, 0, []));
    }

    private UsageReport Usage() =>
        new(TokenBudget, 0, Volatile.Read(ref tokens), 0, 0, [], [], []);

    public Task<string> TrainAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default)
    {
        Record($"train {attempt} on {batchBlobNames.Count} batches");
        if (TrainingFails) throw new InvalidDataException($"Run {runId}: training batch '{batchBlobNames[0]}' is missing from the store.");
        return Task.FromResult($"v{attempt + 1}");
    }

    /// <summary>
    /// What the training job's status says at each check of an attempt's job (the check's number from 0, and the attempt), for
    /// runs whose manifest trains on a worker; by default the job has succeeded with the candidate inline training would name.
    /// </summary>
    public Func<int, int, TrainingJobCheck> JobStatus { get; set; } = (_, attempt) => new TrainingJobCheck("", TrainingJobState.Succeeded, $"v{attempt + 1}");

    private readonly ConcurrentDictionary<int, int> jobChecks = new();

    public Task<string> SubmitAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters,
        CancellationToken cancellationToken = default)
    {
        Record($"submit job {attempt} on {batchBlobNames.Count} batches");
        return Task.FromResult(TrainingJobSpec.JobIdOf(runId, attempt));
    }

    public Task<TrainingJobCheck> CheckAsync(string runId, string agentId, int attempt, TimeSpan heartbeatTimeout, CancellationToken cancellationToken = default)
    {
        Record($"check job {attempt}");
        var check = jobChecks.AddOrUpdate(attempt, 0, (_, n) => n + 1);
        return Task.FromResult(JobStatus(check, attempt) with { JobId = TrainingJobSpec.JobIdOf(runId, attempt) });
    }

    public Task ResubmitAsync(string runId, string agentId, int attempt, string reason, CancellationToken cancellationToken = default)
    {
        Record($"resubmit job {attempt}");
        return Task.CompletedTask;
    }

    public Task CancelAsync(string runId, string agentId, int attempt, string reason, CancellationToken cancellationToken = default)
    {
        Record($"cancel job {attempt}: {reason}");
        return Task.CompletedTask;
    }

    public Task<CandidateEvaluation> EvaluateAsync(string agentId, int attempt, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        Record($"evaluate {candidateVersionId}");
        var value = CandidateValue(attempt);
        var evidence = new AttemptEvidence(attempt, candidateVersionId, value, 0.85,
            [new IntentMetrics("top_up_failed", 0.5, 0.4, 0.44, 10)], [new ConfusionPair("top_up_failed", "transfer_failed", 6)]);
        return Task.FromResult(new CandidateEvaluation(candidateVersionId, value >= 0.85, value, 0.95,
            value >= 0.85 ? "goal met" : $"accuracy {value:0.00} below target", evidence, new MetricsReport(0.95, 0.70, value)));
    }

    public Task<AlignmentAssessment> AssessAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        Record($"align {candidateVersionId}");
        if (AlignmentProbes is { } probes)
            return Task.FromResult(AlignmentGate.Judge(probes, GateSettings.From(new AgentManifest(), new Constitution(), seed: 15)));
        return Task.FromResult(AlignmentAssessment.Judge(CandidateDistance, 0.9, 0.05, 0.7, maxDistance: 0.25));
    }

    /// <summary>Records that the run asked a person (what the host's approval notifier saw).</summary>
    public void RecordApprovalRequest(ApprovalRequest request)
    {
        Record($"notify {request.RunId}");
        ApprovalRequests.Enqueue(request);
    }

    /// <summary>The trial waits for it (after recording its call): keeps a run running past its approval.</summary>
    public Task HoldTrial { get; set; } = Task.CompletedTask;

    public Task StartTrialAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        Record($"trial {candidateVersionId}");
        return Task.CompletedTask;
    }

    /// <summary>Checks of the trial that find too little feedback before one decides (unless it is the final check).</summary>
    public int UndecidedTrialChecks { get; set; }

    /// <summary>
    /// The arms' labelled answers at each check (0 for the first), which the real <see cref="PromotionPolicy"/> judges with
    /// <see cref="TrialDeployment"/>; when null the trial follows <see cref="TrialWins"/> and <see cref="UndecidedTrialChecks"/>.
    /// </summary>
    public Func<int, LiveArms>? TrialArms { get; set; }

    /// <summary>The deployment settings <see cref="TrialArms"/> are judged with.</summary>
    public DeploymentSpec TrialDeployment { get; set; } = new() { MinimumSamples = 100 };

    /// <summary>Each check's test, as the scripted trial returned them.</summary>
    public ConcurrentQueue<TrialCheck> TrialChecks { get; } = new();

    private int trialCheck;

    /// <summary>What the scripted bake watch answers (nothing bakes unless a test says so).</summary>
    public BakeCheck Bake { get; set; } = new(BakeState.NotBaking, null, "scripted: no watch after promotion");

    public Task<BakeCheck> CheckBakeAsync(string agentId, CancellationToken cancellationToken = default) => Task.FromResult(Bake);

    public async Task<TrialCheck> CheckTrialAsync(string runId, string agentId, string candidateVersionId, bool final, CancellationToken cancellationToken = default)
    {
        Record(final ? "final check" : "check");
        await HoldTrial.WaitAsync(cancellationToken);
        if (TrialArms is { } arms)
        {
            var live = arms(Interlocked.Increment(ref trialCheck) - 1);
            var scored = PromotionPolicy.Look(TrialDeployment, new GoalSpec { Target = 0.85 },
                new ArmResult(candidateVersionId, live.CandidateSamples * 5, live.CandidateSamples, live.CandidateCorrect),
                new ArmResult(ServingVersion, live.ServingSamples * 5, live.ServingSamples, live.ServingCorrect), final);
            var result = new TrialCheck(scored.Outcome, scored.Statistics);
            TrialChecks.Enqueue(result);
            return result;
        }
        var undecided = UndecidedTrialChecks-- > 0 && !final;
        // Clear either way for the sequential test: 90 % against 70 % (or 60 % against 70 %) on 2,000 labelled answers a side.
        var candidate = new ArmResult(candidateVersionId, 5000, undecided ? 20 : 2000, undecided ? 18 : TrialWins ? 1800 : 1200);
        var serving = new ArmResult(ServingVersion, 5000, 2000, 1400);
        var look = PromotionPolicy.Look(new DeploymentSpec { MinimumSamples = undecided ? 50 : 100 }, new GoalSpec { Target = 0.85 }, candidate, serving, final);
        return new TrialCheck(look.Outcome, look.Statistics);
    }

    public Task<string> PromoteAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        Record($"promote {candidateVersionId}");
        ServingVersion = candidateVersionId;
        return Task.FromResult(candidateVersionId);
    }

    public Task<string> RollbackAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        Record($"rollback {candidateVersionId}");
        return Task.FromResult(ServingVersion);
    }

    /// <summary>Requests each attempt leaves in the labelling queue, and how many of them people have answered.</summary>
    public LabellingProgress Labelling { get; set; } = new(0, 0);

    public Task<LabellingProgress> ProgressAsync(string runId, string agentId, int attempt, CancellationToken cancellationToken = default)
    {
        Record($"labelling {attempt}");
        return Task.FromResult(Labelling);
    }

    private void Record(string call) => Calls.Enqueue(call);
}

/// <summary>Labelled live answers of a trial's arms at one check, and how many of them were right.</summary>
public sealed record LiveArms(int CandidateSamples, int CandidateCorrect, int ServingSamples, int ServingCorrect);
