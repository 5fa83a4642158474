using System.Text.RegularExpressions;
using SelfImprove.Core.Datasets;
using SelfImprove.Data.Generation;

namespace SelfImprove.Data.Tests.Generation;

public sealed class SupportRouterGeneratorTests
{
    private static readonly GeneratorSettings Defaults = new();
    private static readonly Lazy<AgentDatasets> DefaultData = new(() => SupportRouterGenerator.Generate(Defaults));

    // Words that exist only after the drift point (new products); none may leak into pre-drift phrasing.
    private static readonly string[] DriftWords =
        ["flex", "orbit", "passkey", "face", "crypto", "bitcoin", "btc", "ethereum", "stablecoin", "pot", "pots", "csv", "fx"];

    // Fragments of pre-drift templates that are held out of the pool and validation set (a fixed choice, the same for every seed).
    private static readonly string[] HeldOutFragments = ["hole in the wall", "secret number", "credentials are wrong", "beeps red", "not a customer yet"];

    private static readonly IReadOnlySet<string> NothingExcluded = new HashSet<string>();

    [Fact]
    public void Intents_are_the_32_published_names_in_order()
    {
        string[] expected =
        [
            "card_lost_or_stolen", "card_not_working", "card_not_arrived", "card_activation", "pin_change",
            "contactless_not_working", "atm_cash_not_dispensed", "account_closure", "open_account", "refund_request",
            "dispute_charge", "wrong_amount_charged", "suspicious_activity", "transfer_failed", "transfer_pending",
            "add_beneficiary", "direct_debit_setup", "cancel_direct_debit", "top_up_failed", "exchange_rate",
            "fees_question", "balance_inquiry", "statement_request", "change_address", "update_phone_number",
            "login_problem", "app_crash", "mobile_wallet", "loan_application", "mortgage_inquiry", "complaint",
            "speak_to_human",
        ];

        Assert.Equal(expected, SupportRouterGenerator.Intents);
        Assert.Equal("support-router", SupportRouterGenerator.Name);
    }

    [Fact]
    public void Drifted_intents_are_the_twenty_one_named_ones()
    {
        string[] expected =
        [
            "card_lost_or_stolen", "card_not_working", "account_closure", "refund_request", "suspicious_activity",
            "transfer_pending", "top_up_failed", "login_problem", "app_crash", "mobile_wallet",
            "contactless_not_working", "dispute_charge",
            "card_not_arrived", "card_activation", "open_account", "transfer_failed", "add_beneficiary",
            "cancel_direct_debit", "exchange_rate", "balance_inquiry", "statement_request",
        ];

        Assert.Equal(expected.Order(), SupportRouterGenerator.DriftedIntents.Order());
        Assert.All(SupportRouterGenerator.DriftedIntents, intent => Assert.Contains(intent, SupportRouterGenerator.Intents));
    }

    [Fact]
    public void Same_seed_gives_identical_datasets()
    {
        var first = SupportRouterGenerator.Generate(new GeneratorSettings { Seed = 7 });
        var second = SupportRouterGenerator.Generate(new GeneratorSettings { Seed = 7 });

        Assert.Equal(first.Pool, second.Pool);
        Assert.Equal(first.Validation, second.Validation);
        Assert.Equal(first.Evaluation, second.Evaluation);
        Assert.Equal(first.Production, second.Production);
    }

    [Fact]
    public void Different_seed_gives_different_texts()
    {
        var first = SupportRouterGenerator.Generate(new GeneratorSettings { Seed = 1 });
        var second = SupportRouterGenerator.Generate(new GeneratorSettings { Seed = 2 });

        var firstTexts = AllTexts(first).Select(Normalise).ToHashSet();
        var shared = AllTexts(second).Select(Normalise).Count(firstTexts.Contains);

        Assert.True(shared < firstTexts.Count / 2, $"{shared} of {firstTexts.Count} texts are the same for seeds 1 and 2.");
        Assert.All(second.Pool, example => Assert.Equal("generator:support-router/seed=2", example.Source));
    }

    [Fact]
    public void Sizes_segments_and_sources_are_as_asked()
    {
        var settings = new GeneratorSettings
        {
            Seed = 3, PoolPerIntent = 12, ValidationPerIntent = 5, EvaluationPerIntent = 7, ProductionSize = 500,
        };
        var data = SupportRouterGenerator.Generate(settings);
        var intents = SupportRouterGenerator.Intents;

        Assert.Equal(intents.Count * 12, data.Pool.Count);
        Assert.Equal(intents.Count * 5, data.Validation.Count);
        Assert.Equal(intents.Count * 7 * 2, data.Evaluation.Count);
        Assert.Equal(500, data.Production.Count);

        foreach (var intent in intents)
        {
            Assert.Equal(12, data.Pool.Count(e => e.Label == intent));
            Assert.Equal(5, data.Validation.Count(e => e.Label == intent));
            Assert.Equal(7, data.Evaluation.Count(e => e.Label == intent && e.Segment == Segments.PreDrift));
            Assert.Equal(7, data.Evaluation.Count(e => e.Label == intent && e.Segment == Segments.PostDrift));
        }

        Assert.All(data.Pool.Concat(data.Validation), e => Assert.Equal(Segments.PreDrift, e.Segment));
        Assert.All(
            data.Pool.Concat(data.Validation).Concat(data.Evaluation),
            e => Assert.Equal("generator:support-router/seed=3", e.Source));
    }

    [Fact]
    public void All_labels_are_known_intents()
    {
        var data = DefaultData.Value;
        var known = SupportRouterGenerator.Intents.ToHashSet();

        Assert.All(data.Pool.Concat(data.Validation).Concat(data.Evaluation), e => Assert.Contains(e.Label, known));
        Assert.All(data.Production, r => Assert.Contains(r.TrueLabel!, known));
    }

    [Fact]
    public void No_normalised_text_appears_twice_within_or_across_sets()
    {
        var data = DefaultData.Value;
        var sets = new Dictionary<string, IEnumerable<string>>
        {
            ["pool"] = data.Pool.Select(e => e.Text),
            ["validation"] = data.Validation.Select(e => e.Text),
            ["evaluation"] = data.Evaluation.Select(e => e.Text),
            ["production"] = data.Production.Select(r => r.Text),
        };

        var seenIn = new Dictionary<string, string>();
        foreach (var (set, texts) in sets)
        {
            foreach (var key in texts.Select(Normalise))
            {
                Assert.False(seenIn.TryGetValue(key, out var earlier), $"\"{key}\" is in {set} and also in {earlier}.");
                seenIn[key] = set;
            }
        }
    }

    [Fact]
    public void Texts_are_between_4_and_30_words()
    {
        Assert.All(AllTexts(DefaultData.Value), text =>
        {
            var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.InRange(words, 4, 30);
        });
    }

    [Fact]
    public void Each_intent_has_hundreds_of_distinct_texts_available()
    {
        // Far above the default demand (about 190 per intent); would throw if any template space were small.
        var data = SupportRouterGenerator.Generate(new GeneratorSettings { PoolPerIntent = 400, ProductionSize = 100 });

        Assert.Equal(400 * SupportRouterGenerator.Intents.Count, data.Pool.Count);
    }

    [Fact]
    public void Post_drift_evaluation_texts_of_drifted_intents_use_vocabulary_the_pool_never_saw()
    {
        var data = DefaultData.Value;
        var poolTokens = data.Pool.SelectMany(e => Tokens(e.Text)).ToHashSet();
        var drifted = SupportRouterGenerator.DriftedIntents.ToHashSet();

        var postDrift = data.Evaluation
            .Where(e => e.Segment == Segments.PostDrift && drifted.Contains(e.Label))
            .ToArray();
        var withNewTokens = postDrift.Count(e => Tokens(e.Text).Any(token => !poolTokens.Contains(token)));
        var share = (double)withNewTokens / postDrift.Length;

        Assert.True(share > 0.8, $"Only {share:P0} of post-drift texts of drifted intents contain a token unseen in the pool.");
    }

    [Fact]
    public void Pre_drift_texts_never_use_drift_vocabulary()
    {
        var data = DefaultData.Value;
        var preDrift = data.Pool.Select(e => e.Text)
            .Concat(data.Validation.Select(e => e.Text))
            .Concat(data.Evaluation.Where(e => e.Segment == Segments.PreDrift).Select(e => e.Text))
            .Concat(data.Production.Where(r => r.Segment == Segments.PreDrift).Select(r => r.Text));

        Assert.All(preDrift, text => Assert.DoesNotContain(Tokens(text), token => DriftWords.Contains(token)));
    }

    [Fact]
    public void Post_drift_evaluation_of_non_drifted_intents_keeps_ordinary_phrasing()
    {
        var data = DefaultData.Value;
        var drifted = SupportRouterGenerator.DriftedIntents.ToHashSet();
        var texts = data.Evaluation.Where(e => e.Segment == Segments.PostDrift && !drifted.Contains(e.Label));

        Assert.All(texts, e => Assert.DoesNotContain(Tokens(e.Text), token => DriftWords.Contains(token)));
    }

    [Fact]
    public void Production_is_in_strictly_increasing_time_order_within_the_stream_window()
    {
        var settings = Defaults;
        var production = DefaultData.Value.Production;

        for (var i = 0; i < production.Count; i++)
        {
            Assert.Equal(i, production[i].Sequence);
            Assert.True(production[i].ReceivedAt >= settings.StreamStart);
            Assert.True(production[i].ReceivedAt < settings.StreamStart + settings.StreamDuration);
            if (i > 0)
            {
                Assert.True(production[i].ReceivedAt > production[i - 1].ReceivedAt, $"Request {i} is not after request {i - 1}.");
            }
        }
    }

    [Fact]
    public void Production_is_pre_drift_before_the_drift_point_and_post_drift_after()
    {
        var settings = new GeneratorSettings { ProductionSize = 1000, DriftPoint = 0.3 };
        var production = SupportRouterGenerator.Generate(settings).Production;

        Assert.All(production, r => Assert.Equal(r.Sequence < 300 ? Segments.PreDrift : Segments.PostDrift, r.Segment));
    }

    [Fact]
    public void After_the_drift_point_drifted_intents_mostly_use_the_new_phrasing()
    {
        var data = DefaultData.Value;
        var drifted = SupportRouterGenerator.DriftedIntents.ToHashSet();
        var postDrift = data.Production
            .Where(r => r.Segment == Segments.PostDrift && drifted.Contains(r.TrueLabel!))
            .ToArray();
        var share = (double)postDrift.Count(r => Tokens(r.Text).Any(token => DriftWords.Contains(token))) / postDrift.Length;

        // DriftedShare is 0.8; a few new-phrasing texts carry only pay-later wording, which is not in DriftWords.
        Assert.InRange(share, 0.65, 0.9);
    }

    [Fact]
    public void Drifted_share_of_zero_keeps_production_in_ordinary_phrasing()
    {
        var production = SupportRouterGenerator.Generate(new GeneratorSettings { DriftedShare = 0 }).Production;

        Assert.All(production, r => Assert.DoesNotContain(Tokens(r.Text), token => DriftWords.Contains(token)));
    }

    [Fact]
    public void Production_mix_covers_every_intent_and_is_only_mildly_uneven()
    {
        var counts = DefaultData.Value.Production.GroupBy(r => r.TrueLabel!).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(SupportRouterGenerator.Intents.Count, counts.Count);
        Assert.True(counts.Values.Max() < 4 * counts.Values.Min(), "The intent mix is more than mildly uneven.");
        Assert.True(counts.Values.Max() > counts.Values.Min() * 1.3, "The intent mix is uniform.");
    }

    public static TheoryData<GeneratorSettings, string> InvalidSettings => new()
    {
        { new GeneratorSettings { PoolPerIntent = 0 }, nameof(GeneratorSettings.PoolPerIntent) },
        { new GeneratorSettings { ValidationPerIntent = -1 }, nameof(GeneratorSettings.ValidationPerIntent) },
        { new GeneratorSettings { EvaluationPerIntent = 0 }, nameof(GeneratorSettings.EvaluationPerIntent) },
        { new GeneratorSettings { ProductionSize = 0 }, nameof(GeneratorSettings.ProductionSize) },
        { new GeneratorSettings { DriftPoint = 0 }, nameof(GeneratorSettings.DriftPoint) },
        { new GeneratorSettings { DriftPoint = 1 }, nameof(GeneratorSettings.DriftPoint) },
        { new GeneratorSettings { DriftPoint = double.NaN }, nameof(GeneratorSettings.DriftPoint) },
        { new GeneratorSettings { DriftedShare = -0.1 }, nameof(GeneratorSettings.DriftedShare) },
        { new GeneratorSettings { DriftedShare = 1.5 }, nameof(GeneratorSettings.DriftedShare) },
        { new GeneratorSettings { StreamDuration = TimeSpan.Zero }, nameof(GeneratorSettings.StreamDuration) },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Invalid_settings_throw_naming_the_setting(GeneratorSettings settings, string setting)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => SupportRouterGenerator.Generate(settings));

        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void Boundary_drift_shares_are_valid()
    {
        Assert.NotEmpty(SupportRouterGenerator.Generate(new GeneratorSettings { DriftedShare = 1, ProductionSize = 100 }).Production);
    }

    [Fact]
    public void Asking_for_more_texts_than_the_templates_allow_throws_a_clear_error()
    {
        var settings = new GeneratorSettings { PoolPerIntent = 5_000_000 };

        var error = Assert.Throws<InvalidOperationException>(() => SupportRouterGenerator.Generate(settings));

        Assert.Contains("'card_lost_or_stolen'", error.Message);
        Assert.Contains(Segments.PreDrift, error.Message);
        Assert.Contains("asked for", error.Message);
        Assert.Matches(@"allows at most \d+", error.Message);
    }

    [Fact]
    public void An_oversized_production_stream_fails_fast_with_a_clear_error()
    {
        var settings = new GeneratorSettings { ProductionSize = int.MaxValue };

        var error = Assert.Throws<InvalidOperationException>(() => SupportRouterGenerator.Generate(settings));

        Assert.Contains("ProductionSize", error.Message);
        Assert.Contains(int.MaxValue.ToString(), error.Message);
    }

    [Fact]
    public void Held_out_phrasings_reach_evaluation_and_production_but_never_pool_or_validation()
    {
        foreach (var data in new[] { DefaultData.Value, SupportRouterGenerator.Generate(new GeneratorSettings { Seed = 2 }) })
        {
            var training = data.Pool.Concat(data.Validation).Select(e => e.Text.ToLowerInvariant()).ToArray();
            var unseen = data.Evaluation.Where(e => e.Segment == Segments.PreDrift).Select(e => e.Text)
                .Concat(data.Production.Where(r => r.Segment == Segments.PreDrift).Select(r => r.Text))
                .Select(text => text.ToLowerInvariant())
                .ToArray();

            foreach (var fragment in HeldOutFragments)
            {
                Assert.DoesNotContain(training, text => text.Contains(fragment));
                Assert.Contains(unseen, text => text.Contains(fragment));
            }
        }
    }

    [Fact]
    public void Normalise_key_is_the_uniqueness_form()
    {
        Assert.Equal("hi there, my card won't work", SupportRouterGenerator.NormaliseKey("  Hi   there, my CARD won't\twork!! "));
        Assert.All(AllTexts(DefaultData.Value).Take(500), text => Assert.Equal(Normalise(text), SupportRouterGenerator.NormaliseKey(text)));
    }

    [Fact]
    public void Compose_is_deterministic_for_a_seed_and_differs_between_seeds()
    {
        var first = SupportRouterGenerator.Compose("card_not_arrived", drifted: true, count: 25, seed: 5, NothingExcluded);
        var again = SupportRouterGenerator.Compose("card_not_arrived", drifted: true, count: 25, seed: 5, NothingExcluded);
        var otherSeed = SupportRouterGenerator.Compose("card_not_arrived", drifted: true, count: 25, seed: 6, NothingExcluded);

        Assert.Equal(25, first.Count);
        Assert.Equal(first, again);
        Assert.NotEqual(first, otherSeed);
        Assert.Equal(first.Count, first.Select(SupportRouterGenerator.NormaliseKey).Distinct().Count());
        Assert.All(first, text => Assert.InRange(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length, 4, 30));
    }

    [Theory]
    [InlineData("balance_inquiry", false)]
    [InlineData("balance_inquiry", true)]
    [InlineData("speak_to_human", false)]
    public void Compose_skips_excluded_texts(string intent, bool drifted)
    {
        var data = DefaultData.Value;
        var exclude = AllTexts(data).Select(SupportRouterGenerator.NormaliseKey).ToHashSet();

        var texts = SupportRouterGenerator.Compose(intent, drifted, count: 200, seed: 1, exclude);
        Assert.Equal(200, texts.Count);
        Assert.DoesNotContain(texts, text => exclude.Contains(SupportRouterGenerator.NormaliseKey(text)));

        // The same seed with its own output excluded must write 200 different texts.
        var written = texts.Select(SupportRouterGenerator.NormaliseKey).ToHashSet();
        var more = SupportRouterGenerator.Compose(intent, drifted, count: 200, seed: 1, written);
        Assert.Equal(200, more.Count);
        Assert.DoesNotContain(more, text => written.Contains(SupportRouterGenerator.NormaliseKey(text)));
    }

    [Theory]
    [InlineData("card_not_arrived")]
    [InlineData("card_activation")]
    [InlineData("open_account")]
    [InlineData("transfer_failed")]
    [InlineData("add_beneficiary")]
    [InlineData("cancel_direct_debit")]
    [InlineData("exchange_rate")]
    [InlineData("balance_inquiry")]
    [InlineData("statement_request")]
    [InlineData("login_problem")]
    public void Compose_uses_the_new_vocabulary_only_when_drifted(string intent)
    {
        var drifted = SupportRouterGenerator.Compose(intent, drifted: true, count: 60, seed: 3, NothingExcluded);
        var ordinary = SupportRouterGenerator.Compose(intent, drifted: false, count: 60, seed: 3, NothingExcluded);

        var share = (double)drifted.Count(text => Tokens(text).Any(DriftWords.Contains)) / drifted.Count;
        Assert.True(share >= 0.8, $"Only {share:P0} of the drifted texts for {intent} use drift vocabulary.");
        Assert.All(ordinary, text => Assert.DoesNotContain(Tokens(text), token => DriftWords.Contains(token)));
    }

    [Fact]
    public void Compose_falls_back_to_ordinary_phrasing_for_intents_that_did_not_drift()
    {
        Assert.DoesNotContain("pin_change", SupportRouterGenerator.DriftedIntents);

        var drifted = SupportRouterGenerator.Compose("pin_change", drifted: true, count: 30, seed: 4, NothingExcluded);
        var ordinary = SupportRouterGenerator.Compose("pin_change", drifted: false, count: 30, seed: 4, NothingExcluded);

        Assert.Equal(ordinary, drifted);
        Assert.All(drifted, text => Assert.DoesNotContain(Tokens(text), token => DriftWords.Contains(token)));
    }

    [Fact]
    public void Compose_can_write_phrasings_held_out_of_the_pool()
    {
        var texts = SupportRouterGenerator.Compose("atm_cash_not_dispensed", drifted: false, count: 100, seed: 9, NothingExcluded);

        Assert.Contains(texts, text => text.Contains("hole in the wall", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Compose_of_nothing_is_empty()
    {
        Assert.Empty(SupportRouterGenerator.Compose("complaint", drifted: false, count: 0, seed: 1, NothingExcluded));
    }

    [Fact]
    public void Compose_rejects_an_unknown_intent_and_a_negative_count()
    {
        var unknown = Assert.Throws<ArgumentException>(
            () => SupportRouterGenerator.Compose("no_such_intent", drifted: false, count: 5, seed: 1, NothingExcluded));
        Assert.Contains("no_such_intent", unknown.Message);
        Assert.Equal("intent", unknown.ParamName);

        Assert.ThrowsAny<ArgumentException>(
            () => SupportRouterGenerator.Compose("complaint", drifted: false, count: -1, seed: 1, NothingExcluded));
    }

    private static IEnumerable<string> AllTexts(AgentDatasets data) =>
        data.Pool.Select(e => e.Text)
            .Concat(data.Validation.Select(e => e.Text))
            .Concat(data.Evaluation.Select(e => e.Text))
            .Concat(data.Production.Select(r => r.Text));

    // Same comparison the generator promises: lower case, single spaces, no trailing punctuation.
    private static string Normalise(string text) =>
        Regex.Replace(text.ToLowerInvariant(), @"\s+", " ").Trim().TrimEnd('.', '!', '?', ',', ';', ':', '-').TrimEnd();

    private static IEnumerable<string> Tokens(string text) =>
        Regex.Matches(text.ToLowerInvariant(), "[a-z0-9']+").Select(match => match.Value);
}
