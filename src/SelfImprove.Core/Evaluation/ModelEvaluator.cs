using SelfImprove.Core.Datasets;
using SelfImprove.Core.Ports;

namespace SelfImprove.Core.Evaluation;

/// <summary>Scores a classifier on labelled examples, overall and per traffic segment.</summary>
public static class ModelEvaluator
{
    public static EvaluationSummary Evaluate(IIntentClassifier classifier, IReadOnlyList<LabeledExample> examples, CancellationToken cancellationToken = default)
    {
        var classIndex = ClassIndex(classifier.Labels);
        var actual = examples.Select(e => classIndex.TryGetValue(e.Label, out var c)
            ? c
            : throw new InvalidDataException($"Example '{e.Text}' from {e.Source} has label '{e.Label}', which is not one of the model's labels.")).ToArray();
        var predictions = classifier.Predict(examples.Select(e => e.Text).ToArray(), cancellationToken);

        var overall = ClassificationMetrics.Compute(classifier.Labels, actual, predictions);
        var bySegment = examples
            .Select((e, i) => (e.Segment, Index: i))
            .GroupBy(x => x.Segment)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => ClassificationMetrics.Compute(classifier.Labels, g.Select(x => actual[x.Index]).ToArray(), g.Select(x => predictions[x.Index]).ToArray()));
        return new EvaluationSummary(overall, bySegment);
    }

    public static Dictionary<string, int> ClassIndex(IReadOnlyList<string> labels) =>
        labels.Select((label, index) => (label, index)).ToDictionary(x => x.label, x => x.index, StringComparer.Ordinal);
}
