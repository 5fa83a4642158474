using SelfImprove.Core.Datasets;

namespace SelfImprove.Data.Generation;

/// <summary>One planned production request: which intent, which phrasing, which segment, when.</summary>
internal sealed record PlannedRequest(int IntentIndex, PhrasingStyle Style, string Segment, DateTimeOffset ReceivedAt);

/// <summary>
/// Lays out the production stream before any text is drawn, so the demand on each template space is known
/// (and checked) up front.
/// </summary>
internal static class ProductionPlan
{
    public static IReadOnlyList<PlannedRequest> Create(GeneratorSettings settings, Random mixRandom, Random timingRandom)
    {
        var intents = SupportRouterPhrasings.All;
        var cumulativeWeights = CumulativeWeights(intents);
        var driftIndex = DriftIndex(settings);
        var stepTicks = settings.StreamDuration.Ticks / settings.ProductionSize;

        // Jitter stays below a quarter of a step, so arrival times remain strictly increasing.
        var maxJitter = Math.Max(1, stepTicks / 4);

        var plan = new PlannedRequest[settings.ProductionSize];
        for (var i = 0; i < plan.Length; i++)
        {
            var intentIndex = PickWeighted(cumulativeWeights, mixRandom);
            var afterDrift = i >= driftIndex;
            var usesNewPhrasing = mixRandom.NextDouble() < settings.DriftedShare;
            var style = afterDrift && intents[intentIndex].IsDrifted && usesNewPhrasing
                ? PhrasingStyle.Drifted
                : PhrasingStyle.Ordinary;
            var ticks = i * stepTicks + timingRandom.NextInt64(0, maxJitter);
            plan[i] = new PlannedRequest(
                intentIndex,
                style,
                afterDrift ? Segments.PostDrift : Segments.PreDrift,
                settings.StreamStart + TimeSpan.FromTicks(ticks));
        }

        return plan;
    }

    /// <summary>Index of the first post-drift request: requests at positions below DriftPoint × size are pre-drift.</summary>
    public static int DriftIndex(GeneratorSettings settings) =>
        (int)Math.Ceiling(settings.ProductionSize * settings.DriftPoint);

    private static double[] CumulativeWeights(IReadOnlyList<IntentPhrasing> intents)
    {
        var cumulative = new double[intents.Count];
        var total = 0.0;
        for (var i = 0; i < intents.Count; i++)
        {
            total += intents[i].TrafficWeight;
            cumulative[i] = total;
        }

        return cumulative;
    }

    private static int PickWeighted(double[] cumulativeWeights, Random random)
    {
        var target = random.NextDouble() * cumulativeWeights[^1];
        var index = Array.BinarySearch(cumulativeWeights, target);
        index = index < 0 ? ~index : index + 1;
        return Math.Min(index, cumulativeWeights.Length - 1);
    }
}
