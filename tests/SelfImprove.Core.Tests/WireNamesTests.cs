using System.Text.Json;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Monitoring;
using SelfImprove.Core.Runs;

namespace SelfImprove.Core.Tests;

/// <summary>The enums are written as the same strings the reports, manifests and API always used, by every serializer.</summary>
public sealed class WireNamesTests
{
    [Fact]
    public void Each_enum_has_the_strings_of_its_schema()
    {
        Assert.Equal(["Promoted", "Rejected", "Failed", "NotNeeded"], WireNames.All<RunStatus>());
        Assert.Equal(["Approved", "Rejected", "TimedOut", "NotRequired"], WireNames.All<ApprovalVerdict>());
        Assert.Equal(["Promote", "Rollback"], WireNames.All<TrialDecision>());
        Assert.Equal(["Start", "Healthy", "NotEnoughEvidence", "CoolingDown", "RunInProgress", "NoServingVersion", "Deferred"], WireNames.All<TriggerOutcome>());
        Assert.Equal(["accuracy", "macroF1"], WireNames.All<GoalMetric>());
        Assert.Equal(["meetTarget", "maximize"], WireNames.All<GoalObjective>());
        Assert.Equal(["generator", "files"], WireNames.All<DataSourceKind>());
        Assert.Equal(["support-router"], WireNames.All<DataGenerator>());
        Assert.Equal(["csv", "jsonl"], WireNames.All<DataFileFormat>());
        Assert.Equal(["offline", "azure-openai", "openai-compatible"], WireNames.All<AgentKind>());
        Assert.Equal(["margin", "diverse-margin", "random", "badge", "margin-kmeans", "typiclust", "adaptive"], WireNames.All<SelectionRule>());
        Assert.Equal(["minilm-lbfgs"], WireNames.All<TrainerKind>());
        Assert.Equal(["inline", "worker", "azure-container-apps-job", "local", "gpu"], WireNames.All<ComputeTarget>());
        Assert.Equal(["beatServing", "meetTarget", "nonInferior"], WireNames.All<PromotionRule>());
        Assert.Equal(["rollback", "promote"], WireNames.All<TrialTimeoutAction>());
    }

    public static TheoryData<object, string> Values => new()
    {
        { AgentKind.AzureOpenAI, "azure-openai" },
        { SelectionRule.DiverseMargin, "diverse-margin" },
        { SelectionRule.MarginKMeans, "margin-kmeans" },
        { SelectionRule.Typicality, "typiclust" },
        { GoalMetric.MacroF1, "macroF1" },
        { RunStatus.NotNeeded, "NotNeeded" },
        { ApprovalVerdict.TimedOut, "TimedOut" },
        { TrialDecision.Rollback, "Rollback" },
        { TriggerOutcome.CoolingDown, "CoolingDown" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Every_serializer_writes_and_reads_the_same_string(object value, string wire)
    {
        foreach (var options in new[] { JsonSerializerOptions.Default, JsonSerializerOptions.Web, ManifestLoader.JsonOptions })
        {
            Assert.Equal($"\"{wire}\"", JsonSerializer.Serialize(value, value.GetType(), options));
            Assert.Equal(value, JsonSerializer.Deserialize($"\"{wire}\"", value.GetType(), options));
        }
    }

    [Fact]
    public void Shown_to_people_a_value_reads_as_its_string()
    {
        Assert.Equal("azure-openai", AgentKind.AzureOpenAI.ToWire());
        Assert.Equal("Promoted", RunStatus.Promoted.ToWire());
        Assert.Equal("7", ((AgentKind)7).ToWire());
    }

    [Theory]
    [InlineData("\"gpt\"", "must be one of 'offline', 'azure-openai', 'openai-compatible'; got 'gpt'.")]
    [InlineData("\"AzureOpenAI\"", "must be one of 'offline', 'azure-openai', 'openai-compatible'; got 'AzureOpenAI'.")]
    [InlineData("1", "must be one of 'offline', 'azure-openai', 'openai-compatible'; got 1.")]
    [InlineData("null", "must be one of 'offline', 'azure-openai', 'openai-compatible'; got null.")]
    public void Anything_but_a_known_string_is_refused_with_the_allowed_ones(string json, string message)
    {
        var error = Assert.Throws<WireNameException>(() => JsonSerializer.Deserialize<AgentKind>(json));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Parse_takes_exactly_the_strings()
    {
        Assert.Equal(AgentKind.OpenAICompatible, WireNames.Parse<AgentKind>("openai-compatible"));
        Assert.False(WireNames.TryParse<AgentKind>("Offline", out _));
        Assert.Contains("'offline', 'azure-openai', 'openai-compatible'", Assert.Throws<ArgumentException>(() => WireNames.Parse<AgentKind>("gpt")).Message);
    }

    [Fact]
    public void As_dictionary_keys_too()
    {
        var json = JsonSerializer.Serialize(new Dictionary<SelectionRule, int> { [SelectionRule.DiverseMargin] = 3 });

        Assert.Equal("""{"diverse-margin":3}""", json);
        Assert.Equal(3, JsonSerializer.Deserialize<Dictionary<SelectionRule, int>>(json)![SelectionRule.DiverseMargin]);
    }
}
