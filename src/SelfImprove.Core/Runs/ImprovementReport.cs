namespace SelfImprove.Core.Runs;

public static class RunStatuses
{
    public const string Promoted = "Promoted";
    public const string Rejected = "Rejected";
    public const string Failed = "Failed";
    public const string NotNeeded = "NotNeeded";
}

/// <summary>
/// The record of one improvement run, as <c>selfimprove demo --json</c> prints it and the run stores it;
/// described by <c>docs/improvement-report.schema.json</c>.
/// </summary>
public sealed record ImprovementReport
{
    /// <summary>Null when monitoring found no run needed.</summary>
    public required string? RunId { get; init; }
    public required string AgentId { get; init; }

    /// <summary>A <see cref="RunStatuses"/> value.</summary>
    public required string Status { get; init; }
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

public sealed record AlignmentReport(double Distance, double AlignedValue, double ServingAlignedValue, bool Passed);

public static class ApprovalDecisions
{
    public const string Approved = "Approved";
    public const string Rejected = "Rejected";
    public const string TimedOut = "TimedOut";
    public const string NotRequired = "NotRequired";
}

public sealed record ApprovalReport(string Decision, string? By);

public sealed record DeploymentReport(string Decision, double CandidateShare, int Samples);
