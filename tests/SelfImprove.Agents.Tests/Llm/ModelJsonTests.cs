using FluentValidation;
using SelfImprove.Agents.Llm;

namespace SelfImprove.Agents.Tests.Llm;

public sealed class ModelJsonTests
{
    public sealed record Probe(string Intent, int Count);

    private const string Object = """{"intent": "refund_request", "count": 2}""";

    public static TheoryData<string, string> Wrapped() => new()
    {
        { "bare", Object },
        { "json code fence", $"```json\n{Object}\n```" },
        { "plain code fence with prose", $"Here is the plan:\n```\n{Object}\n```\nLet me know if you need more." },
        { "prose before and after", $"Sure! {Object} Hope this helps." },
        { "prose with braces before", $"I think {{this}} is right: {Object}" },
        { "prose with braces after", $"{Object} (I used {{count}} as you asked)" },
        { "unbalanced brace in prose before", $"Use the form {{ intent, count: {Object}" },
        { "another JSON object before", "{\"note\": \"first draft\"} then the answer: " + Object },
        { "invalid JSON in a first fence", $"```json\n{{\"intent\": \"refund_request\", \"count\": 2,}}\n```\nFixed:\n```json\n{Object}\n```" },
        { "wrapped in another object", $$"""{"answer": {{Object}}}""" },
        { "a multi-line object", "{\n  \"intent\": \"refund_request\",\n  \"count\": 2\n}" },
        { "think block before", $"<think>the user wants {{intent, count}}; \"quotes\" too</think>\n{Object}" },
    };

    [Theory]
    [MemberData(nameof(Wrapped))]
    public void The_object_is_found_in_what_model_servers_return(string shape, string answer)
    {
        var (value, error) = ModelJson.Read<Probe>(answer);

        Assert.True(value is not null, $"{shape}: {error}");
        Assert.Equal(new Probe("refund_request", 2), value);
    }

    [Theory]
    [InlineData("""{"intent": "a } { \"b\" {", "count": 2}""", "a } { \"b\" {")]
    [InlineData("""Note: {"intent": "say \"{hi}\"\\", "count": 2} done""", "say \"{hi}\"\\")]
    [InlineData("""{"intent": "}}}", "count": 2} and {"intent": "other", "count": 3}""", "}}}")]
    public void Braces_and_escaped_quotes_inside_strings_do_not_end_the_object(string answer, string intent)
    {
        var (value, error) = ModelJson.Read<Probe>(answer);

        Assert.Null(error);
        Assert.Equal(new Probe(intent, 2), value);
    }

    [Theory]
    [InlineData("I would label the unsure ones.", "holds no JSON object")]
    [InlineData("I think {this} is right, and {that}.", "holds no JSON object")]
    [InlineData("""{"intent": "refund_request", "count":""", "holds no JSON object")]
    [InlineData("""Here: {"intent": "refund_request"}""", "does not have the required shape")]
    [InlineData("""{"intent": "refund_request", "count": 2, "extra": true}""", "does not have the required shape")]
    [InlineData("""{"intent": "refund_request", "count": "2"}""", "does not have the required shape")]
    public void Answers_without_a_usable_object_say_what_is_wrong(string answer, string problem)
    {
        var (value, error) = ModelJson.Read<Probe>(answer);

        Assert.Null(value);
        Assert.Contains(problem, error);
    }

    [Fact]
    public void The_validator_picks_the_candidate_that_keeps_the_rules_and_quotes_the_rules_when_none_does()
    {
        var validator = new InlineValidator<Probe>();
        validator.RuleFor(p => p.Count).InclusiveBetween(1, 10);

        Assert.Equal(new Probe("b", 3), ModelJson.Read("""{"intent": "a", "count": 99} or {"intent": "b", "count": 3}""", validator).Value);
        var (value, error) = ModelJson.Read("""{"intent": "a", "count": 99}""", validator);
        Assert.Null(value);
        Assert.Contains("$.count", error);
    }
}
