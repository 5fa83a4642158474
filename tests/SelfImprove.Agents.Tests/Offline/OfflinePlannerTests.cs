using System.Text.Json.Nodes;
using SelfImprove.Agents.Offline;
using SelfImprove.Core;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Planning;
using SelfImprove.Core.Planning.Selection;
using SelfImprove.Testing;

namespace SelfImprove.Agents.Tests.Offline;

public sealed class OfflinePlannerTests
{
    // Real support-router intents, so the plans look like the ones the loop makes.
    private const string CardNotWorking = "card_not_working";
    private const string Contactless = "contactless_not_working";
    private const string TransferPending = "transfer_pending";
    private const string TransferFailed = "transfer_failed";
    private const string Refund = "refund_request";
    private const string Dispute = "dispute_charge";
    private const string Login = "login_problem";
    private const string AppCrash = "app_crash";
    private const string Balance = "balance_inquiry";
    private const string Statement = "statement_request";

    private static readonly OfflinePlanner Planner = new();

    // ---- helpers -------------------------------------------------------------------------------------------

    private static AgentManifest Manifest(Action<JsonObject>? edit = null)
    {
        using var folder = new TempDirectory();
        return ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, edit)).Manifest;
    }

    private static AgentManifest Manifest(SelectionRule rule, int labelBudget, int generationBudget = 200) => Manifest(m =>
    {
        m["planner"]!["selectionRule"] = rule.ToWire();
        m["planner"]!["maxLabelRequests"] = labelBudget;
        m["planner"]!["maxGeneratedSamples"] = generationBudget;
    });

    private static ClassificationReport Report(params ConfusionPair[] confusions) =>
        new(Count: 400, Accuracy: 0.79, MacroF1: 0.77, MeanMargin: 0.41, PerIntent: [], Confusions: confusions);

    /// <summary>Request ids as a log gives them: zero-padded so that they sort like the numbers they carry.</summary>
    private static UnlabelledRequest Request(long sequence, double margin, string predicted = CardNotWorking, string runner = Contactless) =>
        new(Id(sequence), $"request {sequence}: {predicted} or {runner}?", predicted, runner, margin);

    private static string Id(long sequence) => $"r{sequence:D6}";

    private static long Seq(UnlabelledRequest request) => Seq(request.RequestId);

    private static long Seq(string requestId) => long.Parse(requestId[1..]);

    private static AttemptEvidence Evidence(int attempt, double value, params ConfusionPair[] confusions) =>
        new(attempt, $"support-router-v{attempt + 1}-candidate", value, 0.85,
            [new IntentMetrics(TransferPending, 0.7, 0.6, 0.65, 20), new IntentMetrics(Refund, 0.8, 0.7, 0.75, 20)],
            confusions);

    private static Task<ImprovementPlan> Plan(
        AgentManifest manifest, IReadOnlyList<UnlabelledRequest> unlabelled, ClassificationReport? serving = null,
        IReadOnlyList<AttemptEvidence>? evidence = null, int seed = 1, int? attempt = null) =>
        Planner.PlanAsync(new PlanningContext(
            manifest, attempt ?? (evidence?.Count ?? 0) + 1, serving ?? Report(), unlabelled, evidence ?? [], seed));

    private static async Task<IReadOnlyList<long>> Select(SelectionRule rule, int budget, IReadOnlyList<UnlabelledRequest> unlabelled, int seed = 1) =>
        (await Plan(Manifest(rule, budget), unlabelled, seed: seed)).LabelRequests.Select(Seq).ToArray();

    /// <summary>The requests the planner may consider least sure: by margin, ties by sequence.</summary>
    private static UnlabelledRequest[] LeastSure(IEnumerable<UnlabelledRequest> unlabelled, int count) =>
        unlabelled.OrderBy(r => r.Margin).ThenBy(r => Seq(r)).Take(count).ToArray();

    /// <summary>One confusion pair dominates with many very unsure requests; three others are slightly surer.</summary>
    private static UnlabelledRequest[] OneDominantConfusion()
    {
        var requests = new List<UnlabelledRequest>();
        for (var i = 0; i < 8; i++) requests.Add(Request(100 + i, 0.001 * (i + 1), CardNotWorking, Contactless));
        requests.Add(Request(200, 0.020, TransferPending, TransferFailed));
        requests.Add(Request(201, 0.035, TransferPending, TransferFailed));
        requests.Add(Request(300, 0.030, Refund, Dispute));
        requests.Add(Request(400, 0.040, Login, AppCrash));
        // Just outside the 3 × budget least sure requests for a budget of 4 (the 13th least sure).
        requests.Add(Request(500, 0.050, Balance, Statement));
        // Plenty of confident traffic.
        for (var i = 0; i < 40; i++) requests.Add(Request(1000 + i, 0.5 + i * 0.01, i % 2 == 0 ? Balance : Login, i % 2 == 0 ? Statement : AppCrash));
        // The planner must not rely on the input order.
        return [.. requests.OrderBy(r => (Seq(r) * 7919) % 101)];
    }

    // ---- margin --------------------------------------------------------------------------------------------

    [Fact]
    public async Task Margin_picks_exactly_the_budget_of_least_sure_requests_and_breaks_ties_by_sequence()
    {
        UnlabelledRequest[] unlabelled =
        [
            Request(10, 0.30), Request(7, 0.05), Request(3, 0.05), Request(1, 0.20),
            Request(5, 0.05), Request(2, 0.01), Request(8, 0.90), Request(4, 0.05),
        ];

        var chosen = await Select(SelectionRule.Margin, 3, unlabelled);

        // 0.01 first, then three requests tie at 0.05 for two places: the earliest sequences win.
        Assert.Equal([2L, 3L, 4L], chosen.Order());
    }

    [Fact]
    public async Task Margin_spends_the_whole_budget_on_the_smallest_margins()
    {
        var unlabelled = Enumerable.Range(0, 100).Select(i => Request(i, ((i * 37) % 100) / 100.0)).ToArray();

        var chosen = await Select(SelectionRule.Margin, 10, unlabelled);

        Assert.Equal(10, chosen.Count);
        Assert.Equal(LeastSure(unlabelled, 10).Select(r => Seq(r)).Order(), chosen.Order());
    }

    [Theory]
    [InlineData(SelectionRule.Margin)]
    [InlineData(SelectionRule.DiverseMargin)]
    [InlineData(SelectionRule.Random)]
    public async Task No_rule_picks_more_requests_than_are_available(SelectionRule rule)
    {
        UnlabelledRequest[] unlabelled = [Request(1, 0.3), Request(2, 0.1, TransferPending, TransferFailed), Request(3, 0.2, Refund, Dispute)];

        var chosen = await Select(rule, 50, unlabelled);

        Assert.Equal([1L, 2L, 3L], chosen.Order());
    }

    [Theory]
    [InlineData(SelectionRule.Margin)]
    [InlineData(SelectionRule.DiverseMargin)]
    [InlineData(SelectionRule.Random)]
    public async Task A_label_budget_of_zero_picks_nothing(SelectionRule rule)
    {
        var chosen = await Select(rule, 0, OneDominantConfusion());

        Assert.Empty(chosen);
    }

    [Theory]
    [InlineData(SelectionRule.Margin)]
    [InlineData(SelectionRule.DiverseMargin)]
    [InlineData(SelectionRule.Random)]
    public async Task No_unlabelled_requests_means_no_label_requests(SelectionRule rule)
    {
        Assert.Empty(await Select(rule, 10, []));
    }

    // ---- random --------------------------------------------------------------------------------------------

    [Fact]
    public async Task Random_is_the_same_for_the_same_seed_and_differs_between_seeds()
    {
        var unlabelled = Enumerable.Range(0, 200).Select(i => Request(i, i / 200.0)).ToArray();

        var first = await Select(SelectionRule.Random, 20, unlabelled, seed: 7);
        var again = await Select(SelectionRule.Random, 20, unlabelled, seed: 7);
        var otherSeed = await Select(SelectionRule.Random, 20, unlabelled, seed: 8);

        Assert.Equal(first, again);
        Assert.Equal(20, first.Distinct().Count());
        Assert.Equal(20, otherSeed.Distinct().Count());
        Assert.NotEqual(first.Order(), otherSeed.Order());
    }

    [Fact]
    public async Task Random_does_not_simply_take_the_lowest_margins()
    {
        // Margin grows with sequence: the least sure 20 are sequences 0..19.
        var unlabelled = Enumerable.Range(0, 200).Select(i => Request(i, i / 200.0)).ToArray();

        var random = await Select(SelectionRule.Random, 20, unlabelled, seed: 7);
        var margin = await Select(SelectionRule.Margin, 20, unlabelled, seed: 7);

        Assert.NotEqual(margin.Order(), random.Order());
        // A uniform draw of 20 from 200 lands mostly outside the 20 least sure.
        Assert.True(random.Count(s => s >= 20) >= 10, $"random picked {string.Join(", ", random.Order())}");
        Assert.Contains(random, s => s >= 100);
    }

    // ---- diverse-margin ------------------------------------------------------------------------------------

    [Fact]
    public async Task Margin_spends_everything_on_the_dominant_confusion_while_diverse_margin_covers_every_pair()
    {
        var unlabelled = OneDominantConfusion();
        var pairOf = unlabelled.ToDictionary(r => Seq(r), r => (r.Predicted, r.Runner));

        var margin = await Select(SelectionRule.Margin, 4, unlabelled);
        var diverse = await Select(SelectionRule.DiverseMargin, 4, unlabelled);

        Assert.Equal([100L, 101L, 102L, 103L], margin.Order());
        Assert.All(margin, s => Assert.Equal((CardNotWorking, Contactless), pairOf[s]));

        Assert.Equal(4, diverse.Count);
        Assert.Equal(
            new[] { (CardNotWorking, Contactless), (TransferPending, TransferFailed), (Refund, Dispute), (Login, AppCrash) }.Order(),
            diverse.Select(s => pairOf[s]).Order());
        // Within each pair, the least sure request: 100 (not 101..107) and 200 (not 201).
        Assert.Equal([100L, 200L, 300L, 400L], diverse.Order());
    }

    [Fact]
    public async Task Diverse_margin_never_picks_a_request_outside_the_three_times_budget_least_sure()
    {
        var unlabelled = OneDominantConfusion();

        var diverse = await Select(SelectionRule.DiverseMargin, 4, unlabelled);

        // Request 500 is the only one of its pair and 13th least sure: covering its pair would mean leaving the pool.
        Assert.DoesNotContain(500L, diverse);
        var pool = LeastSure(unlabelled, 12).Select(r => Seq(r)).ToHashSet();
        Assert.All(diverse, s => Assert.Contains(s, pool));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(60)]
    [InlineData(150)]
    [InlineData(1000)]
    public async Task Diverse_margin_spreads_the_budget_over_the_pairs_of_the_least_sure_pool(int budget)
    {
        // Eight confusion pairs of very different sizes; the first pair is also the least sure.
        var random = new Random(12345);
        var pairs = Enumerable.Range(0, 8).Select(i => ($"intent_{i}", $"intent_{(i + 1) % 8}")).ToArray();
        var unlabelled = new List<UnlabelledRequest>();
        for (var sequence = 0; sequence < 300; sequence++)
        {
            var pairIndex = sequence % 3 == 0 ? 0 : random.Next(0, random.Next(1, 9));
            var margin = Math.Round(random.NextDouble() * (pairIndex == 0 ? 0.3 : 1.0), 3); // rounded: ties happen
            unlabelled.Add(new UnlabelledRequest(Id(sequence), $"text {sequence}", pairs[pairIndex].Item1, pairs[pairIndex].Item2, margin));
        }

        var chosen = await Select(SelectionRule.DiverseMargin, budget, unlabelled);

        var pool = LeastSure(unlabelled, 3 * budget);
        Assert.Equal(Math.Min(budget, unlabelled.Count), chosen.Count);
        Assert.Equal(chosen.Count, chosen.Distinct().Count());
        var bySequence = unlabelled.ToDictionary(r => Seq(r));
        Assert.All(chosen, s => Assert.Contains(bySequence[s], pool));

        // Every pair the pool holds gets a label before any pair gets a second one.
        var poolPairs = pool.Select(r => (r.Predicted, r.Runner)).Distinct().Count();
        var chosenPairs = chosen.Select(s => (bySequence[s].Predicted, bySequence[s].Runner)).Distinct().Count();
        Assert.Equal(Math.Min(budget, poolPairs), chosenPairs);

        // Within a pair, the least sure requests of the pool come first.
        foreach (var group in chosen.Select(s => bySequence[s]).GroupBy(r => (r.Predicted, r.Runner)))
        {
            var expected = pool.Where(r => (r.Predicted, r.Runner) == group.Key).Take(group.Count()).Select(r => Seq(r));
            Assert.Equal(expected.Order(), group.Select(r => Seq(r)).Order());
        }
    }

    // ---- generation targets --------------------------------------------------------------------------------

    [Theory]
    [InlineData(20)]
    [InlineData(37)]
    [InlineData(40)]
    [InlineData(100)]
    [InlineData(200)]
    public async Task Generation_budget_is_split_over_the_confusions_in_proportion_to_how_often_each_occurred(int budget)
    {
        var serving = Report(new ConfusionPair(CardNotWorking, Contactless, 6), new ConfusionPair(TransferPending, TransferFailed, 2));

        var plan = await Plan(Manifest(SelectionRule.DiverseMargin, 10, budget), [], serving);

        Assert.Equal(2, plan.Generate.Count);
        var (first, second) = (plan.Generate[0], plan.Generate[1]);
        // The samples teach the intent the model got wrong, against the intent it took it for.
        Assert.Equal((CardNotWorking, Contactless), (first.Intent, first.ConfusedWith));
        Assert.Equal((TransferPending, TransferFailed), (second.Intent, second.ConfusedWith));
        Assert.All(plan.Generate, t => Assert.True(t.Count >= 5, $"{t.Intent}: {t.Count}"));
        Assert.True(plan.GeneratedSampleCount <= budget, $"{plan.GeneratedSampleCount} > {budget}");
        var ratio = (double)first.Count / second.Count;
        Assert.InRange(ratio, 2.5, 3.5);
    }

    [Fact]
    public async Task With_the_default_budget_the_whole_generation_budget_is_used()
    {
        var serving = Report(new ConfusionPair(CardNotWorking, Contactless, 6), new ConfusionPair(TransferPending, TransferFailed, 2));

        var plan = await Plan(Manifest(), [], serving);

        Assert.Equal([150, 50], plan.Generate.Select(t => t.Count));
        Assert.Equal(200, plan.GeneratedSampleCount);
    }

    [Fact]
    public async Task A_budget_too_small_for_every_confusion_goes_to_the_most_frequent_ones_at_five_or_more_each()
    {
        ConfusionPair[] confusions =
        [
            new(CardNotWorking, Contactless, 9), new(TransferPending, TransferFailed, 7), new(Refund, Dispute, 5),
            new(Login, AppCrash, 3), new(Balance, Statement, 1),
        ];

        var plan = await Plan(Manifest(SelectionRule.DiverseMargin, 10, 12), [], Report(confusions));

        Assert.NotEmpty(plan.Generate);
        Assert.True(plan.GeneratedSampleCount <= 12);
        Assert.All(plan.Generate, t => Assert.True(t.Count >= 5, $"{t.Intent}: {t.Count}"));
        Assert.Equal(CardNotWorking, plan.Generate[0].Intent);
        Assert.DoesNotContain(plan.Generate, t => t.Intent == Balance);
    }

    [Fact]
    public async Task Generation_examples_are_the_least_sure_real_requests_between_the_two_intents()
    {
        UnlabelledRequest[] unlabelled =
        [
            new(Id(1), "tap to pay fails but chip and pin works", Contactless, CardNotWorking, 0.02),
            new(Id(2), "card refused at the till today", CardNotWorking, Contactless, 0.05),
            new(Id(3), "my card does nothing when I hold it to the reader", CardNotWorking, Contactless, 0.01),
            new(Id(4), "contactless limit reached?", Contactless, CardNotWorking, 0.40),
            new(Id(5), "my card still hasn't worked since it came", CardNotWorking, "card_not_arrived", 0.001),
            new(Id(6), "my transfer to mum is stuck", TransferPending, TransferFailed, 0.10),
            new(Id(7), "card refused and contactless too", Contactless, TransferFailed, 0.002),
        ];
        var serving = Report(new ConfusionPair(CardNotWorking, Contactless, 6), new ConfusionPair(TransferPending, TransferFailed, 2));

        var plan = await Plan(Manifest(), unlabelled, serving);

        Assert.Equal(
            ["my card does nothing when I hold it to the reader", "tap to pay fails but chip and pin works", "card refused at the till today"],
            plan.Generate[0].Examples);
        Assert.Equal(["my transfer to mum is stuck"], plan.Generate[1].Examples);
    }

    [Fact]
    public async Task No_confusions_means_no_generation_targets()
    {
        var plan = await Plan(Manifest(), [Request(1, 0.1)], Report());

        Assert.Empty(plan.Generate);
        Assert.Equal(0, plan.GeneratedSampleCount);
    }

    [Fact]
    public async Task Confusions_that_never_occurred_give_no_generation_targets()
    {
        var plan = await Plan(Manifest(), [Request(1, 0.1)], Report(new ConfusionPair(CardNotWorking, Contactless, 0)));

        Assert.Empty(plan.Generate);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public async Task A_generation_budget_below_five_gives_no_generation_targets(int budget)
    {
        var serving = Report(new ConfusionPair(CardNotWorking, Contactless, 6), new ConfusionPair(TransferPending, TransferFailed, 2));

        var plan = await Plan(Manifest(SelectionRule.DiverseMargin, 10, budget), [Request(1, 0.1)], serving);

        Assert.Empty(plan.Generate);
    }

    // ---- later attempts ------------------------------------------------------------------------------------

    [Fact]
    public async Task A_later_attempt_generates_for_the_last_attempts_confusions_not_the_serving_reports()
    {
        var serving = Report(new ConfusionPair(CardNotWorking, Contactless, 6));
        AttemptEvidence[] evidence =
        [
            Evidence(1, 0.80, new ConfusionPair(Refund, Dispute, 5)),
            Evidence(2, 0.82, new ConfusionPair(TransferPending, TransferFailed, 4), new ConfusionPair(Login, AppCrash, 4)),
        ];

        var plan = await Plan(Manifest(), [], serving, evidence);

        Assert.Equal(
            [(TransferPending, (string?)TransferFailed), (Login, AppCrash)],
            plan.Generate.Select(t => (t.Intent, t.ConfusedWith)));
        Assert.Equal([100, 100], plan.Generate.Select(t => t.Count));
    }

    [Fact]
    public async Task The_first_attempt_trains_with_the_manifests_hyper_parameters()
    {
        var manifest = Manifest(m => m["training"]!["hyperParameters"]!["l2"] = 0.004);

        var plan = await Plan(manifest, [Request(1, 0.1)]);

        Assert.Equal(manifest.Training.HyperParameters, plan.HyperParameters);
        Assert.Equal(0.004, plan.HyperParameters.L2);
    }

    [Fact]
    public async Task The_second_attempt_halves_l2_and_keeps_the_other_hyper_parameters()
    {
        var manifest = Manifest(m =>
        {
            m["training"]!["hyperParameters"]!["l2"] = 0.004;
            m["training"]!["hyperParameters"]!["l1"] = 0.0001;
            m["training"]!["hyperParameters"]!["maxIterations"] = 123;
            m["training"]!["hyperParameters"]!["warmStart"] = false;
        });

        var plan = await Plan(manifest, [Request(1, 0.1)], evidence: [Evidence(1, 0.80)]);

        Assert.Equal(2, plan.Attempt);
        Assert.Equal(0.002, plan.HyperParameters.L2, precision: 12);
        Assert.Equal(0.0001, plan.HyperParameters.L1);
        Assert.Equal(123, plan.HyperParameters.MaxIterations);
        Assert.False(plan.HyperParameters.WarmStart);
    }

    [Fact]
    public async Task Each_further_attempt_halves_l2_again()
    {
        var manifest = Manifest(m => m["training"]!["hyperParameters"]!["l2"] = 0.004);

        var plan = await Plan(manifest, [Request(1, 0.1)], evidence: [Evidence(1, 0.80), Evidence(2, 0.81)]);

        Assert.Equal(0.001, plan.HyperParameters.L2, precision: 12);
    }

    [Fact]
    public async Task A_later_attempts_rationale_names_the_previous_candidate_and_its_value()
    {
        var plan = await Plan(Manifest(), [Request(1, 0.1)], evidence: [Evidence(1, 0.812, new ConfusionPair(Refund, Dispute, 3))]);

        Assert.Contains("0.812", plan.Rationale);
        Assert.Contains("support-router-v2-candidate", plan.Rationale);
    }

    [Fact]
    public async Task The_first_attempts_rationale_states_the_serving_metric()
    {
        var plan = await Plan(Manifest(), [Request(1, 0.1)], Report(new ConfusionPair(Refund, Dispute, 3)));

        Assert.Contains("0.790", plan.Rationale);
        Assert.False(string.IsNullOrWhiteSpace(plan.Rationale));
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, false, false)]
    [InlineData(true, true, true)]
    public async Task Humans_are_asked_only_when_the_teacher_allows_it_and_an_attempt_has_already_failed(bool allowed, bool hasEvidence, bool expected)
    {
        var manifest = Manifest(m => m["teacher"]!["allowHumanDemonstrations"] = allowed);

        var plan = await Plan(manifest, [Request(1, 0.1)], evidence: hasEvidence ? [Evidence(1, 0.80)] : []);

        Assert.Equal(expected, plan.AskHumans);
    }

    // ---- what the plan echoes ------------------------------------------------------------------------------

    [Theory]
    [InlineData(SelectionRule.Margin, 1)]
    [InlineData(SelectionRule.DiverseMargin, 2)]
    [InlineData(SelectionRule.Random, 3)]
    public async Task The_plan_names_its_attempt_the_offline_planner_and_the_manifests_selection_rule(SelectionRule rule, int attempt)
    {
        var evidence = Enumerable.Range(1, attempt - 1).Select(a => Evidence(a, 0.8)).ToArray();

        var plan = await Plan(Manifest(rule, 10), OneDominantConfusion(), evidence: evidence, attempt: attempt);

        Assert.Equal(attempt, plan.Attempt);
        Assert.Equal("offline", plan.Planner);
        Assert.Equal(OfflinePlanner.Name, plan.Planner);
        Assert.Equal(rule, plan.SelectionRule);
        Assert.Contains(rule.ToWire(), plan.Rationale);
    }

    [Fact]
    public async Task The_same_context_always_gives_the_same_plan()
    {
        var manifest = Manifest(SelectionRule.Random, 10);
        var serving = Report(new ConfusionPair(CardNotWorking, Contactless, 6), new ConfusionPair(TransferPending, TransferFailed, 2));
        var unlabelled = OneDominantConfusion();

        var first = await Plan(manifest, unlabelled, serving, seed: 42);
        var second = await Plan(manifest, unlabelled, serving, seed: 42);

        Assert.Equal(first.LabelRequests, second.LabelRequests);
        Assert.Equal(first.Generate.Select(t => (t.Intent, t.ConfusedWith, t.Count, string.Join("|", t.Examples))),
            second.Generate.Select(t => (t.Intent, t.ConfusedWith, t.Count, string.Join("|", t.Examples))));
        Assert.Equal(first.Rationale, second.Rationale);
    }

    // ---- rules that read probabilities and embeddings ------------------------------------------------------

    /// <summary>Requests 1 and 2 are the same unsure request; 3 is a little surer and of another kind; 4 is sure.</summary>
    private static UnlabelledRequest[] Twins(bool withVectors = true)
    {
        (long Sequence, double Margin, float[] P, float[] X)[] rows =
        [
            (1, 0.0, [0.5f, 0.5f], [1, 0]),
            (2, 0.0, [0.5f, 0.5f], [1, 0]),
            (3, 0.1, [0.55f, 0.45f], [0, 1]),
            (4, 0.9, [0.95f, 0.05f], [-1, 0]),
        ];
        return rows.Select(r => Request(r.Sequence, r.Margin) with
        {
            Probabilities = withVectors ? r.P : null,
            Embedding = withVectors ? r.X : null,
        }).ToArray();
    }

    [Theory]
    [InlineData(SelectionRule.Badge)]
    [InlineData(SelectionRule.MarginKMeans)]
    public async Task The_embedding_rules_take_one_of_the_twins_and_the_other_kind_where_margin_takes_both_twins(SelectionRule rule)
    {
        Assert.Equal([1L, 2L], await Select(SelectionRule.Margin, 2, Twins()));

        var chosen = await Select(rule, 2, Twins());

        Assert.Equal(2, chosen.Count);
        Assert.Single(chosen, s => s is 1 or 2);
        Assert.Contains(3L, chosen);
    }

    [Fact]
    public async Task Adaptive_takes_the_most_typical_requests_while_the_model_is_young_and_the_mature_rule_after()
    {
        var manifest = Manifest(SelectionRule.Adaptive, 2);
        var intents = manifest.LabelNames.Count;

        var young = await Planner.PlanAsync(new PlanningContext(manifest, 1, Report(), Twins(), [], 1) { TrainingExamples = 4 * intents });
        var older = await Planner.PlanAsync(new PlanningContext(manifest, 1, Report(), Twins(), [], 1) { TrainingExamples = 5 * intents });

        Assert.Equal(SelectionRule.Typicality, young.SelectionRule);
        Assert.Contains($"adaptive: {4 * intents} training examples for {intents} intents, young", young.Rationale);
        Assert.Equal(SelectionPolicy.Mature, older.SelectionRule);
        Assert.Contains("not young", older.Rationale);
        Assert.Equal(2, older.LabelRequests.Count);
    }

    [Fact]
    public async Task A_rule_that_reads_vectors_plans_by_margin_and_says_why_when_the_diagnosis_has_none()
    {
        var plan = await Plan(Manifest(SelectionRule.Badge, 2), Twins(withVectors: false));

        Assert.Equal(SelectionRule.Margin, plan.SelectionRule);
        Assert.Equal(["r000001", "r000002"], plan.LabelRequests);
        Assert.Contains("badge needs every request's probabilities and embedding", plan.Rationale);
        var error = Assert.Throws<ArgumentException>(() => OfflinePlanner.SelectRequests(Twins(withVectors: false), SelectionRule.Badge, 2, 1));
        Assert.Contains("'badge' needs every request's probabilities and embedding", error.Message);
    }
}
