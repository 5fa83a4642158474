using SelfImprove.Core.Datasets;
using SelfImprove.Core.Planning;

namespace SelfImprove.Core.Tests.Planning;

public sealed class SampleCuratorTests
{
    private static readonly IReadOnlySet<string> Labels = new HashSet<string> { "card_lost", "balance" };

    private static LabeledExample Sample(string text, string label = "card_lost", string source = "teacher:offline") =>
        new(text, label, Segments.PostDrift, source);

    private static CuratedSamples Curate(IEnumerable<LabeledExample> candidates, string[]? training = null, string[]? heldOut = null) =>
        SampleCurator.Curate(candidates, training ?? [], heldOut ?? [], Labels);

    [Fact]
    public void Candidates_that_duplicate_training_texts_after_normalisation_are_dropped_and_counted()
    {
        var result = Curate(
            [Sample("I LOST my card!!"), Sample("  i lost   my card "), Sample("what is my balance", "balance")],
            training: ["I lost my card."]);

        Assert.Equal(2, result.Duplicates);
        Assert.Equal(["what is my balance"], result.Kept.Select(s => s.Text));
        Assert.Equal(0, result.Contaminated);
        Assert.Equal(0, result.Invalid);
    }

    [Fact]
    public void Duplicates_within_the_candidates_keep_only_the_first()
    {
        var result = Curate([Sample("Card stolen", source: "teacher:first"), Sample("card, stolen?", source: "teacher:second")]);

        Assert.Equal(1, result.Duplicates);
        var kept = Assert.Single(result.Kept);
        Assert.Equal("teacher:first", kept.Source);
    }

    [Fact]
    public void Anything_matching_a_held_out_text_is_dropped_as_contaminated_even_with_other_case_and_punctuation()
    {
        var result = Curate(
            [Sample("My card was SWALLOWED by the ATM!"), Sample("my card was swallowed by the atm"), Sample("card gone")],
            heldOut: ["My card was swallowed by the ATM."]);

        Assert.Equal(2, result.Contaminated);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(["card gone"], result.Kept.Select(s => s.Text));
    }

    [Fact]
    public void A_held_out_text_that_is_also_in_training_counts_as_contamination_not_duplication()
    {
        var result = Curate([Sample("card gone")], training: ["card gone"], heldOut: ["Card gone!"]);

        Assert.Equal(1, result.Contaminated);
        Assert.Equal(0, result.Duplicates);
        Assert.Empty(result.Kept);
    }

    [Fact]
    public void Unknown_labels_empty_texts_and_over_long_texts_are_invalid()
    {
        var result = Curate(
        [
            Sample("please cancel my mortgage", label: "mortgage"),
            Sample(""),
            Sample("   "),
            Sample("?!..."),
            Sample(new string('a', SampleCurator.MaxTextLength + 1)),
        ]);

        Assert.Equal(5, result.Invalid);
        Assert.Empty(result.Kept);
    }

    [Fact]
    public void A_text_of_exactly_the_maximum_length_is_kept()
    {
        var result = Curate([Sample(new string('a', SampleCurator.MaxTextLength))]);

        Assert.Equal(0, result.Invalid);
        Assert.Single(result.Kept);
    }

    [Fact]
    public void Kept_samples_keep_their_label_segment_and_source_and_are_trimmed()
    {
        var result = Curate([Sample("  where is my new card?  ", source: "teacher:azure-openai/run-9"), Sample("balance please", "balance", "teacher:offline")]);

        Assert.Collection(result.Kept,
            first =>
            {
                Assert.Equal("where is my new card?", first.Text);
                Assert.Equal("card_lost", first.Label);
                Assert.Equal(Segments.PostDrift, first.Segment);
                Assert.Equal("teacher:azure-openai/run-9", first.Source);
            },
            second =>
            {
                Assert.Equal("balance", second.Label);
                Assert.Equal("teacher:offline", second.Source);
            });
    }

    [Fact]
    public void Every_candidate_is_either_kept_or_counted()
    {
        LabeledExample[] candidates =
        [
            Sample("card lost"), Sample("Card lost."), Sample("balance?", "balance"), Sample("held out one"),
            Sample(""), Sample("new request", "unknown"), Sample("another new request"),
        ];

        var result = Curate(candidates, training: ["balance"], heldOut: ["held-out one"]);

        Assert.Equal(2, result.Kept.Count);
        Assert.Equal(2, result.Duplicates);
        Assert.Equal(1, result.Contaminated);
        Assert.Equal(2, result.Invalid);
        Assert.Equal(candidates.Length, result.Kept.Count + result.Duplicates + result.Contaminated + result.Invalid);
    }

    [Fact]
    public void Near_copies_of_held_out_texts_are_contaminated_but_texts_that_only_share_a_phrase_are_kept()
    {
        var heldOut = new[] { "I lost my card somewhere in the city centre yesterday evening" };
        var candidates = new[]
        {
            Sample("lost my card somewhere in the city centre yesterday"),            // every word 3-gram is in the held-out text
            Sample("I lost my card somewhere in the city centre yesterday evening, help"), // 8 of 9 3-grams
            Sample("I lost my card at the gym, please block it"),                     // shares 'i lost my', 'lost my card' only
            Sample("lost my card"),                                                   // too short to compare by 3-grams, not exact
        };

        var result = Curate(candidates, heldOut: heldOut);

        Assert.Equal(2, result.Contaminated);
        Assert.Equal(["I lost my card at the gym, please block it", "lost my card"], result.Kept.Select(k => k.Text));
    }

    [Theory]
    [InlineData("Card  lost!!", "card lost")]
    [InlineData("  Hello,   World  ", "hello world")]
    [InlineData("I can't pay", "i can t pay")]
    [InlineData("Where's my card #4521?", "where s my card 4521")]
    [InlineData("line\tbreak\nhere", "line break here")]
    [InlineData("Où est ma CARTE ?", "où est ma carte")]
    [InlineData("?!...", "")]
    [InlineData("", "")]
    public void Normalise_lower_cases_keeps_letters_and_digits_and_single_spaces(string text, string expected)
    {
        Assert.Equal(expected, SampleCurator.Normalise(text));
    }

    [Fact]
    public void The_planners_held_out_test_finds_what_curation_would_drop_as_contaminated()
    {
        string[] heldOut = ["my card was stolen yesterday", "how do I change my pin"];
        var isHeldOut = SampleCurator.HeldOutTest(heldOut);
        // The same text, a near copy (4 of its 5 word 3-grams from one held-out text), a request that shares only 3 of 6, another request.
        string[] requests = ["My card was stolen yesterday!", "so how do I change my pin", "my card was stolen yesterday at the station", "where is my refund"];

        var expected = SampleCurator.Curate(requests.Select(t => new LabeledExample(t, "x", "", "feedback")), [], heldOut, new HashSet<string> { "x" });

        Assert.Equal([true, true, false, false], requests.Select(isHeldOut));
        Assert.Equal(2, expected.Contaminated);
        Assert.Equal(["my card was stolen yesterday at the station", "where is my refund"], expected.Kept.Select(k => k.Text));
    }
}
