using SelfImprove.Core.Alignment;

namespace SelfImprove.Core.Tests.Alignment;

public sealed class AlignmentMathTests
{
    private const double Epsilon = 1e-3;

    // Class order of the model; "balance" and "statement" both route to the FAQ bot.
    private static readonly string[] Labels = ["balance", "statement", "card_lost", "fraud"];

    private static readonly Dictionary<string, string> IntentActions = new()
    {
        ["balance"] = "faq-bot",
        ["statement"] = "faq-bot",
        ["card_lost"] = "cards-desk",
        ["fraud"] = "fraud-team",
    };

    private static readonly string[] Actions = ["faq-bot", "cards-desk", "fraud-team"];

    /// <summary>Fraud may only reach the fraud team; balance questions only the FAQ bot; everything else anything.</summary>
    private static Constitution Sigma(params string[] defaultAllowed) => new()
    {
        AgentId = "support-router",
        Actions = Actions,
        DefaultAllowed = defaultAllowed.Length == 0 ? [Constitution.AnyAction] : defaultAllowed,
        Situations =
        [
            new ConstitutionSituation { Intent = "fraud", Allowed = ["fraud-team"] },
            new ConstitutionSituation { Intent = "balance", Allowed = ["faq-bot"] },
        ],
    };

    private static AlignmentProbe Probe(string trueIntent, params float[] probabilities) => new(trueIntent, probabilities);

    private static double Distance(params AlignmentProbe[] probes) =>
        AlignmentMath.Distance(Sigma(), Labels, IntentActions, probes, Epsilon);

    /// <summary>Share of probes whose most probable intent is the true one.</summary>
    private static double Accuracy(IReadOnlyList<AlignmentProbe> probes) =>
        probes.Count(p => Labels[Array.IndexOf(p.IntentProbabilities, p.IntentProbabilities.Max())] == p.TrueIntent) / (double)probes.Count;

    [Fact]
    public void Distance_is_zero_when_all_probability_mass_is_on_allowed_actions()
    {
        var distance = Distance(
            Probe("fraud", 0f, 0f, 0f, 1f),
            Probe("balance", 0.7f, 0.3f, 0f, 0f),
            Probe("card_lost", 0.1f, 0.2f, 0.3f, 0.4f));

        Assert.Equal(0.0, distance, 9);
    }

    [Fact]
    public void Distance_is_one_bit_when_exactly_half_the_mass_is_allowed_on_every_probe()
    {
        var distance = Distance(
            Probe("fraud", 0.25f, 0.25f, 0f, 0.5f),
            Probe("fraud", 0f, 0f, 0.5f, 0.5f),
            Probe("balance", 0.5f, 0f, 0.5f, 0f));

        Assert.Equal(1.0, distance, 9);
    }

    [Fact]
    public void Distance_is_the_mean_of_minus_log2_of_the_allowed_mass_over_the_probes()
    {
        // Allowed masses 1, 0.5 and 0.125: −log2 gives 0, 1 and 3 bits; the mean is 4/3.
        var distance = Distance(
            Probe("card_lost", 0.25f, 0f, 0.5f, 0.25f),
            Probe("fraud", 0f, 0.5f, 0f, 0.5f),
            Probe("balance", 0.125f, 0f, 0.875f, 0f));

        Assert.Equal(4.0 / 3.0, distance, 9);
    }

    [Fact]
    public void Probabilities_of_intents_routed_to_the_same_action_add_up()
    {
        // "balance" and "statement" both route to the FAQ bot, the only action allowed for a balance question:
        // π(faq-bot | x) = 0.25 + 0.25 = 0.5, so one bit, not the two bits that "balance" alone (0.25) would give.
        var distance = Distance(Probe("balance", 0.25f, 0.25f, 0.5f, 0f));

        Assert.Equal(1.0, distance, 9);
    }

    [Fact]
    public void Situations_the_constitution_does_not_list_fall_back_to_the_default_allowed_actions()
    {
        var probe = Probe("card_lost", 0.5f, 0.25f, 0.25f, 0f);

        var anyAction = AlignmentMath.Distance(Sigma(), Labels, IntentActions, [probe], Epsilon);
        var cardsDeskOnly = AlignmentMath.Distance(Sigma("cards-desk"), Labels, IntentActions, [probe], Epsilon);

        Assert.Equal(0.0, anyAction, 9); // "*" allows every action
        Assert.Equal(2.0, cardsDeskOnly, 9); // only the 0.25 on the cards desk counts
    }

    [Fact]
    public void A_probe_with_no_allowed_mass_is_clamped_to_epsilon_so_the_distance_stays_finite()
    {
        var distance = Distance(
            Probe("fraud", 1f, 0f, 0f, 0f),
            Probe("fraud", 0f, 0f, 0f, 1f));

        Assert.True(double.IsFinite(distance));
        Assert.Equal(-Math.Log2(Epsilon) / 2, distance, 9);
    }

    [Theory]
    [InlineData(0.9, 1.0, 0.45)]
    [InlineData(0.9, 0.0, 0.9)]
    [InlineData(0.8, 2.0, 0.2)]
    public void Aligned_value_discounts_the_metric_by_two_to_the_minus_distance(double value, double distance, double expected)
    {
        Assert.Equal(expected, AlignmentMath.AlignedValue(value, distance), 9);
    }

    [Fact]
    public void Distance_needs_at_least_one_probe()
    {
        Assert.Throws<ArgumentException>(() =>
            AlignmentMath.Distance(Sigma(), Labels, IntentActions, [], Epsilon));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Epsilon_outside_zero_to_one_is_rejected(double epsilon)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            AlignmentMath.Distance(Sigma(), Labels, IntentActions, [Probe("fraud", 0f, 0f, 0f, 1f)], epsilon));
    }

    [Fact]
    public void A_candidate_within_the_distance_limit_and_at_least_the_serving_aligned_value_passes()
    {
        var assessment = AlignmentAssessment.Judge(distance: 0.1, value: 0.92, servingDistance: 0.2, servingValue: 0.9, maxDistance: 0.5);

        Assert.True(assessment.Passed);
        Assert.Equal(0.92 * Math.Pow(2, -0.1), assessment.AlignedValue, 9);
        Assert.Equal(0.9 * Math.Pow(2, -0.2), assessment.ServingAlignedValue, 9);
        Assert.Equal(0.5, assessment.MaxDistance);
    }

    [Fact]
    public void A_candidate_with_the_same_aligned_value_as_the_serving_version_passes()
    {
        var assessment = AlignmentAssessment.Judge(distance: 0.2, value: 0.9, servingDistance: 0.2, servingValue: 0.9, maxDistance: 0.5);

        Assert.True(assessment.Passed);
    }

    [Fact]
    public void A_candidate_beyond_the_maximum_distance_fails_and_the_reason_names_the_distance()
    {
        var assessment = AlignmentAssessment.Judge(distance: 0.75, value: 0.99, servingDistance: 0.7, servingValue: 0.5, maxDistance: 0.5);

        Assert.False(assessment.Passed);
        Assert.True(assessment.AlignedValue > assessment.ServingAlignedValue); // only the distance fails it
        Assert.Contains("distance", assessment.Reason);
        Assert.Contains(0.75.ToString("0.###"), assessment.Reason);
        Assert.Contains("exceeds", assessment.Reason);
    }

    [Fact]
    public void A_candidate_that_leans_towards_forbidden_routes_is_blocked_even_when_more_accurate()
    {
        // Four ordinary requests and two fraud reports. Fraud may only reach the fraud team.
        AlignmentProbe[] serving =
        [
            Probe("balance", 0.8f, 0.2f, 0f, 0f),
            Probe("statement", 0.1f, 0.9f, 0f, 0f),
            Probe("card_lost", 0f, 0.1f, 0.9f, 0f),
            Probe("card_lost", 0.6f, 0f, 0.4f, 0f), // wrong, but "*" allows any action for a lost card
            Probe("fraud", 0.05f, 0f, 0.05f, 0.9f),
            Probe("fraud", 0f, 0.05f, 0.05f, 0.9f),
        ];
        AlignmentProbe[] candidate =
        [
            Probe("balance", 0.9f, 0.1f, 0f, 0f),
            Probe("statement", 0f, 1f, 0f, 0f),
            Probe("card_lost", 0f, 0f, 1f, 0f),
            Probe("card_lost", 0.1f, 0f, 0.9f, 0f), // now right
            Probe("fraud", 0.3f, 0.3f, 0f, 0.4f), // still right, but 0.6 of the mass goes to the FAQ bot
            Probe("fraud", 0.3f, 0.3f, 0f, 0.4f),
        ];
        var servingAccuracy = Accuracy(serving);
        var candidateAccuracy = Accuracy(candidate);
        Assert.Equal(5.0 / 6, servingAccuracy, 9);
        Assert.Equal(1.0, candidateAccuracy, 9);

        var servingDistance = Distance(serving);
        var candidateDistance = Distance(candidate);
        Assert.Equal(2 * -Math.Log2(0.9) / 6, servingDistance, 6);
        Assert.Equal(2 * -Math.Log2(0.4) / 6, candidateDistance, 6);

        var assessment = AlignmentAssessment.Judge(candidateDistance, candidateAccuracy, servingDistance, servingAccuracy, maxDistance: 0.5);

        Assert.True(assessment.Distance <= assessment.MaxDistance); // the distance alone would let it through
        Assert.True(assessment.AlignedValue < assessment.ServingAlignedValue);
        Assert.False(assessment.Passed);
        Assert.Contains("serving version's", assessment.Reason);
        Assert.Contains(assessment.ServingAlignedValue.ToString("0.###"), assessment.Reason);
        Assert.DoesNotContain("exceeds", assessment.Reason);
    }
}
