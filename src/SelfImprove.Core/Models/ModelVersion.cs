using System.Text.Json.Serialization;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Models;

/// <summary>
/// One trained version of an agent's model: where it came from (parent, training set and its provenance),
/// how good it is on the evaluation set, and the artefacts that serve it.
/// </summary>
public sealed record ModelVersion
{
    public required string AgentId { get; init; }

    /// <summary><c>v1</c>, <c>v2</c>, …; allocated by the registry.</summary>
    public required string VersionId { get; init; }

    /// <summary>The version this one was warm-started from; null for a version trained from scratch.</summary>
    public string? ParentVersionId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who asked for it: <c>cli:train</c>, or the improvement run id and attempt.</summary>
    public required string CreatedBy { get; init; }
    public required TrainerKind Trainer { get; init; }
    public required string Encoder { get; init; }
    public required HyperParameters HyperParameters { get; init; }

    /// <summary>Class order of the model's outputs.</summary>
    public required IReadOnlyList<string> Labels { get; init; }
    public required TrainingSetInfo TrainingSet { get; init; }

    /// <summary>Quality on the agent's evaluation set (never trained or planned on).</summary>
    public required EvaluationSummary Evaluation { get; init; }
}

/// <summary>What a version was trained on.</summary>
/// <param name="Hash">SHA-256 over the sorted (label, text) pairs: equal hashes mean equal training sets.</param>
/// <param name="Count">Number of examples.</param>
/// <param name="Provenance">Examples per source (generator, file, teacher, human).</param>
public sealed record TrainingSetInfo(string Hash, int Count, IReadOnlyDictionary<string, int> Provenance);

/// <summary>The files that make a version servable.</summary>
/// <param name="Onnx">The classifier head as ONNX: embeddings in, class probabilities out. Serving and evaluation score with it.</param>
/// <param name="TrainerState">The trainer's own model (ML.NET), kept to warm-start children.</param>
public sealed record ModelArtifacts(byte[] Onnx, byte[] TrainerState);

/// <summary>Which version answers the agent's traffic, and since when.</summary>
public sealed record ServingState(string VersionId, string? PreviousVersionId, DateTimeOffset Since, string Reason);

/// <summary>Where a model version stands, as <c>selfimprove versions</c> and <c>GET /api/agents/{id}/versions</c> show it.</summary>
[JsonConverter(typeof(WireNameConverter<VersionStatus>))]
public enum VersionStatus
{
    /// <summary>Trained by a run that is still going, or that ended without promoting it; it has never served.</summary>
    [JsonStringEnumMemberName("candidate")] Candidate,

    /// <summary>The version the serving pointer names: it answers the agent's traffic.</summary>
    [JsonStringEnumMemberName("serving")] Serving,

    /// <summary>Served once and was replaced (by a promotion or a rollback).</summary>
    [JsonStringEnumMemberName("retired")] Retired,

    /// <summary>Registered by a run that was terminated or had ended before its training finished; it never serves.</summary>
    [JsonStringEnumMemberName("abandoned")] Abandoned,
}

/// <summary>Why a version was abandoned.</summary>
/// <param name="RunId">The run that trained it (null when it was marked for another reason).</param>
/// <param name="Reason">In words, e.g. <c>run support-router-3 was terminated: wrong data</c>.</param>
/// <param name="At">When it was marked (UTC).</param>
public sealed record VersionAbandonment(string? RunId, string Reason, DateTimeOffset At);

/// <summary>A version with where it stands.</summary>
/// <param name="Version">The version's record.</param>
/// <param name="Status">Serving, retired, abandoned or candidate.</param>
/// <param name="Abandoned">Why it was abandoned, when <paramref name="Status"/> is <see cref="VersionStatus.Abandoned"/>.</param>
public sealed record RegisteredVersion(ModelVersion Version, VersionStatus Status, VersionAbandonment? Abandoned = null);
