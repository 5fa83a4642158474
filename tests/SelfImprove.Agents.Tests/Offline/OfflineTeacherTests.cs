using SelfImprove.Agents.Offline;
using SelfImprove.Core.Datasets;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Data.Generation;
using SelfImprove.Testing;

namespace SelfImprove.Agents.Tests.Offline;

public sealed class OfflineTeacherTests
{
    private const string CardNotWorking = "card_not_working";
    private const string Contactless = "contactless_not_working";
    private const string TransferPending = "transfer_pending";
    private const string TransferFailed = "transfer_failed";

    /// <summary>Words that exist only after the drift point (see the catalogue's Flex, Orbit, pay later, passkey and crypto slots).</summary>
    private static readonly string[] PostDriftVocabulary =
        ["flex", "orbit", "passkey", "face id", "face login", "face unlock", "face scan", "crypto", "bitcoin", "ethereum", "btc",
         "stablecoin", "pay later", "pay-later", "pay in 3", "pay in 4"];

    private static readonly OfflineTeacher Teacher = new();
    private static readonly DateTimeOffset Start = new(2026, 1, 10, 9, 0, 0, TimeSpan.Zero);

    // ---- helpers -------------------------------------------------------------------------------------------

    private static AgentManifest SupportRouter()
    {
        using var folder = new TempDirectory();
        return ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder)).Manifest;
    }

    /// <summary>An agent whose data comes from the user's own files: the offline teacher has no generator for it.</summary>
    private static AgentManifest FilesAgent() => new()
    {
        AgentId = "faq-router",
        Data = new DataSpec { Source = DataSourceKind.Files },
        Labels = [new IntentLabel { Name = "billing", Action = "faq_bot" }, new IntentLabel { Name = "outage", Action = "tech_support" }],
    };

    private static ImprovementPlan Plan(params GenerationTarget[] targets) => new()
    {
        Attempt = 1,
        Planner = OfflinePlanner.Name,
        SelectionRule = SelectionRule.DiverseMargin,
        LabelRequests = ["r1", "r2"],
        Generate = targets,
        HyperParameters = new HyperParameters(),
        Rationale = "test plan",
    };

    private static GenerationTarget Target(string intent, string? confusedWith, int count) =>
        new(intent, confusedWith, count, [$"an example of {intent} taken for {confusedWith}"]);

    private static Task<TeachingResult> Teach(AgentManifest manifest, int seed, params GenerationTarget[] targets) =>
        Teacher.TeachAsync(new TeachingRequest(manifest, Plan(targets), seed));

    private static bool HasPostDriftVocabulary(string text) =>
        PostDriftVocabulary.Any(word => text.Contains(word, StringComparison.OrdinalIgnoreCase));

    // ---- labelling -----------------------------------------------------------------------------------------

    [Fact]
    public async Task Nothing_to_generate_gives_an_empty_result_and_no_traffic_is_ever_labelled()
    {
        var result = await Teach(SupportRouter(), seed: 1);

        Assert.Empty(result.Labelled);
        Assert.Empty(result.Generated);
        Assert.Empty(result.Notes);
    }

    // ---- generation ----------------------------------------------------------------------------------------

    [Fact]
    public async Task The_support_router_teacher_writes_the_planned_number_of_new_samples_for_each_target_intent()
    {
        var result = await Teach(SupportRouter(), seed: 11, Target(CardNotWorking, Contactless, 30), Target(TransferPending, TransferFailed, 12));

        Assert.Equal(42, result.Generated.Count);
        Assert.Equal(30, result.Generated.Count(e => e.Label == CardNotWorking));
        Assert.Equal(12, result.Generated.Count(e => e.Label == TransferPending));
        Assert.All(result.Generated, e => Assert.Equal(OfflineTeacher.GeneratorSource, e.Source));
        Assert.All(result.Generated, e => Assert.Equal("teacher:offline-generator", e.Source));
        Assert.All(result.Generated, e => Assert.False(string.IsNullOrWhiteSpace(e.Text)));
        Assert.Empty(result.Notes);
    }

    [Fact]
    public async Task Generated_samples_are_all_distinct_within_and_across_targets()
    {
        // Two targets for the same intent (it is confused with two others): the second must not repeat the first.
        var result = await Teach(SupportRouter(), seed: 3,
            Target(CardNotWorking, Contactless, 40), Target(CardNotWorking, "card_not_arrived", 40), Target(TransferPending, TransferFailed, 20));

        Assert.Equal(100, result.Generated.Count);
        var keys = result.Generated.Select(e => SupportRouterGenerator.NormaliseKey(e.Text)).ToArray();
        Assert.Equal(keys.Length, keys.Distinct(StringComparer.Ordinal).Count());
        // The loop's curator is stricter (letters and digits only); nothing the teacher wrote should be lost to it.
        var curatorKeys = result.Generated.Select(e => SampleCurator.Normalise(e.Text)).ToArray();
        Assert.Equal(curatorKeys.Length, curatorKeys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Samples_for_a_drifted_intent_use_the_post_drift_vocabulary()
    {
        Assert.Contains(CardNotWorking, SupportRouterGenerator.DriftedIntents);

        var result = await Teach(SupportRouter(), seed: 5, Target(CardNotWorking, Contactless, 40));

        Assert.Equal(40, result.Generated.Count);
        Assert.All(result.Generated, e => Assert.Equal(Segments.PostDrift, e.Segment));
        var withNewWords = result.Generated.Count(e => HasPostDriftVocabulary(e.Text));
        // Typos may hide a brand name now and then; the bulk must speak the new vocabulary.
        Assert.True(withNewWords >= 36, $"{withNewWords} of 40 use post-drift vocabulary: {string.Join(" | ", result.Generated.Select(e => e.Text))}");
    }

    [Fact]
    public async Task Every_drifted_intent_gets_samples_mostly_in_post_drift_vocabulary()
    {
        var targets = SupportRouterGenerator.DriftedIntents.Select(i => Target(i, null, 20)).ToArray();

        var result = await Teach(SupportRouter(), seed: 9, targets);

        Assert.Equal(20 * targets.Length, result.Generated.Count);
        var withNewWords = result.Generated.Count(e => HasPostDriftVocabulary(e.Text));
        Assert.True(withNewWords >= 0.8 * result.Generated.Count, $"{withNewWords} of {result.Generated.Count}");
    }

    [Fact]
    public async Task Generation_is_the_same_for_the_same_seed_and_differs_between_seeds()
    {
        GenerationTarget[] targets = [Target(CardNotWorking, Contactless, 15), Target(TransferPending, TransferFailed, 10)];

        var first = await Teach(SupportRouter(), seed: 21, targets);
        var again = await Teach(SupportRouter(), seed: 21, targets);
        var other = await Teach(SupportRouter(), seed: 22, targets);

        Assert.Equal(first.Generated, again.Generated);
        Assert.NotEqual(first.Generated.Select(e => e.Text), other.Generated.Select(e => e.Text));
    }

    [Fact]
    public async Task A_plan_from_the_offline_planner_is_served_in_full()
    {
        var manifest = SupportRouter();
        var serving = new ClassificationReport(400, 0.79, 0.77, 0.41, [],
            [new ConfusionPair(CardNotWorking, Contactless, 6), new ConfusionPair(TransferPending, TransferFailed, 2)]);
        var plan = await new OfflinePlanner().PlanAsync(new PlanningContext(manifest, 1, serving, [], [], Seed: 8));

        var result = await Teacher.TeachAsync(new TeachingRequest(manifest, plan, 8));

        Assert.Equal(plan.GeneratedSampleCount, result.Generated.Count);
        foreach (var target in plan.Generate)
            Assert.Equal(target.Count, result.Generated.Count(e => e.Label == target.Intent));
        Assert.Empty(result.Notes);
    }

    // ---- agents on their own files -------------------------------------------------------------------------

    [Fact]
    public async Task A_files_based_agent_gets_no_generated_samples_but_a_note_saying_so()
    {
        var result = await Teach(FilesAgent(), seed: 1, Target("billing", "outage", 20));

        Assert.Empty(result.Generated);
        Assert.Empty(result.Labelled);
        var note = Assert.Single(result.Notes);
        Assert.Contains("skipped", note, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_files_based_agent_with_nothing_to_generate_gets_no_note()
    {
        var result = await Teach(FilesAgent(), seed: 1);

        Assert.Empty(result.Labelled);
        Assert.Empty(result.Notes);
    }
}
