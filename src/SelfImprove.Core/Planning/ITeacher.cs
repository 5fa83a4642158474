using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Planning;

/// <summary>What the teacher is asked for.</summary>
/// <param name="Manifest">The agent (labels, teacher settings).</param>
/// <param name="Plan">The plan: targets to generate for.</param>
/// <param name="Seed">Makes offline generation reproducible.</param>
public sealed record TeachingRequest(AgentManifest Manifest, ImprovementPlan Plan, int Seed)
{
    /// <summary>The run, for usage records.</summary>
    public string RunId { get; init; } = "";

    /// <summary>Which teacher batch of the attempt this is, for usage records.</summary>
    public int Batch { get; init; }

    /// <summary>Position of <see cref="Plan"/>'s first target in the whole plan (a batch may carry part of it); planners list the hardest first.</summary>
    public int FirstTarget { get; init; }
}

/// <summary>What the teacher produced, each sample with its provenance in <see cref="LabeledExample.Source"/>.</summary>
/// <param name="Labelled">Requests with the teacher's label (a teacher that also labels traffic; the built-in ones do not).</param>
/// <param name="Generated">New samples written for the plan's targets.</param>
/// <param name="Notes">Anything the run report should say (e.g. a target the teacher could not serve).</param>
public sealed record TeachingResult(IReadOnlyList<LabeledExample> Labelled, IReadOnlyList<LabeledExample> Generated, IReadOnlyList<string> Notes);

/// <summary>A teacher: writes new samples for the plan's targets (an LLM, or the offline generator).</summary>
public interface ITeacher
{
    Task<TeachingResult> TeachAsync(TeachingRequest request, CancellationToken cancellationToken = default);
}
