using System.Text.Json.Nodes;
using SelfImprove.Testing;

namespace SelfImprove.Cli.Tests.Commands;

/// <summary><c>selfimprove demo</c> as a person or a script runs it, on a small generated data set.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    private string SmallManifest() => ManifestFiles.WriteSupportRouter(folder, m =>
    {
        ManifestFiles.UseSmallAgent(m, driftPoint: 0.4);
    });

    [Fact]
    public async Task Demo_json_prints_one_report_that_follows_the_schema_and_exits_0_when_promoted()
    {
        var result = await CliRunner.RunAsync("demo", "--json", "--manifest", SmallManifest(), "--store", folder.Combine("store"));

        var report = JsonNode.Parse(result.Output)!.AsObject();
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {report["status"]}: {report["reason"]}\n{result.Error}");
        Assert.Equal("Promoted", (string?)report["status"]);
        Assert.Equal("support-router-1", (string?)report["runId"]);
        Assert.True((double)report["metrics"]!["candidate"]! > (double)report["metrics"]!["afterDrift"]!);
        Assert.True((double)report["wallSeconds"]! > 0);
        Assert.Equal("demo-auto-approver", (string?)report["approval"]!["by"]);
        Assert.Empty(SchemaViolations(report, Schema(), "$"));
        Assert.Contains("APPROVAL REQUIRED support-router-1", result.Error);
        Assert.Contains("train ", result.Error);
    }

    [Fact]
    public async Task A_second_demo_on_the_same_store_finds_nothing_to_do()
    {
        var manifest = SmallManifest();
        await CliRunner.RunAsync("demo", "--json", "--manifest", manifest, "--store", folder.Combine("store"));

        var again = await CliRunner.RunAsync("demo", "--manifest", manifest, "--store", folder.Combine("store"));

        Assert.Equal(0, again.ExitCode);
        Assert.Matches(@"status\s+NotNeeded", again.Output);
        Assert.Matches(@"serving version\s+v2", again.Output);
    }

    [Fact]
    public async Task Bad_input_exits_2_with_what_to_fix()
    {
        var invalid = ManifestFiles.WriteSupportRouter(folder, m => m["evaluation"]!["maxAttempts"] = 0);
        using var filesFolder = new TempDirectory();
        var files = ManifestFiles.WriteSupportRouter(filesFolder, m => m["data"] = JsonNode.Parse("""
            { "source": "files", "pool": { "path": "a.csv" }, "validation": { "path": "a.csv" }, "evaluation": { "path": "a.csv" }, "production": { "path": "a.csv" } }
            """));
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(files)!, "a.csv"), "text,label\nhi,card_lost_or_stolen\n");

        var badManifest = await CliRunner.RunAsync("demo", "--manifest", invalid);
        var seedOnFiles = await CliRunner.RunAsync("demo", "--manifest", files, "--seed", "3");

        Assert.Equal(2, badManifest.ExitCode);
        Assert.Contains("$.evaluation.maxAttempts", badManifest.Error);
        Assert.Equal(2, seedOnFiles.ExitCode);
        Assert.Contains("--seed applies to the built-in generator", seedOnFiles.Error);
    }

    private static JsonObject Schema() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "improvement-report.schema.json")))!.AsObject();

    /// <summary>Required properties missing, or properties the schema does not declare, at every object level.</summary>
    private static IEnumerable<string> SchemaViolations(JsonObject value, JsonObject schema, string path)
    {
        var declared = schema["properties"]!.AsObject();
        foreach (var required in schema["required"]!.AsArray().Select(r => (string)r!))
            if (!value.ContainsKey(required)) yield return $"{path}.{required}: missing";
        foreach (var (name, child) in value)
        {
            if (!declared.ContainsKey(name)) { yield return $"{path}.{name}: not in the schema"; continue; }
            if (child is JsonObject nested && declared[name]!["properties"] is not null)
                foreach (var violation in SchemaViolations(nested, declared[name]!.AsObject(), $"{path}.{name}")) yield return violation;
        }
    }
}
