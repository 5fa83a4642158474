using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning.Selection;

namespace SelfImprove.Core.Tests.Planning.Selection;

public sealed class SelectionPolicyTests
{
    [Theory]
    [InlineData(384, 77, SelectionRule.Typicality)]   // 4.99 examples per intent: young
    [InlineData(385, 77, SelectionPolicy.Mature)] // 5 per intent: no longer young
    [InlineData(770, 77, SelectionPolicy.Mature)]
    [InlineData(null, 77, SelectionPolicy.Mature)] // unknown counts as not young
    public void Adaptive_is_typicality_while_the_model_has_fewer_than_five_examples_per_intent(int? examples, int intents, SelectionRule expected) =>
        Assert.Equal(expected, SelectionPolicy.Resolve(SelectionRule.Adaptive, examples, intents));

    [Theory]
    [InlineData(SelectionRule.Margin)]
    [InlineData(SelectionRule.Badge)]
    [InlineData(SelectionRule.Random)]
    public void A_named_rule_stays_what_it_is_however_young_the_model(SelectionRule rule) =>
        Assert.Equal(rule, SelectionPolicy.Resolve(rule, 10, 77));
}
