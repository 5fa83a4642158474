using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Planning;

/// <summary>Production requests the plan chose, to be labelled.</summary>
public sealed record LabellingRequest(AgentManifest Manifest, IReadOnlyList<ProductionRequest> Requests, int Attempt)
{
    public string RunId { get; init; } = "";
    public int Batch { get; init; }
}

/// <summary>A request the labeller was not sure enough about: a person should label it.</summary>
public sealed record HumanLabelTask(long Sequence, string Text, string? SuggestedLabel, double Confidence, string Reason);

/// <summary>What the feedback agent decided: sure labels (trained on) and the rest, queued for people.</summary>
public sealed record LabellingResult(IReadOnlyList<LabeledExample> Labelled, IReadOnlyList<HumanLabelTask> ForHumans, IReadOnlyList<string> Notes);

/// <summary>The feedback agent: labels unlabelled production requests, each with a confidence.</summary>
public interface IFeedbackLabeller
{
    Task<LabellingResult> LabelAsync(LabellingRequest request, CancellationToken cancellationToken = default);
}
