using System.Text.Json.Nodes;
using SelfImprove.Agents.Llm;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Testing;

namespace SelfImprove.Agents.Tests.Llm;

public sealed class LlmTeacherTests
{
    private const string Contactless = "contactless_not_working";
    private const string CardNotWorking = "card_not_working";
    private const string TransferPending = "transfer_pending";

    private static ImprovementPlan Plan(AgentManifest manifest, params GenerationTarget[] targets) => new()
    {
        Attempt = 1, Planner = "test", SelectionRule = SelectionRule.Margin, LabelRequests = [], Generate = targets,
        HyperParameters = manifest.Training.HyperParameters, Rationale = "test",
    };

    internal static TeachingRequest Request(AgentManifest manifest, params GenerationTarget[] targets) =>
        new(manifest, Plan(manifest, targets), 1) { RunId = LlmRig.RunId };

    internal static object Samples(string intent, params string[] texts) => new { samples = texts.Select(t => new { text = t, intent }) };

    [Fact]
    public async Task A_teacher_batch_round_trips_with_provenance_on_every_sample()
    {
        await using var rig = await LlmRig.StartAsync(AgentKind.OpenAICompatible);
        rig.Server.Enqueue(ChatReply.Json(Samples(Contactless, "tapping my phone at the till does nothing", "the card reader ignores my tap since yesterday")));
        var target = new GenerationTarget(Contactless, CardNotWorking, 2, ["tap to pay fails at the shop"]);

        var taught = await rig.Agents.TeacherFor(rig.Manifest).TeachAsync(Request(rig.Manifest, target));

        var call = Assert.Single(rig.Server.Calls);
        Assert.Equal(("openai", "gpt-test"), (call.Protocol, call.Model));
        Assert.Contains("\"intent\":\"contactless_not_working\"", call.User);
        Assert.Contains("tap to pay fails at the shop", call.User);
        Assert.Equal(["tapping my phone at the till does nothing", "the card reader ignores my tap since yesterday"], taught.Generated.Select(s => s.Text));
        Assert.All(taught.Generated, s =>
        {
            Assert.Equal(Contactless, s.Label);
            Assert.Matches(@"^teacher:openai-compatible/gpt-test\?prompt=[0-9a-f]{16}&at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", s.Source);
        });
        Assert.Empty(taught.Notes);
    }

    [Fact]
    public async Task Duplicates_off_target_samples_and_near_copies_of_held_out_texts_are_removed()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server.Enqueue(ChatReply.Json(Samples(Contactless,
            "Contactless stopped working on my card",
            "contactless stopped working on my card!!",            // duplicate once normalised
            "my card will not pay by tap at the supermarket",      // copies a held-out text exactly
            "why does tap to pay fail at every shop I visit now",  // a near copy of a held-out text
            "the tap payment beeps red at the bakery")));
        rig.Server.Enqueue(ChatReply.Json(new { samples = new[] { new { text = "where is my transfer", intent = TransferPending }, new { text = "my tap does not work on buses", intent = Contactless } } }));
        var targets = new[] { new GenerationTarget(Contactless, null, 5, []), new GenerationTarget(Contactless, null, 2, []) };

        var taught = await rig.Agents.TeacherFor(rig.Manifest).TeachAsync(Request(rig.Manifest, targets));
        var curated = SampleCurator.Curate(taught.Generated, trainingTexts: [],
            heldOutTexts: ["My card will not pay by tap at the supermarket.", "why does tap to pay fail at every shop I visit"],
            labels: rig.Manifest.LabelNames.ToHashSet());

        Assert.Equal(5, taught.Generated.Count);
        Assert.Contains(taught.Notes, n => n.Contains("4 of 5 samples usable") && n.Contains("1 repeated"));
        Assert.Contains(taught.Notes, n => n.Contains("1 of 2 samples usable") && n.Contains("1 off-target"));
        Assert.Equal(["Contactless stopped working on my card", "the tap payment beeps red at the bakery", "my tap does not work on buses"], curated.Kept.Select(k => k.Text));
        Assert.Equal(2, curated.Contaminated);
    }

    [Fact]
    public async Task A_budget_that_runs_out_mid_generation_stops_the_calls_and_says_so()
    {
        await using var rig = await LlmRig.StartAsync(tokenBudget: 600);
        for (var i = 0; i < 3; i++)
            rig.Server.Enqueue(ChatReply.Json(Samples(Contactless, $"tap payment {i} refused at the till"), inputTokens: 200, outputTokens: 100));
        var targets = Enumerable.Range(0, 3).Select(_ => new GenerationTarget(Contactless, null, 1, [])).ToArray();

        var taught = await rig.Agents.TeacherFor(rig.Manifest).TeachAsync(Request(rig.Manifest, targets));

        Assert.Equal(2, rig.Server.Calls.Count);
        Assert.Equal(2, taught.Generated.Count);
        Assert.Contains(taught.Notes, n => n.Contains("token budget is spent (600 of 600 tokens)"));
        var usage = await rig.UsageAsync();
        Assert.True(usage.BudgetSpent);
        Assert.Equal((2, 600L), (usage.Calls, usage.Tokens));
        Assert.Equal(("teacher", "generate", 2), (usage.Fallbacks[0].Agent, usage.Fallbacks[0].Phase, usage.Fallbacks[0].Batch));
    }

    [Fact]
    public async Task Text_that_stays_unusable_after_a_repair_gives_the_offline_teachers_samples_and_a_recorded_fallback()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server.Enqueue(ChatReply.Text("Sorry, I can only write three."), ChatReply.Json(new { samples = Array.Empty<object>() }));

        var taught = await rig.Agents.TeacherFor(rig.Manifest).TeachAsync(Request(rig.Manifest, new GenerationTarget(Contactless, null, 3, [])));

        Assert.Equal(3, taught.Generated.Count);
        Assert.All(taught.Generated, g => Assert.Equal("teacher:offline-generator", g.Source));
        var reason = (await rig.UsageAsync()).Fallbacks.Single().Reason;
        Assert.StartsWith("3 samples for contactless_not_working by the offline teacher", reason);
        Assert.Contains("$.samples: must hold at least one sample", reason);
    }

    [Fact]
    public async Task Real_requests_shown_to_the_teacher_are_redacted_unless_the_manifest_turns_it_off()
    {
        const string example = "card 4111 1111 1111 1111 refused, call +44 20 7946 0958";
        await using var redacting = await LlmRig.StartAsync();
        await using var verbatim = await LlmRig.StartAsync(edit: m => m["teacher"]!["redactPersonalData"] = false);
        foreach (var rig in new[] { redacting, verbatim })
        {
            rig.Server.Enqueue(ChatReply.Json(Samples(Contactless, "tap refused")));
            await rig.Agents.TeacherFor(rig.Manifest).TeachAsync(Request(rig.Manifest, new GenerationTarget(Contactless, null, 1, [example])));
        }

        Assert.Contains("card [CARD] refused, call [PHONE]", redacting.Server.Calls[0].User);
        Assert.Contains("card 4111 1111 1111 1111 refused", verbatim.Server.Calls[0].User);
        Assert.Contains("44 20 7946 0958", verbatim.Server.Calls[0].User);
    }

    [Fact]
    public async Task A_specialist_serves_the_hardest_targets_and_the_main_teacher_the_rest()
    {
        await using var rig = await LlmRig.StartAsync(edit: m => m["teacher"]!["specialists"] = new JsonArray(new JsonObject
        {
            ["kind"] = "azure-openai", ["endpoint"] = "http://127.0.0.1:1/", ["deployment"] = "placeholder", ["hardestTargets"] = 1,
        }));
        // The specialist's endpoint is rewritten to the fake server with its own deployment name.
        var manifest = rig.Manifest with
        {
            Teacher = rig.Manifest.Teacher with { Specialists = [rig.Manifest.Teacher.Specialists[0] with { Endpoint = rig.Server.AzureEndpoint.ToString(), Deployment = "gpt-large" }] },
        };
        rig.Server.Enqueue(ChatReply.Json(Samples(Contactless, "hard one")), ChatReply.Json(Samples(TransferPending, "easy one")));

        var taught = await rig.Agents.TeacherFor(manifest).TeachAsync(Request(manifest,
            new GenerationTarget(Contactless, CardNotWorking, 1, []), new GenerationTarget(TransferPending, null, 1, [])));

        Assert.Equal(["gpt-large", "gpt-test"], rig.Server.Calls.Select(c => c.Model));
        Assert.StartsWith("teacher:azure-openai/gpt-large", taught.Generated[0].Source);
        Assert.StartsWith("teacher:azure-openai/gpt-test", taught.Generated[1].Source);
    }
}
