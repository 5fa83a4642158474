using SelfImprove.Agents.Offline;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Traffic;
using SelfImprove.Testing;

namespace SelfImprove.Agents.Tests.Offline;

public sealed class OfflineLabellerTests
{
    [Fact]
    public async Task It_labels_nothing_and_leaves_every_request_to_people_with_the_models_best_guess()
    {
        using var folder = new TempDirectory();
        var manifest = Core.Manifests.ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder)).Manifest;
        RequestToLabel[] requests =
        [
            new("r1", "tap to pay fails", [new IntentProbability("contactless_not_working", 0.51), new IntentProbability("card_not_working", 0.40)]),
            new("r2", "hello??", []),
        ];

        var result = await new OfflineLabeller().LabelAsync(new LabellingRequest(manifest, requests, 1));

        Assert.Empty(result.Labelled);
        Assert.Equal(["r1", "r2"], result.ForHumans.Select(t => t.RequestId));
        Assert.Equal(["contactless_not_working", null], result.ForHumans.Select(t => t.SuggestedLabel));
        Assert.All(result.ForHumans, t => Assert.Equal(0, t.Confidence));
        Assert.Contains("2 requests queued for people", Assert.Single(result.Notes));
    }
}
