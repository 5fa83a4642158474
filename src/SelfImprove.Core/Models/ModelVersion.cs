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
