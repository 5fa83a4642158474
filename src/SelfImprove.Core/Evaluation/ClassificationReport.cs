namespace SelfImprove.Core.Evaluation;

/// <summary>Precision, recall and F1 of one intent.</summary>
public sealed record IntentMetrics(string Intent, double Precision, double Recall, double F1, int Support);

/// <summary>How often requests of intent <see cref="Actual"/> were taken for <see cref="Predicted"/>.</summary>
public sealed record ConfusionPair(string Actual, string Predicted, int Count);

/// <summary>Quality of a classifier on one set of labelled requests.</summary>
/// <param name="Count">Number of requests scored.</param>
/// <param name="Accuracy">Share predicted correctly.</param>
/// <param name="MacroF1">Unweighted mean F1 over the intents that occur or are predicted.</param>
/// <param name="MeanMargin">Mean gap between the top two class probabilities: low means unsure.</param>
/// <param name="PerIntent">One row per intent of the manifest, in manifest order.</param>
/// <param name="Confusions">Most frequent mistakes, largest first.</param>
public sealed record ClassificationReport(
    int Count,
    double Accuracy,
    double MacroF1,
    double MeanMargin,
    IReadOnlyList<IntentMetrics> PerIntent,
    IReadOnlyList<ConfusionPair> Confusions)
{
    /// <summary>The value of a goal metric.</summary>
    public double Metric(Manifests.GoalMetric metric) => metric switch
    {
        Manifests.GoalMetric.Accuracy => Accuracy,
        Manifests.GoalMetric.MacroF1 => MacroF1,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric; expected accuracy or macroF1."),
    };
}

/// <summary>A classifier's quality on the evaluation set, overall and per traffic segment (pre-/post-drift).</summary>
public sealed record EvaluationSummary(ClassificationReport Overall, IReadOnlyDictionary<string, ClassificationReport> BySegment)
{
    /// <summary>The segment's report, or the overall one for data without that segment (e.g. files without drift labels).</summary>
    public ClassificationReport SegmentOrOverall(string segment) => BySegment.TryGetValue(segment, out var report) ? report : Overall;
}
