using SelfImprove.Core.Alignment;
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
