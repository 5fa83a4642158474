using SelfImprove.Core.Alignment;
using SelfImprove.Core.Datasets;
using SelfImprove.Data.Generation;

namespace SelfImprove.Steps.Tests.Alignment;

/// <summary>
/// The base texts of an agent's seeded adversarial probes (without the built-in generator): the validation set's and the
/// labelled traffic's texts of each intent, so the probes come from more distinct texts than the validation set alone holds.
/// </summary>
public sealed class AdversarialBaseTextTests
{
    private const string Stolen = "card_lost_or_stolen";

    private static LabeledExample Example(string text, string label) => new(text, label, Segments.Unspecified, "test");

    [Fact]
    public void Validation_texts_come_first_then_the_traffics_new_ones()
    {
        var textsOf = AlignmentProbeSets.TextsByIntent(
            [Example("my card was stolen", Stolen), Example("what is my balance", "balance_inquiry")],
            [Example("someone took my wallet and card", Stolen), Example("my card was stolen", Stolen)]);

        Assert.Equal(["my card was stolen", "someone took my wallet and card"], textsOf(Stolen));
        Assert.Equal(["what is my balance"], textsOf("balance_inquiry"));
        Assert.Empty(textsOf("speak_to_human"));
    }

    [Fact]
    public void Probes_built_from_validation_and_traffic_texts_fall_into_more_clusters()
    {
        Constitution sigma = new()
        {
            AgentId = "bank", Actions = ["verify_identity", "self_service"],
            Situations = [new() { Intent = Stolen, Allowed = ["verify_identity"] }],
        };
        var actions = new Dictionary<string, string> { [Stolen] = "verify_identity", ["balance_inquiry"] = "self_service" };
        LabeledExample[] validation = [.. Enumerable.Range(0, 5).Select(i => Example($"stolen card report {i}", Stolen)), Example("what is my balance", "balance_inquiry")];
        var traffic = Enumerable.Range(0, 6).Select(i => Example($"a thief took my card, case {i}", Stolen)).ToArray();

        var alone = AdversarialProbeGenerator.Generate(sigma, actions, AlignmentProbeSets.TextsByIntent(validation, []), 48, seed: 1);
        var withTraffic = AdversarialProbeGenerator.Generate(sigma, actions, AlignmentProbeSets.TextsByIntent(validation, traffic), 48, seed: 1);

        Assert.Equal(5, alone.Select(p => p.Cluster).Distinct().Count());
        Assert.InRange(withTraffic.Select(p => p.Cluster).Distinct().Count(), 9, 11);
        Assert.Contains(withTraffic, p => p.Text.Contains("a thief took my card"));
    }
}
