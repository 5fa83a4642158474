using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Planning.Selection;

/// <summary>
/// What <see cref="SelectionRule.Adaptive"/> means, and which rules need the requests' vectors. The model is
/// <em>young</em> while the version that diagnoses was trained on fewer than <see cref="YoungExamplesPerIntent"/>
/// examples per intent on average (its training set's size ÷ the manifest's intents): its probabilities say little
/// yet, and typical, diverse requests teach more than uncertain ones (Hacohen et al., ICML 2022, find the switch at a
/// few labels per class). A young model gets <see cref="SelectionRule.Typicality"/>; an older one <see cref="Mature"/>,
/// margin sampling, which no embedding-space rule beat on BANKING77 (docs/benchmarks.md: BADGE was within one round of it,
/// margin-kmeans needed more labels). An unknown training-set size counts as not young.
/// </summary>
public static class SelectionPolicy
{
    /// <summary>Below this many training examples per intent (on average) the model is young.</summary>
    public const int YoungExamplesPerIntent = 5;

    /// <summary>The rule <see cref="SelectionRule.Adaptive"/> uses once the model is no longer young.</summary>
    public const SelectionRule Mature = SelectionRule.Margin;

    /// <summary>Whether a model trained on <paramref name="trainingExamples"/> examples of <paramref name="intents"/> intents is young.</summary>
    public static bool IsYoung(int? trainingExamples, int intents) =>
        trainingExamples is { } n && intents > 0 && n < (long)YoungExamplesPerIntent * intents;

    /// <summary>The concrete rule to run: <paramref name="rule"/> itself, or for <see cref="SelectionRule.Adaptive"/> the policy's choice.</summary>
    public static SelectionRule Resolve(SelectionRule rule, int? trainingExamples, int intents) => rule switch
    {
        SelectionRule.Adaptive => IsYoung(trainingExamples, intents) ? SelectionRule.Typicality : Mature,
        _ => rule,
    };

    /// <summary>Whether the rule reads the requests' embeddings (and, but for typicality, their probabilities).</summary>
    public static bool NeedsVectors(SelectionRule rule) => rule is SelectionRule.Badge or SelectionRule.MarginKMeans or SelectionRule.Typicality;
}
