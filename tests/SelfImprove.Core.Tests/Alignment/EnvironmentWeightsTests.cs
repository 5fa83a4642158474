using SelfImprove.Core.Alignment;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Tests.Alignment;

public sealed class EnvironmentWeightsTests
{
    [Fact]
    public void Weights_follow_2_to_the_minus_K_in_units_that_span_the_spread()
    {
        // K = 100, 110, 140 bits, spread 2: s = (140 − 100) / 2 = 20 bits, raw weights 1, 2^−0.5, 2^−2 = 1, 0.70711, 0.25
        // (sum 1.95711), normalised 0.51096, 0.36130, 0.12774.
        var weights = EnvironmentWeights.Normalised([100, 110, 140], [null, null, null], spreadBits: 2);

        Assert.Equal(0.51096, weights[0], 5);
        Assert.Equal(0.36130, weights[1], 5);
        Assert.Equal(0.12774, weights[2], 5);
    }

    [Fact]
    public void Small_differences_in_K_count_bit_for_bit()
    {
        // K differs by 1 bit and the spread allows 10: s = max(1, 0.1) = 1, so the weights are 2^0 : 2^−1 = 2/3 : 1/3.
        var weights = EnvironmentWeights.Normalised([50, 51], [null, null], spreadBits: 10);

        Assert.Equal(2.0 / 3, weights[0], 12);
        Assert.Equal(1.0 / 3, weights[1], 12);
    }

    [Fact]
    public void An_explicit_weight_replaces_the_simplicity_weight_before_normalising()
    {
        var weights = EnvironmentWeights.Normalised([100, 900], [null, 3.0], spreadBits: 2);

        Assert.Equal([0.25, 0.75], weights);
    }

    [Fact]
    public void Weights_neither_underflow_nor_collapse_however_far_apart_K_is()
    {
        var weights = EnvironmentWeights.Normalised([1_000, 5_000, 90_000], [null, null, null], spreadBits: 3);

        Assert.Equal(1, weights.Sum(), 12);
        Assert.All(weights, w => Assert.True(w >= Math.Pow(2, -3) / 3, $"weight {w} collapsed"));
        Assert.Equal(8, weights[0] / weights[2], 9);
    }

    [Fact]
    public void Property_a_simpler_environment_never_weighs_less_than_a_more_complex_one()
    {
        var random = new Random(15);
        for (var trial = 0; trial < 500; trial++)
        {
            var k = Enumerable.Range(0, random.Next(1, 8)).Select(_ => random.NextDouble() * random.Next(1, 5000)).ToArray();
            var spread = 0.1 + random.NextDouble() * 10;
            var weights = EnvironmentWeights.Normalised(k, new double?[k.Length], spread);

            Assert.Equal(1, weights.Sum(), 9);
            for (var i = 0; i < k.Length; i++)
                for (var j = 0; j < k.Length; j++)
                    if (k[i] < k[j]) Assert.True(weights[i] >= weights[j], $"K {k[i]} weighs {weights[i]} < K {k[j]} weighing {weights[j]}");
        }
    }

    [Fact]
    public void The_description_length_reads_the_specification_not_the_probes()
    {
        var constitution = new Constitution
        {
            AgentId = "a", Actions = ["x", "y"],
            Situations = [new ConstitutionSituation { Intent = "fraud", Allowed = ["y"] }],
        };
        var validation = new AlignmentEnvironmentSpec { Name = "validation", Source = ProbeSource.Validation };
        var adversarial = new AlignmentEnvironmentSpec { Name = "adversarial", Source = ProbeSource.Adversarial };

        var small = EnvironmentWeights.Specification(validation, 10, constitution, null);
        var large = EnvironmentWeights.Specification(validation, 10_000, constitution, null);
        var generated = EnvironmentWeights.Specification(adversarial, 12, constitution, "adversarial-lures/1;tactics=disguise,urgency,authority,instruction");

        Assert.Equal("source=validation;take=10;rules=fraud:y|default:*", small);
        // A set a thousand times larger is specified in three more characters.
        Assert.InRange(EnvironmentWeights.DescriptionLengthBits(large) - EnvironmentWeights.DescriptionLengthBits(small), 0, 32);
        Assert.True(EnvironmentWeights.DescriptionLengthBits(generated) > EnvironmentWeights.DescriptionLengthBits(small));
    }
}
