using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Planning;

/// <summary>A logged request the plan chose for labelling.</summary>
/// <param name="RequestId">Its id in the traffic log.</param>
/// <param name="Text">The request as logged (redacted when the agent's traffic log redacts).</param>
/// <param name="Guesses">The diagnosing version's top intents with their probabilities, most likely first.</param>
/// <param name="Subject">The caller's subject key, when the request carried one (for erasure).</param>
public sealed record RequestToLabel(string RequestId, string Text, IReadOnlyList<Traffic.IntentProbability> Guesses, string? Subject = null);

/// <summary>Logged requests the plan chose, to be labelled.</summary>
public sealed record LabellingRequest(AgentManifest Manifest, IReadOnlyList<RequestToLabel> Requests, int Attempt)
{
    public string RunId { get; init; } = "";
    public int Batch { get; init; }
}

/// <summary>A request the feedback agent did not label with enough confidence: people should label it (the labelling queue).</summary>
/// <param name="RequestId">The logged request.</param>
/// <param name="Text">Its text as logged.</param>
/// <param name="SuggestedLabel">The feedback agent's guess, when it had one.</param>
/// <param name="Confidence">The feedback agent's confidence in <paramref name="SuggestedLabel"/>, in [0, 1]; 0 without a guess.</param>
/// <param name="Reason">Why it goes to people, in words.</param>
public sealed record HumanLabelTask(string RequestId, string Text, string? SuggestedLabel, double Confidence, string Reason);

/// <summary>What the feedback agent decided: sure labels (trained on) and the rest, queued for people.</summary>
public sealed record LabellingResult(IReadOnlyList<LabeledExample> Labelled, IReadOnlyList<HumanLabelTask> ForHumans, IReadOnlyList<string> Notes);

/// <summary>The feedback agent: labels logged requests the plan chose, each with a confidence; an offline one labels none.</summary>
public interface IFeedbackLabeller
{
    Task<LabellingResult> LabelAsync(LabellingRequest request, CancellationToken cancellationToken = default);
}
