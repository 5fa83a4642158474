using SelfImprove.Core.Datasets;
using SelfImprove.Core.Evaluation;

namespace SelfImprove.Core.Tests.Evaluation;

public sealed class AnswerChangesTests
{
    private static LabeledExample Request(string text, string label) => new(text, label, "", "feedback");

    [Fact]
    public void Counts_fixed_broken_and_other_changes_and_samples_broken_and_fixed_alternately()
    {
        LabeledExample[] requests =
        [
            Request("a", "x"), // same right
            Request("b", "x"), // fixed
            Request("c", "x"), // broken
            Request("d", "x"), // fixed
            Request("e", "x"), // wrong either way, changed
            Request("f", "x"), // broken
        ];
        string[] serving = ["x", "y", "x", "y", "y", "x"];
        string[] candidate = ["x", "x", "y", "x", "z", "z"];

        var changes = AnswerChanges.Compare("6 requests", requests, serving, candidate, sampleSize: 3);

        Assert.Equal((6, 3, 3, 2, 2, 1), (changes.Requests, changes.ServingCorrect, changes.CandidateCorrect, changes.Fixed, changes.Broken, changes.OtherChanged));
        Assert.Equal(["c", "b", "f"], changes.Sample.Select(a => a.Text));
        Assert.Equal(("x", "x", "y"), (changes.Sample[0].TrueIntent, changes.Sample[0].ServingIntent, changes.Sample[0].CandidateIntent));
    }

    [Fact]
    public void Answers_that_do_not_match_the_requests_are_refused()
    {
        Assert.Throws<ArgumentException>(() => AnswerChanges.Compare("x", [Request("a", "x")], ["x", "y"], ["x"], 5));
    }
}
