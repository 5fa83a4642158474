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
        Assert.Equal(4, (int)report["schemaVersion"]!);
        // The seeded lures are built from a few texts per sensitive intent: the gate resamples those, not the probes.
        var adversarial = report["alignment"]!["environments"]!.AsArray().Single(e => (string?)e!["source"] == "adversarial")!;
        Assert.InRange((int)adversarial["clusters"]!, 1, (int)adversarial["probes"]! - 1);
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

    [Fact]
    public async Task Demo_with_an_OpenAI_compatible_llm_runs_the_whole_loop_through_429s_and_prose_and_reports_usage_and_fallbacks()
    {
        var manifest = SmallManifest();
        var llm = new SupportRouterLlm(Core.Manifests.ManifestLoader.Load(manifest));
        await using var server = await FakeChatServer.StartAsync(llm.Answer);
        // Before the model answers sensibly: a rate limit, then prose twice to the planner (so it falls back to the
        // offline planner), then prose once to the feedback agent's first batch (which its repair request fixes).
        server.Enqueue(ChatReply.TooManyRequests("1"), ChatReply.Text("I would label more data."), ChatReply.Text("Label the unsure ones."),
            ChatReply.Text("These are mostly card problems."));
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "placeholder-for-the-fake-server");

        var result = await CliRunner.RunAsync("demo", "--json", "--manifest", manifest, "--store", folder.Combine("store"),
            "--llm", "openai-compatible", "--endpoint", server.OpenAIBaseUrl.ToString(), "--model", "support-llm", "--token-budget", "2000000");

        var report = JsonNode.Parse(result.Output)!.AsObject();
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {report["status"]}: {report["reason"]}\n{result.Error}");
        Assert.Empty(SchemaViolations(report, Schema(), "$"));
        var usage = report["usage"]!;
        var byAgent = usage["byAgent"]!.AsArray().ToDictionary(a => (string)a!["name"]!, a => ((int)a!["calls"]!, (long)a["inputTokens"]! + (long)a["outputTokens"]!));
        Assert.Equal(["feedback", "planner", "teacher"], byAgent.Keys.Order());
        Assert.All(byAgent.Values, v => Assert.True(v.Item1 > 0 && v.Item2 > 0, $"{v}"));
        Assert.Equal(byAgent.Values.Sum(v => v.Item1), (int)usage["calls"]!);
        // The 429 was retried inside the client pipeline: the server saw one more request than the calls counted (plus nothing lost).
        Assert.Equal(server.Calls.Count, (int)usage["calls"]! + 1);
        var fallbacks = usage["fallbacks"]!.AsArray();
        Assert.Contains(fallbacks, f => (string?)f!["agent"] == "planner" && ((string)f["reason"]!).Contains("planned by the offline planner"));
        Assert.All(server.Calls, c => Assert.Equal(("openai", "support-llm"), (c.Protocol, c.Model)));
        Assert.Single(fallbacks);
        Assert.Contains(server.Calls, c => c.Messages.Any(m => m.Role == "assistant" && m.Content == "These are mostly card problems."));
        Assert.True((int)report["teacherSamples"]! > 0);
    }

    [Fact]
    public async Task Demo_with_a_budget_that_runs_out_mid_generation_stops_calling_and_still_finishes_the_run()
    {
        var manifest = SmallManifest();
        var llm = new SupportRouterLlm(Core.Manifests.ManifestLoader.Load(manifest));
        await using var server = await FakeChatServer.StartAsync(llm.Answer);
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "placeholder-for-the-fake-server");

        var result = await CliRunner.RunAsync("demo", "--json", "--manifest", manifest, "--store", folder.Combine("store"),
            "--llm", "openai-compatible", "--endpoint", server.OpenAIBaseUrl.ToString(), "--token-budget", "8000");

        var report = JsonNode.Parse(result.Output)!.AsObject();
        Assert.True((string?)report["status"] is "Promoted" or "Rejected" or "Failed", result.Error);
        var usage = report["usage"]!;
        Assert.True((bool)usage["budgetSpent"]!);
        Assert.InRange((long)usage["tokens"]!, 8000, 8000 + 4000);
        Assert.Matches(@"generate\s+attempt 1: token budget spent \(\d+ of 8000\): \d+ of \d+ teacher batches not run", result.Error);
        Assert.Equal(server.Calls.Count, (int)usage["calls"]!);
        Assert.All(server.Calls, c => Assert.Equal("gpt-4o-mini", c.Model));
    }

    [Fact]
    public async Task Demo_with_a_model_that_asks_to_wait_a_day_falls_back_and_finishes_the_run_without_a_failed_step()
    {
        var manifest = SmallManifest();
        await using var server = await FakeChatServer.StartAsync(_ => ChatReply.TooManyRequests("86400"));
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "placeholder-for-the-fake-server");

        var result = await CliRunner.RunAsync("demo", "--json", "--manifest", manifest, "--store", folder.Combine("store"),
            "--llm", "openai-compatible", "--endpoint", server.OpenAIBaseUrl.ToString(), "--token-budget", "100000");

        var report = JsonNode.Parse(result.Output)!.AsObject();
        Assert.True((string?)report["status"] is "Promoted" or "Rejected" or "Failed", result.Error);
        Assert.DoesNotContain("step ", (string?)report["reason"] ?? "");
        Assert.Empty(SchemaViolations(report, Schema(), "$"));
        var usage = report["usage"]!;
        Assert.Equal(0, (int)usage["calls"]!);
        var reasons = usage["fallbacks"]!.AsArray().Select(f => (string)f!["reason"]!).ToArray();
        Assert.Contains(reasons, r => r.StartsWith("planned by the offline planner") && r.Contains("HTTP 429 asking to retry after 1.00:00:00"));
        Assert.Contains(reasons, r => r.StartsWith("circuit breaker opened for openai-compatible/"));
        Assert.Contains(reasons, r => r.Contains("is open"));
        // The breaker stops the calls: four failed calls, each a single request (a day is not waited for).
        Assert.Equal(4, server.Calls.Count);
        // The offline teacher wrote the samples; nothing was labelled in the feedback agent's place.
        Assert.True((int)report["teacherSamples"]! > 0);
    }

    [Fact]
    public async Task Llm_options_without_what_they_need_exit_2_with_what_to_fix()
    {
        var noEndpoint = await CliRunner.RunAsync("demo", "--manifest", SmallManifest(), "--llm", "azure-openai", "--deployment", "gpt");
        var endpointAlone = await CliRunner.RunAsync("demo", "--manifest", SmallManifest(), "--endpoint", "http://127.0.0.1:1/v1");
        var badEndpoint = await CliRunner.RunAsync("demo", "--manifest", SmallManifest(), "--llm", "openai-compatible", "--endpoint", "localhost:11434");

        Assert.Equal((2, 2, 2), (noEndpoint.ExitCode, endpointAlone.ExitCode, badEndpoint.ExitCode));
        Assert.Contains("--llm azure-openai needs --endpoint", noEndpoint.Error);
        Assert.Contains("apply only with --llm", endpointAlone.Error);
        Assert.Contains("$.planner.endpoint", badEndpoint.Error);
        Assert.Contains("with --llm openai-compatible", badEndpoint.Error);
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
