using System.Text.Json.Nodes;
using SelfImprove.Core.Manifests;
using SelfImprove.Testing;

namespace SelfImprove.Core.Tests.Manifests;

/// <summary><c>training.compute</c>: every target and alias loads to where training runs, and the aliases come with the value to write.</summary>
public sealed class ComputeTargetTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    public static TheoryData<string, ComputeTarget, bool, bool> Targets => new()
    {
        // compute section, effective target, uses the GPU, runs as a queued job
        { "{\"target\":\"inline\"}", ComputeTarget.Inline, false, false },
        { "{\"target\":\"inline\",\"gpu\":true,\"deviceId\":3}", ComputeTarget.Inline, true, false },
        { "{\"target\":\"worker\"}", ComputeTarget.Worker, false, true },
        { "{\"target\":\"worker\",\"gpu\":true,\"allowCpuFallback\":true}", ComputeTarget.Worker, true, true },
        { "{\"target\":\"azure-container-apps-job\",\"gpu\":true}", ComputeTarget.AzureContainerAppsJob, true, true },
        { "{\"target\":\"local\"}", ComputeTarget.Inline, false, false },
        { "{\"target\":\"gpu\"}", ComputeTarget.Inline, true, false },
        { "{}", ComputeTarget.Inline, false, false },
    };

    [Theory]
    [MemberData(nameof(Targets))]
    public void Each_target_and_alias_resolves_to_where_training_runs(string compute, ComputeTarget effective, bool gpu, bool job)
    {
        var loaded = ManifestLoader.Load(Write(compute));

        var spec = loaded.Manifest.Training.Compute;
        Assert.Equal((effective, gpu, job), (spec.EffectiveTarget, spec.UsesGpu, spec.RunsAsJob));
    }

    [Theory]
    [InlineData("local", "write \"target\": \"inline\"")]
    [InlineData("gpu", "write \"target\": \"inline\", \"gpu\": true")]
    public void An_alias_is_valid_and_the_advice_names_the_value_to_write(string alias, string advice)
    {
        var loaded = ManifestLoader.Load(Write($"{{\"target\":\"{alias}\"}}"));

        var note = Assert.Single(ManifestAdvice.For(loaded.Manifest, "m.agent.json"));
        Assert.Equal("$.training.compute.target", note.JsonPath);
        Assert.Contains($"'{alias}' is the older spelling", note.Message);
        Assert.Contains(advice, note.Message);
    }

    [Fact]
    public void The_new_spellings_get_no_advice()
    {
        var loaded = ManifestLoader.Load(Write("{\"target\":\"worker\",\"gpu\":true,\"timeout\":\"00:30:00\"}"));

        Assert.Empty(ManifestAdvice.For(loaded.Manifest, "m.agent.json"));
        Assert.Equal(TimeSpan.FromMinutes(30), loaded.Manifest.Training.Compute.Timeout);
    }

    [Fact]
    public void A_timeout_on_inline_training_is_noted_as_ignored()
    {
        var loaded = ManifestLoader.Load(Write("{\"target\":\"inline\",\"timeout\":\"00:30:00\"}"));

        var note = Assert.Single(ManifestAdvice.For(loaded.Manifest, "m.agent.json"));
        Assert.Equal("$.training.compute.timeout", note.JsonPath);
        Assert.Contains("inline training ignores it", note.Message);
    }

    private string Write(string compute) =>
        ManifestFiles.WriteSupportRouter(folder, manifest => manifest["training"]!["compute"] = JsonNode.Parse(compute));
}
