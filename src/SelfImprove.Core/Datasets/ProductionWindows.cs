namespace SelfImprove.Core.Datasets;

/// <summary>
/// How a recorded production stream is read as past, feedback and future:
/// the first <see cref="HistoryShare"/> of the stream is the past the agent has already served; in it, every
/// <see cref="FeedbackEvery"/>-th request came back with its true intent (feedback: monitoring, the evaluation
/// agent and the alignment probes use these, and never train on them), and the rest are unlabelled requests
/// the planner may send to a teacher. The remainder of the stream is live traffic for the A/B trial.
/// </summary>
public static class ProductionWindows
{
    public const double HistoryShare = 0.75;
    public const int FeedbackEvery = 2;

    public static int HistoryLength(int streamLength) => (int)Math.Floor(streamLength * HistoryShare);

    public static bool HasFeedback(ProductionRequest request) => request.TrueLabel is not null && request.Sequence % FeedbackEvery == 0;

    public static IReadOnlyList<ProductionRequest> History(IReadOnlyList<ProductionRequest> stream) => stream.Take(HistoryLength(stream.Count)).ToArray();

    public static IReadOnlyList<ProductionRequest> Trial(IReadOnlyList<ProductionRequest> stream) => stream.Skip(HistoryLength(stream.Count)).ToArray();

    /// <summary>The most recent <paramref name="count"/> history requests that came back with feedback, as labelled examples.</summary>
    public static IReadOnlyList<LabeledExample> RecentFeedback(IReadOnlyList<ProductionRequest> stream, int count) =>
        History(stream).Where(HasFeedback).TakeLast(count)
            .Select(r => new LabeledExample(r.Text, r.TrueLabel!, r.Segment, "feedback"))
            .ToArray();

    /// <summary>History requests without feedback: what a teacher may be asked to label.</summary>
    public static IReadOnlyList<ProductionRequest> Unlabelled(IReadOnlyList<ProductionRequest> stream) =>
        History(stream).Where(r => !HasFeedback(r)).ToArray();
}
