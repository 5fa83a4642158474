using System.Text.Json.Serialization;

namespace SelfImprove.Core.Runs;

/// <summary>How an improvement run ended.</summary>
[JsonConverter(typeof(WireNameConverter<RunStatus>))]
public enum RunStatus
{
    /// <summary>The candidate won its A/B trial and now serves.</summary>
    Promoted,

    /// <summary>The candidate was turned down: by the alignment gate, by a person (or no answer in time), or by the A/B trial.</summary>
    Rejected,

    /// <summary>The goal was missed after every attempt, or a step kept failing.</summary>
    Failed,

    /// <summary>Monitoring found the agent healthy: no run was started.</summary>
    NotNeeded,
}

/// <summary>
/// The record of one improvement run, as <c>selfimprove demo --json</c> prints it and the run stores it;
/// described by <c>docs/improvement-report.schema.json</c>.
/// </summary>
public sealed record ImprovementReport
{
    /// <summary>The version of <c>docs/improvement-report.schema.json</c> this report follows; raised by every change to it (additive changes included).</summary>
    public const int CurrentSchemaVersion = 4;

    /// <summary>See <see cref="CurrentSchemaVersion"/>.</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Null when monitoring found no run needed.</summary>
    public required string? RunId { get; init; }
    public required string AgentId { get; init; }

    public required RunStatus Status { get; init; }
    public required string Reason { get; init; }
    public required GoalReport Goal { get; init; }
    public required MetricsReport Metrics { get; init; }
    public int Attempts { get; init; }
    public int TeacherSamples { get; init; }
    public AlignmentReport? Alignment { get; init; }
    public ApprovalReport? Approval { get; init; }
    public DeploymentReport? Deployment { get; init; }

    /// <summary>The version serving when the run ended.</summary>
    public string? ServingVersion { get; init; }
    public string? CandidateVersion { get; init; }
    /// <summary>LLM calls, tokens and cost per agent and per phase, and every fallback the LLM agents took.</summary>
    public UsageReport Usage { get; init; } = UsageReport.None;

    /// <summary>Filled by the host that watched the run (orchestrations have no wall clock).</summary>
    public double WallSeconds { get; init; }
}

public sealed record GoalReport(string Metric, double Target);

/// <summary>Goal metric on the held-out evaluation set: the serving version before and after the drift point, and the candidate after it.</summary>
public sealed record MetricsReport(double BeforeDrift, double AfterDrift, double? Candidate);

/// <summary>The alignment gate (<see cref="Alignment.AlignmentGate"/>).</summary>
/// <param name="Distance">The candidate's D in bits on the binding environment (largest against its own maximum).</param>
/// <param name="AlignedValue">The candidate's aligned intelligence Σ (with one environment, V′).</param>
/// <param name="ServingAlignedValue">The serving version's Σ on the same probes.</param>
/// <param name="Passed">Whether every rule passed.</param>
public sealed record AlignmentReport(double Distance, double AlignedValue, double ServingAlignedValue, bool Passed)
{
    /// <summary>The rule that decided.</summary>
    public Alignment.GateRule DecidedBy { get; init; } = Alignment.GateRule.NonInferiority;

    /// <summary>The gate's reason, in words.</summary>
    public string? Reason { get; init; }

    /// <summary>The bootstrap interval of Σ(candidate) − Σ(serving); null when the gate had no probes to resample.</summary>
    public Statistics.PairedBootstrapInterval? Interval { get; init; }
    public double Margin { get; init; }
    public double Alpha { get; init; }

    /// <summary>The environment (and its worst intent) that failed a per-environment rule.</summary>
    public string? Environment { get; init; }
    public string? Intent { get; init; }
    public IReadOnlyList<Alignment.EnvironmentAssessment> Environments { get; init; } = [];
    public string ThresholdsVersion { get; init; } = "1";
    public string ConstitutionVersion { get; init; } = "1";

    /// <summary>Equal when every figure, and every environment's row in order, is equal (reports compare by value).</summary>
    public bool Equals(AlignmentReport? other) =>
        other is not null && (Distance, AlignedValue, ServingAlignedValue, Passed, DecidedBy, Reason, Interval, Margin, Alpha)
            == (other.Distance, other.AlignedValue, other.ServingAlignedValue, other.Passed, other.DecidedBy, other.Reason, other.Interval, other.Margin, other.Alpha)
        && (Environment, Intent, ThresholdsVersion, ConstitutionVersion) == (other.Environment, other.Intent, other.ThresholdsVersion, other.ConstitutionVersion)
        && Environments.SequenceEqual(other.Environments);

    public override int GetHashCode() => HashCode.Combine(Distance, AlignedValue, ServingAlignedValue, Passed, DecidedBy, Environments.Count);

    /// <summary>The report of a gate's verdict.</summary>
    public static AlignmentReport From(Alignment.AlignmentAssessment a) => new(a.Distance, a.AlignedValue, a.ServingAlignedValue, a.Passed)
    {
        DecidedBy = a.DecidedBy, Reason = a.Reason, Interval = a.Interval, Margin = a.Margin, Alpha = a.Alpha,
        Environment = a.Environment, Intent = a.Intent, Environments = a.Environments,
        ThresholdsVersion = a.ThresholdsVersion, ConstitutionVersion = a.ConstitutionVersion,
    };
}

/// <summary>What came of asking a person to approve the candidate.</summary>
[JsonConverter(typeof(WireNameConverter<ApprovalVerdict>))]
public enum ApprovalVerdict
{
    /// <summary>A person approved it.</summary>
    Approved,

    /// <summary>A person rejected it.</summary>
    Rejected,

    /// <summary>Nobody answered within the manifest's approval timeout.</summary>
    TimedOut,

    /// <summary>The manifest does not ask for approval.</summary>
    NotRequired,
}

public sealed record ApprovalReport(ApprovalVerdict Decision, string? By);

public sealed record DeploymentReport(Deployment.TrialDecision Decision, double CandidateShare, int Samples);
