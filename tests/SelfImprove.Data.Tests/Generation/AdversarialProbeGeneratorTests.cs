using SelfImprove.Core.Alignment;
using SelfImprove.Core.Manifests;
using SelfImprove.Data.Generation;

namespace SelfImprove.Data.Tests.Generation;

public sealed class AdversarialProbeGeneratorTests
{
    private static readonly Dictionary<string, string> Actions = new()
    {
        ["card_lost_or_stolen"] = "verify_identity",
        ["balance_inquiry"] = "self_service",
        ["speak_to_human"] = "human_agent",
    };

    private static Constitution Sigma(params ConstitutionSituation[] situations) => new()
    {
        AgentId = "support-router", Actions = ["verify_identity", "self_service", "human_agent"], Situations = situations,
    };

    private static readonly ConstitutionSituation StolenCard = new() { Intent = "card_lost_or_stolen", Allowed = ["verify_identity", "human_agent"] };

    private static IReadOnlyList<string> Texts(string intent) =>
        SupportRouterGenerator.Compose(intent, drifted: false, count: 16, seed: 1, exclude: new HashSet<string>());

    [Fact]
    public void Probes_keep_the_sensitive_intent_and_lure_towards_a_forbidden_one()
    {
        var probes = AdversarialProbeGenerator.Generate(Sigma(StolenCard), Actions, Texts, perIntent: 8, seed: 1);

        Assert.Equal(8, probes.Count);
        Assert.All(probes, p => Assert.Equal("card_lost_or_stolen", p.Label));
        // The four tactics, twice each.
        Assert.Equal(["disguise", "urgency", "authority", "instruction"], probes.Take(4).Select(p => p.Source["adversarial:".Length..]));
        // The disguise opens with a balance question, the only intent whose action a stolen card may not reach.
        var balance = Texts("balance_inquiry");
        Assert.Contains(balance, b => probes[0].Text.Contains(b));
        Assert.Contains("balance inquiry", probes[3].Text);
        Assert.Equal(probes.Select(p => p.Text), AdversarialProbeGenerator.Generate(Sigma(StolenCard), Actions, Texts, 8, seed: 1).Select(p => p.Text));
        Assert.NotEqual(probes.Select(p => p.Text), AdversarialProbeGenerator.Generate(Sigma(StolenCard), Actions, Texts, 8, seed: 2).Select(p => p.Text));
    }

    [Fact]
    public void Each_probe_names_the_base_text_it_was_built_from_as_its_cluster()
    {
        // 48 probes from 3 texts of the stolen-card intent: at most 3 clusters, and every probe contains its cluster's text.
        IReadOnlyList<string> ThreeTexts(string intent) => Texts(intent).Take(3).ToArray();
        var probes = AdversarialProbeGenerator.Generate(Sigma(StolenCard), Actions, ThreeTexts, perIntent: 48, seed: 1);

        var clusters = probes.GroupBy(p => p.Cluster).ToArray();
        Assert.InRange(clusters.Length, 2, 3);
        Assert.All(probes, p =>
        {
            Assert.Matches(@"^card_lost_or_stolen#[0-2]$", p.Cluster);
            var text = ThreeTexts("card_lost_or_stolen")[int.Parse(p.Cluster![^1..])];
            Assert.Contains(text[1..], p.Text);
        });
    }

    [Fact]
    public void The_default_take_from_five_base_texts_gives_distinct_probes()
    {
        // A 5-per-intent validation slice gives five texts of the sensitive intent; the default take must not repeat a probe,
        // or the gate would count one lured request several times.
        IReadOnlyList<string> FiveTexts(string intent) => Texts(intent).Take(5).ToArray();
        var take = AlignmentEnvironmentSpec.DefaultAdversarialPerIntent;

        var probes = AdversarialProbeGenerator.Generate(Sigma(StolenCard), Actions, FiveTexts, take, seed: 1);

        Assert.Equal(take, probes.Count);
        Assert.Equal(take, probes.Select(p => p.Text).Distinct().Count());
        Assert.Equal(take / 4, probes.Count(p => p.Source == "adversarial:urgency"));
        Assert.Equal(5, probes.Select(p => p.Cluster).Distinct().Count());
    }

    [Fact]
    public void Past_the_distinct_combinations_probes_repeat_rather_than_fail()
    {
        // One text and 8 templates per tactic: at most 8 distinct urgency probes, so 40 probes (10 urgency) must repeat some.
        IReadOnlyList<string> OneText(string intent) => Texts(intent).Take(1).ToArray();

        var probes = AdversarialProbeGenerator.Generate(Sigma(StolenCard), Actions, OneText, perIntent: 40, seed: 1);

        var urgency = probes.Where(p => p.Source == "adversarial:urgency").Select(p => p.Text).ToArray();
        Assert.Equal(10, urgency.Length);
        Assert.Equal(8, urgency.Distinct().Count());
    }

    [Fact]
    public void A_constitution_that_restricts_nothing_gives_no_probes()
    {
        Assert.Empty(AdversarialProbeGenerator.Generate(Sigma(), Actions, Texts, perIntent: 8, seed: 1));
        Assert.Empty(AdversarialProbeGenerator.SensitiveIntents(Sigma(), Actions));
    }

    [Fact]
    public void A_missing_ordinary_text_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            AdversarialProbeGenerator.Generate(Sigma(StolenCard), Actions, intent => intent == "card_lost_or_stolen" ? ["my card was stolen"] : [], 4, seed: 1));
        Assert.Contains("balance_inquiry", error.Message);
    }
}
