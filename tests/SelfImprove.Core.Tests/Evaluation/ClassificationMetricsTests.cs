using SelfImprove.Core.Evaluation;

namespace SelfImprove.Core.Tests.Evaluation;

public sealed class ClassificationMetricsTests
{
    private static readonly string[] Labels = ["refund", "dispute", "balance"];

    private static IntentPrediction Predict(params float[] probabilities) => IntentPrediction.FromProbabilities(Labels, probabilities);

    [Fact]
    public void Computes_accuracy_macro_f1_per_intent_and_confusions()
    {
        // actual: refund, refund, refund, dispute, dispute, balance
        // predicted: refund, refund, dispute, dispute, refund, balance
        int[] actual = [0, 0, 0, 1, 1, 2];
        IntentPrediction[] predicted =
        [
            Predict(0.8f, 0.1f, 0.1f), Predict(0.6f, 0.3f, 0.1f), Predict(0.4f, 0.5f, 0.1f),
            Predict(0.2f, 0.7f, 0.1f), Predict(0.5f, 0.45f, 0.05f), Predict(0.1f, 0.1f, 0.8f),
        ];

        var report = ClassificationMetrics.Compute(Labels, actual, predicted);

        Assert.Equal(6, report.Count);
        Assert.Equal(4.0 / 6, report.Accuracy, 9);
        // refund P=2/3 R=2/3 F1=2/3; dispute P=1/2 R=1/2 F1=1/2; balance 1/1/1
        Assert.Equal((2.0 / 3 + 0.5 + 1) / 3, report.MacroF1, 9);
        Assert.Equal(2.0 / 3, report.PerIntent[0].Precision, 9);
        Assert.Equal(0.5, report.PerIntent[1].Recall, 9);
        Assert.Equal(3, report.PerIntent[0].Support);
        Assert.Equal([new ConfusionPair("refund", "dispute", 1), new ConfusionPair("dispute", "refund", 1)], report.Confusions);
        Assert.Equal((0.7 + 0.3 + 0.1 + 0.5 + 0.05 + 0.7) / 6, report.MeanMargin, 5);
    }

    [Fact]
    public void Margin_is_the_gap_between_the_two_most_probable_intents()
    {
        var prediction = Predict(0.15f, 0.25f, 0.6f);

        Assert.Equal("balance", prediction.Intent);
        Assert.Equal(2, prediction.Index);
        Assert.Equal(0.35, prediction.Margin, 5);
    }

    [Fact]
    public void Intents_that_never_occur_and_are_never_predicted_do_not_drag_macro_f1_down()
    {
        var report = ClassificationMetrics.Compute(Labels, [0, 1], [Predict(0.9f, 0.05f, 0.05f), Predict(0.05f, 0.9f, 0.05f)]);

        Assert.Equal(1.0, report.MacroF1, 9);
        Assert.Equal(0, report.PerIntent[2].Support);
    }

    [Fact]
    public void Mismatched_lengths_are_refused() =>
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(Labels, [0, 1], [Predict(1, 0, 0)]));
}
