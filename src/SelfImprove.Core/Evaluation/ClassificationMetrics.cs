namespace SelfImprove.Core.Evaluation;

/// <summary>Computes accuracy, macro-F1, per-intent precision/recall, confusions and margins from predictions.</summary>
public static class ClassificationMetrics
{
    /// <param name="labels">The intents in class order.</param>
    /// <param name="actual">True class index of each request.</param>
    /// <param name="predictions">The classifier's prediction for each request, same order.</param>
    /// <param name="maxConfusions">How many confusion pairs to keep.</param>
    public static ClassificationReport Compute(
        IReadOnlyList<string> labels, IReadOnlyList<int> actual, IReadOnlyList<IntentPrediction> predictions, int maxConfusions = 10)
    {
        if (actual.Count != predictions.Count)
            throw new ArgumentException($"Got {actual.Count} true labels but {predictions.Count} predictions.", nameof(predictions));

        var classes = labels.Count;
        var truePositives = new int[classes];
        var support = new int[classes];
        var predictedCount = new int[classes];
        var confusions = new Dictionary<(int Actual, int Predicted), int>();
        var correct = 0;
        var marginSum = 0.0;
        for (var i = 0; i < actual.Count; i++)
        {
            var (a, p) = (actual[i], predictions[i].Index);
            support[a]++;
            predictedCount[p]++;
            marginSum += predictions[i].Margin;
            if (a == p)
            {
                truePositives[a]++;
                correct++;
            }
            else
            {
                confusions[(a, p)] = confusions.GetValueOrDefault((a, p)) + 1;
            }
        }

        var perIntent = new IntentMetrics[classes];
        var f1Sum = 0.0;
        var f1Count = 0;
        for (var c = 0; c < classes; c++)
        {
            var precision = predictedCount[c] == 0 ? 0 : (double)truePositives[c] / predictedCount[c];
            var recall = support[c] == 0 ? 0 : (double)truePositives[c] / support[c];
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perIntent[c] = new IntentMetrics(labels[c], precision, recall, f1, support[c]);
            if (support[c] > 0 || predictedCount[c] > 0)
            {
                f1Sum += f1;
                f1Count++;
            }
        }

        var topConfusions = confusions
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Actual).ThenBy(kv => kv.Key.Predicted)
            .Take(maxConfusions)
            .Select(kv => new ConfusionPair(labels[kv.Key.Actual], labels[kv.Key.Predicted], kv.Value))
            .ToArray();
        var count = actual.Count;
        return new ClassificationReport(
            count,
            count == 0 ? 0 : (double)correct / count,
            f1Count == 0 ? 0 : f1Sum / f1Count,
            count == 0 ? 0 : marginSum / count,
            perIntent,
            topConfusions);
    }
}
