using System.Text.Json.Serialization;
using SelfImprove.Core.Runs;

namespace SelfImprove.Core.Deployment;

/// <summary>What changed in an agent's deployment.</summary>
[JsonConverter(typeof(WireNameConverter<DeploymentChange>))]
public enum DeploymentChange
{
    /// <summary>A version trained on the pool (the agent's first, or by <c>selfimprove train</c>) was made to serve.</summary>
    [JsonStringEnumMemberName("initial")] Initial,

    /// <summary>A run's candidate won its A/B trial and serves from now on.</summary>
    [JsonStringEnumMemberName("promoted")] Promoted,

    /// <summary>A run's candidate was rolled back automatically: its trial lost or timed out, or the run ended during it; the serving version stayed.</summary>
    [JsonStringEnumMemberName("rolledBack")] RolledBack,

    /// <summary>A person rolled the serving version back to the version it was trained from.</summary>
    [JsonStringEnumMemberName("manualRollback")] ManualRollback,

    /// <summary>
    /// A promoted version was rolled back automatically to the version it was trained from: within <c>deployment.bakeTime</c>
    /// its live accuracy fell below what its trial measured (<see cref="BakePolicy"/>).
    /// </summary>
    [JsonStringEnumMemberName("bakeRollback")] BakeRollback,
}

/// <summary>
/// One record of the promotion ledger (<c>agents/{id}/deployments/</c>): created once per change and never rewritten.
/// </summary>
/// <param name="Change">What happened.</param>
/// <param name="At">When (UTC).</param>
/// <param name="ServingVersionId">The version serving after the change.</param>
/// <param name="PreviousVersionId">The version serving before it (null for the agent's first).</param>
/// <param name="CandidateVersionId">The run's candidate (promoted or rolled back); null for the other changes.</param>
/// <param name="RunId">The run that made the change; null for the other changes.</param>
/// <param name="Trial">The trial's test at its deciding check (estimate, bounds, answers with feedback per arm); null when none decided.</param>
/// <param name="Approval">The run's approval; null for changes without a run.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="By">Who: <c>run</c> for a run's change, the caller for a manual one, the command or host for an initial version.</param>
public sealed record DeploymentRecord(
    DeploymentChange Change,
    DateTimeOffset At,
    string ServingVersionId,
    string? PreviousVersionId,
    string? CandidateVersionId,
    string? RunId,
    TrialStatistics? Trial,
    ApprovalReport? Approval,
    string Reason,
    string By)
{
    /// <summary>
    /// The alignment thresholds (<c>alignment.version</c>) and the constitution's <c>version</c> the run's candidate was judged
    /// under by the alignment gate; null for changes without a gate verdict (initial versions, manual and bake rollbacks).
    /// </summary>
    public JudgedUnder? Alignment { get; init; }
}

/// <summary>The versions of the rules an alignment verdict was reached under.</summary>
/// <param name="ThresholdsVersion"><c>alignment.version</c> of the manifest.</param>
/// <param name="ConstitutionVersion">The constitution's <c>version</c>.</param>
/// <param name="Passed">Whether the candidate passed the gate.</param>
public sealed record JudgedUnder(string ThresholdsVersion, string ConstitutionVersion, bool Passed);
