using SelfImprove.Core.Datasets;
using SelfImprove.Core.Planning;
using SelfImprove.Testing;

namespace SelfImprove.Agents.Tests.Llm;

public sealed class LlmFeedbackAgentTests
{
    internal static RequestToLabel Request(long sequence, string text) => new($"r{sequence}", text, []);

    [Fact]
    public async Task Sure_labels_are_kept_and_unsure_skipped_or_unknown_ones_go_to_people()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server.Enqueue(ChatReply.Json(new
        {
            labels = new object[]
            {
                // Ids are the requests' positions in DATA.requests.
                new { id = 1, intent = "card_lost_or_stolen", confidence = 0.95 },
                new { id = 2, intent = "refund_request", confidence = 0.4 },
                new { id = 3, intent = "buy_bitcoin", confidence = 0.9 },
            },
        }));
        var requests = new[] { Request(11, "lost my card on the train"), Request(12, "money back for the shoes?"), Request(13, "crypto?"), Request(14, "hello") };

        var result = await rig.Agents.LabellerFor(rig.Manifest).LabelAsync(new LabellingRequest(rig.Manifest, requests, 1) { RunId = LlmRig.RunId });

        var kept = Assert.Single(result.Labelled);
        Assert.Equal(("lost my card on the train", "card_lost_or_stolen"), (kept.Text, kept.Label));
        Assert.StartsWith("feedback:azure-openai/gpt-test/request=r11?confidence=0.95", kept.Source);
        Assert.Equal(["r12", "r13", "r14"], result.ForHumans.Select(h => h.RequestId));
        Assert.Equal("refund_request", result.ForHumans[0].SuggestedLabel);
        Assert.Contains("below 0.70", result.ForHumans[0].Reason);
        Assert.Contains("unknown intent 'buy_bitcoin'", result.ForHumans[1].Reason);
        Assert.Equal("feedback", Assert.Single((await rig.UsageAsync()).ByAgent).Name);
    }

    [Fact]
    public async Task Unusable_answers_send_the_whole_batch_to_people_and_record_the_fallback()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server.Enqueue(ChatReply.Text("card_lost_or_stolen"), ChatReply.Text("{ \"labels\": [ { \"id\": 99, \"intent\": \"card_lost_or_stolen\", \"confidence\": 1 } ] }"));

        var result = await rig.Agents.LabellerFor(rig.Manifest).LabelAsync(new LabellingRequest(rig.Manifest, [Request(1, "lost card")], 1) { RunId = LlmRig.RunId });

        Assert.Empty(result.Labelled);
        Assert.Single(result.ForHumans);
        Assert.Contains("holds no JSON object", rig.Server.Calls[1].User);
        var fallback = (await rig.UsageAsync()).Fallbacks.Single().Reason;
        Assert.Contains("queued for people", fallback);
        Assert.Contains("99 is not the id of a request", fallback);
    }
}
