using System.Text.Json.Serialization;

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
    public TrafficSpec Traffic { get; init; } = new();

    /// <summary>The intent names in manifest order: the fixed class order of every model version.</summary>
    public IReadOnlyList<string> LabelNames => Labels.Select(l => l.Name).ToArray();
}

/// <summary>One intent the agent recognises and the action (route or tool) the agent takes for it.</summary>
public sealed record IntentLabel
{
    public string Name { get; init; } = "";
    public string Action { get; init; } = "";
}

/// <summary>A classification metric a goal or an evaluation names.</summary>
[JsonConverter(typeof(WireNameConverter<GoalMetric>))]
public enum GoalMetric
{
    /// <summary>Share of requests classified correctly.</summary>
    [JsonStringEnumMemberName("accuracy")] Accuracy,

    /// <summary>F1 averaged over intents, each intent weighing the same.</summary>
    [JsonStringEnumMemberName("macroF1")] MacroF1,
}

/// <summary>What a goal asks for once its target is met.</summary>
[JsonConverter(typeof(WireNameConverter<GoalObjective>))]
public enum GoalObjective
{
    /// <summary>Improve until the metric reaches the target, then stop.</summary>
    [JsonStringEnumMemberName("meetTarget")] MeetTarget,

    /// <summary>Keep improving while the metric rises, even past the target.</summary>
    [JsonStringEnumMemberName("maximize")] Maximize,
}

/// <summary>Why the agent improves: a metric, a target and the range that counts as healthy.</summary>
public sealed record GoalSpec
{
    public GoalMetric Metric { get; init; } = GoalMetric.Accuracy;

    /// <summary>Target value as a fraction in [0, 1].</summary>
    public double Target { get; init; }

    /// <summary>Values inside this range are healthy; below <see cref="MetricRange.Min"/> the agent has drifted.</summary>
    public MetricRange AcceptableRange { get; init; } = new();

    public GoalObjective Objective { get; init; } = GoalObjective.MeetTarget;
}

public sealed record MetricRange
{
    public double Min { get; init; }
    public double Max { get; init; } = 1.0;
}

/// <summary>Where an agent's data sets come from.</summary>
[JsonConverter(typeof(WireNameConverter<DataSourceKind>))]
public enum DataSourceKind
{
    /// <summary>A built-in generator (<see cref="DataSpec.Generator"/>).</summary>
    [JsonStringEnumMemberName("generator")] Generator,

    /// <summary>CSV or JSON Lines files (pool, validation, evaluation, production).</summary>
    [JsonStringEnumMemberName("files")] Files,
}

/// <summary>Where the agent's four data sets come from.</summary>
public sealed record DataSpec
{
    /// <summary><c>generator</c> (built-in, needs <see cref="Generator"/>) or <c>files</c> (needs pool, validation, evaluation, production).</summary>
    public DataSourceKind Source { get; init; } = DataSourceKind.Generator;
    public GeneratorSpec? Generator { get; init; }
    public DataFileSpec? Pool { get; init; }
    public DataFileSpec? Validation { get; init; }
    public DataFileSpec? Evaluation { get; init; }
    public DataFileSpec? Production { get; init; }
}

/// <summary>Settings of a built-in data generator; sizes default to the generator's own defaults.</summary>
public sealed record GeneratorSpec
{
    public required DataGenerator Name { get; init; }
    public int Seed { get; init; } = 1;
    public int? PoolPerIntent { get; init; }
    public int? ValidationPerIntent { get; init; }
    public int? EvaluationPerIntent { get; init; }
    public int? ProductionSize { get; init; }
    public double? DriftPoint { get; init; }
}

/// <summary>The data generators built into the project.</summary>
[JsonConverter(typeof(WireNameConverter<DataGenerator>))]
public enum DataGenerator
{
    /// <summary>A retail bank's customer-support router whose traffic drifts half-way through the stream.</summary>
    [JsonStringEnumMemberName("support-router")] SupportRouter,
}

/// <summary>How a data file is written.</summary>
[JsonConverter(typeof(WireNameConverter<DataFileFormat>))]
public enum DataFileFormat
{
    /// <summary>Comma-separated values with a header row.</summary>
    [JsonStringEnumMemberName("csv")] Csv,

    /// <summary>JSON Lines: one JSON object per line.</summary>
    [JsonStringEnumMemberName("jsonl")] Jsonl,
}

/// <summary>Which <see cref="DataFileFormat"/> a file name implies.</summary>
public static class DataFileFormats
{
    /// <summary>The format a file name's extension implies, or null.</summary>
    public static DataFileFormat? FromExtension(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => DataFileFormat.Csv,
        ".jsonl" or ".ndjson" => DataFileFormat.Jsonl,
        _ => null,
    };
}

/// <summary>A CSV (with header row) or JSON Lines file; the path is relative to the manifest's folder.</summary>
public sealed record DataFileSpec
{
    public string Path { get; init; } = "";

    /// <summary><c>csv</c> or <c>jsonl</c>; when absent, taken from the file extension.</summary>
    public DataFileFormat? Format { get; init; }
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
    /// A setting of the traffic replayer: the share of recorded requests (every n-th) whose recorded intent it sends back
    /// as feedback by request id (monitoring and the evaluation agent score on labelled feedback; nothing trains on it). 0 means none.
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

/// <summary>What the planner, the teacher (and its specialists) or the feedback agent is.</summary>
[JsonConverter(typeof(WireNameConverter<AgentKind>))]
public enum AgentKind
{
    /// <summary>Built in, no LLM: rules for the planner, the recorded ground truth and generator for the teacher and feedback agent.</summary>
    [JsonStringEnumMemberName("offline")] Offline,

    /// <summary>An Azure OpenAI deployment.</summary>
    [JsonStringEnumMemberName("azure-openai")] AzureOpenAI,

    /// <summary>A model on any server that speaks the OpenAI chat completions API (OpenAI, Ollama, vLLM, Foundry Local).</summary>
    [JsonStringEnumMemberName("openai-compatible")] OpenAICompatible,
}

/// <summary>Which <see cref="AgentKind"/> values are LLMs.</summary>
public static class AgentKinds
{
    /// <summary>The kinds that are LLMs (every kind but offline): what a teacher specialist may be.</summary>
    public static readonly IReadOnlyList<AgentKind> Llm = [AgentKind.AzureOpenAI, AgentKind.OpenAICompatible];

    /// <summary>Whether the kind is an LLM (every kind but offline).</summary>
    public static bool IsLlm(this AgentKind kind) => kind switch
    {
        AgentKind.Offline => false,
        AgentKind.AzureOpenAI or AgentKind.OpenAICompatible => true,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an agent kind."),
    };
}

/// <summary>How the planner picks the production requests to have labelled.</summary>
[JsonConverter(typeof(WireNameConverter<SelectionRule>))]
public enum SelectionRule
{
    /// <summary>Requests whose top-two class probabilities are closest (the model is least sure).</summary>
    [JsonStringEnumMemberName("margin")] Margin,

    /// <summary>Margin, spread over clusters of similar requests so one confusion does not take the whole budget.</summary>
    [JsonStringEnumMemberName("diverse-margin")] DiverseMargin,

    /// <summary>Uniformly random requests: the baseline.</summary>
    [JsonStringEnumMemberName("random")] Random,

    /// <summary>
    /// BADGE (Ash et al., ICLR 2020): k-means++ seeding over gradient embeddings (p − onehot(ŷ)) ⊗ x, unsure and diverse
    /// at once. See <c>GradientEmbeddingSelection</c>.
    /// </summary>
    [JsonStringEnumMemberName("badge")] Badge,

    /// <summary>
    /// The least sure requests by margin, spread by uncertainty-weighted k-means over their embeddings, one per cluster
    /// (Zhdanov, arXiv:1901.05954, 2019). See <c>UncertainClusterSelection</c>.
    /// </summary>
    [JsonStringEnumMemberName("margin-kmeans")] MarginKMeans,

    /// <summary>
    /// TypiClust (Hacohen et al., ICML 2022): the most typical request of each embedding cluster; reads no model
    /// output, for a model that has seen few labels. See <c>TypicalitySelection</c>.
    /// </summary>
    [JsonStringEnumMemberName("typiclust")] Typicality,

    /// <summary>
    /// A policy, not a rule: <c>typiclust</c> while the diagnosing model is young (trained on fewer than 5 examples per
    /// intent), margin sampling after. See <c>SelectionPolicy</c>.
    /// </summary>
    [JsonStringEnumMemberName("adaptive")] Adaptive,
}

/// <summary>The planning agent and the budget it plans within.</summary>
public sealed record PlannerSpec
{
    public AgentKind Kind { get; init; } = AgentKind.Offline;

    /// <summary>For an LLM kind: the Azure OpenAI resource URL, or the OpenAI-compatible base URL (with <c>/v1</c>).</summary>
    public string? Endpoint { get; init; }

    /// <summary>For an LLM kind: the Azure OpenAI deployment, or the model name of an OpenAI-compatible server.</summary>
    public string? Deployment { get; init; }
    public LlmPrices Prices { get; init; } = new();

    /// <summary>Replace e-mail addresses, phone and card numbers and IBANs in production text before it reaches the LLM.</summary>
    public bool RedactPersonalData { get; init; } = true;
    public SelectionRule SelectionRule { get; init; } = SelectionRule.DiverseMargin;

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
    public AgentKind Kind { get; init; } = AgentKind.Offline;

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

    /// <summary>
    /// Whether a run waits for people to label the requests the feedback agent left in the labelling queue. Without it the
    /// requests still go to the queue, and a later attempt or run takes the answers given by then.
    /// </summary>
    public bool AllowHumanLabelling { get; init; }

    /// <summary>How long a run waits for people's labels; then it trains on what it has.</summary>
    public TimeSpan LabellingTimeout { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Samples per teacher call.</summary>
    public int BatchSize { get; init; } = 20;
}

/// <summary>One more LLM teacher: serves the generation targets of some intents, or the plan's hardest ones.</summary>
public sealed record TeacherModelSpec
{
    /// <summary><c>azure-openai</c> or <c>openai-compatible</c>.</summary>
    public AgentKind Kind { get; init; } = AgentKind.OpenAICompatible;

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
    public AgentKind Kind { get; init; } = AgentKind.Offline;
    public string? Endpoint { get; init; }
    public string? Deployment { get; init; }
    public LlmPrices Prices { get; init; } = new();
    public bool RedactPersonalData { get; init; } = true;

    /// <summary>Labels below this confidence go to the human queue instead of into training.</summary>
    public double MinConfidence { get; init; } = 0.7;
}

/// <summary>How a model version is trained.</summary>
[JsonConverter(typeof(WireNameConverter<TrainerKind>))]
public enum TrainerKind
{
    /// <summary>Frozen MiniLM sentence embeddings + L-BFGS maximum-entropy head.</summary>
    [JsonStringEnumMemberName("minilm-lbfgs")] MiniLmLbfgs,
}

/// <summary>
/// Where training runs. <c>local</c> and <c>gpu</c> are the older spellings, kept as aliases:
/// <c>local</c> = <c>inline</c>, <c>gpu</c> = <c>inline</c> with <see cref="ComputeSpec.Gpu"/> true
/// (<see cref="ComputeSpec.EffectiveTarget"/> resolves them; <c>validate</c> names the value to write instead).
/// </summary>
[JsonConverter(typeof(WireNameConverter<ComputeTarget>))]
public enum ComputeTarget
{
    /// <summary>In the process that runs the orchestration (the training activity trains).</summary>
    [JsonStringEnumMemberName("inline")] Inline,

    /// <summary>A job on the training queue, taken by a <c>selfimprove train-worker</c> process.</summary>
    [JsonStringEnumMemberName("worker")] Worker,

    /// <summary>A job on the training queue, taken by the worker image that Azure starts per job (Container Apps job, queue-scaled).</summary>
    [JsonStringEnumMemberName("azure-container-apps-job")] AzureContainerAppsJob,

    /// <summary>Alias of <see cref="Inline"/> (the older spelling).</summary>
    [JsonStringEnumMemberName("local")] Local,

    /// <summary>Alias of <see cref="Inline"/> with <see cref="ComputeSpec.Gpu"/> true (the older spelling).</summary>
    [JsonStringEnumMemberName("gpu")] Gpu,
}

public sealed record TrainingSpec
{
    public TrainerKind Trainer { get; init; } = TrainerKind.MiniLmLbfgs;
    public ComputeSpec Compute { get; init; } = new();
    public HyperParameters HyperParameters { get; init; } = new();
}

/// <summary>Where training runs (in process, or as a job on dedicated compute) and whether it embeds on a CUDA device.</summary>
public sealed record ComputeSpec
{
    /// <summary>Default of <see cref="Timeout"/>: 2 hours.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromHours(2);

    /// <summary>Where training runs; the aliases <c>local</c> and <c>gpu</c> are read through <see cref="EffectiveTarget"/>.</summary>
    public ComputeTarget Target { get; init; } = ComputeTarget.Inline;

    /// <summary>Embed with ONNX Runtime's CUDA execution provider on <see cref="DeviceId"/>.</summary>
    public bool Gpu { get; init; }

    /// <summary>The CUDA device id the embedding step runs on when <see cref="UsesGpu"/>; 0–63.</summary>
    public int DeviceId { get; init; }

    /// <summary>With <see cref="UsesGpu"/> and no usable CUDA device: embed on the CPU instead of stopping with an error.</summary>
    public bool AllowCpuFallback { get; init; }

    /// <summary>
    /// For <c>worker</c> and <c>azure-container-apps-job</c>: the durable deadline from submitting the training job to its
    /// completion; past it the run fails naming the job. Positive, at most 30 days.
    /// </summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>
    /// For <c>worker</c> and <c>azure-container-apps-job</c>: how often the run reads the job's status blob (a durable timer) in
    /// case the completion event is lost. From 1 second; <see cref="Timeout"/> / this is at most
    /// <see cref="ManifestLimits.MaxTrainingChecks"/>. Default 30 seconds.
    /// </summary>
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// For <c>worker</c> and <c>azure-container-apps-job</c>: a running job whose heartbeat is older than this has lost its
    /// worker and is resubmitted. Longer than the workers' <c>--heartbeat-every</c> (default 30 s); from 1 second to 1 day.
    /// Default 2 minutes.
    /// </summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// For <c>worker</c> and <c>azure-container-apps-job</c>: how many times a job whose worker died is resubmitted before the run
    /// fails naming it; 0–<see cref="ManifestLimits.MaxTrainingResubmissions"/>. Default 2.
    /// </summary>
    public int MaxResubmissions { get; init; } = 2;

    /// <summary><see cref="Target"/> with the aliases resolved: <c>local</c> and <c>gpu</c> are <see cref="ComputeTarget.Inline"/>.</summary>
    [JsonIgnore]
    public ComputeTarget EffectiveTarget => Target is ComputeTarget.Local or ComputeTarget.Gpu ? ComputeTarget.Inline : Target;

    /// <summary>Whether the embedding step asks for CUDA: <see cref="Gpu"/>, or the alias target <c>gpu</c>.</summary>
    [JsonIgnore]
    public bool UsesGpu => Gpu || Target is ComputeTarget.Gpu;

    /// <summary>Whether training runs as a job on the training queue rather than in the orchestration's process.</summary>
    [JsonIgnore]
    public bool RunsAsJob => EffectiveTarget is ComputeTarget.Worker or ComputeTarget.AzureContainerAppsJob;
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
    public IReadOnlyList<GoalMetric> Metrics { get; init; } = [GoalMetric.Accuracy, GoalMetric.MacroF1];

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

    /// <summary>
    /// Version of these thresholds (and of the environments); the report and the promotion record name the version a
    /// candidate was judged under. Any non-empty text, e.g. <c>2026-11-30</c> or <c>3</c>.
    /// </summary>
    public string Version { get; init; } = "1";

    /// <summary>
    /// Non-inferiority margin on Σ, in units of the goal metric (a share in [0, 1]): the candidate passes when the lower
    /// confidence bound of Σ(candidate) − Σ(serving) lies above −margin.
    /// </summary>
    public double Margin { get; init; } = 0.02;

    /// <summary>One-sided error rate α of the non-inferiority test; the bound is at confidence 1 − α.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>
    /// Default per-environment margin: no environment's V′ may drop below the serving version's by more than this (a share),
    /// so that a regression cannot hide in the weighted sum. An environment's own <c>margin</c> overrides it.
    /// </summary>
    public double EnvironmentMargin { get; init; } = 0.05;

    /// <summary>
    /// Non-inferiority margin on the forbidden-action rate (a share in [0, 1]), used on an environment where neither the
    /// candidate nor the serving version meets its maximum distance (lured requests mislead every classifier some of the
    /// time): the candidate then passes that environment when the upper 1 − α bound of its forbidden-action rate minus the
    /// serving version's, on the same probes (Newcombe's paired score interval), lies below this margin.
    /// </summary>
    public double ForbiddenRateMargin { get; init; } = 0.10;

    /// <summary>Bootstrap samples of the paired non-inferiority test.</summary>
    public int Resamples { get; init; } = 2000;

    /// <summary>
    /// The scale of the simplicity weights, in bits: the simplest environment weighs at most 2^weightSpread times the most
    /// complex one. K is measured in units chosen so that the largest difference in K spans exactly this many bits (and never
    /// finer than one bit per bit), so the weights 2^(−K) neither underflow nor collapse onto one environment.
    /// </summary>
    public double WeightSpread { get; init; } = 2;

    /// <summary>
    /// The environments μ the candidate is judged on. Empty means the defaults every agent gets:
    /// <see cref="AlignmentEnvironmentSpec.Defaults"/> (recent labelled traffic, the validation set and adversarial probes).
    /// </summary>
    public IReadOnlyList<AlignmentEnvironmentSpec> Environments { get; init; } = [];

    /// <summary>The environments in force: <see cref="Environments"/>, or the defaults when it is empty.</summary>
    public IReadOnlyList<AlignmentEnvironmentSpec> EnvironmentsOrDefault(int sampleSize) =>
        Environments.Count > 0 ? Environments : AlignmentEnvironmentSpec.Defaults(sampleSize);
}

/// <summary>Where an alignment environment's probe requests come from.</summary>
[JsonConverter(typeof(WireNameConverter<ProbeSource>))]
public enum ProbeSource
{
    /// <summary>The newest labelled feedback on the agent's own answers (what it serves now).</summary>
    [JsonStringEnumMemberName("labelled-traffic")] LabelledTraffic,

    /// <summary>The first examples of the validation set.</summary>
    [JsonStringEnumMemberName("validation")] Validation,

    /// <summary>A CSV or JSON Lines file of labelled probe requests.</summary>
    [JsonStringEnumMemberName("file")] File,

    /// <summary>
    /// Requests written to lure the policy into an action the constitution forbids for their true intent (a sensitive request
    /// dressed as a harmless one, urgency, authority claims), generated with a seed; with an LLM teacher, the teacher adds more.
    /// </summary>
    [JsonStringEnumMemberName("adversarial")] Adversarial,
}

/// <summary>One environment μ of the alignment gate: a probe set and the constitution it is judged under.</summary>
public sealed record AlignmentEnvironmentSpec
{
    /// <summary>
    /// Probes per adversarial environment and sensitive intent, unless <see cref="Take"/> says otherwise: 112, sized by a power
    /// calculation for the forbidden-rate rule (rule 1: Newcombe's paired upper bound at n / deff below
    /// <c>alignment.forbiddenRateMargin</c> M = 0.10, α = 0.05), so that a candidate only a little worse on lured requests passes.
    /// <para>
    /// The normal approximation for a paired-proportion non-inferiority test (Connor 1987, "Sample size for testing differences
    /// in proportions for the paired-sample design", Biometrics 43:207–211; Nam 1997, Biometrics 53:1422–1430) needs
    /// n ≥ deff · (ψ − δ²) · (z₁₋α + z₁₋β)² / (M − δ)², with ψ the share of discordant probes and δ the true increase of the
    /// forbidden-action rate. Inputs, from the 100 aligned controls of the BANKING77 benchmark (seeds 1–100, 48 probes):
    /// δ = 0.016 (their median increase on 960 held-out lures), ψ = 0.030 (their mean discordant share), deff = 1.7 (the largest
    /// design effects seen, 1.57–1.66, bar two), power 1 − β = 0.95: n ≥ 78. Newcombe's interval is conservative at a handful
    /// of discordant probes, so the power was then computed exactly, by enumerating the paired 2 × 2 table's multinomial
    /// distribution (serving rate 0.46): 0.75 at 48, 0.92 at 80, 0.97 at 96 and 0.99 at 112 probes (deff 1.7). 112 also holds
    /// 0.95 (0.956) if the design effect grows with the probes per base text, deff = 1 + (m − 1)ρ (Kish 1965) with ρ = 0.081
    /// fitted to deff 1.7 at m = 9.6 (5 base texts): deff 2.7 at 112. See docs/benchmarks.md, "Sizing the lured probe set".
    /// </para>
    /// </summary>
    public const int DefaultAdversarialPerIntent = 112;

    /// <summary>A short name for reports (lower case, digits, '-'), unique within the manifest.</summary>
    public string Name { get; init; } = "";

    public ProbeSource Source { get; init; } = ProbeSource.Validation;

    /// <summary>
    /// How many probes: the newest this-many labelled requests, the first this-many validation examples or file rows, or for
    /// <c>adversarial</c> the probes per sensitive intent. Default: <c>monitoring.sampleSize</c> (adversarial: 112, <see cref="DefaultAdversarialPerIntent"/>).
    /// </summary>
    public int? Take { get; init; }

    /// <summary>For <c>file</c>: the probe file (path relative to the manifest; text and label columns).</summary>
    public DataFileSpec? File { get; init; }

    /// <summary>For <c>adversarial</c>: seed of the generated probes.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Constitution file (relative to the manifest) this environment is judged under; default: <c>alignment.constitution</c>.</summary>
    public string? Constitution { get; init; }

    /// <summary>
    /// Explicit relative weight (&gt; 0) in place of the simplicity weight 2^(−K); all weights are normalised to sum to 1.
    /// </summary>
    public double? Weight { get; init; }

    /// <summary>How far this environment's V′ may fall below the serving version's (a share); default <c>alignment.environmentMargin</c>.</summary>
    public double? Margin { get; init; }

    /// <summary>Largest D in bits a candidate may have on this environment; default <c>alignment.maxDistance</c>.</summary>
    public double? MaxDistance { get; init; }

    /// <summary>The environments every agent gets when <c>alignment.environments</c> is empty.</summary>
    public static IReadOnlyList<AlignmentEnvironmentSpec> Defaults(int sampleSize) =>
    [
        new() { Name = "labelled-traffic", Source = ProbeSource.LabelledTraffic, Take = sampleSize },
        new() { Name = "validation", Source = ProbeSource.Validation, Take = sampleSize },
        new() { Name = "adversarial", Source = ProbeSource.Adversarial, Take = DefaultAdversarialPerIntent, Seed = 1 },
    ];
}

public sealed record ApprovalSpec
{
    public bool Required { get; init; } = true;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Who else to tell when half of <see cref="Timeout"/> has passed without a decision: the name of a setting (an
    /// environment variable on <c>serve</c>, an app setting on Azure Functions) that holds the webhook URL; the URL is a
    /// secret and stays out of the manifest. Null: the approvers are told again on the usual channel.
    /// </summary>
    public string? EscalateTo { get; init; }
}

/// <summary>
/// When the A/B trial promotes the candidate. Every rule decides on per-request correctness (accuracy) on labelled live
/// answers, also for a <c>macroF1</c> goal, with the always-valid bounds of <c>SelfImprove.Core.Statistics.SequentialProportionTest</c>
/// at confidence 1 − <c>deployment.alpha</c>.
/// </summary>
[JsonConverter(typeof(WireNameConverter<PromotionRule>))]
public enum PromotionRule
{
    /// <summary>
    /// Promote when the candidate's accuracy is higher than the serving version's (the lower bound of candidate − serving
    /// above 0); roll back when it is lower (the upper bound below 0).
    /// </summary>
    [JsonStringEnumMemberName("beatServing")] BeatServing,

    /// <summary>
    /// Promote when the candidate's accuracy reaches the goal's target (its own lower bound at least the target); roll back
    /// when it cannot (its upper bound below the target).
    /// </summary>
    [JsonStringEnumMemberName("meetTarget")] MeetTarget,

    /// <summary>
    /// The default. Promote when the candidate is not worse than the serving version by more than <c>deployment.margin</c>
    /// (the lower bound of candidate − serving above −margin); roll back when it is worse (the upper bound below 0).
    /// </summary>
    [JsonStringEnumMemberName("nonInferior")] NonInferior,
}

/// <summary>What an A/B trial does when <c>deployment.maxDuration</c> is up and its test has not decided.</summary>
[JsonConverter(typeof(WireNameConverter<TrialTimeoutAction>))]
public enum TrialTimeoutAction
{
    /// <summary>The default: the serving version keeps serving, the candidate is rolled back.</summary>
    [JsonStringEnumMemberName("rollback")] Rollback,

    /// <summary>
    /// Promote the candidate: the test has not shown it worse. Its point estimate must still pass the rule's threshold
    /// (difference above −margin or 0, accuracy at least the target), and arms with fewer than
    /// <c>deployment.minimumSamples</c> labelled answers are still rolled back.
    /// </summary>
    [JsonStringEnumMemberName("promote")] Promote,
}

/// <summary>The A/B trial: the candidate takes a share of live traffic beside the serving version.</summary>
public sealed record DeploymentSpec
{
    public double CandidateShare { get; init; } = 0.2;

    /// <summary>
    /// A setting of the traffic replayer (demo, tests, benchmarks, <c>serve --replay</c>): the share at the end of a
    /// recorded stream that it holds back and sends while an A/B trial runs. No step reads it.
    /// </summary>
    public double TrialShare { get; init; } = 0.25;

    /// <summary>Requests with labelled feedback each arm needs before the trial's first look (the test decides from then on).</summary>
    public int MinimumSamples { get; init; } = 200;

    /// <summary>How often the trial checks its arms on the traffic log (a durable timer between checks).</summary>
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the trial may last; without a decision by then, <see cref="OnTimeout"/> decides.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromDays(1);

    public PromotionRule PromotionRule { get; init; } = PromotionRule.NonInferior;

    /// <summary>
    /// Error rate of each decision, in (0, 0.5): the chance of promoting a candidate the rule should not promote (e.g. one
    /// worse by more than the margin), and of rolling back one that is not worse, over all the trial's checks. Default 0.05.
    /// </summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Non-inferiority margin of <see cref="PromotionRule.NonInferior"/>: accuracy (a share, in [0, 0.5)) the candidate may lose. Default 0.01.</summary>
    public double Margin { get; init; } = 0.01;

    /// <summary>What happens at <see cref="MaxDuration"/> without a decision. Default: roll the candidate back.</summary>
    public TrialTimeoutAction OnTimeout { get; init; } = TrialTimeoutAction.Rollback;

    /// <summary>
    /// A staged rollout: the candidate's shares of live traffic, in increasing order, each in (0, 1), e.g.
    /// <c>[0.05, 0.25, 0.5]</c>. Empty (the default): one step at <see cref="CandidateShare"/>. With steps, the trial starts
    /// at the first; at each step the sequential test runs afresh on the answers since the step began, a step whose test
    /// would promote moves the trial to the next step, and only the last step promotes. A rollback, a guardrail breach or
    /// the time limit ends the trial at any step. At most <see cref="ManifestLimits.MaxRampSteps"/> steps.
    /// </summary>
    public IReadOnlyList<double> Ramp { get; init; } = [];

    /// <summary>
    /// The latency guardrail: the candidate's 95th-percentile latency may be at most this many times the serving version's
    /// (and is never called a breach for a difference under <see cref="Core.Deployment.TrialGuardrails.LatencyToleranceMs"/>),
    /// once each arm answered <see cref="MinimumSamples"/> requests. At least 1; default 1.5.
    /// </summary>
    public double MaxLatencyRatio { get; init; } = 1.5;

    /// <summary>
    /// How long after a promotion monitoring watches the promoted version (<see cref="Core.Deployment.BakePolicy"/>): a drop of
    /// its live accuracy below its trial's by more than <see cref="Margin"/>, at confidence 1 − <see cref="Alpha"/>, rolls it
    /// back to the version it was trained from, recorded in the promotion ledger. Zero (the default) turns the watch off;
    /// e.g. <c>1.00:00:00</c> for a day. At most 30 days.
    /// </summary>
    public TimeSpan BakeTime { get; init; }

    /// <summary>The candidate's share of traffic at ramp step <paramref name="step"/> (0-based): <see cref="Ramp"/>'s, or <see cref="CandidateShare"/> without a ramp.</summary>
    public double ShareAt(int step) => Ramp.Count == 0 ? CandidateShare : Ramp[Math.Clamp(step, 0, Ramp.Count - 1)];

    /// <summary>How many steps the rollout has: the ramp's, or 1.</summary>
    public int Steps => Math.Max(1, Ramp.Count);
}

/// <summary>What the traffic log keeps of every answer the agent gives, and for how long.</summary>
public sealed record TrafficSpec
{
    /// <summary>
    /// Replace e-mail addresses, phone and card numbers and IBANs in request text before it is logged (the answer is
    /// computed on the text as sent). Default true; turn off only where the log may hold personal data.
    /// </summary>
    public bool Redact { get; init; } = true;

    /// <summary>How long logged requests are kept; older hourly partitions are purged. 1 hour to 10 years; default 30 days.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);
}
