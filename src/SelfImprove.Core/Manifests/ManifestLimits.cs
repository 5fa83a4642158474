namespace SelfImprove.Core.Manifests;

/// <summary>
/// The largest (and smallest) values the manifest's durations, counts and amounts may take: ranges the rest of the loop
/// handles (timers and deadlines stay representable, data sets and budgets stay within memory and the 32-bit counters).
/// <see cref="AgentManifestValidator"/> checks them; <c>docs/agent-manifest.md</c> documents them.
/// </summary>
public static class ManifestLimits
{
    /// <summary>Longest duration (cooldown, approval and demonstration timeouts): 30 days.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(30);

    /// <summary>Shortest retention of the traffic log: an hour (one partition).</summary>
    public static readonly TimeSpan MinRetention = TimeSpan.FromHours(1);

    /// <summary>Longest retention of the traffic log: 3,650 days (about 10 years).</summary>
    public static readonly TimeSpan MaxRetention = TimeSpan.FromDays(3650);

    /// <summary>Most intents in <c>labels</c>.</summary>
    public const int MaxLabels = 1_000;

    /// <summary>Most generated examples per intent in each of pool, validation and evaluation.</summary>
    public const int MaxPerIntent = 1_000;

    /// <summary>Most generated production requests; also the most requests one monitoring check, trigger or trial counts.</summary>
    public const int MaxRequests = 100_000;

    /// <summary>Most production requests to label, or samples to generate, in one attempt.</summary>
    public const int MaxPlanned = 100_000;

    /// <summary>Largest token budget of one run.</summary>
    public const int MaxTokenBudget = 1_000_000_000;

    /// <summary>Highest price per 1,000 tokens.</summary>
    public const double MaxPricePer1k = 1_000;

    /// <summary>Most teacher specialists.</summary>
    public const int MaxSpecialists = 20;

    /// <summary>Largest <c>hardestTargets</c> of a specialist.</summary>
    public const int MaxHardestTargets = 10_000;

    /// <summary>Highest CUDA device id.</summary>
    public const int MaxDeviceId = 63;

    /// <summary>Largest L1 or L2 regularisation weight.</summary>
    public const double MaxRegularization = 1_000;

    /// <summary>Largest alignment distance, in bits.</summary>
    public const double MaxDistanceBits = 100;

    /// <summary>Most alignment environments a manifest may list.</summary>
    public const int MaxEnvironments = 16;

    /// <summary>Most bootstrap samples of the alignment gate's non-inferiority test.</summary>
    public const int MaxResamples = 100_000;

    /// <summary>Checks an A/B trial may make (<c>deployment.maxDuration / deployment.checkEvery</c>): each adds to the run's history.</summary>
    public const int MaxTrialChecks = 1_000;

    /// <summary>
    /// Status checks a training job's wait may make (<c>training.compute.timeout / training.compute.checkEvery</c>): each adds to
    /// the run's history.
    /// </summary>
    public const int MaxTrainingChecks = 1_000;

    /// <summary>Most resubmissions of one training job whose worker died (<c>training.compute.maxResubmissions</c>).</summary>
    public const int MaxTrainingResubmissions = 10;

    /// <summary>Most steps of a staged rollout (<c>deployment.ramp</c>).</summary>
    public const int MaxRampSteps = 10;
}
