namespace SelfImprove.Core.Manifests;

/// <summary>
/// Everything the loop needs to know about one agent: why it improves (goal), when (monitoring, trigger),
/// what from (data, labels), and how (planner, teacher, training, evaluation, alignment, approval, deployment).
/// Read from <c>workflows/*.agent.json</c>; the JSON schema is <c>docs/agent-manifest.schema.json</c>.
/// </summary>
public sealed record AgentManifest
{
    /// <summary>Optional link to the JSON schema, for editors.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    public string AgentId { get; init; } = "";
    public string? Description { get; init; }
    public GoalSpec Goal { get; init; } = new();
    public DataSpec Data { get; init; } = new();
    public IReadOnlyList<IntentLabel> Labels { get; init; } = [];
    public MonitoringSpec Monitoring { get; init; } = new();
    public TriggerSpec Trigger { get; init; } = new();
    public PlannerSpec Planner { get; init; } = new();
    public TeacherSpec Teacher { get; init; } = new();
    public FeedbackSpec Feedback { get; init; } = new();
    public TrainingSpec Training { get; init; } = new();
    public EvaluationSpec Evaluation { get; init; } = new();
    public AlignmentSpec Alignment { get; init; } = new();
    public ApprovalSpec Approval { get; init; } = new();
    public DeploymentSpec Deployment { get; init; } = new();

    /// <summary>The intent names in manifest order: the fixed class order of every model version.</summary>
    public IReadOnlyList<string> LabelNames => Labels.Select(l => l.Name).ToArray();
}

/// <summary>One intent the agent recognises and the action (route or tool) the agent takes for it.</summary>
public sealed record IntentLabel
{
    public string Name { get; init; } = "";
    public string Action { get; init; } = "";
}

public static class GoalMetrics
{
    public const string Accuracy = "accuracy";
    public const string MacroF1 = "macroF1";
    public static readonly IReadOnlyList<string> All = [Accuracy, MacroF1];
}

public static class GoalObjectives
{
    /// <summary>Improve until the metric reaches the target, then stop.</summary>
    public const string MeetTarget = "meetTarget";

    /// <summary>Keep improving while the metric rises, even past the target.</summary>
    public const string Maximize = "maximize";
    public static readonly IReadOnlyList<string> All = [MeetTarget, Maximize];
}

/// <summary>Why the agent improves: a metric, a target and the range that counts as healthy.</summary>
public sealed record GoalSpec
{
    public string Metric { get; init; } = GoalMetrics.Accuracy;

    /// <summary>Target value as a fraction in [0, 1].</summary>
    public double Target { get; init; }

    /// <summary>Values inside this range are healthy; below <see cref="MetricRange.Min"/> the agent has drifted.</summary>
    public MetricRange AcceptableRange { get; init; } = new();

    public string Objective { get; init; } = GoalObjectives.MeetTarget;
}

public sealed record MetricRange
{
    public double Min { get; init; }
    public double Max { get; init; } = 1.0;
}

public static class DataSourceKinds
{
    public const string Generator = "generator";
    public const string Files = "files";
    public static readonly IReadOnlyList<string> All = [Generator, Files];
}

/// <summary>Where the agent's four data sets come from.</summary>
public sealed record DataSpec
{
    /// <summary><c>generator</c> (built-in, needs <see cref="Generator"/>) or <c>files</c> (needs pool, validation, evaluation, production).</summary>
    public string Source { get; init; } = DataSourceKinds.Generator;
    public GeneratorSpec? Generator { get; init; }
    public DataFileSpec? Pool { get; init; }
    public DataFileSpec? Validation { get; init; }
    public DataFileSpec? Evaluation { get; init; }
    public DataFileSpec? Production { get; init; }
}

/// <summary>Settings of a built-in data generator; sizes default to the generator's own defaults.</summary>
public sealed record GeneratorSpec
{
    public string Name { get; init; } = "";
    public int Seed { get; init; } = 1;
    public int? PoolPerIntent { get; init; }
    public int? ValidationPerIntent { get; init; }
    public int? EvaluationPerIntent { get; init; }
    public int? ProductionSize { get; init; }
    public double? DriftPoint { get; init; }
}

/// <summary>The data generators built into the project.</summary>
public static class DataGenerators
{
    /// <summary>A retail bank's customer-support router whose traffic drifts half-way through the stream.</summary>
    public const string SupportRouter = "support-router";
    public static readonly IReadOnlyList<string> All = [SupportRouter];
}

public static class DataFileFormats
{
    public const string Csv = "csv";
    public const string Jsonl = "jsonl";
    public static readonly IReadOnlyList<string> All = [Csv, Jsonl];

    /// <summary>The format a file name's extension implies, or null.</summary>
    public static string? FromExtension(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => Csv,
        ".jsonl" or ".ndjson" => Jsonl,
        _ => null,
    };
}

/// <summary>A CSV (with header row) or JSON Lines file; the path is relative to the manifest's folder.</summary>
public sealed record DataFileSpec
{
    public string Path { get; init; } = "";

    /// <summary><c>csv</c> or <c>jsonl</c>; when absent, taken from the file extension.</summary>
    public string? Format { get; init; }
    public string TextColumn { get; init; } = "text";

    /// <summary>Required for pool, validation and evaluation; optional for production (ground truth, if known).</summary>
    public string? LabelColumn { get; init; } = "label";

    /// <summary>Optional column holding <c>pre-drift</c>/<c>post-drift</c>.</summary>
    public string? SegmentColumn { get; init; }
}

/// <summary>How often the serving model is checked, and on how much evidence.</summary>
public sealed record MonitoringSpec
{
    /// <summary>Six-field cron expression (seconds first), as Azure Functions timer triggers take.</summary>
    public string Schedule { get; init; } = "0 0 * * * *";

    /// <summary>How many recent production requests (and validation examples) one check scores.</summary>
    public int SampleSize { get; init; } = 500;

    /// <summary>
    /// For a recorded production stream: the share of past requests whose true intent came back as feedback
    /// (monitoring and the evaluation agent score on it; nothing trains on it). 0 means none.
    /// </summary>
    public double FeedbackShare { get; init; } = 0.5;
}

/// <summary>When a drift turns into an improvement run.</summary>
public sealed record TriggerSpec
{
    /// <summary>Minimum time between the end of one run and the start of the next.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Minimum number of scored requests with known outcome before a check may trigger a run.</summary>
    public int MinimumEvidence { get; init; } = 100;
}

public static class PlannerKinds
{
    public const string Offline = "offline";
    public const string AzureOpenAI = "azure-openai";
    public const string OpenAICompatible = "openai-compatible";
    public static readonly IReadOnlyList<string> All = [Offline, AzureOpenAI, OpenAICompatible];
}

/// <summary>The kinds that are LLMs (every kind but offline): what a teacher specialist may be.</summary>
public static class LlmKinds
{
    public static readonly IReadOnlyList<string> All = [PlannerKinds.AzureOpenAI, PlannerKinds.OpenAICompatible];
}

public static class SelectionRules
{
    /// <summary>Requests whose top-two class probabilities are closest (the model is least sure).</summary>
    public const string Margin = "margin";

    /// <summary>Margin, spread over clusters of similar requests so one confusion does not take the whole budget.</summary>
    public const string DiverseMargin = "diverse-margin";

    /// <summary>Uniformly random requests: the baseline.</summary>
    public const string Random = "random";
    public static readonly IReadOnlyList<string> All = [Margin, DiverseMargin, Random];
}

/// <summary>The planning agent and the budget it plans within.</summary>
public sealed record PlannerSpec
{
    public string Kind { get; init; } = PlannerKinds.Offline;

    /// <summary>For an LLM kind: the Azure OpenAI resource URL, or the OpenAI-compatible base URL (with <c>/v1</c>).</summary>
    public string? Endpoint { get; init; }

    /// <summary>For an LLM kind: the Azure OpenAI deployment, or the model name of an OpenAI-compatible server.</summary>
    public string? Deployment { get; init; }
    public LlmPrices Prices { get; init; } = new();

    /// <summary>Replace e-mail addresses, phone and card numbers and IBANs in production text before it reaches the LLM.</summary>
    public bool RedactPersonalData { get; init; } = true;
    public string SelectionRule { get; init; } = SelectionRules.DiverseMargin;

    /// <summary>Most production requests one attempt may send to the teacher for labelling.</summary>
    public int MaxLabelRequests { get; init; } = 300;

    /// <summary>Most new samples one attempt may ask the teacher to generate.</summary>
    public int MaxGeneratedSamples { get; init; } = 200;

    /// <summary>Token budget for the LLM calls of one run (planner, teacher and feedback agent); 0 means no LLM calls.</summary>
    public int TokenBudget { get; init; }
}

/// <summary>What an LLM deployment costs, in money units per 1,000 tokens; used to report the cost of a run.</summary>
public sealed record LlmPrices
{
    public double InputPer1k { get; init; }
    public double OutputPer1k { get; init; }
}

/// <summary>Who labels and generates samples.</summary>
public sealed record TeacherSpec
{
    public string Kind { get; init; } = PlannerKinds.Offline;

    /// <summary>For an LLM kind: the Azure OpenAI resource URL, or the OpenAI-compatible base URL (with <c>/v1</c>).</summary>
    public string? Endpoint { get; init; }

    /// <summary>For an LLM kind: the deployment or model name.</summary>
    public string? Deployment { get; init; }
    public LlmPrices Prices { get; init; } = new();

    /// <summary>Replace personal data in production text before it reaches an external teacher.</summary>
    public bool RedactPersonalData { get; init; } = true;

    /// <summary>Further LLM teachers tried before the main one, each for some intents or the plan's hardest targets.</summary>
    public IReadOnlyList<TeacherModelSpec> Specialists { get; init; } = [];

    /// <summary>Whether the plan may ask humans for demonstrations.</summary>
    public bool AllowHumanDemonstrations { get; init; }

    /// <summary>How long a run waits for demonstrations when its plan asks for them; then it goes on with what it has.</summary>
    public TimeSpan DemonstrationTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Samples per teacher call.</summary>
    public int BatchSize { get; init; } = 20;
}

/// <summary>One more LLM teacher: serves the generation targets of some intents, or the plan's hardest ones.</summary>
public sealed record TeacherModelSpec
{
    /// <summary><c>azure-openai</c> or <c>openai-compatible</c>.</summary>
    public string Kind { get; init; } = PlannerKinds.OpenAICompatible;

    public string Endpoint { get; init; } = "";
    public string Deployment { get; init; } = "";
    public LlmPrices Prices { get; init; } = new();

    /// <summary>Intents this teacher writes samples for; empty means any.</summary>
    public IReadOnlyList<string> Intents { get; init; } = [];

    /// <summary>When above 0, this teacher serves only the plan's first this-many targets (planners list the hardest first).</summary>
    public int HardestTargets { get; init; }
}

/// <summary>The feedback agent: labels production requests the plan picked, with a confidence; unsure ones go to people.</summary>
public sealed record FeedbackSpec
{
    /// <summary><c>offline</c> (the recorded ground truth stands in for an annotator) or an LLM kind.</summary>
    public string Kind { get; init; } = PlannerKinds.Offline;
    public string? Endpoint { get; init; }
    public string? Deployment { get; init; }
    public LlmPrices Prices { get; init; } = new();
    public bool RedactPersonalData { get; init; } = true;

    /// <summary>Labels below this confidence go to the human queue instead of into training.</summary>
    public double MinConfidence { get; init; } = 0.7;
}

public static class Trainers
{
    /// <summary>Frozen MiniLM sentence embeddings + L-BFGS maximum-entropy head.</summary>
    public const string MiniLmLbfgs = "minilm-lbfgs";
    public static readonly IReadOnlyList<string> All = [MiniLmLbfgs];
}

public static class ComputeTargets
{
    public const string Local = "local";
    public const string Gpu = "gpu";
    public static readonly IReadOnlyList<string> All = [Local, Gpu];
}

public sealed record TrainingSpec
{
    public string Trainer { get; init; } = Trainers.MiniLmLbfgs;
    public ComputeSpec Compute { get; init; } = new();
    public HyperParameters HyperParameters { get; init; } = new();
}

/// <summary>Where training runs: in process, or on dedicated (GPU) compute.</summary>
public sealed record ComputeSpec
{
    public string Target { get; init; } = ComputeTargets.Local;

    /// <summary>For <c>gpu</c>: the CUDA device id the embedding step runs on.</summary>
    public int DeviceId { get; init; }
}

public sealed record HyperParameters
{
    public double L2 { get; init; } = 1e-3;
    public double L1 { get; init; }
    public int MaxIterations { get; init; } = 200;

    /// <summary>Start from the parent version's weights instead of from zero.</summary>
    public bool WarmStart { get; init; } = true;
}

public sealed record EvaluationSpec
{
    public IReadOnlyList<string> Metrics { get; init; } = [GoalMetrics.Accuracy, GoalMetrics.MacroF1];

    /// <summary>How many plan → train → evaluate attempts one run may make.</summary>
    public int MaxAttempts { get; init; } = 3;
}

public sealed record AlignmentSpec
{
    /// <summary>Constitution file, relative to the manifest's folder.</summary>
    public string Constitution { get; init; } = "";

    /// <summary>Largest distance D(σ, π) in bits a candidate may have and still deploy.</summary>
    public double MaxDistance { get; init; } = 0.25;

    /// <summary>Floor on the allowed probability mass, so that D stays finite.</summary>
    public double Epsilon { get; init; } = 1e-6;
}

public sealed record ApprovalSpec
{
    public bool Required { get; init; } = true;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(24);
}

public static class PromotionRules
{
    /// <summary>Promote when the candidate's live metric is at least the serving version's.</summary>
    public const string BeatServing = "beatServing";

    /// <summary>Promote when the candidate's live metric reaches the goal's target.</summary>
    public const string MeetTarget = "meetTarget";
    public static readonly IReadOnlyList<string> All = [BeatServing, MeetTarget];
}

/// <summary>The A/B trial: the candidate takes a share of live traffic beside the serving version.</summary>
public sealed record DeploymentSpec
{
    public double CandidateShare { get; init; } = 0.2;

    /// <summary>For a recorded production stream: the share at its end that is live traffic for the A/B trial.</summary>
    public double TrialShare { get; init; } = 0.25;
    public int MinimumSamples { get; init; } = 200;
    public string PromotionRule { get; init; } = PromotionRules.BeatServing;
}
