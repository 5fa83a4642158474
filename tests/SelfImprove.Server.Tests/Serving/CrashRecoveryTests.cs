using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using SelfImprove.Hosting;
using SelfImprove.Testing;
using SelfImprove.TestServer;
using Xunit.Abstractions;

namespace SelfImprove.Server.Tests.Serving;

/// <summary>
/// <c>selfimprove serve --backend azure-storage</c> on a private Azurite, driven over HTTP like an outside client,
/// killed with SIGKILL in the middle of a run and restarted.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Key = "crash-test-key-0123456789";
    private Azurite azurite = null!;

    public async Task InitializeAsync() => azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await azurite.DisposeAsync();

    [Fact]
    public async Task A_run_killed_while_training_again_while_waiting_for_approval_and_again_during_its_trial_completes_once_after_restarts()
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var hold = folder.Combine("hold-training");
        File.WriteAllText(hold, "");
        var port = FreePort.Next();
        var hub = $"crash{Guid.NewGuid():N}"[..16];
        string[] arguments =
        [
            "--backend", "azure-storage", "--urls", $"http://127.0.0.1:{port}", "--agents", agents.Path, "--store", folder.Combine("store"),
            "--cache", ManifestFiles.SharedEmbeddingCache, "--key", Key, "--hub", hub, "--redelivery-after", "15s", "--replay",
        ];
        var environment = new Dictionary<string, string> { ["AzureWebJobsStorage"] = azurite.ConnectionString, [HeldTrainingStep.HoldFileVariable] = hold };
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        http.DefaultRequestHeaders.Add("x-functions-key", Key);

        string runId;
        await using (var first = ServeProcess.Start(folder.Path, arguments, environment))
        {
            await first.WaitUntilListeningAsync();
            using var started = await http.PostAsync($"api/agents/support-router/runs", null);
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            runId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            await PollAsync(http, runId, s => s["phase"]?.GetValue<string>() == "train");
            await first.KillAsync();
        }
        File.Delete(hold);

        string link;
        await using (var second = ServeProcess.Start(folder.Path, arguments, environment))
        {
            await second.WaitUntilListeningAsync();
            link = (await second.WaitForLineAsync($"APPROVAL REQUIRED {runId} ", TimeSpan.FromMinutes(3))).Split(' ')[3];
            await second.KillAsync();
        }

        await using (var third = ServeProcess.Start(folder.Path, arguments, environment))
        {
            await third.WaitUntilListeningAsync();
            using (var approved = await new HttpClient().PostAsJsonAsync(link, new { decision = "approve", approver = "ana" }))
                Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
            // The A/B trial has started (its routing state is in the store); killed before it decides, as a rule.
            var trial = await PollAsync(http, runId, s => s["phase"]?.GetValue<string>() == "deploy" || s["runtimeStatus"]!.GetValue<string>() != "Running");
            await third.KillAsync();
            output.WriteLine($"killed at {trial["runtimeStatus"]} / {trial["phase"]}: {trial["log"]?.AsArray().LastOrDefault()?.ToJsonString()}");
        }

        await using var fourth = ServeProcess.Start(folder.Path, arguments, environment);
        await fourth.WaitUntilListeningAsync();
        var done = await PollAsync(http, runId, s => s["runtimeStatus"]!.GetValue<string>() is "Completed" or "Failed" or "Terminated");

        Assert.Equal("Promoted", done["report"]!["status"]!.GetValue<string>());
        // The trial decided once: one ledger record for the run, whichever process made the decision.
        var ledger = (await http.GetFromJsonAsync<JsonObject>("api/agents/support-router/deployments"))!;
        output.WriteLine(ledger.ToJsonString());
        Assert.Single(ledger["deployments"]!.AsArray(), d => d!["runId"]?.GetValue<string>() == runId);
        var versions = (await http.GetFromJsonAsync<JsonObject>("api/agents/support-router/versions"))!;
        Assert.Equal(["v1", "v2"], versions["versions"]!.AsArray().Select(v => v!["versionId"]!.GetValue<string>()));
        Assert.Equal($"{runId}/attempt-1", versions["versions"]![1]!["createdBy"]!.GetValue<string>());
        Assert.Equal("v2", versions["serving"]!.GetValue<string>());
        Assert.Equal("v1", versions["previous"]!.GetValue<string>());
        using var predicted = await http.PostAsJsonAsync("api/agents/support-router/predict", new { text = "my card was stolen" });
        Assert.Equal("v2", (await predicted.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<string>());

        var blobs = new BlobContainerClient(azurite.ConnectionString, hub.ToLowerInvariant());
        var names = new List<string>();
        await foreach (var blob in blobs.GetBlobsAsync()) names.Add(blob.Name);
        Assert.Contains($"runs/{runId}/report.json", names);
        Assert.Contains("agents/support-router/versions/v2/model.onnx", names);
        // One attempt trained one candidate (the attempt also keeps its plan and teacher batches).
        Assert.Single(names, n => n.StartsWith($"runs/{runId}/attempt-", StringComparison.Ordinal) && n.EndsWith("/candidate.json", StringComparison.Ordinal));
        Assert.All(names.Where(n => n.StartsWith($"runs/{runId}/attempt-", StringComparison.Ordinal)), n => Assert.StartsWith($"runs/{runId}/attempt-1/", n));
        Assert.False(Directory.Exists(folder.Combine("store", "agents")), "the azure-storage backend kept artefacts on local disk");
    }

    /// <summary>
    /// Two servers on one hub; the one that took the start request is SIGKILLed at once. Whichever held the run's
    /// partition, the survivor finishes it: it takes the dead server's partitions once their leases lapse, gets the work
    /// the dead one had taken after the redelivery delay, and drops a start message it gets again for a run that has
    /// started (the dead server saved the start but did not delete its message). Prints how long the takeover took
    /// (<c>TAKEOVER</c> line); <c>scripts/two-server-takeover.sh</c> runs it repeatedly.
    /// </summary>
    [Fact]
    public async Task Two_servers_share_one_hub_and_the_survivor_finishes_a_run_when_the_other_dies()
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var hub = $"pair{Guid.NewGuid():N}"[..16];
        var environment = new Dictionary<string, string> { ["AzureWebJobsStorage"] = azurite.ConnectionString };
        string[] Arguments(int port) =>
        [
            "--backend", "azure-storage", "--urls", $"http://127.0.0.1:{port}", "--agents", agents.Path, "--store", folder.Combine($"store-{port}"),
            "--cache", ManifestFiles.SharedEmbeddingCache, "--key", Key, "--hub", hub, "--redelivery-after", "15s", "--replay",
        ];
        var (portA, portB) = (FreePort.Next(), FreePort.Next());
        await using var a = ServeProcess.Start(folder.Path, Arguments(portA), environment);
        await a.WaitUntilListeningAsync();
        await using var b = ServeProcess.Start(folder.Path, Arguments(portB), environment);
        await b.WaitUntilListeningAsync();
        using var viaA = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portA}/") };
        viaA.DefaultRequestHeaders.Add("x-functions-key", Key);
        using var viaB = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portB}/") };
        viaB.DefaultRequestHeaders.Add("x-functions-key", Key);

        using var started = await viaA.PostAsync("api/agents/support-router/runs", null);
        var runId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        using (var second = await viaB.PostAsync("api/agents/support-router/runs", null))
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode); // one lock for both servers
        var phasesAtKill = (await viaB.GetFromJsonAsync<JsonObject>($"api/runs/{runId}"))!["log"]?.AsArray().Count ?? 0;
        var killed = Stopwatch.StartNew();
        await a.KillAsync();

        // B takes A's partitions once their leases lapse (30 s), and the work A had taken once it is visible again
        // (--redelivery-after), so the run reaches the gate whichever server held it.
        var moved = WaitForProgressAsync(viaB, runId, phasesAtKill);
        var link = (await b.WaitForLineAsync($"APPROVAL REQUIRED {runId} ", TimeSpan.FromMinutes(4))).Split(' ')[3];
        var askedAfter = killed.Elapsed;
        var movedAfter = await moved;
        var dropped = b.Error.Lines.Count(l => l.Contains(ReconcilingOrchestrationService.DroppedMarker, StringComparison.Ordinal));
        output.WriteLine($"TAKEOVER run={runId} phasesAtKill={phasesAtKill} firstProgressAfterKill={movedAfter.TotalSeconds:0.0}s " +
                         $"approvalRequestedAfterKill={askedAfter.TotalSeconds:0.0}s droppedOnSurvivor={dropped}");
        Assert.StartsWith($"http://127.0.0.1:{portB}/", link);
        using (var approved = await new HttpClient().PostAsJsonAsync(link, new { decision = "approve", approver = "ana" }))
            Assert.True(approved.StatusCode == HttpStatusCode.Accepted, $"approval answered {(int)approved.StatusCode}: {await approved.Content.ReadAsStringAsync()}");
        var done = await PollAsync(viaB, runId, s => s["runtimeStatus"]!.GetValue<string>() is "Completed" or "Failed" or "Terminated");
        Assert.Equal("Promoted", done["report"]!["status"]!.GetValue<string>());
        Assert.Equal(["v1", "v2"], (await viaB.GetFromJsonAsync<JsonObject>("api/agents/support-router/versions"))!["versions"]!.AsArray()
            .Select(v => v!["versionId"]!.GetValue<string>()));
        Assert.DoesNotContain(b.Error.Lines, l => l.Contains("Multiple ExecutionStartedEvent", StringComparison.Ordinal));

        // The time from the kill until the survivor (re)wrote the run's progress, measured from the kill.
        async Task<TimeSpan> WaitForProgressAsync(HttpClient http, string id, int phases)
        {
            while (killed.Elapsed < TimeSpan.FromMinutes(4))
            {
                try
                {
                    var status = await http.GetFromJsonAsync<JsonObject>($"api/runs/{id}");
                    if ((status?["log"]?.AsArray().Count ?? 0) > phases) return killed.Elapsed;
                }
                catch (HttpRequestException) { }
                await Task.Delay(250);
            }
            return killed.Elapsed;
        }
    }

    [Fact]
    public async Task Storage_that_does_not_answer_stops_the_server_within_seconds_with_the_endpoint_named()
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var deadPort = FreePort.Next();
        var dead = azurite.ConnectionString.Replace(new Uri(ConnectionPart(azurite.ConnectionString, "BlobEndpoint")).Port.ToString(), deadPort.ToString());
        var started = DateTime.UtcNow;

        await using var server = ServeProcess.Start(folder.Path,
            ["--backend", "azure-storage", "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--agents", agents.Path, "--key", Key],
            new Dictionary<string, string> { ["AzureWebJobsStorage"] = dead });

        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(40)), "the server hung on storage that is down");
        Assert.Equal(1, server.ExitCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(40));
        Assert.Contains(server.Error.Lines, l => l.Contains($"127.0.0.1:{deadPort}", StringComparison.Ordinal) && l.Contains("Azurite", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Output.Lines, l => l.StartsWith(SelfImproveServer.ReadyMarker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Storage_whose_queue_or_table_service_does_not_answer_stops_the_server_with_one_line_naming_it()
    {
        // Blob answers (a live Azurite), but the queue or the table endpoint is a dead port, as when only azurite-blob runs.
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var started = DateTime.UtcNow;
        var cases = new[] { ("QueueEndpoint", "queue"), ("TableEndpoint", "table") }.Select(async c =>
        {
            var (part, service) = c;
            var deadPort = FreePort.Next();
            var live = ConnectionPart(azurite.ConnectionString, part);
            var dead = azurite.ConnectionString.Replace($"{part}={live}", $"{part}=http://127.0.0.1:{deadPort}/devstoreaccount1", StringComparison.Ordinal);
            await using var server = ServeProcess.Start(folder.Path,
                ["--backend", "azure-storage", "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--agents", agents.Path, "--key", Key,
                 "--hub", $"part{Guid.NewGuid():N}"[..16]],
                new Dictionary<string, string> { ["AzureWebJobsStorage"] = dead });

            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(40)), $"the server hung on a {service} service that is down");
            var error = string.Join("\n", server.Error.Lines);
            Assert.True(server.ExitCode == 1, $"exit {server.ExitCode} with the {service} service down; stderr:\n{error}");
            var named = Assert.Single(server.Error.Lines, l => l.Contains($"127.0.0.1:{deadPort}", StringComparison.Ordinal));
            Assert.Contains($"{service} at", named, StringComparison.Ordinal);
            Assert.Contains("Azurite", named, StringComparison.Ordinal);
            Assert.DoesNotContain("blob at", named, StringComparison.Ordinal);
            Assert.True(server.Error.Lines.Count <= 3, $"no stack trace expected; stderr:\n{error}");
            Assert.DoesNotContain(server.Error.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
            Assert.DoesNotContain(server.Output.Lines, l => l.StartsWith(SelfImproveServer.ReadyMarker, StringComparison.Ordinal));
        });
        await Task.WhenAll(cases);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(40));
    }

    private static string ConnectionPart(string connectionString, string name) =>
        connectionString.Split(';').First(p => p.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];

    private static async Task<JsonObject> PollAsync(HttpClient http, string runId, Func<JsonObject, bool> until)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        JsonObject? status = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                status = await http.GetFromJsonAsync<JsonObject>($"api/runs/{runId}");
                if (status is not null && until(status)) return status;
            }
            catch (HttpRequestException) { } // restarting
            await Task.Delay(200);
        }
        throw new TimeoutException($"run {runId}: {status?.ToJsonString()}");
    }
}
