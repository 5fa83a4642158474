using SelfImprove.Core.Datasets;
using SelfImprove.Core.Models;

namespace SelfImprove.Core.Tests.Models;

public sealed class TrainingSetsTests
{
    [Fact]
    public void The_hash_ignores_order_and_provenance_but_not_content()
    {
        LabeledExample[] examples =
        [
            new("lost my card", "card_lost_or_stolen", Segments.PreDrift, "generator:a"),
            new("close my account", "account_closure", Segments.PreDrift, "teacher:offline"),
        ];
        var reordered = new[] { examples[1] with { Source = "human:ann" }, examples[0] };
        var relabelled = new[] { examples[0], examples[1] with { Label = "cancel_direct_debit" } };

        var info = TrainingSets.Describe(examples);

        Assert.Equal(info.Hash, TrainingSets.Describe(reordered).Hash);
        Assert.NotEqual(info.Hash, TrainingSets.Describe(relabelled).Hash);
        Assert.Equal(2, info.Count);
        Assert.Equal(new Dictionary<string, int> { ["generator:a"] = 1, ["teacher:offline"] = 1 }, info.Provenance);
        Assert.StartsWith("sha256:", info.Hash);
    }
}
